"""Pages for inspection scheduling (issue 5): plan list and review (supervisor), the inspector's day
list (offline through the service worker's page cache), coverage and workload, and the public list of
completed random checks (一公开)."""
from collections import Counter
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.auth import policy
from app.auth.policy import requires
from app.common.errors import ServiceError
from app.common.time import local_today
from app.extensions import db
from app.org.models import OrgUnit
from app.pwa import bp
from app.scheduling import planner as P
from app.scheduling import services
from app.scheduling.models import InspectionPlan, Visit

KIND_LABELS = {"due": _l("Due visit"), "random": _l("Random check"), "interview": _l("Warning interview")}
STATUS_LABELS = {"planned": _l("Draft"), "approved": _l("Approved"), "done": _l("Done"), "missed": _l("Overdue"),
                 "cancelled": _l("Cancelled"), "draft": _l("Draft"), "superseded": _l("Superseded"),
                 "discarded": _l("Discarded")}
OUTCOME_LABELS = {"no_violation": _l("No violation"), "violation": _l("Violation found"),
                  "rectification": _l("Rectification ordered")}
REASON_LABELS = {"overdue": _l("overdue %(d)s days"), "never_inspected": _l("never inspected"),
                 "grade": _l("grade %(d)s"), "suspected": _l("%(d)s suspected violations in 12 months"),
                 "warnings": _l("%(d)s open warnings"), "rectification": _l("%(d)s rectification deadlines passed"),
                 "interview": _l("warning interview"), "random_draw": _l("drawn at random"),
                 "grade_change": _l("grade changed %(d)s")}
PERIOD_LABELS = {"week": _l("Week"), "month": _l("Month"), "quarter": _l("Quarter")}


def reason_text(reason) -> str:
    code, points, detail = (list(reason) + [None, None])[:3]
    label = REASON_LABELS.get(code)
    text = str(label) % {"d": detail} if label is not None else str(code)
    return f"{text} (+{points})" if points else text


def _labels():
    return {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS, "outcome_labels": OUTCOME_LABELS,
            "reason_text": reason_text, "period_labels": PERIOD_LABELS}


def _my_units():
    stmt = select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)
    if current_user.role == "supervisor" and not current_user.is_city_level:
        stmt = stmt.where(OrgUnit.id == current_user.unit_id)
    return list(db.session.scalars(stmt))


@bp.route("/plans", methods=["GET", "POST"])
@requires("plans.read")
def plans():
    if request.method == "POST":
        if not policy.role_allows(current_user, "plans.write", via_token=False):
            abort(403)
        try:
            start = date.fromisoformat(request.form.get("start") or local_today().isoformat())
            plan = services.create_plan(current_user, request.form.get("unit", ""), request.form.get("period", "quarter"),
                                        start)
            db.session.commit()
            flash(_("Draft plan created. The draw's commitment is published."), "ok")
            return redirect(url_for("pwa.plan_review", plan_id=plan.id))
        except ValueError:
            db.session.rollback()
            flash(_("Not a valid date."), "error")
        except ServiceError as exc:
            db.session.rollback()
            for messages in exc.errors.values():
                for m in messages:
                    flash(m, "error")
        return redirect(url_for("pwa.plans"))
    rows = list(db.session.scalars(policy.scope(current_user, "plans.read", select(InspectionPlan), InspectionPlan)
                                   .order_by(InspectionPlan.period_start.desc(), InspectionPlan.id.desc()).limit(100)))
    counts = Counter()
    for plan_id, in db.session.execute(select(Visit.plan_id).where(Visit.plan_id.in_([p.id for p in rows]),
                                                                   Visit.status != "cancelled")):
        counts[plan_id] += 1
    can_write = policy.role_allows(current_user, "plans.write", via_token=False)
    return render_template("scheduling/plans.html", plans=rows, counts=counts, units=_my_units(),
                           can_write=can_write, today=local_today(), **_labels())


def _plan_for(plan_id, action):
    return policy.get_or_404(current_user, action, InspectionPlan, plan_id)


