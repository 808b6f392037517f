"""What the planner reads from the database: a county's shops with their live grade, last inspection,
recent suspected findings, expired rectifications and pending interviews; its officers; its seat."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select

from app.extensions import db
from app.org.models import OrgUnit
from app.retailers.models import Retailer
from app.scheduling import planner as P
from app.scheduling.models import (
    InspectorSetting,
    Visit,
)


def seat_of(unit: OrgUnit):
    from app.demo import geo

    for c in geo.COUNTIES:
        if c["code"] == unit.code:
            return c["seat"]
    return (33.6, 119.02)


def live_grades(retailer_ids) -> dict:
    """Live grade per retailer (credit's RetailerGrade); a retailer not yet graded counts as A."""
    from app.credit.models import RetailerGrade

    out = {}
    ids = list(retailer_ids)
    for k in range(0, len(ids), 900):
        for rid, grade in db.session.execute(select(RetailerGrade.retailer_id, RetailerGrade.grade)
                                             .where(RetailerGrade.retailer_id.in_(ids[k:k + 900]))):
            out[rid] = grade
    return out


def last_visits(unit_id: int) -> dict:
    """retailer_id -> (last inspection date, frozenset of its two officers): from closed visits and
    from the inspections recorded on site (app.inspections), whichever is later."""
    from app.scheduling.models import ABNORMAL_OUTCOMES

    rows = db.session.execute(
        select(Visit.retailer_id, Visit.done_on, Visit.officer_a_id, Visit.officer_b_id)
        .where(Visit.unit_id == unit_id, Visit.status == "done",
               or_(Visit.outcome.is_(None), Visit.outcome.not_in(ABNORMAL_OUTCOMES)))
        .order_by(Visit.done_on, Visit.id))
    out = {}
    for rid, done_on, a, b in rows:
        out[rid] = (done_on, frozenset(x for x in (a, b) if x))
    try:
        from app.inspections.models import Inspection
    except ImportError:  # pragma: no cover - the inspections part is optional
        return out
    for rid, day, a, b in db.session.execute(
            select(Inspection.retailer_id, Inspection.occurred_on, Inspection.inspector_id,
                   Inspection.second_officer_id)
            .where(Inspection.unit_id == unit_id, Inspection.outcome == "inspected")
            .order_by(Inspection.occurred_on, Inspection.id)):
        if rid not in out or out[rid][0] is None or day >= out[rid][0]:
            out[rid] = (day, frozenset(x for x in (a, b) if x))
    return out


def expired_rectifications(unit_id: int, as_of: date) -> dict:
    """retailer_id -> rectification deadlines passed with no check yet (app.inspections)."""
    try:
        from app.inspections.models import RectificationItem
    except ImportError:  # pragma: no cover
        return {}
    return dict(db.session.execute(
        select(RectificationItem.retailer_id, func.count(RectificationItem.id))
        .join(Retailer, Retailer.id == RectificationItem.retailer_id)
        .where(Retailer.unit_id == unit_id, RectificationItem.status == "open", RectificationItem.deadline < as_of)
        .group_by(RectificationItem.retailer_id)).all())


def suspected_counts(unit_id: int, as_of: date) -> dict:
    from app.credit.models import CreditRecord

    rows = db.session.execute(
        select(CreditRecord.retailer_id, func.count(CreditRecord.id))
        .join(Retailer, Retailer.id == CreditRecord.retailer_id)
        .where(Retailer.unit_id == unit_id, CreditRecord.status.in_(("suspected", "confirmed")),
               CreditRecord.occurred_on >= as_of - timedelta(days=365), CreditRecord.nominal_points < 0)
        .group_by(CreditRecord.retailer_id))
    return dict(rows.all())


def open_pairs_before(unit_id: int, before: date) -> dict:
    """retailer_id -> the pair of its latest open visit (in another plan) before ``before``: the next
    plan must not send the same pair again."""
    out = {}
    for rid, a, b in db.session.execute(
            select(Visit.retailer_id, Visit.officer_a_id, Visit.officer_b_id)
            .where(Visit.unit_id == unit_id, Visit.status.in_(("planned", "approved")), Visit.planned_on < before,
                   Visit.officer_a_id.is_not(None)).order_by(Visit.planned_on, Visit.id)):
        out[rid] = frozenset((a, b))
    return out


def shop_inputs(unit: OrgUnit, as_of: date, period_start: date | None = None) -> tuple[list, dict]:
    rows = db.session.execute(select(Retailer.id, Retailer.lat, Retailer.lng)
                              .where(Retailer.unit_id == unit.id, Retailer.status == "active")
                              .order_by(Retailer.id)).all()
    grades = live_grades([r.id for r in rows])
    last = last_visits(unit.id)
    suspected = suspected_counts(unit.id, as_of)
    rectifications = expired_rectifications(unit.id, as_of)
    open_pairs = open_pairs_before(unit.id, period_start) if period_start else {}
    pending_interviews = dict(db.session.execute(
        select(Visit.retailer_id, func.min(Visit.due_on))
        .where(Visit.unit_id == unit.id, Visit.kind == "interview", Visit.status.in_(("planned", "missed")),
               Visit.plan_id.is_(None)).group_by(Visit.retailer_id)).all())
    shops = []
    for r in rows:
        done_on, pair = last.get(r.id, (None, None))
        shops.append(P.Shop(id=r.id, grade=grades.get(r.id, "A"), lat=r.lat, lng=r.lng, last_inspected=done_on,
                            last_pair=open_pairs.get(r.id) or pair or None, suspected_recent=suspected.get(r.id, 0),
                            expired_rectifications=rectifications.get(r.id, 0),
                            interview_due=pending_interviews.get(r.id)))
    return shops, grades


def draw_eligible(unit: OrgUnit, on: date, shop_ids=None) -> list[int]:
    """The licences a random draw may take (only active licences): active, and not expired on ``on``
    (an expired licence is still supervised by the due visits until it is cancelled, but it is not
    drawn). ``shop_ids`` narrows the answer to those shops. Sorted ids."""
    stmt = select(Retailer.id).where(Retailer.unit_id == unit.id, Retailer.status == "active",
                                     or_(Retailer.licence_expires_on.is_(None), Retailer.licence_expires_on >= on))
    ids = set(db.session.scalars(stmt))
    if shop_ids is not None:
        ids &= {int(i) for i in shop_ids}
    return sorted(ids)


def officers_of(unit: OrgUnit, default_capacity: int) -> list:
    from app.auth.models import User

    rows = db.session.execute(
        select(User.id, InspectorSetting.daily_capacity, InspectorSetting.days_off)
        .outerjoin(InspectorSetting, InspectorSetting.user_id == User.id)
        .where(User.unit_id == unit.id, User.role == "inspector", User.is_enabled.is_(True))
        .order_by(User.id)).all()
    out = []
    for uid, capacity, days_off in rows:
        cap = capacity if capacity is not None else default_capacity
        off = frozenset(date.fromisoformat(d) for d in days_off or [])
        out.append(P.Officer(uid, cap, off))
    return out
