"""Pages for inspection scheduling: plan list and review (supervisor), the inspector's day
list (offline through the service worker's page cache), coverage and workload, and the public list of
completed random checks (一公开)."""
from collections import Counter
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.auth import policy
from app.auth.policy import requires
from app.common.boundary import form_page, refusal
from app.common.errors import ServiceError
from app.common.forms import PageForm, load_form
from app.common.paging import paginate
from app.common.time import local_today
from app.extensions import db
from app.org.models import OrgUnit
from app.pwa import bp
from app.scheduling import planner as P
from app.scheduling import disclosure, forms, inputs, planning, queries, settings
from app.scheduling.models import InspectionPlan, Visit

KIND_LABELS = {"due": _l("Due visit"), "random": _l("Random check"), "interview": _l("Warning interview")}
STATUS_LABELS = {"planned": _l("Draft"), "approved": _l("Approved"), "done": _l("Done"), "missed": _l("Overdue"),
                 "cancelled": _l("Cancelled"), "draft": _l("Draft"), "superseded": _l("Superseded"),
                 "discarded": _l("Discarded")}
DRAW_STATUS_LABELS = {"committed": _l("Committed, plan not yet approved"), "revealed": _l("Drawn (plan approved)"),
                      "void": _l("Replaced by a new draw")}
OUTCOME_LABELS = {"no_violation": _l("No violation"), "violation": _l("Violation found"),
                  "rectification": _l("Rectification ordered"), "closed": _l("Shop closed"),
                  "not_found": _l("Not found at the address"), "moved": _l("Moved away"),
                  "not_trading": _l("Not trading"), "self_check": _l("Self-check accepted")}
REASON_LABELS = {"self_check_failed": _l("remote self-check failed"), "overdue": _l("overdue %(d)s days"), "never_inspected": _l("never inspected"),
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
            "reason_text": reason_text, "period_labels": PERIOD_LABELS, "published_from": disclosure.published_from,
            "draw_status_labels": DRAW_STATUS_LABELS}


def _my_units():
    return queries.county_units(current_user)


@bp.route("/plans/new", methods=["POST"])
@requires("plans.write")
@form_page(on_refusal="pwa.plans")
def plan_create():
    """Start drafting a plan: the request is checked at once, the planning runs on the worker (a job
    with a progress page that links to the plan when it is drafted)."""
    from app.jobs import services as jobs

    data = load_form(forms.PlanCreateForm())
    start = data["start"] or local_today()
    planning.check_plan_request(current_user, data["unit"], data["period"], start)
    job = jobs.start("schedule.plan", {"unit": data["unit"], "period": data["period"], "start": start.isoformat()},
                     current_user)
    return redirect(url_for("pwa.job_page", job_id=job.id))


@bp.route("/plans")
@requires("plans.read")
def plans():
    page = paginate(queries.plans_query(current_user), per_page=30)
    rows = page.items
    counts = Counter(queries.plan_visit_counts([p.id for p in rows]))
    can_write = policy.role_allows(current_user, "plans.write", via_token=False)
    refused = refusal("pwa.plan_create")
    unofficial = {p.id: planning.unofficial_calendar_years(p) for p in rows if p.status != "discarded"}
    return render_template("scheduling/plans.html", plans=rows, p=page, counts=counts, units=_my_units(),
                           can_write=can_write, today=local_today(), values=refused.values, errors=refused.errors,
                           unofficial=unofficial, **_labels()), refused.status if refused else 200


def _plan_for(plan_id, action):
    return policy.get_or_404(current_user, action, InspectionPlan, plan_id)


WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


def _week_index(layout, shown) -> int:
    """The week of the plan shown (1-based; the plan page shows one week of a longer plan at a time)."""
    try:
        k = int(shown) if shown not in (None, "") else 1
    except (TypeError, ValueError):
        k = 1
    return min(max(1, k), max(1, len(layout["weeks"])))


def _officer_names(plan, view):
    from app.auth.models import User

    officers = inputs.officers_of(plan.unit, 6)
    names = dict(view["names"])
    for u in db.session.scalars(select(User).where(User.id.in_([o.id for o in officers]))):
        names[u.id] = u.display_name
    return officers, names


