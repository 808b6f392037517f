"""Pages of the job runner: a long job's progress (polls /api/jobs/<id>), the background jobs' status
(when each last ran, stale warnings) and the SMS outbox (admins: by state, retry or discard)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.auth import policy
from app.auth.policy import requires
from app.common.boundary import form_page
from app.common.paging import paginate
from app.common.time import utcnow
from app.extensions import db
from app.jobs import services as jobs
from app.jobs.models import Job
from app.jobs.status import periodic_status
from app.notices import sms
from app.notices.models import SMS_STATES, SmsOutbox
from app.pwa import bp

JOB_KIND_LABELS = {"evaluation.run": _l("Quarterly evaluation of the city"), "schedule.plan": _l("Inspection plan"),
                   "service.run": _l("Monthly service run (tiers and supply)"),
                   "export.xlsx": _l("Excel export"), "report.generate": _l("Bureau report (PDF)")}
JOB_STATE_LABELS = {"queued": _l("Waiting for the worker"), "running": _l("Running"), "done": _l("Done"),
                    "failed": _l("Failed")}
STEP_LABELS = {"prepare": _l("Preparing"), "compute": _l("Computing the grades"), "hash": _l("Fingerprinting the inputs"),
               "summary": _l("Summarising"), "inputs": _l("Reading shops, grades and officers"),
               "draw": _l("Committing the random draw"), "route": _l("Placing visits and routing each day"),
               "write": _l("Saving the visits"), "svc_grades": _l("Reading the credit grades"),
               "svc_inputs": _l("Reading ordering figures, records and suspensions"),
               "svc_compute": _l("Computing tiers and supply coefficients"),
               "export_rows": _l("Writing the rows"),
               "report_figures": _l("Gathering the figures"), "report_render": _l("Drawing the PDF"),
               "report_store": _l("Keeping the file")}
SMS_STATE_LABELS = {"pending": _l("Waiting"), "sending": _l("Sending"), "sent": _l("Sent"), "dead": _l("Failed (gave up)"),
                    "discarded": _l("Discarded")}
PER_PAGE = 30


def _labels():
    return {"kind_labels": JOB_KIND_LABELS, "state_labels": JOB_STATE_LABELS, "step_labels": STEP_LABELS}


@bp.route("/jobs/<int:job_id>")
@requires("jobs.read")
def job_page(job_id):
    """A long job's progress: a bar (done / total, time left) that updates itself, then the result."""
    job = policy.get_or_404(current_user, "jobs.read", Job, job_id)
    from app.org.models import OrgUnit
    from app.pwa.scheduling_views import PERIOD_LABELS

    unit = db.session.scalar(select(OrgUnit.name).where(OrgUnit.code == job.params.get("unit"))) \
        if job.params.get("unit") else None
    export = None
    if job.kind == "export.xlsx":
        from app.pwa.export_views import describe

        export = describe(job)
    return render_template("jobs/job.html", job=job, status=jobs.status(job), unit_name=unit, export=export,
                           period_label=PERIOD_LABELS.get(job.params.get("period"), ""),
                           state_labels_json={k: str(v) for k, v in JOB_STATE_LABELS.items()},
                           step_labels_json={k: str(v) for k, v in STEP_LABELS.items()}, **_labels())


@bp.route("/admin/jobs")
@requires("jobs.status")
def jobs_status():
    """When each background job last ran and how it ended; stale ones are flagged. Recent long jobs."""
    stmt = policy.scope(current_user, "jobs.read", select(Job), Job).order_by(Job.id.desc())
    listing = paginate(stmt, per_page=PER_PAGE)
    return render_template("jobs/status.html", rows=periodic_status(), listing=listing, now=utcnow(),
                           sms_counts=sms.counts_by_state() if current_user.role == "admin" else None,
                           sms_labels=SMS_STATE_LABELS, **_labels())


@bp.route("/admin/sms")
@requires("sms.manage")
def sms_outbox():
    """The SMS outbox by state, newest first, paginated."""
    state = request.args.get("state") or "dead"
    if state not in SMS_STATES:
        state = "dead"
    stmt = policy.scope(current_user, "sms.manage", select(SmsOutbox), SmsOutbox).where(SmsOutbox.status == state)
    listing = paginate(stmt.order_by(SmsOutbox.id.desc()), per_page=PER_PAGE)
    return render_template("jobs/sms.html", listing=listing, state=state, states=SMS_STATES,
                           counts=sms.counts_by_state(), labels=SMS_STATE_LABELS, mask=sms.mask_phone)


@bp.route("/admin/sms/<int:sms_id>/<any(retry, discard):action>", methods=["POST"])
@requires("sms.manage")
@form_page(on_refusal="pwa.sms_outbox")
def sms_action(sms_id, action):
    """Retry a dead message (back to the queue) or discard a pending or dead one; audited."""
    msg = policy.get_or_404(current_user, "sms.manage", SmsOutbox, sms_id)
    back = msg.status
    if action == "retry":
        sms.retry(msg, current_user)
        flash(_("The message is queued again."), "ok")
    else:
        sms.discard(msg, current_user)
        flash(_("The message is discarded."), "ok")
    return redirect(url_for("pwa.sms_outbox", state=back))
