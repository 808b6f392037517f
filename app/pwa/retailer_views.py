"""The retailer's side: own grade and why, commitment, training, repair requests,
objections, notices, the PDF report; the supervisor's inbox and decisions; public pages.

A retailer's licence is always loaded through the policy ("me.credit": own licences only), so a
changed id in a URL answers 404, never another licence."""
from flask import abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth import policy
from app.auth.policy import requires
from app.commitments import services as commitments
from app.commitments.models import Commitment
from app.common.boundary import form_page
from app.common.forms import PageForm, load_form
from app.common.paging import paginate
from app.commitments.forms import BreachForm, CommitmentTextForm, SignForm
from app.common.time import local_today
from app.credit.models import CreditRecord
from app.extensions import db
from app.notices import services as notices
from app.notices.models import Notice
from app.pwa import bp
from app.repair import services as repair
from app.repair.forms import ObjectionAnswerForm, ObjectionForm, RepairDecisionForm, RepairForm, SupplementForm, training_form
from app.repair.evidence import path_of
from app.repair.models import EvidenceFile, Objection, RepairRequest
from app.repair.rules import rules, training_module
from app.reports import services as reports
from app.reports.overview import overview, zh
from app.retailers.models import Retailer
from app.retailers.schemas import mask_name
from app.trust import services as trust

PER_PAGE = 30


def _mine(retailer_id) -> Retailer:
    return policy.get_or_404(current_user, "me.credit", Retailer, retailer_id)


def _my_licences():
    return list(db.session.scalars(policy.scope(current_user, "me.credit", select(Retailer), Retailer)
                                   .order_by(Retailer.licence_no)))


def _own_record(retailer, record_id) -> CreditRecord:
    record = db.session.get(CreditRecord, record_id)
    if record is None or record.retailer_id != retailer.id:
        abort(404)
    return record


# ---- retailer: credit ---------------------------------------------------------------------------------

@bp.route("/me/credit")
@requires("me.credit")
def my_credit_first():
    licences = _my_licences()
    if not licences:
        return redirect(url_for("pwa.home"))
    return redirect(url_for("pwa.my_credit", retailer_id=licences[0].id))


@bp.route("/me/credit/<int:retailer_id>")
@requires("me.credit")
def my_credit(retailer_id):
    retailer = _mine(retailer_id)
    ov = overview(retailer, current_user)
    open_objections = {o.record_id for o in db.session.scalars(select(Objection).where(
        Objection.retailer_id == retailer.id, Objection.status == "open"))}
    from app.groups.services import decisions_for

    decisions = decisions_for([line.record.id for line in ov["lines"]])
    return render_template("me_credit.html", ov=ov, licences=_my_licences(), retailer=retailer, decisions=decisions,
                           commitment=commitments.active(retailer), open_objections=open_objections,
                           objection_closes=repair.objection_window_closes, unread=notices.unread_count(current_user))


@bp.route("/me/report/<int:retailer_id>.pdf", methods=["POST"])
@requires("me.credit")
def my_report(retailer_id):
    retailer = _mine(retailer_id)
    report, pdf = reports.issue(retailer, current_user)
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="credit-report-{report.serial}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- retailer: commitment ---------------------------------------------------------------------------------

@bp.route("/me/commitment/<int:retailer_id>", methods=["GET", "POST"])
@requires("me.credit")
@form_page
def my_commitment(retailer_id):
    retailer = _mine(retailer_id)
    form = PageForm(SignForm(), initial={"signer_name": retailer.operator_name})
    if form.submitted:
        commitments.sign(retailer, current_user, **form.data)
        flash(_("Thank you. Your credit commitment is signed and published."), "ok")
        return redirect(url_for("pwa.my_credit", retailer_id=retailer.id))
    text = commitments.text_to_sign()
    return render_template("me_commitment.html", retailer=retailer, text=text, errors=form.errors, values=form.values,
                           current=commitments.active(retailer)), form.status


# ---- retailer: training ---------------------------------------------------------------------------------

