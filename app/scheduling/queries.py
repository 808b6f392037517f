"""Read models of scheduling: the plan review, coverage per county and grade, officers' loads, and what
the public may see of random checks and draws (一公开)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select

from app.common.time import local_today
from app.extensions import db
from app.org.models import OrgUnit
from app.retailers.models import Retailer
from app.scheduling import planner as P
from app.scheduling.inputs import last_visits, live_grades
from app.scheduling.models import (
    RandomDraw,
    Visit,
)
from app.scheduling.planning import current_draw
from app.scheduling.settings import policy_row


def day_visits(user, day: date) -> list:
    """An inspector's visits of one day (approved, done or missed), in route order."""
    from app.auth import policy

    stmt = policy.scope(user, "visits.mine", select(Visit), Visit).where(Visit.planned_on == day)
    return list(db.session.scalars(stmt.order_by(Visit.route_order, Visit.id)))


def route_points(visits) -> list[dict]:
    """What the route map needs of each visit: its number, shop, WGS-84 position and state."""
    return [{"n": v.route_order, "visit": v.id, "shop": v.retailer_id, "name": v.retailer.shop_name,
             "lat": v.retailer.lat, "lng": v.retailer.lng, "status": v.status}
            for v in visits]


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
    # Coverage by live grade (what the visit intervals follow; the draw's strata are published grades).
    county = list(db.session.scalars(select(Retailer.id).where(Retailer.unit_id == plan.unit_id,
                                                               Retailer.status == "active")))
    live = live_grades(county)
    for rid in county:
        grade = live.get(rid, "A")
        coverage[grade]["shops"] += 1
        if rid in planned_shops:
            coverage[grade]["planned"] += 1
    return {"days": days, "load": sorted(((names.get(k, k), n, k) for k, n in load.items()), key=lambda x: -x[1]),
            "names": names, "grades": grades, "coverage": {g: coverage[g] for g in P.GRADES if g in coverage},
            "draw": draw, "void_draws": [d for d in plan.draws if d.status == "void"]}


def plan_layout(plan) -> dict:
    """The plan as the review page numbers it: its days (working days of the plan and any day holding a
    visit) numbered from 1, per day the pairs and their visits in route order, and each visit's
    position "day-item" (item counted through the day's pairs in order). Swaps and moves on the page
    name visits by these positions, never by database ids."""
    visits = [v for v in plan.visits if v.status != "cancelled"]
    days = sorted({date.fromisoformat(d) for d in (plan.summary or {}).get("days", [])} | {v.planned_on for v in visits})
    day_no = {d: i + 1 for i, d in enumerate(days)}
    by_day: dict = {d: {} for d in days}
    for v in sorted(visits, key=lambda v: (v.planned_on, v.officer_a_id or 0, v.officer_b_id or 0, v.route_order,
                                           v.id)):
        by_day[v.planned_on].setdefault((v.officer_a_id, v.officer_b_id), []).append(v)
    positions, at = {}, {}
    for d in days:
        n = 0
        for items in by_day[d].values():
            for v in items:
                n += 1
                positions[v.id] = f"{day_no[d]}-{n}"
                at[(day_no[d], n)] = v
    weeks = sorted({d - timedelta(days=d.weekday()) for d in days})
    return {"days": days, "day_no": day_no, "by_day": by_day, "positions": positions, "at": at, "weeks": weeks,
            "visits": visits}


def visit_at(layout: dict, position: tuple, field: str = "position"):
    """The visit at ``position`` (day, item) of a plan layout, or a field error naming the position."""
    from flask_babel import gettext as _

    from app.common.errors import ServiceError

    visit = layout["at"].get(tuple(position))
    if visit is None:
        shown = f"{position[0]}-{position[1]}"
        raise ServiceError({field: [_("There is no visit %(p)s in this plan (day %(d)d has %(n)d).",
                                      p=shown, d=position[0], n=_day_count(layout, position[0]))]})
    return visit


def _day_count(layout, day_number):
    days = layout["days"]
    if not 1 <= day_number <= len(days):
        return 0
    return sum(len(items) for items in layout["by_day"][days[day_number - 1]].values())


def coverage(units, today: date | None = None) -> list[dict]:
    """Per county and grade: shops, visits planned, done and overdue in the current periods, and the
    share of shops inspected within their grade's interval."""
    today = today or local_today()
    policy = P.Policy.from_dict(policy_row(today).data)
    out = []
    for unit in units:
        from app.retailers.counts import registered

        ids = [r for (r,) in db.session.execute(select(Retailer.id).where(Retailer.unit_id == unit.id,
                                                                          registered()))]
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
    """Completed random checks (一公开) in a county and period, from revealed draws whose period has ended
    (before that, a done check would show who was drawn: app.scheduling.disclosure)."""
    stmt = (select(Visit, Retailer).join(Retailer, Retailer.id == Visit.retailer_id)
            .join(RandomDraw, RandomDraw.id == Visit.draw_id)
            .where(Visit.kind == "random", Visit.status == "done", RandomDraw.status == "revealed",
                   RandomDraw.period_end < local_today(), Visit.done_on >= start, Visit.done_on <= end)
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
           "reason": d.reason, "supersedes_id": d.supersedes_id, "scheme": d.scheme}
    if d.status in ("revealed", "void"):
        out.update(seed=d.seed, pool=d.pool, selected=d.selected, revealed_at=d.revealed_at)
        out["verification"] = P.verify_draw(d.seed, d.pool, d.policy_version, d.shares, d.commitment, d.selected,
                                            d.scheme)
    return out


def plans_query(user):
    """The inspection plans the user may read, newest period first (the plan list and its export)."""
    from app.auth import policy
    from app.scheduling.models import InspectionPlan

    return (policy.scope(user, "plans.read", select(InspectionPlan), InspectionPlan)
            .order_by(InspectionPlan.period_start.desc(), InspectionPlan.id.desc()))


def plan_visit_counts(plan_ids) -> dict:
    """Per plan, its visits that are not cancelled."""
    if not plan_ids:
        return {}
    return dict(db.session.execute(select(Visit.plan_id, func.count(Visit.id))
                                   .where(Visit.plan_id.in_(list(plan_ids)), Visit.status != "cancelled")
                                   .group_by(Visit.plan_id)).all())


def plan_visits_query(plan):
    """A plan's visits (not cancelled) in the order of its review page: by day, pair, route order."""
    return (select(Visit).where(Visit.plan_id == plan.id, Visit.status != "cancelled")
            .order_by(Visit.planned_on, Visit.officer_a_id, Visit.officer_b_id, Visit.route_order, Visit.id))


def county_units(user, unit: str | None = None) -> list:
    """The counties whose coverage the user sees (a county supervisor: their own), optionally one by code."""
    stmt = select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)
    if user.role == "supervisor" and not user.is_city_level:
        stmt = stmt.where(OrgUnit.id == user.unit_id)
    if unit:
        stmt = stmt.where(OrgUnit.code == unit)
    return list(db.session.scalars(stmt))