@bp.route("/plans/<int:plan_id>")
@requires("plans.read")
def plan_review(plan_id):
    plan = _plan_for(plan_id, "plans.read")
    services.refresh(unit_id=plan.unit_id)
    db.session.commit()
    view = services.plan_view(plan)
    days = sorted(view["days"])
    day_counts = {d: sum(len(v) for v in view["days"][d].values()) for d in days}
    try:
        day = date.fromisoformat(request.args["day"]) if request.args.get("day") else (days[0] if days else None)
    except ValueError:
        day = days[0] if days else None
    officers = services.officers_of(plan.unit, 6)
    names = dict(view["names"])
    from app.auth.models import User

    for u in db.session.scalars(select(User).where(User.id.in_([o.id for o in officers]))):
        names[u.id] = u.display_name
    pairs = view["days"].get(day, {}) if day else {}
    routes = {(r["day"], tuple(r["pair"])): r for r in plan.summary.get("routes", [])}
    can_write = policy.role_allows(current_user, "plans.write", via_token=False) and plan.status == "draft"
    return render_template("scheduling/plan.html", plan=plan, view=view, days=days, day_counts=day_counts, day=day,
                           pairs=pairs, names=names, officers=officers, routes=routes, can_write=can_write,
                           unplaced=plan.summary.get("unplaced", []), **_labels())


def _flash_errors(exc):
    for messages in exc.errors.values():
        for m in (messages if isinstance(messages, list) else [messages]):
            flash(m, "error")


@bp.route("/plans/<int:plan_id>/visits/<int:visit_id>", methods=["POST"])
@requires("plans.write")
def plan_visit_edit(plan_id, visit_id):
    plan = _plan_for(plan_id, "plans.write")
    visit = policy.get_or_404(current_user, "plans.write", Visit, visit_id)
    if visit.plan_id != plan.id:
        abort(404)
    back = request.form.get("day") or visit.planned_on.isoformat()
    try:
        planned_on = date.fromisoformat(request.form["planned_on"]) if request.form.get("planned_on") else None
        ids = [int(x) for x in (request.form.get("officer_a"), request.form.get("officer_b")) if x]
        services.move_visit(visit, current_user, planned_on=planned_on, officer_ids=ids or None)
        db.session.commit()
        flash(_("Visit updated."), "ok")
    except ValueError:
        db.session.rollback()
        flash(_("Not a valid date."), "error")
    except ServiceError as exc:
        db.session.rollback()
        _flash_errors(exc)
    return redirect(url_for("pwa.plan_review", plan_id=plan.id, day=back))


@bp.route("/plans/<int:plan_id>/swap", methods=["POST"])
@requires("plans.write")
def plan_swap(plan_id):
    plan = _plan_for(plan_id, "plans.write")
    try:
        a = policy.get_or_404(current_user, "plans.write", Visit, int(request.form.get("a", 0)))
        b = policy.get_or_404(current_user, "plans.write", Visit, int(request.form.get("b", 0)))
        services.swap_visits(a, b, current_user)
        db.session.commit()
        flash(_("Visits swapped."), "ok")
    except ValueError:
        db.session.rollback()
        flash(_("Invalid value."), "error")
    except ServiceError as exc:
        db.session.rollback()
        _flash_errors(exc)
    return redirect(url_for("pwa.plan_review", plan_id=plan.id, day=request.form.get("day")))


