"""Inspection plans: create a draft for a county and period (with its committed random draw), edit it
(move, swap, redraw, discard) under the rules, approve it. The planning itself is the pure
:mod:`app.scheduling.planner`; this module loads its inputs and writes the result."""
from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import date

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
from app.scheduling.inputs import officers_of, seat_of, shop_inputs
from app.scheduling.models import (
    OPEN,
    InspectionPlan,
    InspectorSetting,
    RandomDraw,
    Visit,
)
from app.scheduling.settings import ensure_policy_row, plan_policy
from app.common.workdays import unofficial_years, year_has_official_schedule
from app.scheduling.workdays import is_workday


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


def check_plan_request(actor, unit_code, period_kind: str, start: date, *, today: date | None = None):
    """The checks a new plan must pass before any work (the page runs them before starting the job):
    the county (one's own for a county supervisor), the period, not over, no overlapping plan.
    Returns (unit, first day, last day) or raises ServiceError."""
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
    return unit, first, last


def create_plan(actor, unit_code, period_kind: str, start: date, *, today: date | None = None,
                progress=None) -> InspectionPlan:
    """A draft plan for a county and period; the random draw's commitment is published at once.
    ``progress`` (app.jobs.progress.Progress) is told the steps and the days routed."""
    today = today or local_today()
    unit, first, last = check_plan_request(actor, unit_code, period_kind, start, today=today)
    if progress is not None:
        progress.total(100)
        progress.step("inputs")
    prow = ensure_policy_row(max(today, first))  # the version in force when the period starts
    policy = P.Policy.from_dict(prow.data)
    from app.scheduling.replan import ensure_warning_interviews

    ensure_warning_interviews(today=today, unit_ids=[unit.id])  # every B shop owes one: the plan takes it up
    shops, _grades = shop_inputs(unit, today, first)
    officers = officers_of(unit, policy.default_capacity)
    if len([o for o in officers if o.capacity > 0]) < 2:
        raise ServiceError({"unit": [_("At least two inspectors are needed: inspections are done in pairs.")]})
    plan = InspectionPlan(unit_id=unit.id, period_kind=period_kind, period_start=first, period_end=last,
                          status="draft", policy_version=policy.version, pairs_seed=secrets.token_hex(16),
                          summary={}, created_by_id=getattr(actor, "id", None))
    db.session.add(plan)
    db.session.flush()
    if progress is not None:
        progress.advance(10, step="draw")
    draw = _commit_draw(plan, unit, shops, policy)
    _fill(plan, unit, shops, officers, policy, draw, today, progress=progress)
    record("scheduling.plan.create", "InspectionPlan", plan.id,
           after={"unit": unit.code, "period": [first, last], "visits": plan.summary.get("visits"),
                  "commitment": draw.commitment, "policy_version": policy.version}, actor=actor)
    return plan


def quarter_draws(unit_id: int, quarter: str, *, exclude_plan: int | None = None) -> list:
    """The live (committed or revealed) draws of a county in a quarter, oldest first."""
    first, last = P.quarter_bounds(P.quarter_start(quarter))
    rows = db.session.scalars(select(RandomDraw).where(
        RandomDraw.unit_id == unit_id, RandomDraw.status != "void", RandomDraw.period_start >= first,
        RandomDraw.period_start <= last).order_by(RandomDraw.id)).all()
    return [d for d in rows if d.plan_id != exclude_plan]


def _commit_draw(plan, unit, shops, policy, *, reason=None, supersedes=None) -> RandomDraw:
    """Commit the plan's draw (scheme v2, docs/scheduling.md "The random draw"): the quarter's share per
    grade spread over the quarter's plans. The pool is the county's active licences, not expired on the
    plan's first day, less the shops an earlier draw of the quarter already took; each is drawn with
    this plan's probability for its (published) grade."""
    from app.scheduling import disclosure
    from app.scheduling.inputs import draw_eligible

    seed = secrets.token_hex(32)
    quarter = P.quarter_key(plan.period_start)
    earlier = quarter_draws(unit.id, quarter, exclude_plan=plan.id)
    taken = {int(i) for d in earlier for i in d.selected}
    before: dict = {}
    for d in earlier:  # the cumulative share the quarter reached (the latest v2 draw holds the maximum)
        for g, q in ((d.quarter or {}).get("after") or {}).items():
            before[g] = max(before.get(g, 0.0), float(q))
    eligible = draw_eligible(unit, plan.period_start, [s.id for s in shops])
    # Strata: the published quarterly grade (public), never the live grade (app.scheduling.disclosure).
    grades_quarter, pool = disclosure.draw_pool([i for i in eligible if i not in taken])
    policy_shares = {g: r.draw_share for g, r in policy.grades.items()}
    shares, after = P.plan_shares(policy_shares, before, plan.period_start, plan.period_end)
    d = P.make_draw(seed, pool, policy, shares=shares)
    info = {"quarter": quarter, "policy_shares": policy_shares, "before": before, "after": after,
            "excluded": sorted(taken & set(eligible))}
    row = RandomDraw(plan_id=plan.id, unit_id=unit.id, period_start=plan.period_start, period_end=plan.period_end,
                     status="committed", commitment=d.commitment, pool_digest=d.pool_digest, pool_size=d.pool_size,
                     pool=pool, shares=d.shares, policy_version=policy.version, seed=seed, selected=d.selected,
                     reason=reason, supersedes_id=getattr(supersedes, "id", None), grade_basis="published",
                     grades_quarter=grades_quarter, scheme=P.DRAW_SCHEME, quarter=info)
    db.session.add(row)
    db.session.flush()
    record("scheduling.draw.commit", "RandomDraw", row.id,
           after={"commitment": row.commitment, "pool_digest": row.pool_digest, "pool_size": row.pool_size,
                  "policy_version": row.policy_version, "reason": reason, "supersedes": row.supersedes_id,
                  "scheme": row.scheme, "shares": row.shares, "quarter": quarter, "excluded": len(info["excluded"])})
    return row


