"""Starting an Excel export and writing it.

:func:`start` (in the request that posts the export) reads the filters from the list page's query
string with the page's own schema, refuses a bad value with a clear message (nothing is written),
and queues a long job (``export.xlsx``) whose parameters are the list, the filters and the object the
list belongs to. :func:`run` (on the worker) builds the page's query for the person who asked (their
scope, never more), streams its rows into an .xlsx (openpyxl write-only mode: Chinese headers in
bold, a frozen header row, an autofilter, dates as Excel dates) under ``EXPORT_DIR``, and audits who
exported what, with which filters, and how many rows. The file is served only to whoever may read
the job (its starter; admins): ``pwa.export_download``. Files are kept EXPORT_RETENTION_DAYS days
(default 7): :func:`purge_expired` (a nightly job) removes older ones and marks their job expired, so
the download answers 410 with a plain sentence instead of a missing file."""
from __future__ import annotations

import os
import re
import secrets
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.audit.services import record as audit
from app.auth import policy
from app.common.errors import ServiceError
from app.common.time import local_today, to_local, utcnow
from app.exports.registry import ExportSpec, get
from app.extensions import db
from app.pwa.filters import load_filters
from app.storage import pending

KIND = "export.xlsx"
CHUNK = 500  # rows fetched and formatted at a time
DEFAULT_RETENTION_DAYS = 7  # EXPORT_RETENTION_DAYS: how long an export's file is kept
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# The names of the filters, for messages and the job page (the page's own labels).
FILTER_LABELS = {"q": _l("Search"), "unit": _l("County"), "grade": _l("Credit grade"), "status": _l("Status"),
                 "licence_state": _l("Licence"), "tier_min": _l("Customer tier from"), "tier_max": _l("to"),
                 "indicator_code": _l("Indicator"), "min_days": _l("Waiting"), "officer": _l("Officer"),
                 "date_from": _l("From"), "date_to": _l("To"), "outcome": _l("Outcome"),
                 "flagged": _l("Flagged check-ins only"), "kind": _l("Kind"), "older_than": _l("Age"),
                 "show": _l("Show"), "cycle": _l("Ordering month"), "quarter": _l("Quarter"),
                 "due": _l("Next deadline")}


def export_dir() -> str:
    return current_app.config.get("EXPORT_DIR") or os.path.join(current_app.instance_path, "exports")


def _raw_filters(spec: ExportSpec, source) -> dict:
    """The filter values of the query string the schema knows (strings; empty ones and the page left out)."""
    if spec.schema is None:
        return {}
    known = spec.schema().fields
    return {k: str(v) for k, v in source.items() if k in known and k != "page" and str(v).strip() != ""}


def filters(spec: ExportSpec, raw: dict) -> dict:
    """The page's filters from stored raw values: the same schema and defaults as the page."""
    if spec.schema is None:
        return {}
    args, errors = load_filters(spec.schema(), raw, spec.defaults)
    if errors:
        raise ServiceError({k: [_("Filter “%(f)s”: %(m)s", f=FILTER_LABELS.get(k, k), m=m) for m in (ms if isinstance(ms, list) else [ms])]
                            for k, ms in errors.items()})
    return args


def may_export(user, spec: ExportSpec) -> bool:
    return (policy.role_allows(user, "exports.start", via_token=False)
            and policy.role_allows(user, spec.action, via_token=False))


def start(name: str, source, user, parent_id: int | None = None):
    """Queue the export of list ``name`` with the filters of ``source`` (the page's query string)."""
    from flask import abort

    from app.jobs import services as jobs

    spec = get(name)
    if spec is None:
        abort(404)
    if not may_export(user, spec):
        abort(403)
    if (spec.parent is None) != (parent_id is None):
        abort(404)
    if spec.parent is not None:
        spec.parent(user, parent_id)  # 404 outside the user's scope
    raw = _raw_filters(spec, source)
    filters(spec, raw)  # a bad value refuses the export, field by field
    params = {"list": name, "filters": raw}
    if parent_id is not None:
        params["parent_id"] = parent_id
    job = jobs.start(KIND, params, user)
    audit("export.start", "Job", job.id, after=params, actor=user)
    return job


def _cell(ws, value, kind):
    if value is None or value == "":
        return None
    if kind == "date":
        if isinstance(value, datetime):
            value = value.date()
        cell = WriteOnlyCell(ws, value)
        cell.number_format = DATE_FORMAT
        return cell
    if kind == "datetime":
        local = to_local(value).replace(tzinfo=None, microsecond=0)
        cell = WriteOnlyCell(ws, local)
        cell.number_format = DATETIME_FORMAT
        return cell
    if kind == "int":
        return int(value)
    if kind == "number":
        return float(value)
    return str(value)


def file_name(spec: ExportSpec, when: date) -> str:
    title = re.sub(r"[\\/:*?\"<>|\s]+", "_", str(spec.title))
    return f"{title}_{when:%Y%m%d}.xlsx"


def query_for(spec: ExportSpec, user, params: dict):
    parent = spec.parent(user, params["parent_id"]) if spec.parent is not None else None
    return spec.query(user, filters(spec, params.get("filters") or {}), parent), parent


