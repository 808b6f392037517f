"""Open data: the data sets (made by the job runner, never by a request) and the queries the public API
and the landing page read.

A quarter's grades become open data once its evaluation run is public (published, objection window
closed): :func:`export_due` (periodic job ``open_data.export``) freezes them into ``open_grades`` with
personal names masked and writes the bulk CSV file (``OPEN_DATA_DIR``). A run superseded by a
correction has its data set withdrawn (kept, no longer served); the correction gets its own data set
when its own window closes. Requests only read."""
from __future__ import annotations

import csv
import hashlib
import io
import os
import threading
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import insert, null, or_, select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record as audit
from app.common.time import local_today, utcnow
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from app.opendata.models import OpenDataset, OpenGrade
from app.org.models import OrgUnit
from app.retailers.models import Retailer
from app.retailers.schemas import mask_name
from app.scheduling.queries import mask_name as mask_shop
from app.storage import pending

CSV_COLUMNS = ("quarter", "evaluation_date", "licence_no", "shop_name", "operator_name", "address",
               "county_code", "county", "grade", "lat", "lng")
CHUNK = 2000


def data_dir() -> str:
    return current_app.config.get("OPEN_DATA_DIR") or os.path.join(current_app.instance_path, "open-data")


def csv_file(dataset: OpenDataset) -> str:
    return os.path.join(data_dir(), dataset.csv_path)


# ---------------------------------------------------------------- the job


def export_due(today: date | None = None) -> dict:
    """Make the data set of every public run that has none; withdraw the data sets of superseded runs.
    Returns counts (the job's summary)."""
    today = today or local_today()
    made, withdrawn = [], 0
    due = db.session.scalars(
        select(EvaluationRun).where(EvaluationRun.status == "published", EvaluationRun.objection_closes_on <= today,
                                    ~EvaluationRun.id.in_(select(OpenDataset.run_id)))
        .order_by(EvaluationRun.quarter, EvaluationRun.id)).all()
    for run in due:
        dataset = export_run(run)
        if dataset is not None:
            made.append(dataset.quarter)
    stale = db.session.scalars(
        select(OpenDataset).join(EvaluationRun, EvaluationRun.id == OpenDataset.run_id)
        .where(OpenDataset.withdrawn_at.is_(None), EvaluationRun.status != "published")).all()
    for dataset in stale:
        dataset.withdrawn_at = utcnow()
        audit("opendata.withdraw", "OpenDataset", dataset.id, before={"withdrawn_at": None},
              after={"quarter": dataset.quarter, "run": dataset.run_id, "reason": "run superseded"}, actor=None)
        withdrawn += 1
    db.session.flush()
    return {"made": len(made), "quarters": made, "withdrawn": withdrawn}


def _public_rows(run: EvaluationRun):
    """The run's rows joined to the shop and its county at evaluation, as the public may see them."""
    stmt = (select(EvaluationRow.retailer_id, EvaluationRow.grade, Retailer.licence_no, Retailer.shop_name,
                   Retailer.operator_name, Retailer.address, Retailer.lat, Retailer.lng, OrgUnit.code, OrgUnit.name)
            .join(Retailer, Retailer.id == EvaluationRow.retailer_id)
            .join(OrgUnit, OrgUnit.id == EvaluationRow.unit_id)
            .where(EvaluationRow.run_id == run.id, Retailer.status != "cancelled")
            .order_by(Retailer.licence_no))
    for rid, grade, licence_no, shop, operator, address, lat, lng, code, county in db.session.execute(stmt):
        yield {"retailer_id": rid, "licence_no": licence_no, "shop_name": mask_shop(shop, operator),
               "operator_name": mask_name(operator), "address": address, "county_code": code, "county": county,
               "grade": grade, "lat": lat, "lng": lng}


