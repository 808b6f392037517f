"""Scheduling settings: the versioned scheduling policy (intervals and draw shares per grade) and each
inspector's daily capacity and days off."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit.services import record
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.extensions import db
from app.scheduling import planner as P
from app.scheduling.models import (
    OPEN,
    InspectorSetting,
    SchedulingPolicy,
    Visit,
)
from app.scheduling.policy import default_policy


def policy_row(as_of: date | None = None) -> SchedulingPolicy:
    """The scheduling policy version in force. Before any version is stored, the default (an unsaved
    row: reading never writes); :func:`ensure_policy_row` stores it when a plan is made under it."""
    as_of = as_of or local_today()
    row = db.session.scalars(select(SchedulingPolicy).where(SchedulingPolicy.effective_from <= as_of)
                             .order_by(SchedulingPolicy.effective_from.desc(), SchedulingPolicy.id.desc())).first()
    if row is None:
        default = default_policy(as_of)
        row = db.session.scalars(select(SchedulingPolicy).where(SchedulingPolicy.version == default.version)).first()
        if row is None:
            row = SchedulingPolicy(version=default.version, effective_from=date(2026, 1, 1), data=default.to_dict())
    return row


def ensure_policy_row(as_of: date | None = None) -> SchedulingPolicy:
    """The version in force, stored first if it is the default (a plan names the version it used)."""
    row = policy_row(as_of)
    if row.id is None:
        db.session.add(row)
        db.session.flush()
    return row


def plan_policy(plan) -> P.Policy:
    """The policy version a plan was made under (the one in force today for a visit without a plan)."""
    row = None
    if plan is not None:
        row = db.session.scalars(select(SchedulingPolicy).where(SchedulingPolicy.version == plan.policy_version)).first()
    return P.Policy.from_dict((row or policy_row()).data)


def active_policy(as_of: date | None = None) -> P.Policy:
    return P.Policy.from_dict(policy_row(as_of).data)


def add_policy_version(data: dict, effective_from: date, actor) -> SchedulingPolicy:
    """A new version of the scheduling policy (never an edit of an old one)."""
    try:
        policy = P.Policy.from_dict(data)
    except (KeyError, TypeError, ValueError):
        raise ServiceError({"data": [_("The scheduling policy is not valid.")]})
    missing = [g for g in P.GRADES if g not in policy.grades]
    bad = [g for g, r in policy.grades.items() if r.interval_days < 1 or not 0 <= r.draw_share <= 1]
    bad += [g for g in policy.grades if g not in P.GRADES] + (["hours"] if len(policy.hours) > 50 else [])
    if missing or bad:
        raise ServiceError({"data": [_("The scheduling policy is not valid.")]})
    if db.session.scalars(select(SchedulingPolicy).where(SchedulingPolicy.version == policy.version)).first() \
            or policy.version == policy_row().version:  # the default in force, stored or not
        raise ServiceError({"version": [_("This policy version already exists.")]})
    ensure_policy_row()  # the default in force until now is stored too, so the history lists it
    row = SchedulingPolicy(version=policy.version, effective_from=effective_from, data=policy.to_dict(),
                           created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    record("scheduling.policy.create", "SchedulingPolicy", row.id, after=row.data, actor=actor)
    return row


def inspector_in_scope(actor, user_id):
    """An inspector of the actor's county (any county for a city-level supervisor); else 404."""
    from flask import abort

    from app.auth.models import User

    stmt = select(User).where(User.id == user_id, User.role == "inspector")
    if not getattr(actor, "is_city_level", False):
        stmt = stmt.where(User.unit_id == actor.unit_id)
    user = db.session.scalars(stmt).first()
    if user is None:
        abort(404)
    return user


def set_inspector(user, *, daily_capacity: int | None = None, days_off=None, actor=None) -> InspectorSetting:
    row = db.session.get(InspectorSetting, user.id)
    before = None if row is None else {"daily_capacity": row.daily_capacity, "days_off": row.days_off}
    if row is None:
        row = InspectorSetting(user_id=user.id, daily_capacity=6, days_off=[])
        db.session.add(row)
    if daily_capacity is not None:
        if not 0 <= int(daily_capacity) <= 30:
            raise ServiceError({"daily_capacity": [_("Daily capacity must be between 0 and 30.")]})
        row.daily_capacity = int(daily_capacity)
    if days_off is not None:
        days = sorted({d.isoformat() if isinstance(d, date) else date.fromisoformat(d).isoformat() for d in days_off})
        if len(days) > 1000:  # a list in a row is bounded like every list (the API schema says the same)
            raise ServiceError({"days_off": [_("At most 1000 days off.")]})
        row.days_off = days
    row.updated_at = utcnow()
    db.session.flush()
    record("scheduling.inspector.update", "User", user.id, before=before,
           after={"daily_capacity": row.daily_capacity, "days_off": row.days_off}, actor=actor)
    return row


def inspector_settings(user_ids) -> dict:
    """user_id -> InspectorSetting for those that have one (the others use the policy's default)."""
    ids = list(user_ids)
    if not ids:
        return {}
    return {s.user_id: s for s in db.session.scalars(select(InspectorSetting).where(InspectorSetting.user_id.in_(ids)))}


def availability_conflicts(user_id: int, today: date | None = None) -> list[date]:
    """Days from today on where the inspector's open visits break their settings: a day off, or more
    visits than the daily capacity. New settings do not move visits already planned; this lists them."""
    today = today or local_today()
    s = db.session.get(InspectorSetting, user_id)
    if s is None:
        return []
    off = set(s.days_off or [])
    rows = db.session.execute(
        select(Visit.planned_on, func.count(Visit.id))
        .where(Visit.status.in_(OPEN), Visit.planned_on >= today,
               (Visit.officer_a_id == user_id) | (Visit.officer_b_id == user_id))
        .group_by(Visit.planned_on).order_by(Visit.planned_on)).all()
    return [day for day, n in rows if day.isoformat() in off or n > s.daily_capacity]


def suggest_policy_version(today: date | None = None) -> str:
    """A free version name for the policy form: <year>.<n>-s<k>, after the versions that exist."""
    today = today or local_today()
    names = set(db.session.scalars(select(SchedulingPolicy.version))) | {policy_row(today).version}
    k = 1
    while f"{today.year}.1-s{k}" in names:
        k += 1
    return f"{today.year}.1-s{k}"