@bp.route("/me/training", methods=["GET", "POST"])
@requires("me.credit")
@form_page
def my_training():
    module = training_module()
    form = PageForm(training_form(module))
    if form.submitted:
        repair.complete_training(current_user, form.data)
        flash(_("Training completed."), "ok")
        nxt = request.args.get("next", "")
        if nxt.startswith("/me/") and not nxt.startswith("//"):
            return redirect(nxt)
        return redirect(url_for("pwa.my_training"))
    return render_template("me_training.html", module=module, done=repair.training_done(current_user),
                           errors=form.errors, values=form.values, zh=zh()), form.status


# ---- retailer: repair ---------------------------------------------------------------------------------

@bp.route("/me/repair/<int:retailer_id>/<int:record_id>", methods=["GET", "POST"])
@requires("me.credit")
@form_page
def my_repair(retailer_id, record_id):
    retailer = _mine(retailer_id)
    record = _own_record(retailer, record_id)
    form = PageForm(RepairForm())
    if form.submitted:
        repair.submit_repair(retailer, current_user, record_id=record.id, files=request.files.getlist("evidence"),
                             **form.data)
        flash(_("Your repair request was submitted."), "ok")
        return redirect(url_for("pwa.my_requests", retailer_id=retailer.id))
    elig = repair.eligibility(record, current_user)
    return render_template("me_repair.html", retailer=retailer, record=record, elig=elig, errors=form.errors,
                           values=form.values, reason_text=repair.reason_text, commitment=commitments.active(retailer),
                           training=repair.training_done(current_user), rules=rules()["repair"],
                           name=_record_name(record)), form.status


def _record_name(record):
    from app.reports.overview import indicator_name

    return indicator_name(record)


# ---- retailer: objection ---------------------------------------------------------------------------------

@bp.route("/me/objection/<int:retailer_id>", methods=["GET", "POST"])
@requires("me.credit")
@form_page
def my_objection(retailer_id):
    retailer = _mine(retailer_id)
    form = PageForm(ObjectionForm())
    # The record objected to (none: the grade) comes in the address, then in the form's hidden field.
    if form.submitted:
        record_id = form.data["record"]
    else:
        shown = str(form.values.get("record") or "")
        record_id = int(shown) if shown.isdigit() else request.args.get("record", type=int)
    record = _own_record(retailer, record_id) if record_id else None
    if form.submitted:
        repair.submit_objection(retailer, current_user, record_id=record.id if record else None,
                                files=request.files.getlist("evidence"), reasons=form.data["reasons"])
        flash(_("Your objection was submitted."), "ok")
        return redirect(url_for("pwa.my_requests", retailer_id=retailer.id))
    closes = repair.objection_window_closes(record) if record else None
    return render_template("me_objection.html", retailer=retailer, record=record, errors=form.errors,
                           values=form.values, closes=closes, name=_record_name(record) if record else None,
                           answer_days=rules()["objection"]["answer_within_working_days"]), form.status


# ---- retailer: my requests ---------------------------------------------------------------------------------

@bp.route("/me/requests/<int:retailer_id>")
@requires("me.credit")
def my_requests(retailer_id):
    retailer = _mine(retailer_id)
    reqs = list(db.session.scalars(select(RepairRequest).where(RepairRequest.retailer_id == retailer.id)
                                   .order_by(RepairRequest.id.desc())))
    objs = list(db.session.scalars(select(Objection).where(Objection.retailer_id == retailer.id)
                                   .order_by(Objection.id.desc())))
    return render_template("me_requests.html", retailer=retailer, reqs=reqs, objs=objs, name=_record_name)


@bp.route("/me/requests/<int:retailer_id>/<int:request_id>/supplement", methods=["POST"])
@requires("me.credit")
@form_page(on_refusal="pwa.my_requests")
def my_repair_supplement(retailer_id, request_id):
    retailer = _mine(retailer_id)
    req = policy.get_or_404(current_user, "me.credit", RepairRequest, request_id)
    if req.retailer_id != retailer.id:
        abort(404)
    repair.supplement_repair(req, current_user, files=request.files.getlist("evidence"),
                             **load_form(SupplementForm()))
    flash(_("Sent."), "ok")
    return redirect(url_for("pwa.my_requests", retailer_id=retailer.id))