def export_run(run: EvaluationRun) -> OpenDataset | None:
    """Freeze one public run into a data set and its CSV file (in the caller's transaction: the file is
    removed again unless it commits). None if another worker made it meanwhile."""
    rows = list(_public_rows(run))
    os.makedirs(data_dir(), exist_ok=True)
    relative = f"grades-{run.quarter}-run{run.id}.csv"
    path = os.path.join(data_dir(), relative)
    body = io.StringIO()
    writer = csv.writer(body, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([run.quarter, run.as_of.isoformat(), r["licence_no"], r["shop_name"], r["operator_name"],
                         r["address"], r["county_code"], r["county"], r["grade"],
                         "" if r["lat"] is None else f"{r['lat']:.6f}", "" if r["lng"] is None else f"{r['lng']:.6f}"])
    data = ("\ufeff" + body.getvalue()).encode("utf-8")  # a BOM: spreadsheets open it as UTF-8
    digest = hashlib.sha256(data).hexdigest()
    dataset = OpenDataset(run_id=run.id, quarter=run.quarter, as_of=run.as_of,
                          published_on=(run.published_at.date() if run.published_at else run.objection_closes_on),
                          public_from=run.objection_closes_on, rows=len(rows), csv_path=relative,
                          csv_sha256=digest, csv_size=len(data), created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(dataset)
            db.session.flush()
    except IntegrityError:
        return None  # made by another worker (UNIQUE run_id)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(OpenGrade), [{**r, "dataset_id": dataset.id, "seq": start + i + 1}
                                               for i, r in enumerate(rows[start:start + CHUNK])])
    tmp = path + ".part"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    pending.written(path)
    audit("opendata.export", "OpenDataset", dataset.id, after={"quarter": run.quarter, "run": run.id,
                                                               "rows": len(rows), "sha256": digest}, actor=None)
    return dataset


# ---------------------------------------------------------------- reading


def _served():
    return (select(OpenDataset).join(EvaluationRun, EvaluationRun.id == OpenDataset.run_id)
            .where(OpenDataset.withdrawn_at.is_(None), EvaluationRun.status == "published"))


def current_dataset() -> OpenDataset | None:
    """The latest quarter's data set that is served (its run still the published one)."""
    return db.session.scalars(_served().order_by(OpenDataset.quarter.desc(), OpenDataset.id.desc())).first()


def dataset_for(quarter: str | None) -> OpenDataset | None:
    if not quarter:
        return current_dataset()
    return db.session.scalars(_served().where(OpenDataset.quarter == quarter.upper())
                              .order_by(OpenDataset.id.desc())).first()


@dataclass(frozen=True)
class ServedDataset:
    """What a request needs of a served data set (a plain value, safe to keep between requests)."""

    id: int
    quarter: str
    as_of: date
    rows: int
    csv_sha256: str


_served_cache: dict = {}
_served_lock = threading.Lock()


def served(quarter: str | None) -> ServedDataset | None:
    """The served data set of a quarter (None: the latest), remembered per process for
    OPEN_DATA_LOOKUP_SECONDS (answers are public and cacheable for OPEN_DATA_MAX_AGE anyway), so a page
    already answered costs no database query at all."""
    ttl = float(current_app.config["OPEN_DATA_LOOKUP_SECONDS"])
    key = (quarter or "").upper()
    now = utcnow().timestamp()
    if ttl > 0:
        with _served_lock:
            hit = _served_cache.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
    d = dataset_for(key or None)
    value = None if d is None else ServedDataset(d.id, d.quarter, d.as_of, d.rows, d.csv_sha256)
    if ttl > 0:
        with _served_lock:
            if len(_served_cache) > 256:
                _served_cache.clear()
            _served_cache[key] = (now, value)
    return value


def datasets_query():
    return _served().order_by(OpenDataset.quarter.desc(), OpenDataset.id.desc())


GRADE_COLUMNS = (OpenGrade.licence_no, OpenGrade.shop_name, OpenGrade.operator_name, OpenGrade.address,
                 OpenGrade.county_code, OpenGrade.county, OpenGrade.grade, OpenGrade.lat, OpenGrade.lng)


def grades_rows(dataset, county: str | None = None, grade: str | None = None):
    """A data set's shops in licence-number order (= seq), as plain rows of the public columns (no ORM
    objects: a page of 100 is read and serialised in a few milliseconds)."""
    stmt = select(*GRADE_COLUMNS).where(OpenGrade.dataset_id == dataset.id)
    if county:
        stmt = stmt.where(OpenGrade.county_code == county)
    if grade:
        stmt = stmt.where(OpenGrade.grade == grade)
    return stmt.order_by(OpenGrade.seq)


def grades_page(dataset, page: int, per_page: int) -> list:
    """One page of the whole data set: a range of seq (no OFFSET, no COUNT: the data set knows its rows)."""
    first = (page - 1) * per_page
    if first >= dataset.rows:
        return []
    return db.session.execute(select(*GRADE_COLUMNS).where(
        OpenGrade.dataset_id == dataset.id, OpenGrade.seq > first, OpenGrade.seq <= first + per_page)
        .order_by(OpenGrade.seq)).all()


def counties() -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)))


# ---------------------------------------------------------------- the landing page's search


