"""Inspection plans, visits and random draws (issue 5): thin views over app.scheduling.services."""
from datetime import date, datetime

from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from app.auth import policy
from app.auth.policy import requires
from app.common.time import local_today
from app.extensions import db
from app.scheduling import services
from app.scheduling.models import InspectionPlan, RandomDraw, Visit
from app.scheduling.schemas import (AvailabilitySchema, PolicyCreateSchema, CompleteSchema, DayQuerySchema, PlanCreateSchema, PlanQuerySchema, RedrawSchema,
                                    SwapSchema, VisitMoveSchema)

blp = Blueprint("scheduling", __name__, url_prefix="/api", description="Inspection scheduling 检查计划（双随机）")


def _j(value):
    if isinstance(value, dict):
        return {str(k): _j(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_j(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def visit_dict(v: Visit, names=None, grades=None) -> dict:
    r = v.retailer
    return _j({"id": v.id, "plan_id": v.plan_id, "retailer_id": v.retailer_id, "licence_no": r.licence_no,
               "shop_name": r.shop_name, "address": r.address, "lat": r.lat, "lng": r.lng, "kind": v.kind,
               "status": v.status, "overdue": v.status == "missed" or (v.status in services.OPEN
                                                                       and v.planned_on < local_today()),
               "due_on": v.due_on, "planned_on": v.planned_on, "officers": [v.officer_a_id, v.officer_b_id],
               "officer_names": [(names or {}).get(v.officer_a_id), (names or {}).get(v.officer_b_id)],
               "route_order": v.route_order, "leg_km": v.leg_km, "risk": v.risk, "reasons": v.reasons,
               "grade": (grades or {}).get(v.retailer_id), "outcome": v.outcome, "done_on": v.done_on,
               "note": v.note})


def plan_dict(plan: InspectionPlan, full=False) -> dict:
    draw = services.current_draw(plan)
    out = {"id": plan.id, "unit": plan.unit.code, "unit_name": plan.unit.name, "period_kind": plan.period_kind,
           "period_start": plan.period_start, "period_end": plan.period_end, "status": plan.status,
           "policy_version": plan.policy_version, "pairs_seed": plan.pairs_seed,
           "draw": services.draw_public_dict(draw) if draw else None,
           "void_draws": [services.draw_public_dict(d) for d in plan.draws if d.status == "void"],
           "approved_at": plan.approved_at}
    if full:
        view = services.plan_view(plan)
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
def list_plans(args):
    """Plans the user may see (a county supervisor: their county)."""
    stmt = policy.scope(current_user, "plans.read", select(InspectionPlan), InspectionPlan)
    if args.get("status"):
        stmt = stmt.where(InspectionPlan.status == args["status"])
    return [plan_dict(p) for p in db.session.scalars(stmt.order_by(InspectionPlan.period_start.desc(),
                                                                   InspectionPlan.id.desc()))]


@blp.route("/plans", methods=["POST"])
@requires("plans.write")
@blp.arguments(PlanCreateSchema)
@blp.response(201)
def create_plan(data):
    """Draft a plan for a county and period; the draw's commitment is published at once."""
    plan = services.create_plan(current_user, data["unit"], data["period"], data["start"])
    db.session.commit()
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
@blp.response(200)
def approve_plan(plan_id):
    """Approve a draft plan: rules re-checked, the draw's seed revealed, visits sent to day lists."""
    plan = policy.get_or_404(current_user, "plans.write", InspectionPlan, plan_id)
    services.approve(plan, current_user)
    db.session.commit()
    return plan_dict(plan)


@blp.route("/plans/<int:plan_id>/redraw", methods=["POST"])
@requires("plans.write")
@blp.arguments(RedrawSchema)
@blp.response(200)
def redraw_plan(data, plan_id):
    """A new draw for a draft plan, with a recorded reason; the old commitment stays published (void)."""
    plan = policy.get_or_404(current_user, "plans.write", InspectionPlan, plan_id)
    services.redraw(plan, current_user, data["reason"])
    db.session.commit()
    return plan_dict(plan)


@blp.route("/plans/<int:plan_id>/discard", methods=["POST"])
@requires("plans.write")
@blp.arguments(RedrawSchema)
@blp.response(200)
def discard_plan(data, plan_id):
    """Discard a draft plan, with a recorded reason (its visits cancelled, its draw void and revealed),
    e.g. to plan the county for another period: plans of one county never overlap."""
    plan = policy.get_or_404(current_user, "plans.write", InspectionPlan, plan_id)
    services.discard(plan, current_user, data["reason"])
    db.session.commit()
    return plan_dict(plan)


@blp.route("/visits/<int:visit_id>", methods=["PATCH"])
@requires("plans.write")
@blp.arguments(VisitMoveSchema)
@blp.response(200)
def move_visit(data, visit_id):
    """Move a draft visit to another day and/or reassign its two officers (rules re-checked)."""
    visit = policy.get_or_404(current_user, "plans.write", Visit, visit_id)
    services.move_visit(visit, current_user, planned_on=data.get("planned_on"), officer_ids=data.get("officer_ids"))
    db.session.commit()
    return visit_dict(visit)


@blp.route("/visits/<int:visit_id>/swap", methods=["POST"])
@requires("plans.write")
@blp.arguments(SwapSchema)
@blp.response(200)
def swap_visit(data, visit_id):
    """Swap two draft visits' days and pairs."""
    a = policy.get_or_404(current_user, "plans.write", Visit, visit_id)
    b = policy.get_or_404(current_user, "plans.write", Visit, data["other"])
    services.swap_visits(a, b, current_user)
    db.session.commit()
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
    names = services.plan_view_names(rows)
    return [visit_dict(v, names) for v in rows]


@blp.route("/visits/<int:visit_id>/complete", methods=["POST"])
@requires("visits.complete")
@blp.arguments(CompleteSchema)
@blp.response(200)
def complete_visit(data, visit_id):
    """Close one of my visits with its outcome (until the inspection record closes it itself)."""
    visit = policy.get_or_404(current_user, "visits.complete", Visit, visit_id)
    services.complete_visit(visit, current_user, data["outcome"], done_on=data.get("done_on"))
    db.session.commit()
    return visit_dict(visit)


@blp.route("/public/draws/<int:draw_id>", methods=["GET"])
@requires("public")
@blp.response(200)
def public_draw(draw_id):
    """A random draw as published: commitment, pool digest and size, shares; once revealed also the
    seed, the pool and the drawn list, with the server's own verification."""
    draw = db.session.get(RandomDraw, draw_id)
    if draw is None:
        from flask import abort

        abort(404)
    return _j(services.draw_public_dict(draw))


@blp.route("/inspectors/<int:user_id>/availability", methods=["PUT"])
@requires("plans.write")
@blp.arguments(AvailabilitySchema)
@blp.response(200)
def set_availability(data, user_id):
    """An inspector's daily capacity and days off (a supervisor of that county)."""
    user = services.inspector_in_scope(current_user, user_id)
    row = services.set_inspector(user, daily_capacity=data.get("daily_capacity"), days_off=data.get("days_off"),
                                 actor=current_user)
    db.session.commit()
    return {"user_id": user.id, "daily_capacity": row.daily_capacity, "days_off": row.days_off}


@blp.route("/scheduling/policy", methods=["GET"])
@requires("plans.read")
@blp.response(200)
def get_policy():
    """The scheduling policy version in force (intervals, draw shares, capacity, hours)."""
    row = services.policy_row()
    db.session.commit()
    return _j({"version": row.version, "effective_from": row.effective_from, "data": row.data})


@blp.route("/scheduling/policy", methods=["POST"])
@requires("scheduling.policy")
@blp.arguments(PolicyCreateSchema)
@blp.response(201)
def add_policy(data):
    """Add a scheduling policy version (never an edit of an old one)."""
    row = services.add_policy_version(data["data"], data["effective_from"], current_user)
    db.session.commit()
    return _j({"version": row.version, "effective_from": row.effective_from, "data": row.data}), 201