# ---- notices (retailers and staff) ---------------------------------------------------------------------------

@bp.route("/notices")
@requires("notices.read")
def notice_centre():
    stmt = policy.scope(current_user, "notices.read", select(Notice), Notice)
    p = paginate(stmt.order_by(Notice.id.desc()), per_page=PER_PAGE)
    return render_template("notices.html", rows=p.items, unread=notices.unread_count(current_user), p=p,
                           total=p.total)


@bp.route("/notices/<int:notice_id>/read", methods=["POST"])
@requires("notices.read")
def notice_read(notice_id):
    notice = policy.get_or_404(current_user, "notices.read", Notice, notice_id)
    notices.mark_read(notice, current_user)
    link = notice.link if notice.link and notice.link.startswith("/") and not notice.link.startswith("//") else None
    return redirect(link or url_for("pwa.notice_centre"))


@bp.route("/notices/read-all", methods=["POST"])
@requires("notices.read")
def notice_read_all():
    notices.mark_all_read(current_user)
    return redirect(url_for("pwa.notice_centre"))


# ---- evidence ---------------------------------------------------------------------------------------------

@bp.route("/evidence/<int:evidence_id>")
@requires("evidence.read")
def evidence_file(evidence_id):
    ev = policy.get_or_404(current_user, "evidence.read", EvidenceFile, evidence_id)
    response = send_file(path_of(ev), mimetype=ev.content_type, as_attachment=ev.kind != "photo",
                         download_name=f"evidence-{ev.id}" + (".pdf" if ev.kind == "document" else ""))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


# ---- supervisor ---------------------------------------------------------------------------------------------

@bp.route("/supervise/inbox")
@requires("repairs.decide")
def supervise_inbox():
    from app.repair import inbox

    show = request.args.get("show", "open")
    # the dashboard's links: one kind, one county, only what is due within 3 working days or overdue
    kind = request.args.get("kind") if request.args.get("kind") in ("repair", "objection") else ""
    due = request.args.get("due") if request.args.get("due") in ("soon", "overdue") else ""
    unit = (request.args.get("unit") or "").strip()[:6]
    args = {"show": show, "due": due, "unit": unit}
    rp = paginate(inbox.repairs_query(current_user, args), per_page=PER_PAGE, param="rpage")
    op = paginate(inbox.objections_query(current_user, args), per_page=PER_PAGE, param="opage")
    green = trust.trusted_ids([r.retailer_id for r in rp.items] + [o.retailer_id for o in op.items])
    return render_template("supervise_inbox.html", reqs=rp.items, objs=op.items, show=show, rp=rp, op=op, green=green,
                           kind=kind, due=due, unit=unit,
                           rtotal=rp.total, ototal=op.total,
                           repair_deadline=repair.repair_deadline, objection_deadline=repair.objection_deadline,
                           name=_record_name)


def _evidence(ids):
    if not ids:
        return []
    return list(db.session.scalars(select(EvidenceFile).where(EvidenceFile.id.in_(ids))))


@bp.route("/supervise/repairs/<int:request_id>", methods=["GET", "POST"])
@requires("repairs.decide")
@form_page
def supervise_repair(request_id):
    req = policy.get_or_404(current_user, "repairs.decide", RepairRequest, request_id)
    form = PageForm(RepairDecisionForm())
    if form.submitted:
        action, reason = form.data["action"], form.data["reason"]
        if action == "accept":
            repair.accept_repair(req, current_user)
        elif action == "more":
            repair.request_more(req, current_user, reason)
        elif action == "approve":
            repair.approve_repair(req, current_user, reason)
        else:
            repair.refuse_repair(req, current_user, reason)
        flash(_("Saved."), "ok")
        return redirect(url_for("pwa.supervise_repair", request_id=req.id))
    return render_template("supervise_repair.html", req=req, errors=form.errors, values=form.values,
                           evidence=_evidence(req.evidence_ids), deadline=repair.repair_deadline(req),
                           name=_record_name(req.record),
                           elig_now=repair.eligibility(req.record, _submitter(req), penalty_fulfilled=req.penalty_fulfilled)
                           ), form.status