def _search(columns, q: str, county: str | None):
    dataset = served(None)
    q = (q or "").strip()
    grade = OpenGrade.grade if dataset is not None else null()
    stmt = select(*columns, grade.label("grade"), OrgUnit.name.label("county")).join(
        OrgUnit, OrgUnit.id == Retailer.unit_id).where(Retailer.status != "cancelled")
    if dataset is not None:
        stmt = stmt.outerjoin(OpenGrade, (OpenGrade.retailer_id == Retailer.id) & (OpenGrade.dataset_id == dataset.id))
    if q:
        like = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        if q.isdigit():  # a licence number, from its start
            stmt = stmt.where(Retailer.licence_no.like(f"{like}%", escape="\\"))
        elif q.isascii() and q.isalnum():  # pinyin initials, from the start of the name
            stmt = stmt.where(Retailer.name_initials.like(f"{like.lower()}%", escape="\\"))
        else:  # a shop name or an address, in part
            stmt = stmt.where(or_(Retailer.shop_name.like(f"%{like}%", escape="\\"),
                                  Retailer.address.like(f"%{like}%", escape="\\")))
    if county:
        stmt = stmt.where(OrgUnit.code == county)
    return stmt.order_by(Retailer.licence_no)


def search_query(q: str, county: str | None = None):
    """Licences (not cancelled), in licence-number order, matching: digits, a licence number from its start;
    Latin letters, the pinyin initials of the shop name from its start ("hxbl" for 华兴便利; the column is
    filled when the shop is written); anything else, a shop name or an address in part. With the grade of
    the served data set (None: not graded in it). Rows of (Retailer, grade, county name)."""
    return _search([Retailer], q, county)


def search_points(q: str, county: str | None = None, limit: int = 500):
    """The same search for the map: plain rows (coordinates, names to mask, licence number, grade)."""
    return _search([Retailer.lat, Retailer.lng, Retailer.shop_name, Retailer.operator_name, Retailer.licence_no],
                   q, county).where(Retailer.lat.is_not(None), Retailer.lng.is_not(None)).limit(limit)


# ---- the red and black lists (红名单 / 黑名单) ------------------------------------------------------------

LIST_CSV_COLUMNS = ("list", "list_zh", "status", "criterion", "criterion_zh", "licence_no", "shop_name",
                    "operator_name", "county_code", "county", "notice_from", "notice_until", "effective_on",
                    "expires_on")


def lists_query(kind=None, status=None, county=None):
    """The published listings (in their public notice period or in effect), one row each with its shop
    and county, in entry order (oldest first: a new listing lands on the last page). Withdrawn,
    cancelled and rejected entries are not public."""
    from app.lists.models import PUBLIC, ListEntry

    stmt = (select(ListEntry.id, ListEntry.kind, ListEntry.status, ListEntry.criterion, ListEntry.notice_from,
                   ListEntry.notice_until, ListEntry.effective_on, ListEntry.expires_on, Retailer.licence_no,
                   Retailer.shop_name, Retailer.operator_name, OrgUnit.code.label("county_code"),
                   OrgUnit.name.label("county"))
            .join(Retailer, Retailer.id == ListEntry.retailer_id).join(OrgUnit, OrgUnit.id == ListEntry.unit_id)
            .where(ListEntry.status.in_(PUBLIC)).order_by(ListEntry.id))
    if kind:
        stmt = stmt.where(ListEntry.kind == kind)
    if status:
        stmt = stmt.where(ListEntry.status == status)
    if county:
        stmt = stmt.where(OrgUnit.code == county)
    return stmt


def list_row(r) -> dict:
    """One published listing as the open data show it: personal names masked (the operator's, and the
    operator's name inside the shop name)."""
    from app.exchange.services import CRITERIA, LIST_NAMES
    from app.scheduling.queries import mask_name as mask_shop

    return {"id": r.id, "list": r.kind, "list_zh": LIST_NAMES.get(r.kind, r.kind), "status": r.status,
            "criterion": r.criterion, "criterion_zh": CRITERIA.get(r.criterion, r.criterion),
            "licence_no": r.licence_no, "shop_name": mask_shop(r.shop_name, r.operator_name),
            "operator_name": mask_name(r.operator_name), "county_code": r.county_code, "county": r.county,
            "notice_from": r.notice_from, "notice_until": r.notice_until, "effective_on": r.effective_on,
            "expires_on": r.expires_on}


def lists_csv(kind=None, status=None, county=None) -> bytes:
    """The published listings as a CSV (UTF-8 with a BOM, the columns of LIST_CSV_COLUMNS), built from the
    current state on request: the lists change day by day, unlike a quarter's frozen grades."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(LIST_CSV_COLUMNS)
    for r in db.session.execute(lists_query(kind, status, county)):
        row = list_row(r)
        w.writerow(["" if row[c] is None else (row[c].isoformat() if isinstance(row[c], date) else row[c])
                    for c in LIST_CSV_COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