def current_draw(plan) -> RandomDraw | None:
    live = [d for d in plan.draws if d.status != "void"]
    return live[-1] if live else None


def _fill(plan, unit, shops, officers, policy, draw_row, today, progress=None):
    """Run the planner and write its visits into the (draft) plan."""
    routed = None
    if progress is not None:
        progress.step("route")
        base = progress.done

        def routed(day_no, days):
            progress.advance(base + (80 * day_no) // max(1, days) - progress.done)

    fixed = P.Draw(seed=draw_row.seed, commitment=draw_row.commitment, pool_digest=draw_row.pool_digest,
                   pool_size=draw_row.pool_size, policy_version=draw_row.policy_version, shares=draw_row.shares,
                   selected=list(draw_row.selected), per_grade={})
    result = P.plan_county(unit.code, plan.period_start, plan.period_end, shops, officers, policy,
                           seed=plan.pairs_seed, seat=seat_of(unit), as_of=max(today, plan.period_start),
                           fixed_draw=fixed, progress=routed)
    if progress is not None:
        progress.step("write")
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
    policy = P.Policy.from_dict(ensure_policy_row(max(today, plan.period_start)).data)
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


def reroute(plan, day, pair, seat):
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
    reroute(visit.plan, old_key[0], old_key[1], seat)
    reroute(visit.plan, visit.planned_on, (visit.officer_a_id, visit.officer_b_id), seat)
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
        reroute(a.plan, day, pair, seat)
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


def may_approve(plan, actor, *, today: date | None = None) -> tuple[bool, bool]:
    """(allowed, self-approval) under the four-eyes rule: the supervisor who drafted a plan does not
    approve it, unless the scheduling policy in force names the county as a one-supervisor county
    (``self_approval``). A plan with no recorded drafter (made on the command line) has no conflict."""
    drafter = plan.created_by_id
    if actor is None or drafter is None or getattr(actor, "id", None) != drafter:
        return True, False
    from app.scheduling.settings import active_policy

    allowed = plan.unit.code in active_policy(today).self_approval
    return allowed, allowed


def unofficial_calendar_years(plan) -> list[int]:
    """The years the plan's period reaches whose official holiday schedule has not been entered: its
    working days there were counted Monday to Friday (the plan pages say so)."""
    return unofficial_years(plan.period_start, plan.period_end)


def unofficial_visit_years(plan) -> list[int]:
    """The years without an official holiday schedule in which the draft places visits."""
    years = sorted({v.planned_on.year for v in plan.visits if v.status == "planned"})
    return [y for y in years if not year_has_official_schedule(y)]


def approve(plan, actor, *, acknowledge_unofficial_calendar: bool = False) -> InspectionPlan:
    """Approve a draft: the rules are checked for every visit, the draw's seed is revealed, and the
    visits go to the inspectors' day lists. Four eyes: not by the supervisor who drafted it
    (:func:`may_approve`). A draft that places visits in a year without an official holiday schedule
    (counted Monday to Friday) is approved only when the approver acknowledges it."""
    if plan.status != "draft":
        raise ServiceError({"plan": [_("Only a draft plan can be approved.")]})
    allowed, self_approved = may_approve(plan, actor)
    if not allowed:
        raise ServiceError({"plan": [_("You drafted this plan, so another supervisor must approve it (four-eyes "
                                       "rule). In a county with a single supervisor, an administrator can allow "
                                       "self-approval in the scheduling policy.")]}, status=403)
    guessed = unofficial_visit_years(plan)
    if guessed and not acknowledge_unofficial_calendar:
        raise ServiceError({"acknowledge_unofficial_calendar": [_(
            "The plan places visits in %(years)s, whose official holiday schedule has not been entered: its "
            "working days were counted Monday to Friday. Confirm that you approve it anyway, or have the "
            "schedule entered first.", years="、".join(str(y) for y in guessed))]})
    policy = plan_policy(plan)
    errors = []
    loads = defaultdict(int)
    settings = {s.user_id: s for s in db.session.scalars(select(InspectorSetting))}
    for v in plan.visits:
        if v.status != "planned":
            continue
        if not v.officer_a_id or not v.officer_b_id or v.officer_a_id == v.officer_b_id:
            errors.append(_("The visit to %(shop)s (%(licence)s) on %(day)s needs two different inspectors.",
                            shop=v.retailer.shop_name, licence=v.retailer.licence_no, day=v.planned_on.isoformat()))
            continue
        if not is_workday(v.planned_on):  # e.g. a holiday entered after the draft was made
            errors.append(_("The visit to %(shop)s (%(licence)s) is on %(day)s, which is not a working day: move it.",
                            shop=v.retailer.shop_name, licence=v.retailer.licence_no, day=v.planned_on.isoformat()))
            continue
        for oid in (v.officer_a_id, v.officer_b_id):
            loads[(oid, v.planned_on)] += 1
            s = settings.get(oid)
            if s and v.planned_on.isoformat() in (s.days_off or []):
                officer = v.officer_a if oid == v.officer_a_id else v.officer_b
                errors.append(_("The visit to %(shop)s (%(licence)s) on %(day)s: %(officer)s is off that day.",
                                shop=v.retailer.shop_name, licence=v.retailer.licence_no,
                                day=v.planned_on.isoformat(), officer=officer.display_name))
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
                  "seed": draw.seed if draw else None, "drafted_by": plan.created_by_id,
                  "self_approved": self_approved,
                  **({"unofficial_calendar_acknowledged": guessed} if guessed else {})}, actor=actor)
    return plan
