"""The Huey tasks: every periodic job of app.jobs.schedule, the long jobs started by people, and the
"kick" that enqueues the consumers (and SMS delivery) after a transaction that wrote events commits."""
from __future__ import annotations

from importlib import import_module

from app.jobs.runner import after_commit, job
from app.jobs.schedule import PERIODIC


def _target(spec: str):
    module, _sep, name = spec.partition(":")
    return getattr(import_module(module), name)


def _register(p):
    def work():
        return _target(p.target)()

    work.__name__ = p.name.replace(".", "_")
    return job(p.name, periodic=p.when, lock=p.lock)(work)


PERIODIC_TASKS = {p.name: _register(p) for p in PERIODIC}


@job("jobs.long")
def run_long_job(job_id: int):
    from app.jobs.services import run_long

    return run_long(job_id)


@job("dashboard.refresh_now", lock=True)
def refresh_dashboard(trigger: str):
    """The dashboard's figures rebuilt on demand: after an evaluation is published, or when a supervisor
    asks ("refresh now"); the nightly run is the periodic "dashboard.refresh"."""
    from app.dashboard.refresh import refresh

    return refresh(trigger=trigger)


def kick_dashboard(trigger: str, *, always: bool = False):
    """Rebuild the dashboard after the current transaction commits. ``always``: even where consumers
    are not kicked after commits (JOBS_KICK off, as in tests): a person asked for it."""
    from flask import current_app

    if always or current_app.config.get("JOBS_KICK", True):
        after_commit(refresh_dashboard, trigger)


# ---- kicks: work that follows from what a transaction wrote -------------------------------------------------

def _watch(session, flush_context, instances):
    """Before a flush: new GradeChange or CreditRecordEvent rows → the consumers run after commit;
    new SMS in the outbox → delivery runs after commit."""
    from flask import current_app

    if not session.new or not current_app or not current_app.config.get("JOBS_KICK", True):
        return
    from app.credit.models import CreditRecordEvent, GradeChange
    from app.notices.models import SmsOutbox

    kinds = {type(obj) for obj in session.new}
    if GradeChange in kinds or CreditRecordEvent in kinds:
        after_commit(PERIODIC_TASKS["scheduling.consume"])
        after_commit(PERIODIC_TASKS["notices.consume"])
    if SmsOutbox in kinds:
        after_commit(PERIODIC_TASKS["sms.deliver"])


def kick_sms():
    """SMS were queued by a bulk insert (no ORM object to see): deliver after commit."""
    from flask import current_app

    if current_app.config.get("JOBS_KICK", True):
        after_commit(PERIODIC_TASKS["sms.deliver"])


def install_kicks():
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if getattr(install_kicks, "done", False):
        return
    event.listen(Session, "before_flush", _watch)
    install_kicks.done = True