@bp.route("/plans/<int:plan_id>")
@requires("plans.read")
def plan_review(plan_id):
    """The plan on a phone: one week at a time, each day and each pair of officers collapsed with its
    counts; visits named by their position (3-2: day 3, item 2) for swaps and moves; approval as a
    second step, never by the supervisor who drafted it (unless the county allows it)."""
    plan = _plan_for(plan_id, "plans.read")
    view = queries.plan_view(plan)
    layout = queries.plan_layout(plan)
    refused = refusal()
    week = _week_index(layout, request.args.get("week") or refused.values.get("week"))
    monday = layout["weeks"][week - 1] if layout["weeks"] else None
    shown_days = [d for d in layout["days"] if monday and monday <= d < monday + timedelta(days=7)]
    officers, names = _officer_names(plan, view)
    routes = {(r["day"], tuple(r["pair"])): r for r in plan.summary.get("routes", [])}
    can_write = policy.role_allows(current_user, "plans.write", via_token=False) and plan.status == "draft"
    may, self_approval = planning.may_approve(plan, current_user)
    kinds = Counter(v.kind for v in layout["visits"])
    from app.auth.models import User

    drafter = db.session.get(User, plan.created_by_id) if plan.created_by_id else None
    return render_template("scheduling/plan.html", plan=plan, view=view, layout=layout, week=week,
                           shown_days=shown_days, names=names, officers=officers, routes=routes, can_write=can_write,
                           may_approve=may, self_approval=self_approval, kinds=kinds, drafter=drafter,
                           unofficial_years=planning.unofficial_calendar_years(plan),
                           weekdays=WEEKDAYS, unplaced=plan.summary.get("unplaced", []), **_labels())


@bp.route("/plans/<int:plan_id>/verify")
@requires("plans.read")
def plan_verify(plan_id):
    """How to verify a plan (如何核验): the pairs seed, the draw's commitment, pool digest and shares, the
    seed once revealed, and what to compute."""
    plan = _plan_for(plan_id, "plans.read")
    draw = planning.current_draw(plan)
    return render_template("scheduling/plan_verify.html", plan=plan, d=draw,
                           voids=[d for d in plan.draws if d.status == "void"],
                           strata=disclosure.strata(draw) if draw else [], **_labels())


