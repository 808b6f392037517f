"""Licence change and renewal requests (许可证变更/延续申请): the retailer's form and list, the county
supervisors' queue (green channel first, then oldest first) and decision page."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth import policy
from app.auth.policy import requires
from app.common.boundary import form_page
from app.common.forms import PageForm
from app.common.paging import paginate
from app.extensions import db
from app.licence_requests import services as licreq
from app.licence_requests.forms import LicenceDecisionForm, LicenceRequestForm
from app.licence_requests.models import MAX_CHANGES, LicenceRequest
from app.pwa import bp
from app.retailers.models import Retailer

PER_PAGE = 30


@bp.route("/me/licence-requests/<int:retailer_id>", methods=["GET", "POST"])
@requires("me.credit")
@form_page
def my_licence_requests(retailer_id):
    retailer = policy.get_or_404(current_user, "me.credit", Retailer, retailer_id)
    form = PageForm(LicenceRequestForm(), initial={"kind": "renewal"})
    if form.submitted:
        req = licreq.submit(retailer, current_user, **form.data)
        flash(_("Your green-channel request was submitted.") if req.green_channel
              else _("Your licence request was submitted."), "ok")
        return redirect(url_for("pwa.my_licence_requests", retailer_id=retailer.id))
    p = paginate(select(LicenceRequest).where(LicenceRequest.retailer_id == retailer.id)
                 .order_by(LicenceRequest.id.desc()), per_page=PER_PAGE)
    return render_template("me_licence_requests.html", retailer=retailer, rows=p.items, p=p, errors=form.errors,
                           values=form.values, max_changes=MAX_CHANGES,
                           green_days=licreq.GREEN_DECIDE_WORKING_DAYS,
                           days=licreq.DECIDE_WORKING_DAYS), form.status


@bp.route("/supervise/licence-requests")
@requires("repairs.decide")
def supervise_licence_requests():
    from flask import request

    show = "all" if request.args.get("show") == "all" else "open"
    stmt = policy.scope(current_user, "repairs.decide", select(LicenceRequest), LicenceRequest)
    if show == "open":
        stmt = stmt.where(LicenceRequest.status == "submitted")
    # 绿色通道: requests flagged at submission first, then the oldest first
    p = paginate(stmt.order_by(LicenceRequest.green_channel.desc(), LicenceRequest.submitted_at,
                               LicenceRequest.id), per_page=PER_PAGE)
    return render_template("supervise_licence_requests.html", rows=p.items, p=p, total=p.total, show=show)


@bp.route("/supervise/licence-requests/<int:request_id>", methods=["GET", "POST"])
@requires("repairs.decide")
@form_page
def supervise_licence_request(request_id):
    req = policy.get_or_404(current_user, "repairs.decide", LicenceRequest, request_id)
    form = PageForm(LicenceDecisionForm())
    if form.submitted:
        licreq.decide(req, current_user, approve=form.data["action"] == "approve", reason=form.data["reason"])
        flash(_("Saved."), "ok")
        return redirect(url_for("pwa.supervise_licence_request", request_id=req.id))
    from app.auth.models import User

    decider = db.session.get(User, req.decided_by_id) if req.decided_by_id else None
    return render_template("supervise_licence_request.html", req=req, errors=form.errors, values=form.values,
                           decider=decider), form.status
