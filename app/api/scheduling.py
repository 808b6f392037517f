"""Inspection plans, visits and random draws: thin views over the app.scheduling service modules."""
from datetime import date, datetime, timezone

from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from app.api.common import paginate
from app.auth import policy
from app.auth.policy import requires
from app.common.time import local_today
from app.extensions import db
from app.scheduling import disclosure, planning, queries, settings, visits
from app.scheduling.models import OPEN, InspectionPlan, RandomDraw, Visit
from app.scheduling.schemas import (AvailabilitySchema, PolicyCreateSchema, CompleteSchema, DayQuerySchema, PlanCreateSchema, PlanApproveSchema, PlanQuerySchema, RedrawSchema,
                                    SwapSchema, VisitMoveSchema)

blp = Blueprint("scheduling", __name__, url_prefix="/api", description="Inspection scheduling 检查计划（双随机）")


def _j(value):
    if isinstance(value, dict):
        return {str(k): _j(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_j(v) for v in value]
    if isinstance(value, datetime):  # naive UTC (app.common.time.utcnow): sent with its zone
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def visit_dict(v: Visit, names=None, grades=None) -> dict:
    r = v.retailer
    return _j({"id": v.id, "plan_id": v.plan_id, "retailer_id": v.retailer_id, "licence_no": r.licence_no,
               "shop_name": r.shop_name, "address": r.address, "lat": r.lat, "lng": r.lng, "kind": v.kind,
               "status": v.status, "overdue": v.status == "missed" or (v.status in OPEN
                                                                       and v.planned_on < local_today()),
               "due_on": v.due_on, "planned_on": v.planned_on, "officers": [v.officer_a_id, v.officer_b_id],
               "officer_names": [(names or {}).get(v.officer_a_id), (names or {}).get(v.officer_b_id)],
               "route_order": v.route_order, "leg_km": v.leg_km, "risk": v.risk, "reasons": v.reasons,
               "grade": (grades or {}).get(v.retailer_id), "outcome": v.outcome, "done_on": v.done_on,
               "note": v.note})


def plan_dict(plan: InspectionPlan, full=False) -> dict:
    draw = planning.current_draw(plan)
    out = {"id": plan.id, "unit": plan.unit.code, "unit_name": plan.unit.name, "period_kind": plan.period_kind,
           "period_start": plan.period_start, "period_end": plan.period_end, "status": plan.status,
           "policy_version": plan.policy_version, "pairs_seed": plan.pairs_seed,
           "draw": queries.draw_public_dict(draw) if draw else None,
           "void_draws": [queries.draw_public_dict(d) for d in plan.draws if d.status == "void"],
           "approved_at": plan.approved_at,
           # years of the period without an official holiday schedule: working days counted Monday-Friday
           "unofficial_calendar_years": planning.unofficial_calendar_years(plan)}
    if full:
        view = queries.plan_view(plan)
        out["visits"] = [visit_dict(v, view["names"], view["grades"]) for day in view["days"].values()
                         for items in day.values() for v in items]
        out["load"] = [{"officer_id": oid, "name": name, "visits": n} for name, n, oid in view["load"]]
        out["coverage"] = view["coverage"]
        out["unplaced"] = plan.summary.get("unplaced", [])
        out["routes"] = plan.summary.get("routes", [])
    if out["draw"]:
        out["draw"].pop("pool", None)  # large; GET /api/public/draws/<id> has it
    return _j(out)


@blp.route("/plans", methods=["GET"])
@requires("plans.read")
@blp.arguments(PlanQuerySchema, location="query")
@blp.response(200)
@blp.paginate(page_size=20, max_page_size=100)
def list_plans(args, pagination_parameters):
    """Plans the user may see (a county supervisor: their county), newest period first, paginated."""
    stmt = policy.scope(current_user, "plans.read", select(InspectionPlan), InspectionPlan)
    if args.get("status"):
        stmt = stmt.where(InspectionPlan.status == args["status"])
    plans = paginate(stmt.order_by(InspectionPlan.period_start.desc(), InspectionPlan.id.desc()),
                     pagination_parameters)
    return [plan_dict(p) for p in plans]


@blp.route("/plans", methods=["POST"])
@requires("plans.write")
@blp.arguments(PlanCreateSchema)
@blp.response(201)
def create_plan(data):
    """Draft a plan for a county and period; the draw's commitment is published at once."""
    plan = planning.create_plan(current_user, data["unit"], data["period"], data["start"])
    return plan_dict(plan), 201


@blp.route("/plans/<int:plan_id>", methods=["GET"])
@requires("plans.read")
@blp.response(200)
def get_plan(plan_id):
    """A plan with its visits by day and pair, loads, coverage by grade and the draw."""
    plan = policy.get_or_404(current_user, "plans.read", InspectionPlan, plan_id)
    return plan_dict(plan, full=True)


@blp.route("/plans/<int:plan_id>/approve", methods=["POST"])
@requires("plans.write")
@blp.arguments(PlanApproveSchema)
@blp.response(200)
def approve_plan(data, plan_id):
    """Approve a draft plan: rules re-checked, the draw's seed revealed, visits sent to day lists.

    Four eyes: the supervisor who drafted the plan is refused (403, field ``plan``) unless the
    scheduling policy in force lists the county in ``self_approval`` (a one-supervisor county). Visits
    in a year without an official holiday schedule need ``acknowledge_unofficial_calendar: true``."""
    plan = policy.get_or_404(current_user, "plans.write", InspectionPlan, plan_id)
    planning.approve(plan, current_user, acknowledge_unofficial_calendar=data["acknowledge_unofficial_calendar"])
    return plan_dict(plan)


@blp.route("/plans/<int:plan_id>/redraw", methods=["POST"])
@requires("plans.write")
@blp.arguments(RedrawSchema)
@blp.response(200)
def redraw_plan(data, plan_id):
    """A new draw for a draft plan, with a recorded reason; the old commitment stays published (void)."""
    plan = policy.get_or_404(current_user, "plans.write", InspectionPlan, plan_id)
    planning.redraw(plan, current_user, data["reason"])
    return plan_dict(plan)


@blp.route("/plans/<int:plan_id>/discard", methods=["POST"])
@requires("plans.write")
@blp.arguments(RedrawSchema)
@blp.response(200)
def discard_plan(data, plan_id):
    """Discard a draft plan, with a recorded reason (its visits cancelled, its draw void and revealed),
    e.g. to plan the county for another period: plans of one county never overlap."""
    plan = policy.get_or_404(current_user, "plans.write", InspectionPlan, plan_id)
    planning.discard(plan, current_user, data["reason"])
    return plan_dict(plan)


@blp.route("/visits/<int:visit_id>", methods=["PATCH"])
@requires("plans.write")
@blp.arguments(VisitMoveSchema)
@blp.response(200)
def move_visit(data, visit_id):
    """Move a draft visit to another day and/or reassign its two officers (rules re-checked)."""
    visit = policy.get_or_404(current_user, "plans.write", Visit, visit_id)
    planning.move_visit(visit, current_user, planned_on=data.get("planned_on"), officer_ids=data.get("officer_ids"))
    return visit_dict(visit)


@blp.route("/visits/<int:visit_id>/swap", methods=["POST"])
@requires("plans.write")
@blp.arguments(SwapSchema)
@blp.response(200)
def swap_visit(data, visit_id):
    """Swap two draft visits' days and pairs."""
    a = policy.get_or_404(current_user, "plans.write", Visit, visit_id)
    b = policy.get_or_404(current_user, "plans.write", Visit, data["other"])
    planning.swap_visits(a, b, current_user)
    return [visit_dict(a), visit_dict(b)]


@blp.route("/me/visits", methods=["GET"])
@requires("visits.mine")
@blp.arguments(DayQuerySchema, location="query")
@blp.response(200)
def my_visits(args):
    """The signed-in inspector's approved visits for a day (default today), in route order."""
    day = args.get("date") or local_today()
    stmt = policy.scope(current_user, "visits.mine", select(Visit), Visit).where(Visit.planned_on == day)
    rows = db.session.scalars(stmt.order_by(Visit.route_order, Visit.id)).all()
    names = queries.plan_view_names(rows)
    return [visit_dict(v, names) for v in rows]


@blp.route("/visits/<int:visit_id>/complete", methods=["POST"])
@requires("visits.complete")
@blp.arguments(CompleteSchema)
@blp.response(200)
def complete_visit(data, visit_id):
    """Close one of my visits with its outcome (until the inspection record closes it itself)."""
    visit = policy.get_or_404(current_user, "visits.complete", Visit, visit_id)
    visits.complete_visit(visit, current_user, data["outcome"], done_on=data.get("done_on"))
    return visit_dict(visit)


@blp.route("/public/draws/<int:draw_id>", methods=["GET"])
@requires("public")
@blp.response(200)
def public_draw(draw_id):
    """A random draw as the public may see it. Until its period ends: the commitment (the hash of the
    seed with the pool, policy version and shares), the pool digest and size, the strata (per published
    grade: shops in the pool, shops drawn); never a shop. After the period: also the seed, the pool with
    the published grade of each shop, the drawn shops with their results, and the verification."""
    draw = db.session.get(RandomDraw, draw_id)
    if draw is None:
        from flask import abort

        abort(404)
    return _j(disclosure.public_draw(draw))


@blp.route("/inspectors/<int:user_id>/availability", methods=["PUT"])
@requires("plans.write")
@blp.arguments(AvailabilitySchema)
@blp.response(200)
def set_availability(data, user_id):
    """An inspector's daily capacity and days off (a supervisor of that county)."""
    user = settings.inspector_in_scope(current_user, user_id)
    row = settings.set_inspector(user, daily_capacity=data.get("daily_capacity"), days_off=data.get("days_off"),
                                 actor=current_user)
    return {"user_id": user.id, "daily_capacity": row.daily_capacity, "days_off": row.days_off}


@blp.route("/scheduling/policy", methods=["GET"])
@requires("plans.read")
@blp.response(200)
def get_policy():
    """The scheduling policy version in force (intervals, draw shares, capacity, hours)."""
    row = settings.policy_row()
    return _j({"version": row.version, "effective_from": row.effective_from, "data": row.data})


@blp.route("/scheduling/policy", methods=["POST"])
@requires("scheduling.policy")
@blp.arguments(PolicyCreateSchema)
@blp.response(201)
def add_policy(data):
    """Add a scheduling policy version (never an edit of an old one)."""
    row = settings.add_policy_version(data["data"], data["effective_from"], current_user)
    return _j({"version": row.version, "effective_from": row.effective_from, "data": row.data}), 201