@bp.route("/plans/<int:plan_id>/approve", methods=["POST"])
@requires("plans.write")
def plan_approve(plan_id):
    plan = _plan_for(plan_id, "plans.write")
    try:
        services.approve(plan, current_user)
        db.session.commit()
        flash(_("Plan approved. The visits are in the inspectors' day lists and the draw's seed is published."), "ok")
    except ServiceError as exc:
        db.session.rollback()
        _flash_errors(exc)
    return redirect(url_for("pwa.plan_review", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>/redraw", methods=["POST"])
@requires("plans.write")
def plan_redraw(plan_id):
    plan = _plan_for(plan_id, "plans.write")
    try:
        services.redraw(plan, current_user, request.form.get("reason", ""))
        db.session.commit()
        flash(_("New draw committed; the reason is recorded and the old commitment stays published."), "ok")
    except ServiceError as exc:
        db.session.rollback()
        _flash_errors(exc)
    return redirect(url_for("pwa.plan_review", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>/discard", methods=["POST"])
@requires("plans.write")
def plan_discard(plan_id):
    plan = _plan_for(plan_id, "plans.write")
    try:
        services.discard(plan, current_user, request.form.get("reason", ""))
        db.session.commit()
        flash(_("Draft discarded; the reason is recorded. The county can be planned for this period again."), "ok")
        return redirect(url_for("pwa.plans"))
    except ServiceError as exc:
        db.session.rollback()
        _flash_errors(exc)
    return redirect(url_for("pwa.plan_review", plan_id=plan.id))


@bp.route("/visits")
@requires("visits.mine")
def my_day():
    """The inspector's day list: approved visits in route order (kept by the service worker offline)."""
    try:
        day = date.fromisoformat(request.args["date"]) if request.args.get("date") else local_today()
    except ValueError:
        day = local_today()
    stmt = policy.scope(current_user, "visits.mine", select(Visit), Visit).where(Visit.planned_on == day)
    rows = list(db.session.scalars(stmt.order_by(Visit.route_order, Visit.id)))
    upcoming = list(db.session.execute(
        policy.scope(current_user, "visits.mine", select(Visit.planned_on), Visit)
        .where(Visit.planned_on >= local_today(), Visit.status == "approved")
        .group_by(Visit.planned_on).order_by(Visit.planned_on).limit(10)).scalars())
    names = services.plan_view_names(rows)
    grades = services.live_grades({v.retailer_id for v in rows})
    return render_template("scheduling/day.html", day=day, visits=rows, names=names, grades=grades,
                           upcoming=upcoming, today=local_today(), **_labels())


@bp.route("/coverage")
@requires("plans.read")
def coverage():
    units = _my_units()
    services.refresh()
    db.session.commit()
    rows = services.coverage(units)
    loads = services.officer_loads(units)
    return render_template("scheduling/coverage.html", rows=rows, loads=loads, **_labels())


@bp.route("/public/random-checks")
@requires("public")
def public_random_checks():
    """一公开: completed random checks per county and period, personal data masked, with the draws."""
    units = list(db.session.scalars(select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)))
    code = request.args.get("unit") or ""
    unit = next((u for u in units if u.code == code), None)
    kind = request.args.get("period") if request.args.get("period") in ("week", "month", "quarter") else "quarter"
    try:
        ref = date.fromisoformat(request.args["start"]) if request.args.get("start") else local_today()
    except ValueError:
        ref = local_today()
    start, end = P.period_bounds(kind, ref)
    checks = services.public_checks(unit, start, end)
    draws = [services.draw_public_dict(d) for d in services.public_draws(unit, start, end)]
    unit_names = {u.id: u.name for u in units}
    return render_template("scheduling/public.html", units=units, unit=unit, kind=kind, start=start, end=end,
                           checks=checks, draws=draws, unit_names=unit_names, **_labels())


# ---------------------------------------------------------------- settings: inspectors and the policy


def _inspectors(units):
    from app.auth.models import User

    return list(db.session.scalars(select(User).where(User.role == "inspector", User.is_enabled.is_(True),
                                                      User.unit_id.in_([u.id for u in units]))
                                   .order_by(User.unit_id, User.display_name, User.id)))


@bp.route("/inspectors")
@requires("plans.write")
def inspectors():
    """A county's inspectors with their daily capacity and days off (a city supervisor: every county)."""
    units = _my_units()
    code = request.args.get("unit") or ""
    shown = [u for u in units if u.code == code] or units
    people = _inspectors(shown)
    settings = services.inspector_settings([u.id for u in people])
    default = services.active_policy().default_capacity
    db.session.commit()  # the default policy version may have been stored on first use
    today = local_today()
    return render_template("scheduling/inspectors.html", units=units, shown=shown, code=code, people=people,
                           settings=settings, default=default, today=today,
                           upcoming=lambda s: [d for d in (s.days_off or []) if d >= today.isoformat()])


@bp.route("/inspectors/<int:user_id>", methods=["GET", "POST"])
@requires("plans.write")
def inspector_edit(user_id):
    """Edit one inspector's daily capacity and days off; refused input is shown again with its errors."""
    from app.scheduling import forms

    user = services.inspector_in_scope(current_user, user_id)
    row = services.inspector_settings([user.id]).get(user.id)
    default = services.active_policy().default_capacity
    errors = {}
    values = {"daily_capacity": str(row.daily_capacity if row else default),
              "days_off": "\n".join(row.days_off or []) if row else ""}
    if request.method == "POST":
        parsed, errors, values = forms.parse_availability(request.form)
        if not errors:
            try:
                services.set_inspector(user, daily_capacity=parsed["daily_capacity"], days_off=parsed["days_off"],
                                       actor=current_user)
                clashes = services.availability_conflicts(user.id)
                db.session.commit()
                flash(_("Saved. Plans drafted from now on use this capacity and these days off."), "ok")
                if clashes:
                    flash(_("Already planned visits break these settings on %(days)s: move them on their plan.",
                            days="、".join(d.isoformat() for d in clashes[:8])), "error")
                return redirect(url_for("pwa.inspectors", unit=user.unit.code if user.unit else None))
            except ServiceError as exc:
                errors = exc.errors
        db.session.rollback()
    return render_template("scheduling/inspector.html", person=user, values=values, errors=errors, default=default,
                           max_capacity=forms.MAX_CAPACITY), (422 if errors else 200)


def _policy_page(errors=None, values=None, status=200):
    from app.scheduling import forms
    from app.scheduling.models import SchedulingPolicy

    today = local_today()
    row = services.policy_row(today)
    current = P.Policy.from_dict(row.data)
    counties = list(db.session.scalars(select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)))
    versions = list(db.session.scalars(select(SchedulingPolicy).order_by(SchedulingPolicy.effective_from.desc(),
                                                                          SchedulingPolicy.id.desc())))
    can_edit = policy.role_allows(current_user, "scheduling.policy", via_token=False)
    if values is None:
        values = forms.policy_form_values(current, counties)
        values["effective_from"] = today.isoformat()
        values["version"] = services.suggest_policy_version(today)
    return render_template("scheduling/policy.html", row=row, current=current, counties=counties, versions=versions,
                           grades=P.GRADES, can_edit=can_edit, values=values, errors=errors or {}, today=today,
                           max_capacity=forms.MAX_CAPACITY), status


@bp.route("/scheduling/policy")
@requires("plans.read")
def scheduling_policy():
    """The scheduling policy in force (intervals and draw shares by grade, capacity, working hours) and
    its versions; an admin adds a new version from here."""
    page = _policy_page()
    db.session.commit()  # the default version is stored on first use
    return page


@bp.route("/scheduling/policy", methods=["POST"])
@requires("scheduling.policy")
def scheduling_policy_save():
    """A new policy version effective from a date (an old version is never edited)."""
    from app.scheduling import forms

    today = local_today()
    counties = list(db.session.scalars(select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)))
    base = services.active_policy(today)
    data, effective, errors, raw = forms.parse_policy(request.form, base, counties, today)
    if not errors:
        try:
            row = services.add_policy_version(data, effective, current_user)
            db.session.commit()
            flash(_("Policy version %(v)s saved; it applies from %(d)s.", v=row.version,
                    d=row.effective_from.isoformat()), "ok")
            return redirect(url_for("pwa.scheduling_policy"))
        except ServiceError as exc:
            errors = exc.errors
    db.session.rollback()
    return _policy_page(errors, raw, 422)
