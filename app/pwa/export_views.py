"""Excel exports from the list pages: the "导出Excel" button posts the page's filters (its query
string) to :func:`export_start`, which queues the export on the job runner and sends the person to the
job's page; when the job is done that page offers the file (:func:`export_download`), to its starter
only (and admins)."""
from flask import abort, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import Gone

from app.auth import policy
from app.auth.policy import requires
from app.exports import registry
from app.exports import services as exports
from app.jobs.models import Job
from app.pwa import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"



@bp.route("/exports/<name>", methods=["POST"])
@bp.route("/exports/<name>/<int:parent_id>", methods=["POST"])
@requires("exports.start")
def export_start(name, parent_id=None):
    """Queue the export of list ``name`` with the filters in the query string; then the job's page."""
    job = exports.start(name, request.args, current_user, parent_id)
    return redirect(url_for("pwa.job_page", job_id=job.id), code=303)


@bp.route("/jobs/<int:job_id>/download")
@requires("jobs.read")
def export_download(job_id):
    """The finished export's file, to whoever may read the job (its starter; admins)."""
    job = policy.get_or_404(current_user, "jobs.read", Job, job_id)
    if job.kind != exports.KIND or job.state != "done":
        abort(404)
    if exports.expired(job):
        gone = Gone()
        gone.user_message = _("This export's file has expired: files are kept for %(n)d days. Export the list again.",
                              n=exports.retention_days())
        raise gone
    try:
        path = exports.absolute_path(job)
    except FileNotFoundError:
        abort(404)
    return send_file(path, mimetype=XLSX, as_attachment=True, download_name=job.result.get("filename") or "export.xlsx",
                     max_age=0)


def describe(job) -> dict:
    """What the job page says of an export: the list, its filters, the rows and the file."""
    spec = registry.get(job.params.get("list", ""))
    from sqlalchemy import select

    from app.extensions import db
    from app.org.models import OrgUnit

    shown = []
    for k, v in (job.params.get("filters") or {}).items():
        if k == "unit":  # the county's name, not its code
            v = db.session.scalar(select(OrgUnit.name).where(OrgUnit.code == v)) or v
        shown.append((str(exports.FILTER_LABELS.get(k, k)), v))
    result = job.result or {}
    return {"title": str(spec.title) if spec else job.params.get("list"), "filters": shown,
            "expired": exports.expired(job), "retention_days": exports.retention_days(),
            "rows": result.get("rows"), "filename": result.get("filename"), "size": result.get("size"),
            "back": url_for(spec.endpoint, **({spec.parent_arg: job.params["parent_id"]} if job.params.get("parent_id")
                                              else {}), **(job.params.get("filters") or {})) if spec else None}


@bp.app_context_processor
def _export_helpers():
    def may_export(name) -> bool:
        spec = registry.get(name)
        return bool(spec and current_user.is_authenticated and exports.may_export(current_user, spec))

    def export_url(name, parent_id=None) -> str:
        args = {k: v for k, v in request.args.items() if k != "page"}
        return url_for("pwa.export_start", name=name, parent_id=parent_id, **args)

    return {"may_export": may_export, "export_url": export_url}


def _extract_labels():  # pragma: no cover - never called, read by pybabel
    _("Export to Excel")