def rows(spec: ExportSpec, user, params: dict):
    """The export's rows, formatted, in the page's order (a generator: chunk by chunk)."""
    stmt, parent = query_for(spec, user, params)
    extra = (user,) if spec.with_user else ()
    if isinstance(stmt, list):  # a page of figures computed in Python (coverage): its rows as they are
        for k in range(0, len(stmt), CHUNK):
            yield from spec.rows(stmt[k:k + CHUNK], parent, *extra)
        return
    result = db.session.execute(stmt.execution_options(yield_per=CHUNK))
    chunks = result.scalars().partitions(CHUNK) if spec.scalars else result.partitions(CHUNK)
    for chunk in chunks:
        yield from spec.rows(list(chunk), parent, *extra)


def count(spec: ExportSpec, user, params: dict) -> int:
    from sqlalchemy import func, select

    stmt, _parent = query_for(spec, user, params)
    if isinstance(stmt, list):
        return len(stmt)
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def write(spec: ExportSpec, user, params: dict, path: str, progress=None) -> int:
    """Write the .xlsx of this export to ``path``; the number of data rows."""
    total = count(spec, user, params)
    if progress is not None:
        progress.total(total)
        progress.step("export_rows")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(spec.title)[:31])
    ws.freeze_panes = "A2"
    for i, column in enumerate(spec.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in spec.columns:
        cell = WriteOnlyCell(ws, str(column.header))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    n = 0
    kinds = [c.type for c in spec.columns]
    for values in rows(spec, user, params):
        ws.append([_cell(ws, v, k) for v, k in zip(values, kinds)])
        n += 1
        if progress is not None and n % CHUNK == 0:
            progress.advance(CHUNK)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{n + 1}"
    tmp = path + ".part"
    wb.save(tmp)
    os.replace(tmp, path)
    if progress is not None:
        progress.finish()
    return n


def run(job, actor, progress):
    """The long job's work (app.jobs.services): write the file, audit the export."""
    spec = get(job.params["list"])
    if spec is None or actor is None or not may_export(actor, spec):
        raise ServiceError({"list": [_("This list cannot be exported.")]}, status=403)
    now = utcnow()
    relative = f"{now:%Y}/{now:%m}/{secrets.token_hex(16)}.xlsx"
    absolute = os.path.join(export_dir(), relative)
    os.makedirs(os.path.dirname(absolute), exist_ok=True)
    try:
        n = write(spec, actor, job.params, absolute, progress)
    except BaseException:
        _remove(absolute)
        raise
    size = os.path.getsize(absolute)
    result = {"list": spec.name, "rows": n, "file": relative, "size": size,
              "filename": file_name(spec, local_today())}
    audit("export.done", "Job", job.id, after={"list": spec.name, "filters": job.params.get("filters") or {},
                                                "parent_id": job.params.get("parent_id"), "rows": n, "size": size},
          actor=actor)
    return result, f"/jobs/{job.id}/download"


def _remove(path):
    for p in (path, path + ".part"):
        try:
            os.remove(p)
        except OSError:
            pass


def absolute_path(job) -> str:
    """The export file of a finished export job (never outside EXPORT_DIR)."""
    root = os.path.realpath(export_dir())
    path = os.path.realpath(os.path.join(root, (job.result or {}).get("file", "")))
    if not path.startswith(root + os.sep) or not os.path.isfile(path):
        raise FileNotFoundError(path)
    return path


def retention_days() -> int:
    return int(current_app.config.get("EXPORT_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)


def expired(job) -> bool:
    """Whether the file of this export job was removed after the retention period."""
    return bool((job.result or {}).get("expired"))


def purge_expired(now: datetime | None = None) -> dict:
    """Remove the files of exports finished more than EXPORT_RETENTION_DAYS days ago and mark their jobs
    expired (the file's name and size are kept for the job's page). One audit entry says how many."""
    from sqlalchemy import select

    from app.jobs.models import Job

    now = now or utcnow()
    days = retention_days()
    cutoff = now - timedelta(days=days)
    root = os.path.realpath(export_dir())
    purged = 0
    jobs = db.session.scalars(select(Job).where(Job.kind == KIND, Job.state == "done", Job.finished_at < cutoff)
                              .order_by(Job.id))
    for job in jobs:
        result = dict(job.result or {})
        if result.get("expired"):
            continue
        path = os.path.realpath(os.path.join(root, result.get("file", "")))
        if result.get("file") and path.startswith(root + os.sep):
            pending.remove_on_commit(path)  # gone once the jobs are marked expired, kept if that fails
            pending.remove_on_commit(path + ".part")
        result.pop("file", None)
        result["expired"] = True
        result["expired_at"] = now.isoformat(timespec="seconds")
        job.result = result
        job.result_link = None  # the job's page says the file has expired instead of linking to it
        purged += 1
    if purged:
        audit("export.purge", "Job", None, after={"expired": purged, "retention_days": days})
    return {"expired": purged, "retention_days": days}
