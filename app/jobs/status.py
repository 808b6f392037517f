"""The status page's read model: each periodic job's last run, outcome and staleness; recent long jobs."""
from __future__ import annotations

from sqlalchemy import select

from app.common.time import utcnow
from app.extensions import db
from app.jobs.models import JobHeartbeat
from app.jobs.schedule import PERIODIC, stale_after


def periodic_status(now=None) -> list[dict]:
    now = now or utcnow()
    beats = {b.name: b for b in db.session.scalars(select(JobHeartbeat))}
    out = []
    for p in PERIODIC:
        b = beats.get(p.name)
        last_ok = b.last_ok_at if b else None
        stale = last_ok is None or now - last_ok > stale_after(p)
        out.append({"name": p.name, "label": p.label, "every": p.every, "stale_minutes": p.stale_minutes,
                    "last_started_at": b.last_started_at if b else None,
                    "last_finished_at": b.last_finished_at if b else None, "last_ok_at": last_ok,
                    "outcome": b.last_outcome if b else None, "error": b.last_error if b else None,
                    "summary": b.last_summary if b else None, "duration_ms": b.last_duration_ms if b else None,
                    "runs": b.runs if b else 0, "failures": b.failures if b else 0, "stale": stale})
    return out