@bp.route("/plans/<int:plan_id>/visits/<int:visit_id>", methods=["POST"])
@requires("plans.write")
@form_page(on_refusal="pwa.plan_review")
def plan_visit_edit(plan_id, visit_id):
    """Move one visit named by its id (the API's way; the page names visits by position: plan_move)."""
    plan = _plan_for(plan_id, "plans.write")
    visit = policy.get_or_404(current_user, "plans.write", Visit, visit_id)
    if visit.plan_id != plan.id:
        abort(404)
    data = load_form(forms.VisitMoveForm())
    planning.move_visit(visit, current_user, planned_on=data["planned_on"], officer_ids=data["officer_ids"])
    flash(_("Visit updated."), "ok")
    return redirect(url_for("pwa.plan_review", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>/move", methods=["POST"])
@requires("plans.write")
@form_page(on_refusal="pwa.plan_review")
def plan_move(plan_id):
    """Move the visit at a position (3-2) to another day and/or pair of officers."""
    plan = _plan_for(plan_id, "plans.write")
    data = load_form(forms.MoveForm())
    visit = queries.visit_at(queries.plan_layout(plan), data["position"])
    if data["planned_on"] is None and not data["officer_ids"]:
        raise ServiceError({"planned_on": [_("Choose another day or other officers for the visit.")]})
    planning.move_visit(visit, current_user, planned_on=data["planned_on"], officer_ids=data["officer_ids"])
    flash(_("Visit updated."), "ok")
    return redirect(url_for("pwa.plan_review", plan_id=plan.id, week=data["week"]))


@bp.route("/plans/<int:plan_id>/swap", methods=["POST"])
@requires("plans.write")
@form_page(on_refusal="pwa.plan_review")
def plan_swap(plan_id):
    """Swap the days and pairs of two visits named by their positions (3-2 and 5-1)."""
    plan = _plan_for(plan_id, "plans.write")
    data = load_form(forms.SwapForm())
    layout = queries.plan_layout(plan)
    a, b = queries.visit_at(layout, data["a"], "a"), queries.visit_at(layout, data["b"], "b")
    planning.swap_visits(a, b, current_user)
    flash(_("Visits swapped."), "ok")
    return redirect(url_for("pwa.plan_review", plan_id=plan.id, week=data["week"]))


@bp.route("/plans/<int:plan_id>/approve", methods=["POST"])
@requires("plans.write")
@form_page(on_refusal="pwa.plan_review")
def plan_approve(plan_id):
    """Approve, the second step: the reviewer has ticked that they checked the plan."""
    plan = _plan_for(plan_id, "plans.write")
    data = load_form(forms.ApproveForm())
    if not data["confirm"]:
        raise ServiceError({"confirm": [_("Tick the box to confirm that you have reviewed the plan.")]})
    planning.approve(plan, current_user, acknowledge_unofficial_calendar=data["acknowledge_unofficial_calendar"])
    flash(_("Plan approved. The visits are in the inspectors' day lists and the draw's seed is published."), "ok")
    return redirect(url_for("pwa.plan_review", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>/redraw", methods=["POST"])
@requires("plans.write")
@form_page(on_refusal="pwa.plan_review")
def plan_redraw(plan_id):
    plan = _plan_for(plan_id, "plans.write")
    planning.redraw(plan, current_user, load_form(forms.ReasonForm())["reason"])
    flash(_("New draw committed; the reason is recorded and the old commitment stays published."), "ok")
    return redirect(url_for("pwa.plan_review", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>/discard", methods=["POST"])
@requires("plans.write")
@form_page(on_refusal="pwa.plan_review")
def plan_discard(plan_id):
    plan = _plan_for(plan_id, "plans.write")
    planning.discard(plan, current_user, load_form(forms.ReasonForm())["reason"])
    flash(_("Draft discarded; the reason is recorded. The county can be planned for this period again."), "ok")
    return redirect(url_for("pwa.plans"))


@bp.route("/visits")
@requires("visits.mine")
def my_day():
    """The inspector's day: the route map and the visits in route order, each one tap to the shop's
    card and one to start its inspection in the field app (kept by the service worker offline)."""
    try:
        day = date.fromisoformat(request.args["date"]) if request.args.get("date") else local_today()
    except ValueError:
        day = local_today()
    rows = queries.day_visits(current_user, day)
    upcoming = list(db.session.execute(
        policy.scope(current_user, "visits.mine", select(Visit.planned_on), Visit)
        .where(Visit.planned_on >= local_today(), Visit.status == "approved")
        .group_by(Visit.planned_on).order_by(Visit.planned_on).limit(10)).scalars())
    names = queries.plan_view_names(rows)
    grades = inputs.live_grades({v.retailer_id for v in rows})
    return render_template("scheduling/day.html", day=day, visits=rows, names=names, grades=grades,
                           upcoming=upcoming, today=local_today(), route=queries.route_points(rows),
                           map_config=map_config(), **_labels())


def map_config() -> dict:
    """The tile layer of the route map (config MAP_TILE_*); no URL: markers on a plain background."""
    from flask import current_app

    cfg = current_app.config
    return {"url": cfg.get("MAP_TILE_URL", ""), "labels": cfg.get("MAP_TILE_LABELS_URL", ""),
            "subdomains": cfg.get("MAP_TILE_SUBDOMAINS", ""), "attribution": cfg.get("MAP_TILE_ATTRIBUTION", ""),
            "coords": cfg.get("MAP_TILE_COORDS", "wgs84"), "max_zoom": cfg.get("MAP_TILE_MAX_ZOOM", 18)}


@bp.route("/coverage")
@requires("plans.read")
def coverage():
    """Coverage by county and grade and the officers' load; with ``unit`` one county; with ``overdue``
    (visit, interview or all) the open visits whose planned day has passed, as the dashboard counts them."""
    from app.common.paging import paginate

    unit = (request.args.get("unit") or "").strip()[:6]
    units = queries.county_units(current_user, unit or None)
    overdue = request.args.get("overdue") if request.args.get("overdue") in ("visit", "interview", "all") else ""
    late = None
    if overdue:
        from app.scheduling.models import OPEN

        stmt = (policy.scope(current_user, "plans.read", select(Visit), Visit)
                .where(Visit.status.in_(OPEN), Visit.planned_on < local_today(),
                       Visit.unit_id.in_([u.id for u in units]))
                .order_by(Visit.planned_on, Visit.id))
        if overdue == "interview":
            stmt = stmt.where(Visit.kind == "interview")
        elif overdue == "visit":
            stmt = stmt.where(Visit.kind != "interview")
        late = paginate(stmt, per_page=20)
    rows = queries.coverage(units)
    loads = queries.officer_loads(units)
    return render_template("scheduling/coverage.html", rows=rows, loads=loads, late=late, overdue=overdue,
                           unit=unit, today=local_today(), **_labels())


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
    checks = queries.public_checks(unit, start, end)
    draws = [disclosure.public_draw(d) for d in queries.public_draws(unit, start, end)]
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
    by_user = settings.inspector_settings([u.id for u in people])
    default = settings.active_policy().default_capacity
    today = local_today()
    return render_template("scheduling/inspectors.html", units=units, shown=shown, code=code, people=people,
                           settings=by_user, default=default, today=today,
                           upcoming=lambda s: [d for d in (s.days_off or []) if d >= today.isoformat()])


@bp.route("/inspectors/<int:user_id>", methods=["GET", "POST"])
@requires("plans.write")
@form_page
def inspector_edit(user_id):
    """Edit one inspector's daily capacity and days off; refused input is shown again with its errors."""
    user = settings.inspector_in_scope(current_user, user_id)
    row = settings.inspector_settings([user.id]).get(user.id)
    default = settings.active_policy().default_capacity
    form = PageForm(forms.AvailabilityForm(), initial={
        "daily_capacity": str(row.daily_capacity if row else default),
        "days_off": "\n".join(row.days_off or []) if row else ""})
    if form.submitted:
        settings.set_inspector(user, actor=current_user, **form.data)
        clashes = settings.availability_conflicts(user.id)
        flash(_("Saved. Plans drafted from now on use this capacity and these days off."), "ok")
        if clashes:
            flash(_("Already planned visits break these settings on %(days)s: move them on their plan.",
                    days="、".join(d.isoformat() for d in clashes[:8])), "error")
        return redirect(url_for("pwa.inspectors", unit=user.unit.code if user.unit else None))
    return render_template("scheduling/inspector.html", person=user, values=form.values, errors=form.errors,
                           default=default, max_capacity=forms.MAX_CAPACITY), form.status


def _counties():
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)))


@bp.route("/scheduling/policy")
@requires("plans.read")
def scheduling_policy():
    """The scheduling policy in force (intervals and draw shares by grade, capacity, working hours) and
    its versions; an admin adds a new version from here (a refused version is shown here again)."""
    from app.scheduling.models import SchedulingPolicy

    today = local_today()
    row = settings.policy_row(today)
    current = P.Policy.from_dict(row.data)
    counties = _counties()
    versions = list(db.session.scalars(select(SchedulingPolicy).order_by(SchedulingPolicy.effective_from.desc(),
                                                                          SchedulingPolicy.id.desc())))
    can_edit = policy.role_allows(current_user, "scheduling.policy", via_token=False)
    initial = forms.policy_form_values(current, counties)
    initial.update(effective_from=today.isoformat(), version=settings.suggest_policy_version(today))
    form = PageForm(forms.policy_form(current, counties, today), initial=initial,
                    endpoint="pwa.scheduling_policy_save")
    return render_template("scheduling/policy.html", row=row, current=current, counties=counties, versions=versions,
                           grades=P.GRADES, can_edit=can_edit, values=form.values, errors=form.errors, today=today,
                           max_capacity=forms.MAX_CAPACITY)


@bp.route("/scheduling/policy", methods=["POST"])
@requires("scheduling.policy")
@form_page(on_refusal="pwa.scheduling_policy")
def scheduling_policy_save():
    """A new policy version effective from a date (an old version is never edited)."""
    today = local_today()
    data = load_form(forms.policy_form(settings.active_policy(today), _counties(), today))
    row = settings.add_policy_version(data["data"], data["effective_from"], current_user)
    flash(_("Policy version %(v)s saved; it applies from %(d)s.", v=row.version, d=row.effective_from.isoformat()),
          "ok")
    return redirect(url_for("pwa.scheduling_policy"))
