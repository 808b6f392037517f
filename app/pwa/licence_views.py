"""Licence-verification tasks (许可证核查, 虚假户 check) for county supervisors: the list (open first,
filtered by state and county, kept in the URL) and one task with the visits that opened it, closed
with what was found."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.auth import policy
from app.auth.policy import requires
from app.common.boundary import form_page
from app.common.forms import PageForm
from app.common.paging import paginate
from app.extensions import db
from app.inspections.models import Inspection
from app.licences import services
from app.common.forms import load_form
from app.licences.forms import CancellationForm, CloseCheckForm
from app.licences.models import CHECK_OUTCOMES, LicenceCheck
from app.org.models import OrgUnit
from app.pwa import bp

PER_PAGE = 20
OUTCOME_LABELS = {"trading": _l("Real shop, trading: the licence stands"),
                  "moved": _l("Moved: the registration must be changed"),
                  "closed_down": _l("Closed down: the licence is to be cancelled"),
                  "false_licence": _l("No shop ever traded here (虚假户): a case is opened")}
STATE_LABELS = {"open": _l("Open"), "closed": _l("Closed")}
CANCELLATION_LABELS = {"proposed": _l("Proposed for cancellation: a supervisor decides"),
                       "cancelled": _l("Licence cancelled"), "kept": _l("Cancellation refused: the licence stands")}
LABELS = {"outcome_labels": OUTCOME_LABELS, "state_labels": STATE_LABELS, "cancellation_labels": CANCELLATION_LABELS}


def _counties():
    stmt = select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)
    if not current_user.is_city_level:
        stmt = stmt.where(OrgUnit.id == current_user.unit_id)
    return list(db.session.scalars(stmt))


@bp.route("/licence-checks")
@requires("licence_checks.read")
def licence_checks():
    args = {"status": request.args.get("status") if request.args.get("status") in ("open", "closed") else None,
            "unit": request.args.get("unit") or None}
    p = paginate(services.list_query(current_user, args), per_page=PER_PAGE)
    return render_template("licences/checks.html", rows=p.items, args=args, total=p.total, p=p,
                           counties=_counties(), outcomes=CHECK_OUTCOMES, **LABELS)


@bp.route("/licence-checks/<int:check_id>", methods=["GET", "POST"])
@requires("licence_checks.read")
@form_page
def licence_check(check_id):
    check = policy.get_or_404(current_user, "licence_checks.read", LicenceCheck, check_id)
    may_decide = policy.role_allows(current_user, "licence_checks.decide", via_token=False)
    form = PageForm(CloseCheckForm())
    if form.submitted:
        if not may_decide:
            abort(403)
        data = form.data
        services.close_check(check, current_user, data["outcome"], data["note"])
        flash(_("Licence check closed; your finding is recorded."), "ok")
        return redirect(url_for("pwa.licence_check", check_id=check.id))
    visits = list(db.session.scalars(select(Inspection).where(Inspection.id.in_(check.inspection_ids or []))
                                     .order_by(Inspection.occurred_on, Inspection.id)))
    return render_template("licences/check.html", check=check, visits=visits, errors=form.errors, values=form.values,
                           may_decide=may_decide, outcomes=CHECK_OUTCOMES, **LABELS), form.status


@bp.route("/licence-checks/<int:check_id>/cancellation", methods=["POST"])
@requires("licence_checks.decide")
@form_page(on_refusal="pwa.licence_check")
def licence_cancellation(check_id):
    check = policy.get_or_404(current_user, "licence_checks.decide", LicenceCheck, check_id)
    data = load_form(CancellationForm())
    services.decide_cancellation(check, current_user, data["decision"], data["cancellation_note"])
    flash(_("Licence cancelled.") if check.cancellation == "cancelled" else _("The licence stands."), "ok")
    return redirect(url_for("pwa.licence_check", check_id=check.id))
