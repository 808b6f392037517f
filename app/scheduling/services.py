"""Inspection scheduling services: every change of state of plans, draws and visits goes through here.

The planning itself is the pure :mod:`app.scheduling.planner`; this module loads its inputs (shops
with their live grade and last inspection, officers with capacity and days off, the policy version),
writes the result, and enforces the rules when a supervisor edits a draft plan."""
from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import date, timedelta
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm.attributes import flag_modified

from app.audit.services import record
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.extensions import db
from app.org.models import OrgUnit
from app.retailers.models import Retailer
from app.scheduling import planner as P
from app.scheduling.models import InspectionPlan, InspectorSetting, RandomDraw, SchedulingPolicy, Visit
from app.scheduling.policy import default_policy
from app.scheduling.workdays import is_workday

OPEN = ("planned", "approved")
CONSUMER = "scheduling"
STREAM = "grade_changes"


# ---------------------------------------------------------------- policy


def policy_row(as_of: date | None = None) -> SchedulingPolicy:
    """The scheduling policy version in force (the default, stored on first use, so it is versioned)."""
    as_of = as_of or local_today()
    row = db.session.scalars(select(SchedulingPolicy).where(SchedulingPolicy.effective_from <= as_of)
                             .order_by(SchedulingPolicy.effective_from.desc(), SchedulingPolicy.id.desc())).first()
    if row is None:
        default = default_policy(as_of)
        row = db.session.scalars(select(SchedulingPolicy).where(SchedulingPolicy.version == default.version)).first()
        if row is None:
            row = SchedulingPolicy(version=default.version, effective_from=date(2026, 1, 1), data=default.to_dict())
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
    if missing or bad:
        raise ServiceError({"data": [_("The scheduling policy is not valid.")]})
    if db.session.scalars(select(SchedulingPolicy).where(SchedulingPolicy.version == policy.version)).first():
        raise ServiceError({"version": [_("This policy version already exists.")]})
    row = SchedulingPolicy(version=policy.version, effective_from=effective_from, data=policy.to_dict(),
                           created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    record("scheduling.policy.create", "SchedulingPolicy", row.id, after=row.data, actor=actor)
    return row


# ---------------------------------------------------------------- inputs


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
    rows = db.session.execute(
        select(Visit.retailer_id, Visit.done_on, Visit.officer_a_id, Visit.officer_b_id)
        .where(Visit.unit_id == unit_id, Visit.status == "done").order_by(Visit.done_on, Visit.id))
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
        row.days_off = sorted({d.isoformat() if isinstance(d, date) else date.fromisoformat(d).isoformat()
                               for d in days_off})
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
    names = set(db.session.scalars(select(SchedulingPolicy.version)))
    k = 1
    while f"{today.year}.1-s{k}" in names:
        k += 1
    return f"{today.year}.1-s{k}"


# ---------------------------------------------------------------- plans


def _unit(code_or_id) -> OrgUnit:
    stmt = select(OrgUnit).where((OrgUnit.code == str(code_or_id)) if not isinstance(code_or_id, int)
                                 else (OrgUnit.id == code_or_id))
    unit = db.session.scalars(stmt).first()
    if unit is None or unit.level != "county":
        raise ServiceError({"unit": [_("Unknown county.")]})
    return unit


LIVE_PLAN = ("draft", "approved")


def overlapping_plan(unit_id: int, first: date, last: date) -> InspectionPlan | None:
    """A live (draft or approved) plan of the county whose period shares a day with [first, last]."""
    return db.session.scalars(select(InspectionPlan).where(
        InspectionPlan.unit_id == unit_id, InspectionPlan.status.in_(LIVE_PLAN),
        InspectionPlan.period_start <= last, InspectionPlan.period_end >= first)
        .order_by(InspectionPlan.period_start, InspectionPlan.id).limit(1)).first()


def create_plan(actor, unit_code, period_kind: str, start: date, *, today: date | None = None) -> InspectionPlan:
    """A draft plan for a county and period; the random draw's commitment is published at once."""
    today = today or local_today()
    unit = _unit(unit_code)
    if actor is not None and getattr(actor, "role", None) == "supervisor" and not actor.is_city_level \
            and actor.unit_id != unit.id:
        raise ServiceError({"unit": [_("You can plan only for your own county.")]})
    if period_kind not in ("week", "month", "quarter"):
        raise ServiceError({"period": [_("The period must be a week, a month or a quarter.")]})
    first, last = P.period_bounds(period_kind, start)
    if last < today:
        raise ServiceError({"start": [_("This period is already over.")]})
    # One county has at most one live plan for any day: two overlapping plans would each book the
    # same officers to their full capacity and send a shop's due visit twice (docs/scheduling.md).
    clash = overlapping_plan(unit.id, first, last)
    if clash is not None:
        if clash.period_start == first and clash.period_end == last:
            raise ServiceError({"start": [_("A plan for this county and period already exists.")]}, status=409)
        raise ServiceError({"start": [_("This period overlaps the plan of %(start)s to %(end)s of this county "
                                        "(plan %(id)d). Plans of one county must not overlap: choose another "
                                        "period, or discard that plan if it is still a draft.",
                                        start=clash.period_start.isoformat(), end=clash.period_end.isoformat(),
                                        id=clash.id)]}, status=409)
    prow = policy_row(max(today, first))  # the version in force when the period starts
    policy = P.Policy.from_dict(prow.data)
    shops, _grades = shop_inputs(unit, today, first)
    officers = officers_of(unit, policy.default_capacity)
    if len([o for o in officers if o.capacity > 0]) < 2:
        raise ServiceError({"unit": [_("At least two inspectors are needed: inspections are done in pairs.")]})
    plan = InspectionPlan(unit_id=unit.id, period_kind=period_kind, period_start=first, period_end=last,
                          status="draft", policy_version=policy.version, pairs_seed=secrets.token_hex(16),
                          summary={}, created_by_id=getattr(actor, "id", None))
    db.session.add(plan)
    db.session.flush()
    draw = _commit_draw(plan, unit, shops, policy)
    _fill(plan, unit, shops, officers, policy, draw, today)
    record("scheduling.plan.create", "InspectionPlan", plan.id,
           after={"unit": unit.code, "period": [first, last], "visits": plan.summary.get("visits"),
                  "commitment": draw.commitment, "policy_version": policy.version}, actor=actor)
    return plan


def _commit_draw(plan, unit, shops, policy, *, reason=None, supersedes=None) -> RandomDraw:
    seed = secrets.token_hex(32)
    pool = [[s.id, s.grade] for s in shops]
    d = P.make_draw(seed, pool, policy)
    row = RandomDraw(plan_id=plan.id, unit_id=unit.id, period_start=plan.period_start, period_end=plan.period_end,
                     status="committed", commitment=d.commitment, pool_digest=d.pool_digest, pool_size=d.pool_size,
                     pool=pool, shares=d.shares, policy_version=policy.version, seed=seed, selected=d.selected,
                     reason=reason, supersedes_id=getattr(supersedes, "id", None))
    db.session.add(row)
    db.session.flush()
    record("scheduling.draw.commit", "RandomDraw", row.id,
           after={"commitment": row.commitment, "pool_digest": row.pool_digest, "pool_size": row.pool_size,
                  "policy_version": row.policy_version, "reason": reason, "supersedes": row.supersedes_id})
    return row


def current_draw(plan) -> RandomDraw | None:
    live = [d for d in plan.draws if d.status != "void"]
    return live[-1] if live else None


def _fill(plan, unit, shops, officers, policy, draw_row, today):
    """Run the planner and write its visits into the (draft) plan."""
    fixed = P.Draw(seed=draw_row.seed, commitment=draw_row.commitment, pool_digest=draw_row.pool_digest,
                   pool_size=draw_row.pool_size, policy_version=draw_row.policy_version, shares=draw_row.shares,
                   selected=list(draw_row.selected), per_grade={})
    result = P.plan_county(unit.code, plan.period_start, plan.period_end, shops, officers, policy,
                           seed=plan.pairs_seed, seat=seat_of(unit), as_of=max(today, plan.period_start),
                           fixed_draw=fixed)
    now = utcnow()
    rows = [{"plan_id": plan.id, "retailer_id": v.shop_id, "unit_id": unit.id, "kind": v.kind, "status": "planned",
             "due_on": v.due_on, "planned_on": v.planned_on, "officer_a_id": v.officers[0],
             "officer_b_id": v.officers[1], "route_order": v.route_order, "leg_km": v.leg_km, "risk": v.risk,
             "reasons": [list(r) for r in v.reasons], "draw_id": draw_row.id if v.kind == "random" else None,
             "inspection_id": None, "outcome": None, "done_on": None, "note": None,
             "created_at": now, "updated_at": now} for v in result.visits]
    for k in range(0, len(rows), 2000):  # bulk: a quarter of a county is thousands of visits
        db.session.execute(insert(Visit), rows[k:k + 2000])
    db.session.expire(plan, ["visits"])
    # Pending visits taken up by this plan (missed or interview visits without a plan) are closed with a
    # note naming the plan: nothing is dropped silently.
    for old in db.session.scalars(select(Visit).where(Visit.unit_id == unit.id, Visit.plan_id.is_(None),
                                                      Visit.status.in_(("planned", "missed")))):
        old.status = "cancelled"
        old.note = f"replanned:plan:{plan.id}"
        old.updated_at = now
    plan.summary = {
        "visits": len(rows),
        "unplaced": [{"retailer_id": t.shop_id, "kind": t.kind, "due_on": t.due_on.isoformat(), "reason": why}
                     for t, why in result.unplaced],
        "routes": [{"day": d.isoformat(), "pair": list(pair), **info} for (d, pair), info in result.routes.items()],
        "days": [d.isoformat() for d in result.days],
    }
    db.session.flush()


def redraw(plan, actor, reason: str, *, today=None) -> RandomDraw:
    """A new draw for a draft plan: needs a reason; the old commitment stays published as void."""
    if plan.status != "draft":
        raise ServiceError({"plan": [_("Only a draft plan can be changed.")]})
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ServiceError({"reason": [_("A new draw needs a recorded reason.")]})
    old = current_draw(plan)
    unit = plan.unit
    today = today or local_today()
    policy = P.Policy.from_dict(policy_row(max(today, plan.period_start)).data)
    shops, _g = shop_inputs(unit, today, plan.period_start)
    if old is not None:
        old.status = "void"
    db.session.flush()
    db.session.execute(delete(Visit).where(Visit.plan_id == plan.id))
    db.session.expire(plan, ["visits"])
    new = _commit_draw(plan, unit, shops, policy, reason=reason, supersedes=old)
    db.session.refresh(plan)
    _fill(plan, unit, shops, officers_of(unit, policy.default_capacity), policy, new, today)
    record("scheduling.draw.redraw", "InspectionPlan", plan.id,
           before={"draw": getattr(old, "id", None), "commitment": getattr(old, "commitment", None)},
           after={"draw": new.id, "commitment": new.commitment, "reason": reason}, actor=actor)
    return new


def _officer_ok(unit_id, officer_ids):
    from app.auth.models import User

    ids = [int(i) for i in officer_ids]
    if len(ids) != 2 or ids[0] == ids[1]:
        raise ServiceError({"officers": [_("A visit needs two different inspectors.")]})
    users = db.session.scalars(select(User).where(User.id.in_(ids))).all()
    if len(users) != 2 or any(u.role != "inspector" or u.unit_id != unit_id or not u.is_enabled for u in users):
        raise ServiceError({"officers": [_("Both officers must be inspectors of this county.")]})
    return tuple(sorted(ids))


def check_visit(visit: Visit, policy: P.Policy | None = None) -> None:
    """The rules for one visit as placed: working day in the period, two officers of the county, not
    on a day off, within each officer's daily capacity, not the same pair as the shop's previous or
    next visit. Raises ServiceError with a clear message."""
    plan = visit.plan
    policy = policy or plan_policy(plan)
    day = visit.planned_on
    if plan is not None and not (plan.period_start <= day <= plan.period_end):
        raise ServiceError({"planned_on": [_("The date is outside the plan's period.")]})
    if not is_workday(day):
        raise ServiceError({"planned_on": [_("%(day)s is not a working day.", day=day.isoformat())]})
    pair = _officer_ok(visit.unit_id, (visit.officer_a_id, visit.officer_b_id))
    pset = frozenset(pair)
    others = db.session.execute(select(Visit.planned_on, Visit.done_on, Visit.officer_a_id, Visit.officer_b_id,
                                       Visit.id)
                                .where(Visit.retailer_id == visit.retailer_id, Visit.id != visit.id,
                                       Visit.status.in_(("planned", "approved", "done")))).all()
    def when(r):
        return r.done_on or r.planned_on
    before = [r for r in others if when(r) <= day]
    after = [r for r in others if when(r) > day]
    neighbours = []
    if before:
        neighbours.append(max(before, key=lambda r: (when(r), r.id)))
    if after:
        neighbours.append(min(after, key=lambda r: (when(r), r.id)))
    for r in neighbours:
        if frozenset((r.officer_a_id, r.officer_b_id)) == pset:
            raise ServiceError({"officers": [_("The same pair must not inspect this shop twice in a row.")]})
    settings = {s.user_id: s for s in db.session.scalars(select(InspectorSetting).where(InspectorSetting.user_id.in_(pair)))}
    from app.auth.models import User

    for oid in pair:
        s = settings.get(oid)
        name = db.session.get(User, oid).display_name
        if s and day.isoformat() in (s.days_off or []):
            raise ServiceError({"officers": [_("%(name)s is off on %(day)s.", name=name, day=day.isoformat())]})
        cap = s.daily_capacity if s else policy.default_capacity
        load = db.session.scalar(select(func.count(Visit.id)).where(
            Visit.planned_on == day, Visit.status.in_(OPEN),
            (Visit.officer_a_id == oid) | (Visit.officer_b_id == oid)))
        if load > cap:
            raise ServiceError({"officers": [_("%(name)s already has %(n)d visits on %(day)s (capacity %(cap)d).",
                                               name=name, n=load - 1, day=day.isoformat(), cap=cap)]})


def _reroute(plan, day, pair, seat):
    """Re-order one pair's stops on one day (nearest neighbour + 2-opt); only those rows are read."""
    if plan is None or pair is None or None in tuple(pair):
        return
    a, b = tuple(pair)
    rows = db.session.execute(select(Visit, Retailer.lat, Retailer.lng).join(Retailer, Retailer.id == Visit.retailer_id)
                              .where(Visit.plan_id == plan.id, Visit.planned_on == day, Visit.officer_a_id == a,
                                     Visit.officer_b_id == b, Visit.status.in_(OPEN)).order_by(Visit.id)).all()
    items = [r[0] for r in rows]
    pts = [(lat or seat[0], lng or seat[1]) for _, lat, lng in rows]
    order = P.route(pts, seat)
    here = seat
    for n, idx in enumerate(order, start=1):
        item, leg = items[idx], round(P.km(here, pts[idx]), 2)
        if item.route_order != n or item.leg_km != leg:
            # Both columns on every changed row: the flush then writes them in one executemany.
            item.route_order, item.leg_km = n, leg
            flag_modified(item, "route_order")
            flag_modified(item, "leg_km")
        here = pts[idx]


def _editable(visit):
    if visit.plan is None or visit.plan.status != "draft" or visit.status != "planned":
        raise ServiceError({"plan": [_("Only a draft plan can be changed.")]})


def move_visit(visit: Visit, actor, *, planned_on: date | None = None, officer_ids=None) -> Visit:
    """Move a visit to another day and/or reassign its officers; the rules are checked again."""
    _editable(visit)
    before = {"planned_on": visit.planned_on, "officers": [visit.officer_a_id, visit.officer_b_id]}
    old_key = (visit.planned_on, (visit.officer_a_id, visit.officer_b_id))
    if planned_on is not None:
        visit.planned_on = planned_on
    if officer_ids:
        pair = _officer_ok(visit.unit_id, officer_ids)
        visit.officer_a_id, visit.officer_b_id = pair
    visit.route_order = 999
    visit.updated_at = utcnow()
    db.session.flush()
    check_visit(visit)
    seat = seat_of(visit.plan.unit)
    _reroute(visit.plan, old_key[0], old_key[1], seat)
    _reroute(visit.plan, visit.planned_on, (visit.officer_a_id, visit.officer_b_id), seat)
    db.session.flush()
    record("scheduling.visit.move", "Visit", visit.id, before=before,
           after={"planned_on": visit.planned_on, "officers": [visit.officer_a_id, visit.officer_b_id]}, actor=actor)
    return visit


def swap_visits(a: Visit, b: Visit, actor) -> tuple:
    """Swap two visits' days and pairs (e.g. to balance loads); both are checked again."""
    _editable(a)
    _editable(b)
    if a.plan_id != b.plan_id:
        raise ServiceError({"other": [_("Both visits must be in the same plan.")]})
    keys = [(a.planned_on, (a.officer_a_id, a.officer_b_id)), (b.planned_on, (b.officer_a_id, b.officer_b_id))]
    (a.planned_on, a.officer_a_id, a.officer_b_id), (b.planned_on, b.officer_a_id, b.officer_b_id) = \
        (b.planned_on, b.officer_a_id, b.officer_b_id), (a.planned_on, a.officer_a_id, a.officer_b_id)
    db.session.flush()
    check_visit(a)
    check_visit(b)
    seat = seat_of(a.plan.unit)
    for day, pair in keys:
        _reroute(a.plan, day, pair, seat)
    db.session.flush()
    record("scheduling.visit.swap", "Visit", a.id, before={"a": keys[0], "b": keys[1]},
           after={"a": a.id, "b": b.id}, actor=actor)
    return a, b


def discard(plan, actor, reason: str, *, today: date | None = None) -> InspectionPlan:
    """Discard a draft plan (e.g. to plan the county for another period): needs a reason. Its visits
    are cancelled, its draw becomes void (the seed is then published, as for a redraw), and pending
    visits that the draft had taken up are open again. An approved plan cannot be discarded."""
    if plan.status != "draft":
        raise ServiceError({"plan": [_("Only a draft plan can be discarded.")]}, status=409)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ServiceError({"reason": [_("Discarding a plan needs a recorded reason.")]})
    today = today or local_today()
    now = utcnow()
    n = 0
    for v in plan.visits:
        if v.status in OPEN:
            v.status, v.note, v.updated_at = "cancelled", f"discarded:plan:{plan.id}", now
            n += 1
    # Visits the draft took up when it was made (missed or pending, closed with a note naming it).
    for v in db.session.scalars(select(Visit).where(Visit.unit_id == plan.unit_id, Visit.status == "cancelled",
                                                    Visit.note == f"replanned:plan:{plan.id}")):
        still_ahead = v.kind == "interview" or v.planned_on >= today
        v.status = "planned" if still_ahead else "missed"
        v.note, v.updated_at = f"reopened:discarded:plan:{plan.id}", now
    draw = current_draw(plan)
    if draw is not None:
        draw.status = "void"
        draw.reason = (draw.reason + "; " if draw.reason else "") + f"plan discarded: {reason}"
    plan.status = "discarded"
    db.session.flush()
    record("scheduling.plan.discard", "InspectionPlan", plan.id, before={"status": "draft"},
           after={"status": "discarded", "reason": reason, "visits_cancelled": n,
                  "draw": getattr(draw, "id", None)}, actor=actor)
    return plan


def approve(plan, actor) -> InspectionPlan:
    """Approve a draft: the rules are checked for every visit, the draw's seed is revealed, and the
    visits go to the inspectors' day lists."""
    if plan.status != "draft":
        raise ServiceError({"plan": [_("Only a draft plan can be approved.")]})
    policy = plan_policy(plan)
    errors = []
    loads = defaultdict(int)
    settings = {s.user_id: s for s in db.session.scalars(select(InspectorSetting))}
    for v in plan.visits:
        if v.status != "planned":
            continue
        if not v.officer_a_id or not v.officer_b_id or v.officer_a_id == v.officer_b_id:
            errors.append(_("Visit %(id)d needs two different inspectors.", id=v.id))
            continue
        for oid in (v.officer_a_id, v.officer_b_id):
            loads[(oid, v.planned_on)] += 1
            s = settings.get(oid)
            if s and v.planned_on.isoformat() in (s.days_off or []):
                errors.append(_("Visit %(id)d: an officer is off that day.", id=v.id))
    for (oid, day), n in loads.items():
        s = settings.get(oid)
        cap = s.daily_capacity if s else policy.default_capacity
        if n > cap:
            errors.append(_("An officer has %(n)d visits on %(day)s (capacity %(cap)d).", n=n, day=day.isoformat(),
                            cap=cap))
    if errors:
        raise ServiceError({"plan": errors[:10]})
    now = utcnow()
    from app.notices.services import notify_interview

    for v in plan.visits:
        if v.status == "planned":
            v.status = "approved"
            v.updated_at = now
            if v.kind == "interview":  # announced, unlike the checks: the retailer is told the day
                notify_interview(v, scheduled=True)
    plan.status = "approved"
    plan.approved_at = now
    plan.approved_by_id = getattr(actor, "id", None)
    draw = current_draw(plan)
    if draw is not None and draw.status == "committed":
        draw.status = "revealed"
        draw.revealed_at = now
    db.session.flush()
    record("scheduling.plan.approve", "InspectionPlan", plan.id,
           after={"visits": sum(1 for v in plan.visits if v.status == "approved"),
                  "seed": draw.seed if draw else None}, actor=actor)
    return plan


# ---------------------------------------------------------------- reacting


def refresh(unit_id: int | None = None) -> None:
    """What pages call before showing plans: react to new grade changes, mark missed visits."""
    consume_grade_changes()
    mark_missed(unit_id=unit_id)


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


def _plan_covering(unit_id, day) -> InspectionPlan | None:
    return db.session.scalars(select(InspectionPlan).where(
        InspectionPlan.unit_id == unit_id, InspectionPlan.status.in_(("draft", "approved")),
        InspectionPlan.period_start <= day, InspectionPlan.period_end >= day)
        .order_by(InspectionPlan.id.desc())).first()


@lru_cache(maxsize=4096)
def _day_pairs(seed, day, officers):
    return P.day_pairs(seed, day, officers)


class _Replan:
    """What one re-plan reads once and reuses: the policy, each county's officers, each plan's load
    per (day, pair) over a range of days (one grouped query, kept up to date in memory as visits move)."""

    def __init__(self, policy: P.Policy):
        self.policy = policy
        self.officers: dict = {}  # unit_id -> tuple of P.Officer
        self.loads: dict = {}  # plan_id -> (from_day, to_day, {(day, (a, b)): n})

    def officers_for(self, plan) -> tuple:
        if plan.unit_id not in self.officers:
            self.officers[plan.unit_id] = tuple(officers_of(plan.unit, self.policy.default_capacity))
        return self.officers[plan.unit_id]

    def load_for(self, plan, from_day: date, to_day: date | None = None) -> dict:
        """Visits per (day, pair) of the plan in [from_day, to_day] (to_day None: to the end). A
        fresh read sees every change made so far (the session flushes before it)."""
        cached = self.loads.get(plan.id)
        if cached is not None and cached[0] <= from_day and (cached[1] is None or (to_day is not None
                                                                                    and to_day <= cached[1])):
            return cached[2]
        stmt = (select(Visit.planned_on, Visit.officer_a_id, Visit.officer_b_id, func.count(Visit.id))
                .where(Visit.plan_id == plan.id, Visit.status.in_(OPEN), Visit.planned_on >= from_day))
        if to_day is not None:
            stmt = stmt.where(Visit.planned_on <= to_day)
        load = {}
        for d, a, b, n in db.session.execute(stmt.group_by(Visit.planned_on, Visit.officer_a_id, Visit.officer_b_id)):
            load[(d, (a, b))] = n
        self.loads[plan.id] = (from_day, to_day, load)
        return load

    def moved(self, plan_id, old_key, new_key):
        """Keep a cached load in step with a visit that left ``old_key`` and/or took ``new_key``."""
        cached = self.loads.get(plan_id)
        if cached is None:
            return
        load = cached[2]
        if old_key is not None and old_key[1] is not None and None not in old_key[1] and old_key in load:
            load[old_key] = max(0, load[old_key] - 1)
        if new_key is not None:
            load[new_key] = load.get(new_key, 0) + 1


def _slot(plan, retailer_id, not_before, policy, avoid=None, officers=None, ctx: _Replan | None = None):
    """The first (day, pair) in the plan on/after not_before with spare capacity, not the avoided pair."""
    ctx = ctx or _Replan(policy)
    officers = tuple(officers) if officers is not None else ctx.officers_for(plan)
    days = [d for d in (date.fromisoformat(x) for x in plan.summary.get("days", [])) if d >= not_before]
    # Three weeks ahead first (a few hundred rows), then the rest of the plan.
    for horizon in (days[:15], days):
        if not horizon:
            return None
        load = ctx.load_for(plan, horizon[0], horizon[-1])
        pairs_by_day = {d: _day_pairs(plan.pairs_seed, d, officers) for d in horizon}
        slot = P.first_free_slot(horizon, pairs_by_day, load, not_before, avoid_pair=avoid)
        if slot is not None or len(horizon) == len(days):
            return slot
    return None


def _last_done(retailer_id):
    """(date, pair) of the shop's last closed visit, or (None, None)."""
    last = db.session.execute(select(Visit.done_on, Visit.officer_a_id, Visit.officer_b_id).where(
        Visit.retailer_id == retailer_id, Visit.status == "done").order_by(Visit.done_on.desc()).limit(1)).first()
    if last is None:
        return None, None
    pair = (last[1], last[2])
    return last[0], (frozenset(pair) if None not in pair else None)


def _last_pair(retailer_id):
    return _last_done(retailer_id)[1]


def _bump(plan, visit, not_before, latest, avoid, officers=None, ctx: _Replan | None = None):
    """No free slot in time: take the slot of the lowest-risk due visit in [not_before, latest] whose
    risk is lower; that visit moves to the first free slot after its day (or becomes pending, with a
    note). Returns the freed (day, pair) or None."""
    ctx = ctx or _Replan(active_policy())
    victim = db.session.scalars(select(Visit).where(
        Visit.plan_id == plan.id, Visit.status.in_(OPEN), Visit.kind == "due", Visit.id != visit.id,
        Visit.retailer_id != visit.retailer_id, Visit.planned_on >= not_before, Visit.planned_on <= latest,
        Visit.risk < visit.risk).order_by(Visit.risk, Visit.planned_on.desc(), Visit.id).limit(1)).first()
    if victim is None:
        return None
    pair = (victim.officer_a_id, victim.officer_b_id)
    if avoid is not None and frozenset(pair) == avoid:
        return None
    day = victim.planned_on
    # Free the victim's slot first (in the cached load), then place the victim after its day.
    victim.officer_a_id = victim.officer_b_id = None
    ctx.moved(plan.id, (day, pair), None)
    after = next((d for d in (date.fromisoformat(x) for x in plan.summary.get("days", [])) if d > day), None)
    slot = _slot(plan, victim.retailer_id, after, ctx.policy, _last_pair(victim.retailer_id), officers,
                 ctx=ctx) if after else None
    victim.updated_at = utcnow()
    if slot is None:
        victim.plan_id, victim.status, victim.note = None, "planned", f"bumped:visit:{visit.id};pending"
    else:
        victim.planned_on, (victim.officer_a_id, victim.officer_b_id) = slot[0], slot[1]
        victim.note = f"bumped:visit:{visit.id}"
        ctx.moved(plan.id, None, slot)
        db.session.flush()
        _reroute(plan, slot[0], slot[1], seat_of(plan.unit))
    record("scheduling.visit.bump", "Visit", victim.id, before={"planned_on": day, "officers": list(pair)},
           after={"planned_on": victim.planned_on, "plan": victim.plan_id, "by": visit.id})
    return day, pair


def _place(visit, plan, not_before, policy, note, latest=None, *, avoid=False, ctx: _Replan | None = None):
    """Put ``visit`` in the first free slot of ``plan`` on/after ``not_before`` (bumping a lower-risk
    visit if none is free by ``latest``), or make it pending with a note. ``avoid`` is the shop's last
    pair when the caller already knows it (False: look it up)."""
    ctx = ctx or _Replan(policy)
    if avoid is False:
        avoid = _last_pair(visit.retailer_id)
    officers = ctx.officers_for(plan) if plan else ()
    slot = _slot(plan, visit.retailer_id, not_before, policy, avoid, officers, ctx=ctx) if plan else None
    latest = latest or not_before + timedelta(days=policy.window_days)
    if plan is not None and (slot is None or slot[0] > latest):
        slot = _bump(plan, visit, not_before, latest, avoid, officers, ctx=ctx) or slot
    old_key = (visit.planned_on, (visit.officer_a_id, visit.officer_b_id)) \
        if visit.plan_id is not None and visit.status in OPEN else None
    if slot is None:
        if old_key is not None:
            ctx.moved(visit.plan_id, old_key, None)
        visit.plan_id = None
        visit.status = "planned"
        visit.planned_on = max(not_before, visit.due_on) if visit.kind != "interview" else min(visit.due_on, max(not_before, visit.due_on))
        visit.note = note + ";pending"
        return visit
    day, pair = slot
    if old_key is not None:
        ctx.moved(visit.plan_id, old_key, None)
    ctx.moved(plan.id, None, (day, tuple(pair)))
    visit.plan_id = plan.id
    visit.planned_on = day
    visit.officer_a_id, visit.officer_b_id = pair
    visit.status = "approved" if plan.status == "approved" else "planned"
    visit.note = note
    visit.updated_at = utcnow()
    db.session.flush()
    _reroute(plan, day, pair, seat_of(plan.unit))
    return visit


def on_grade_change(retailer_id: int, from_grade, to_grade: str, as_of: date, *, today: date | None = None):
    """React to one grade change: move the shop's next visit by the new interval; a fall to B adds a
    warning interview (警示约谈) within ``interview_days``.

    Reads only what it needs (the shop's last closed visit and next open one, the plan's load per day
    and pair from the new date on, the county's officers), each once; see docs/scheduling.md."""
    today = today or local_today()
    policy = P.Policy.from_dict(policy_row(today).data)
    ctx = _Replan(policy)
    unit_id = db.session.scalar(select(Retailer.unit_id).where(Retailer.id == retailer_id))
    if unit_id is None:
        return []
    touched = []
    last_done, last_pair = _last_done(retailer_id)
    nxt = db.session.scalars(select(Visit).where(Visit.retailer_id == retailer_id, Visit.status.in_(OPEN),
                                                 Visit.kind == "due", Visit.planned_on >= today)
                             .order_by(Visit.planned_on).limit(1)).first()
    target = today if last_done is None else max(today, last_done + timedelta(days=policy.interval(to_grade)))
    note = f"grade:{from_grade or '-'}>{to_grade}"
    from app.credit.models import CreditRecord

    suspected = db.session.scalar(select(func.count(CreditRecord.id)).where(
        CreditRecord.retailer_id == retailer_id, CreditRecord.status.in_(("suspected", "confirmed")),
        CreditRecord.occurred_on >= today - timedelta(days=365), CreditRecord.nominal_points < 0)) or 0
    score, reasons = P.risk(P.Shop(retailer_id, to_grade, last_inspected=last_done, suspected_recent=suspected),
                            policy, today, None if last_done is None else last_done + timedelta(
                                days=policy.interval(to_grade)))
    reasons = [list(r) for r in reasons] + [["grade_change", 0, f"{from_grade or '-'}→{to_grade}"]]
    if nxt is not None:
        nxt.risk, nxt.reasons = score, reasons
        if nxt.planned_on > target + timedelta(days=policy.window_days) or nxt.planned_on < target:
            before = {"planned_on": nxt.planned_on, "officers": [nxt.officer_a_id, nxt.officer_b_id]}
            old_key = (nxt.planned_on, (nxt.officer_a_id, nxt.officer_b_id))
            nxt.due_on = target  # before the next read, so one UPDATE carries risk, reasons and due date
            old_plan = nxt.plan
            plan = old_plan if old_plan and old_plan.period_start <= target <= old_plan.period_end else \
                _plan_covering(unit_id, target)
            _place(nxt, plan, target, policy, note, avoid=last_pair, ctx=ctx)
            if old_plan is not None and old_key[0] != nxt.planned_on:
                _reroute(old_plan, old_key[0], old_key[1], seat_of(old_plan.unit))
            record("scheduling.visit.regrade", "Visit", nxt.id, before=before,
                   after={"planned_on": nxt.planned_on, "plan": nxt.plan_id, "note": nxt.note})
            touched.append(nxt)
    else:
        plan = _plan_covering(unit_id, target)
        if plan is not None:
            v = Visit(retailer_id=retailer_id, unit_id=unit_id, kind="due", status="planned",
                      due_on=target, planned_on=target, risk=score, reasons=reasons)
            db.session.add(v)
            db.session.flush()
            _place(v, plan, target, policy, note, avoid=last_pair, ctx=ctx)
            record("scheduling.visit.regrade", "Visit", v.id, after={"planned_on": v.planned_on, "plan": v.plan_id})
            touched.append(v)
    order = {g: i for i, g in enumerate(P.GRADES)}
    if to_grade == "B" and (from_grade is None or order.get(from_grade, 0) < order["B"]):
        due = as_of + timedelta(days=policy.interview_days)
        v = Visit(retailer_id=retailer_id, unit_id=unit_id, kind="interview", status="planned",
                  due_on=due, planned_on=due, risk=score + policy.interview_points,
                  reasons=reasons + [["interview", policy.interview_points, None]])
        db.session.add(v)
        db.session.flush()
        plan = _plan_covering(unit_id, today)
        _place(v, plan, today, policy, note, latest=due, avoid=last_pair, ctx=ctx)
        if v.plan_id is not None and v.planned_on > due:  # no room before the deadline: keep it pending
            v.plan_id, v.status, v.planned_on, v.note = None, "planned", due, note + ";pending"
        record("scheduling.interview.create", "Visit", v.id, after={"due_on": due, "planned_on": v.planned_on})
        from app.notices.services import notify_interview

        notify_interview(v)  # the retailer is told of the interview and its deadline (信息告知)
        if v.status == "approved":  # placed straight into an approved plan: the day is known too
            notify_interview(v, scheduled=True)
        touched.append(v)
    db.session.flush()
    return touched


def consume_grade_changes(*, today: date | None = None, limit: int = 10000) -> int:
    """Read GradeChange events after this consumer's cursor, react to each, advance the cursor."""
    from app.credit.models import EventCursor, GradeChange

    cursor = db.session.get(EventCursor, (CONSUMER, STREAM))
    if cursor is None:
        cursor = EventCursor(consumer=CONSUMER, stream=STREAM, last_id=0)
        db.session.add(cursor)
        db.session.flush()
    events = db.session.scalars(select(GradeChange).where(GradeChange.id > cursor.last_id)
                                .order_by(GradeChange.id).limit(limit)).all()
    for e in events:
        on_grade_change(e.retailer_id, e.from_grade, e.to_grade, e.as_of, today=today)
        cursor.last_id = e.id
    db.session.flush()
    return len(events)


# ---------------------------------------------------------------- views of the data


def plan_view_names(visits) -> dict:
    from app.auth.models import User

    ids = {v.officer_a_id for v in visits} | {v.officer_b_id for v in visits}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def plan_view(plan) -> dict:
    """Everything the review page shows: per day, per pair, the route; loads; coverage; the draw."""
    from app.auth.models import User

    visits = [v for v in plan.visits if v.status != "cancelled"]
    names = {u.id: u.display_name for u in db.session.scalars(
        select(User).where(User.id.in_({v.officer_a_id for v in visits} | {v.officer_b_id for v in visits})))}
    grades = live_grades({v.retailer_id for v in visits})
    days = defaultdict(lambda: defaultdict(list))
    load = defaultdict(int)
    for v in sorted(visits, key=lambda v: (v.planned_on, v.officer_a_id or 0, v.officer_b_id or 0, v.route_order)):
        days[v.planned_on][(v.officer_a_id, v.officer_b_id)].append(v)
        for oid in (v.officer_a_id, v.officer_b_id):
            load[oid] += 1
    coverage = defaultdict(lambda: {"shops": 0, "planned": 0})
    planned_shops = {v.retailer_id for v in visits}
    draw = current_draw(plan)
    pool = draw.pool if draw else []
    for rid, grade in pool:
        coverage[grade]["shops"] += 1
        if rid in planned_shops:
            coverage[grade]["planned"] += 1
    return {"days": days, "load": sorted(((names.get(k, k), n, k) for k, n in load.items()), key=lambda x: -x[1]),
            "names": names, "grades": grades, "coverage": {g: coverage[g] for g in P.GRADES if g in coverage},
            "draw": draw, "void_draws": [d for d in plan.draws if d.status == "void"]}


def coverage(units, today: date | None = None) -> list[dict]:
    """Per county and grade: shops, visits planned, done and overdue in the current periods, and the
    share of shops inspected within their grade's interval."""
    today = today or local_today()
    policy = P.Policy.from_dict(policy_row(today).data)
    out = []
    for unit in units:
        ids = [r for (r,) in db.session.execute(select(Retailer.id).where(Retailer.unit_id == unit.id,
                                                                          Retailer.status == "active"))]
        grades = live_grades(ids)
        last = last_visits(unit.id)
        counts = defaultdict(lambda: {"shops": 0, "within": 0, "planned": 0, "done": 0, "overdue": 0})
        for rid in ids:
            g = grades.get(rid, "A")
            counts[g]["shops"] += 1
            done_on = last.get(rid, (None,))[0]
            if done_on is not None and (today - done_on).days <= policy.interval(g):
                counts[g]["within"] += 1
        for rid, status, day in db.session.execute(select(Visit.retailer_id, Visit.status, Visit.planned_on)
                                                   .where(Visit.unit_id == unit.id,
                                                          Visit.status.in_(("planned", "approved", "done", "missed")))):
            g = grades.get(rid, "A")
            if status in ("planned", "approved"):
                counts[g]["planned"] += 1
                if day < today:
                    counts[g]["overdue"] += 1
            elif status == "done":
                counts[g]["done"] += 1
            else:
                counts[g]["overdue"] += 1
        for g in P.GRADES:
            if g in counts:
                c = counts[g]
                out.append({"unit": unit, "grade": g, **c,
                            "within_share": round(c["within"] / c["shops"], 3) if c["shops"] else None})
    return out


def officer_loads(units) -> list:
    from app.auth.models import User

    ids = [u.id for u in units]
    rows = db.session.execute(
        select(User.id, User.display_name, User.unit_id, Visit.status, func.count(Visit.id))
        .join(Visit, (Visit.officer_a_id == User.id) | (Visit.officer_b_id == User.id))
        .where(User.unit_id.in_(ids), Visit.status.in_(("planned", "approved", "done", "missed")))
        .group_by(User.id, User.display_name, User.unit_id, Visit.status)).all()
    out = defaultdict(lambda: {"name": "", "planned": 0, "approved": 0, "done": 0, "missed": 0})
    for uid, name, unit_id, status, n in rows:
        out[uid]["name"] = name
        out[uid][status] = n
    return sorted(out.items(), key=lambda x: x[1]["name"])


def mask_name(shop_name: str, operator_name: str | None) -> str:
    """Personal data masked: the operator's given name inside a shop name becomes *."""
    if operator_name and len(operator_name) >= 2 and operator_name in shop_name:
        return shop_name.replace(operator_name, operator_name[0] + "*" * (len(operator_name) - 1))
    if operator_name and len(operator_name) >= 2 and operator_name[1:] in shop_name:
        return shop_name.replace(operator_name[1:], "*" * (len(operator_name) - 1))
    return shop_name


def public_checks(unit: OrgUnit | None, start: date, end: date) -> list:
    """Completed random checks (一公开) in a county and period, from revealed draws only."""
    stmt = (select(Visit, Retailer).join(Retailer, Retailer.id == Visit.retailer_id)
            .join(RandomDraw, RandomDraw.id == Visit.draw_id)
            .where(Visit.kind == "random", Visit.status == "done", RandomDraw.status == "revealed",
                   Visit.done_on >= start, Visit.done_on <= end)
            .order_by(Visit.done_on, Retailer.licence_no))
    if unit is not None:
        stmt = stmt.where(Visit.unit_id == unit.id)
    return [{"shop": mask_name(r.shop_name, r.operator_name), "licence_no": r.licence_no, "date": v.done_on,
             "outcome": v.outcome, "unit_id": v.unit_id} for v, r in db.session.execute(stmt)]


def public_draws(unit: OrgUnit | None, start: date, end: date) -> list:
    stmt = select(RandomDraw).where(RandomDraw.period_start <= end, RandomDraw.period_end >= start)
    if unit is not None:
        stmt = stmt.where(RandomDraw.unit_id == unit.id)
    return list(db.session.scalars(stmt.order_by(RandomDraw.id)))


def draw_public_dict(d: RandomDraw) -> dict:
    """What the public may see of a draw: the commitment always, the seed and list once revealed."""
    out = {"id": d.id, "unit_id": d.unit_id, "period_start": d.period_start, "period_end": d.period_end,
           "status": d.status, "commitment": d.commitment, "pool_digest": d.pool_digest, "pool_size": d.pool_size,
           "policy_version": d.policy_version, "shares": d.shares, "committed_at": d.committed_at,
           "reason": d.reason, "supersedes_id": d.supersedes_id, "scheme": P.DRAW_SCHEME}
    if d.status in ("revealed", "void"):
        out.update(seed=d.seed, pool=d.pool, selected=d.selected, revealed_at=d.revealed_at)
        out["verification"] = P.verify_draw(d.seed, d.pool, d.policy_version, d.shares, d.commitment, d.selected)
    return out