def _submitter(req):
    from app.auth.models import User

    return db.session.get(User, req.submitted_by_id) if req.submitted_by_id else current_user


@bp.route("/supervise/objections/<int:objection_id>", methods=["GET", "POST"])
@requires("repairs.decide")
@form_page
def supervise_objection(objection_id):
    obj = policy.get_or_404(current_user, "repairs.decide", Objection, objection_id)
    form = PageForm(ObjectionAnswerForm())
    if form.submitted:
        data = form.data
        repair.answer_objection(obj, current_user, upheld=data["decision"] == "uphold", answer=data["answer"],
                                dismiss_ids=data["dismiss"])
        flash(_("Saved."), "ok")
        return redirect(url_for("pwa.supervise_objection", objection_id=obj.id))
    counting = [] if obj.record is not None or obj.status != "open" else [
        (r, _record_name(r)) for r in repair.grade_records(obj.retailer)]
    chosen = form.values.get("dismiss", [])
    return render_template("supervise_objection.html", obj=obj, errors=form.errors, values=form.values,
                           evidence=_evidence(obj.evidence_ids), deadline=repair.objection_deadline(obj),
                           counting=counting, chosen=set(chosen if isinstance(chosen, list) else [chosen]),
                           name=_record_name(obj.record) if obj.record else None), form.status


@bp.route("/supervise/commitments")
@requires("repairs.decide")
def supervise_commitments():
    q = (request.args.get("q") or "").strip()[:64]
    p = paginate(commitments.supervise_query(current_user, {"q": q}), per_page=PER_PAGE)
    return render_template("supervise_commitments.html", rows=p.items, p=p, total=p.total, q=q)


@bp.route("/supervise/commitments/<int:commitment_id>/breach", methods=["POST"])
@requires("repairs.decide")
@form_page(on_refusal="pwa.supervise_commitments")
def supervise_commitment_breach(commitment_id):
    c = policy.get_or_404(current_user, "repairs.decide", Commitment, commitment_id)
    data = load_form(BreachForm())
    commitments.breach(c, current_user, data["note"], data["case_number"])
    flash(_("The breach was recorded as a credit record."), "ok")
    return redirect(url_for("pwa.supervise_commitments"))


# ---- admin: commitment text ---------------------------------------------------------------------------------

@bp.route("/admin/commitment-text", methods=["GET", "POST"])
@requires("commitments.admin")
@form_page
def admin_commitment_text():
    from app.commitments.models import CommitmentText

    versions = list(db.session.scalars(select(CommitmentText).order_by(CommitmentText.version.desc())))
    current = versions[0] if versions else None
    form = PageForm(CommitmentTextForm(), initial={"title": current.title if current else commitments.DEFAULT_TITLE,
                                                   "body": current.body if current else commitments.DEFAULT_BODY})
    if form.submitted:
        commitments.publish_text(form.data["title"], form.data["body"], current_user)
        flash(_("A new version of the commitment text is in force."), "ok")
        return redirect(url_for("pwa.admin_commitment_text"))
    return render_template("admin/commitment_text.html", versions=versions, errors=form.errors,
                           title=form.values.get("title", ""), body=form.values.get("body", "")), form.status


# ---- public ---------------------------------------------------------------------------------------------

@bp.route("/public/commitments")
@requires("public")
def public_commitments():
    q = (request.args.get("q") or "").strip()[:64]
    p = paginate(commitments.public_query(q or None), per_page=50, rows=True)
    return render_template("public_commitments.html", rows=p.items, q=q, mask_name=mask_name, p=p, total=p.total)


@bp.route("/verify/<serial>")
@requires("public")
def verify_report(serial):
    """Is this credit report genuine? Serial numbers are matched whatever the letter case."""
    report = reports.find(serial[:32])
    pending = reports.pending_objections(report.retailer) if report else []
    return render_template("verify_report.html", report=report, serial=serial[:32].strip(), pending=pending,
                           today=local_today()), (200 if report else 404)
