"""Heartbeats: one row per background job name, written in its own short transaction after each run
(success or failure), so the status page can say when each job last ran and warn when it is stale."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.common.db import insert_ignore
from app.common.time import utcnow
from app.extensions import db
from app.jobs.models import JobHeartbeat


def _ensure(name):
    insert_ignore(JobHeartbeat, {"name": name, "runs": 0, "failures": 0}, ["name"])


def start(name: str):
    """Remember that ``name`` started (committed at once, so a job that hangs still shows)."""
    now = utcnow()
    try:
        _ensure(name)
        db.session.execute(update(JobHeartbeat).where(JobHeartbeat.name == name).values(last_started_at=now))
        db.session.commit()
    except Exception:  # noqa: BLE001  (a heartbeat never stops the job itself)
        db.session.rollback()
    return now


def _summary(result) -> str | None:
    if result is None:
        return None
    if isinstance(result, dict):
        return ", ".join(f"{k} {v}" for k, v in result.items())[:200]
    return str(result)[:200]


def finish(name: str, started, seconds: float, *, summary=None, error: str | None = None):
    now = utcnow()
    values = {"last_finished_at": now, "last_duration_ms": int(seconds * 1000),
              "runs": JobHeartbeat.runs + 1, "last_outcome": "failed" if error else "ok"}
    if error:
        values.update(last_error=error, failures=JobHeartbeat.failures + 1)
    else:
        values.update(last_ok_at=now, last_error=None, last_summary=_summary(summary))
    try:
        _ensure(name)
        db.session.execute(update(JobHeartbeat).where(JobHeartbeat.name == name).values(**values))
        db.session.commit()
    except Exception:  # noqa: BLE001
        db.session.rollback()


def stale_after(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)
