"""Long jobs started by a person: the quarterly evaluation of the whole city and a quarter's inspection
plan. :func:`start` writes the job (queued) in the request's transaction and asks the runner to run it
once that commits; :func:`run_long` (on the worker) marks it running, does the work in one transaction
with live progress, and records the result link or the error."""
from __future__ import annotations

import time
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import utcnow
from app.extensions import db
from app.jobs import progress as live_progress
from app.jobs.models import JOB_KINDS, Job
from app.jobs.runner import after_commit


def start(kind: str, params: dict, actor) -> Job:
    """A queued job; it runs on the worker after the caller commits."""
    if kind not in JOB_KINDS:
        raise ValueError(kind)
    job = Job(kind=kind, state="queued", params=params, created_by_id=getattr(actor, "id", None))
    db.session.add(job)
    db.session.flush()
    audit("job.start", "Job", job.id, after={"kind": kind, "params": params}, actor=actor)
    from app.jobs.tasks import run_long_job

    after_commit(run_long_job, job.id)
    return job


def _evaluation(job: Job, actor, progress):
    from app.evaluation import services

    weights = {"prepare": 5, "compute": 70, "hash": 20, "summary": 5}
    progress.total(100)
    progress.step("compute")

    def stage(name):
        following = {"prepare": "compute", "compute": "hash", "hash": "summary"}.get(name)
        progress.advance(weights[name], step=following)

    run = services.run(job.params["quarter"], actor, progress=stage)
    return {"run_id": run.id, "quarter": run.quarter, "licences": run.retailer_count}, f"/evaluations/{run.id}"


def _plan(job: Job, actor, progress):
    from app.scheduling import planning

    p = job.params
    plan = planning.create_plan(actor, p["unit"], p["period"], date.fromisoformat(p["start"]), progress=progress)
    progress.finish()
    return {"plan_id": plan.id, "visits": (plan.summary or {}).get("visits", 0)}, f"/plans/{plan.id}"


def _service_run(job: Job, actor, progress):
    from app.service import runs

    run = runs.compute(job.params["cycle"], actor, progress=progress)
    return {"run_id": run.id, "cycle": run.cycle, "licences": run.licence_count}, f"/service/runs/{run.id}"


def _export(job: Job, actor, progress):
    from app.exports import services as exports

    return exports.run(job, actor, progress)


def _report(job: Job, actor, progress):
    from app.org.models import OrgUnit
    from app.reports import bureau

    p = job.params
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == p["unit"])) if p.get("unit") else None
    progress.total(100)
    report = bureau.generate(p["kind"], p["period"], unit, actor=actor, job_id=job.id, progress=progress)
    progress.finish()
    return {"report_id": report.id, "kind": report.kind, "period": report.period}, f"/reports/{report.id}/file"


WORK = {"evaluation.run": _evaluation, "schedule.plan": _plan, "service.run": _service_run,
        "export.xlsx": _export, "report.generate": _report}


def run_long(job_id: int) -> dict:
    """Run one queued job (the runner's app context; this function commits)."""
    from app.auth.models import User

    job = db.session.get(Job, job_id)
    if job is None or job.state not in ("queued",):
        return {"skipped": job_id}
    job.state, job.started_at = "running", utcnow()
    db.session.commit()
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    progress = live_progress.Progress(job.id)
    locale = (actor.locale if actor is not None else None) or "zh_Hans_CN"
    try:
        with force_locale(locale):
            result, link = WORK[job.kind](job, actor, progress)
    except ServiceError as exc:
        db.session.rollback()
        with force_locale(locale):
            message = "；".join(str(m) for ms in exc.errors.values() for m in (ms if isinstance(ms, list) else [ms]))
        _end(job_id, "failed", progress, error=message)
        return {"failed": job_id}
    except Exception as exc:
        db.session.rollback()
        with force_locale(locale):
            _end(job_id, "failed", progress, error=_("The job stopped with an internal error (%(e)s).",
                                                     e=type(exc).__name__))
        raise
    job.state, job.finished_at, job.result, job.result_link = "done", utcnow(), result, link
    job.done, job.total, job.step = progress.done, progress.snapshot()["total"], None
    audit("job.done", "Job", job.id, after={"kind": job.kind, "result": result}, actor=actor)
    db.session.commit()  # the work and the job's end, one transaction
    live_progress.forget(job.id)
    return {"done": job_id}


def _end(job_id, state, progress, *, error=None):
    job = db.session.get(Job, job_id)
    snap = progress.snapshot()
    job.state, job.finished_at, job.error = state, utcnow(), error
    job.done, job.total, job.step = snap["done"], snap["total"], snap["step"]
    db.session.commit()
    live_progress.forget(job_id)


def status(job: Job) -> dict:
    """What the progress page polls: state, done / total, step, seconds elapsed and left, result link."""
    done, total, step = job.done, job.total, job.step
    eta = None
    elapsed = None
    if job.state == "running":
        snap = live_progress.live(job.id)
        if snap:
            done, total, step = snap["done"], snap["total"], snap["step"]
            eta = live_progress.eta_seconds(done, total, snap["started"])
            elapsed = int(time.time() - snap["started"])
    elif job.started_at and job.finished_at:
        elapsed = int((job.finished_at - job.started_at).total_seconds())
    return {"id": job.id, "kind": job.kind, "state": job.state, "done": done, "total": total, "step": step,
            "percent": int(100 * done / total) if total else (100 if job.state == "done" else 0),
            "eta_seconds": eta, "elapsed_seconds": elapsed, "result_link": job.result_link, "error": job.error}


def recent(limit: int = 20):
    return list(db.session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)))
