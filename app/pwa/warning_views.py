"""Early warnings 失信预警 for county and city supervisors: the list (open first, filtered by kind,
state, age and county, kept in the URL) and one warning, given an owner and an action, then closed
with its outcome (two forms, each re-rendered with its errors on the warning's page)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.api.warnings import WarningQuerySchema
from app.auth import policy
from app.auth.policy import requires
from app.common.boundary import form_page
from app.common.forms import load_form
from app.common.paging import paginate
from app.extensions import db
from app.org.models import OrgUnit
from app.pwa import bp
from app.pwa.filters import parse_filters
from app.warnings import services
from app.warnings.forms import ActForm, CloseForm
from app.warnings.models import ACTIONS, KINDS, LICENCE_CHECK_KINDS, OUTCOMES, EarlyWarning

PER_PAGE = 20
KIND_LABELS = {"near_boundary": _l("Near the next grade down"), "falling_trend": _l("Falling over quarters"),
               "suspected": _l("Suspected violations waiting"), "repeated_minor": _l("Repeated minor findings"),
               "overdue_rectification": _l("Rectification overdue"),
               "shop_absent": _l("Shop closed or not found (虚假户?)"),
               "ordering_volume": _l("Orders far above peers (违规流通?)"),
               "no_orders": _l("Months without orders (虚假户?)")}
ACTION_LABELS = {"guidance": _l("Guidance (the retailer is told)"), "interview": _l("Interview (约谈)"),
                 "inspection": _l("Inspection"), "licence_check": _l("Licence check")}
OUTCOME_LABELS = {"resolved": _l("Resolved: the risk was dealt with"), "unfounded": _l("Unfounded: no risk found"),
                  "escalated": _l("Escalated: a case or credit record follows")}
STATE_LABELS = {"open": _l("Open"), "closed": _l("Closed")}
AGE_LABELS = {"7": _l("Open over 7 days"), "30": _l("Open over 30 days"), "90": _l("Open over 90 days")}
LABELS = {"kind_labels": KIND_LABELS, "action_labels": ACTION_LABELS, "outcome_labels": OUTCOME_LABELS,
          "state_labels": STATE_LABELS, "age_labels": AGE_LABELS}


def _counties():
    stmt = select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)
    if not current_user.is_city_level:
        stmt = stmt.where(OrgUnit.id == current_user.unit_id)
    return list(db.session.scalars(stmt))


@bp.route("/warnings")
@requires("warnings.read")
def warnings_list():
    args, errors = parse_filters(WarningQuerySchema())
    p = paginate(services.list_query(current_user, args), per_page=PER_PAGE)
    return render_template("warnings/list.html", rows=p.items, args=args, filter_errors=errors, total=p.total, p=p,
                           counties=_counties(), kinds=KINDS, reason=services.reason, **LABELS)


@bp.route("/warnings/<int:warning_id>")
@requires("warnings.read")
def warning_page(warning_id):
    w = policy.get_or_404(current_user, "warnings.read", EarlyWarning, warning_id)
    return render_template("warnings/detail.html", w=w, reason=services.reason(w), owners=services.owner_choices(w),
                           actions=ACTIONS, outcomes=OUTCOMES, licence_check_kinds=LICENCE_CHECK_KINDS, **LABELS)


@bp.route("/warnings/<int:warning_id>/act", methods=["POST"])
@requires("warnings.manage")
@form_page(on_refusal="pwa.warning_page")
def warning_act(warning_id):
    w = policy.get_or_404(current_user, "warnings.manage", EarlyWarning, warning_id)
    data = load_form(ActForm())
    services.act(w, current_user, owner_id=data["owner_id"], action=data["action"], note=data["action_note"])
    if w.action == "guidance":
        flash(_("Action recorded; the retailer has been told."), "ok")
    elif w.action == "licence_check":
        flash(_("Action recorded; the licence check is open."), "ok")
    else:
        flash(_("Action recorded."), "ok")
    return redirect(url_for("pwa.warning_page", warning_id=w.id))


@bp.route("/warnings/<int:warning_id>/close", methods=["POST"])
@requires("warnings.manage")
@form_page(on_refusal="pwa.warning_page")
def warning_close(warning_id):
    w = policy.get_or_404(current_user, "warnings.manage", EarlyWarning, warning_id)
    data = load_form(CloseForm())
    services.close(w, current_user, outcome=data["outcome"], note=data["close_note"])
    flash(_("Warning closed; the outcome is recorded."), "ok")
    return redirect(url_for("pwa.warning_page", warning_id=w.id))
