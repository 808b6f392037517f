"""A visit's end: done with the inspection's outcome, or missed when its day passed."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.extensions import db
from app.scheduling.models import (
    Visit,
)


def mark_missed(today: date | None = None, unit_id: int | None = None) -> int:
    """Approved visits whose day has passed without an inspection become missed (shown as overdue)."""
    today = today or local_today()
    stmt = select(Visit).where(Visit.status == "approved", Visit.planned_on < today)
    if unit_id is not None:
        stmt = stmt.where(Visit.unit_id == unit_id)
    n = 0
    for v in db.session.scalars(stmt):
        v.status = "missed"
        v.note = "missed"
        v.updated_at = utcnow()
        n += 1
    if n:
        db.session.flush()
    return n


def complete_visit(visit: Visit, actor, outcome: str, *, done_on: date | None = None,
                   inspection_id: int | None = None) -> Visit:
    """Close a visit with the inspection's outcome (called by the inspections part when an inspection
    is recorded; also reachable by the inspector directly)."""
    from app.scheduling.models import OUTCOMES

    if outcome not in OUTCOMES:
        raise ServiceError({"outcome": [_("Unknown outcome.")]})
    if visit.status not in ("approved", "missed"):
        raise ServiceError({"visit": [_("This visit is not open.")]})
    before = {"status": visit.status}
    visit.status = "done"
    visit.outcome = outcome
    visit.done_on = done_on or local_today()
    visit.inspection_id = inspection_id
    visit.updated_at = utcnow()
    db.session.flush()
    record("scheduling.visit.complete", "Visit", visit.id, before=before,
           after={"status": "done", "outcome": outcome, "inspection_id": inspection_id}, actor=actor)
    return visit


def close_visit_for_inspection(retailer_id: int, done_on: date, outcome: str, inspection_id=None, actor=None):
    """For the inspections part: an inspection of this shop closes its open visit (the nearest one)."""
    open_visits = db.session.scalars(select(Visit).where(Visit.retailer_id == retailer_id,
                                                         Visit.status.in_(("approved", "missed")))).all()
    v = min(open_visits, key=lambda x: (abs((x.planned_on - done_on).days), x.id), default=None)
    if v is None:
        return None
    return complete_visit(v, actor, outcome, done_on=done_on, inspection_id=inspection_id)
