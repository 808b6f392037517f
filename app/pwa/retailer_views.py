"""The retailer's side (issue 6): own grade and why, commitment, training, repair requests,
objections, notices, the PDF report; the supervisor's inbox and decisions; public pages.

A retailer's licence is always loaded through the policy ("me.credit": own licences only), so a
changed id in a URL answers 404, never another licence."""
from flask import abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.auth import policy
from app.auth.policy import requires
from app.commitments import services as commitments
from app.commitments.models import Commitment
from app.common.errors import ServiceError
from app.common.time import local_today
from app.credit.models import CreditRecord
from app.extensions import db
from app.notices import services as notices
from app.notices.models import Notice
from app.pwa import bp
from app.repair import services as repair
from app.repair.evidence import path_of
from app.repair.models import EvidenceFile, Objection, RepairRequest
from app.repair.rules import rules, training_module
from app.reports import services as reports
from app.reports.overview import overview, zh
from app.retailers.models import Retailer
from app.retailers.schemas import mask_name


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


def _fail(exc: ServiceError):
    db.session.rollback()
    return exc.errors


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
    return render_template("me_credit.html", ov=ov, licences=_my_licences(), retailer=retailer,
                           commitment=commitments.active(retailer), open_objections=open_objections,
                           objection_closes=repair.objection_window_closes, unread=notices.unread_count(current_user))


@bp.route("/me/report/<int:retailer_id>.pdf")
@requires("me.credit")
def my_report(retailer_id):
    retailer = _mine(retailer_id)
    report, pdf = reports.issue(retailer, current_user)
    db.session.commit()
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="credit-report-{report.serial}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- retailer: commitment ---------------------------------------------------------------------------------

@bp.route("/me/commitment/<int:retailer_id>", methods=["GET", "POST"])
@requires("me.credit")
def my_commitment(retailer_id):
    retailer = _mine(retailer_id)
    errors = {}
    if request.method == "POST":
        try:
            commitments.sign(retailer, current_user, agreed=request.form.get("agreed") == "1",
                             signature=request.form.get("signature", ""), signer_name=request.form.get("signer_name"),
                             text_id=request.form.get("text_id", type=int))
            db.session.commit()
            flash(_("Thank you. Your credit commitment is signed and published."), "ok")
            return redirect(url_for("pwa.my_credit", retailer_id=retailer.id))
        except ServiceError as exc:
            errors = _fail(exc)
    text = commitments.current_text()
    if text is None:
        text = commitments.ensure_text()
        db.session.commit()
    return render_template("me_commitment.html", retailer=retailer, text=text, errors=errors,
                           current=commitments.active(retailer)), (422 if errors else 200)


# ---- retailer: training ---------------------------------------------------------------------------------

@bp.route("/me/training", methods=["GET", "POST"])
@requires("me.credit")
def my_training():
    errors = {}
    if request.method == "POST":
        try:
            repair.complete_training(current_user, request.form.to_dict())
            db.session.commit()
            flash(_("Training completed."), "ok")
            nxt = request.args.get("next", "")
            if nxt.startswith("/me/") and not nxt.startswith("//"):
                return redirect(nxt)
            return redirect(url_for("pwa.my_training"))
        except ServiceError as exc:
            errors = _fail(exc)
    return render_template("me_training.html", module=training_module(), done=repair.training_done(current_user),
                           errors=errors, zh=zh()), (422 if errors else 200)


# ---- retailer: repair ---------------------------------------------------------------------------------

@bp.route("/me/repair/<int:retailer_id>/<int:record_id>", methods=["GET", "POST"])
@requires("me.credit")
def my_repair(retailer_id, record_id):
    retailer = _mine(retailer_id)
    record = _own_record(retailer, record_id)
    errors = {}
    if request.method == "POST":
        try:
            repair.submit_repair(retailer, current_user, record_id=record.id,
                                 statement=request.form.get("statement", ""),
                                 penalty_fulfilled=request.form.get("penalty_fulfilled") == "1",
                                 files=request.files.getlist("evidence"))
            db.session.commit()
            flash(_("Your repair request was submitted."), "ok")
            return redirect(url_for("pwa.my_requests", retailer_id=retailer.id))
        except ServiceError as exc:
            errors = _fail(exc)
            record = _own_record(retailer, record_id)
    elig = repair.eligibility(record, current_user)
    return render_template("me_repair.html", retailer=retailer, record=record, elig=elig, errors=errors,
                           reason_text=repair.reason_text, commitment=commitments.active(retailer),
                           training=repair.training_done(current_user), rules=rules()["repair"],
                           name=_record_name(record)), (422 if errors else 200)


def _record_name(record):
    from app.reports.overview import indicator_name

    return indicator_name(record)


# ---- retailer: objection ---------------------------------------------------------------------------------

@bp.route("/me/objection/<int:retailer_id>", methods=["GET", "POST"])
@requires("me.credit")
def my_objection(retailer_id):
    retailer = _mine(retailer_id)
    record_id = request.values.get("record", type=int)
    record = _own_record(retailer, record_id) if record_id else None
    errors = {}
    if request.method == "POST":
        try:
            repair.submit_objection(retailer, current_user, record_id=record.id if record else None,
                                    reasons=request.form.get("reasons", ""), files=request.files.getlist("evidence"))
            db.session.commit()
            flash(_("Your objection was submitted."), "ok")
            return redirect(url_for("pwa.my_requests", retailer_id=retailer.id))
        except ServiceError as exc:
            errors = _fail(exc)
            record = _own_record(retailer, record_id) if record_id else None
    closes = repair.objection_window_closes(record) if record else None
    return render_template("me_objection.html", retailer=retailer, record=record, errors=errors, closes=closes,
                           name=_record_name(record) if record else None,
                           answer_days=rules()["objection"]["answer_within_working_days"]), (422 if errors else 200)


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
def my_repair_supplement(retailer_id, request_id):
    retailer = _mine(retailer_id)
    req = policy.get_or_404(current_user, "me.credit", RepairRequest, request_id)
    if req.retailer_id != retailer.id:
        abort(404)
    try:
        repair.supplement_repair(req, current_user, statement=request.form.get("statement", ""),
                                 files=request.files.getlist("evidence"))
        db.session.commit()
        flash(_("Sent."), "ok")
    except ServiceError as exc:
        for messages in _fail(exc).values():
            for m in messages:
                flash(m, "error")
    return redirect(url_for("pwa.my_requests", retailer_id=retailer.id))


# ---- notices (retailers and staff) ---------------------------------------------------------------------------

@bp.route("/notices")
@requires("notices.read")
def notice_centre():
    notices.consume(limit=200)
    db.session.commit()
    stmt = policy.scope(current_user, "notices.read", select(Notice), Notice)
    rows, page, pages, total = _page_of(stmt.order_by(Notice.id.desc()))
    return render_template("notices.html", rows=rows, unread=notices.unread_count(current_user), page=page,
                           pages=pages, total=total)


@bp.route("/notices/<int:notice_id>/read", methods=["POST"])
@requires("notices.read")
def notice_read(notice_id):
    notice = policy.get_or_404(current_user, "notices.read", Notice, notice_id)
    notices.mark_read(notice, current_user)
    db.session.commit()
    link = notice.link if notice.link and notice.link.startswith("/") and not notice.link.startswith("//") else None
    return redirect(link or url_for("pwa.notice_centre"))


@bp.route("/notices/read-all", methods=["POST"])
@requires("notices.read")
def notice_read_all():
    notices.mark_all_read(current_user)
    db.session.commit()
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
    show = request.args.get("show", "open")
    stmt = policy.scope(current_user, "repairs.decide", select(RepairRequest), RepairRequest)
    ostmt = policy.scope(current_user, "repairs.decide", select(Objection), Objection)
    if show == "open":
        stmt = stmt.where(RepairRequest.status.in_(repair.OPEN_REPAIR))
        ostmt = ostmt.where(Objection.status == "open")
    reqs, rpage, rpages, rtotal = _page_of(stmt.order_by(RepairRequest.decide_due, RepairRequest.id), "rpage")
    objs, opage, opages, ototal = _page_of(ostmt.order_by(Objection.answer_due, Objection.id), "opage")
    return render_template("supervise_inbox.html", reqs=reqs, objs=objs, show=show, rpage=rpage, rpages=rpages,
                           rtotal=rtotal, opage=opage, opages=opages, ototal=ototal,
                           repair_deadline=repair.repair_deadline, objection_deadline=repair.objection_deadline,
                           name=_record_name)


def _page_of(stmt, param="page", per_page=30):
    """(rows, page, pages, total) of an ordered statement, the page number read from ``param``."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, (total + per_page - 1) // per_page)
    page = min(max(1, request.args.get(param, 1, type=int) or 1), pages)
    return list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))), page, pages, total


def _evidence(ids):
    if not ids:
        return []
    return list(db.session.scalars(select(EvidenceFile).where(EvidenceFile.id.in_(ids))))


@bp.route("/supervise/repairs/<int:request_id>", methods=["GET", "POST"])
@requires("repairs.decide")
def supervise_repair(request_id):
    req = policy.get_or_404(current_user, "repairs.decide", RepairRequest, request_id)
    errors = {}
    if request.method == "POST":
        action = request.form.get("action")
        reason = request.form.get("reason", "")
        try:
            if action == "accept":
                repair.accept_repair(req, current_user)
            elif action == "more":
                repair.request_more(req, current_user, reason)
            elif action == "approve":
                repair.approve_repair(req, current_user, reason)
            elif action == "refuse":
                repair.refuse_repair(req, current_user, reason)
            else:
                raise ServiceError({"action": [_("Must be one of the allowed values.")]})
            db.session.commit()
            flash(_("Saved."), "ok")
            return redirect(url_for("pwa.supervise_repair", request_id=req.id))
        except ServiceError as exc:
            errors = _fail(exc)
            req = policy.get_or_404(current_user, "repairs.decide", RepairRequest, request_id)
    return render_template("supervise_repair.html", req=req, errors=errors, evidence=_evidence(req.evidence_ids),
                           deadline=repair.repair_deadline(req), name=_record_name(req.record),
                           elig_now=repair.eligibility(req.record, _submitter(req), penalty_fulfilled=req.penalty_fulfilled)
                           ), (422 if errors else 200)


def _submitter(req):
    from app.auth.models import User

    return db.session.get(User, req.submitted_by_id) if req.submitted_by_id else current_user


@bp.route("/supervise/objections/<int:objection_id>", methods=["GET", "POST"])
@requires("repairs.decide")
def supervise_objection(objection_id):
    obj = policy.get_or_404(current_user, "repairs.decide", Objection, objection_id)
    errors = {}
    if request.method == "POST":
        try:
            repair.answer_objection(obj, current_user, upheld=request.form.get("decision") == "uphold",
                                    answer=request.form.get("answer", ""),
                                    dismiss_ids=request.form.getlist("dismiss"))
            db.session.commit()
            flash(_("Saved."), "ok")
            return redirect(url_for("pwa.supervise_objection", objection_id=obj.id))
        except ServiceError as exc:
            errors = _fail(exc)
            obj = policy.get_or_404(current_user, "repairs.decide", Objection, objection_id)
    counting = [] if obj.record is not None or obj.status != "open" else [
        (r, _record_name(r)) for r in repair.grade_records(obj.retailer)]
    return render_template("supervise_objection.html", obj=obj, errors=errors, evidence=_evidence(obj.evidence_ids),
                           deadline=repair.objection_deadline(obj), counting=counting,
                           chosen=set(request.form.getlist("dismiss")) if errors else set(),
                           name=_record_name(obj.record) if obj.record else None), (422 if errors else 200)


@bp.route("/supervise/commitments")
@requires("repairs.decide")
def supervise_commitments():
    stmt = policy.scope(current_user, "repairs.decide", select(Commitment), Commitment).where(
        Commitment.status == "active")
    q = (request.args.get("q") or "").strip()[:64]
    if q:
        from app.retailers.services import search_clause

        stmt = stmt.where(Commitment.retailer_id.in_(select(Retailer.id).where(search_clause(q))))
    rows, page, pages, total = _page_of(stmt.order_by(Commitment.signed_on.desc(), Commitment.id.desc()))
    return render_template("supervise_commitments.html", rows=rows, page=page, pages=pages, total=total, q=q)


@bp.route("/supervise/commitments/<int:commitment_id>/breach", methods=["POST"])
@requires("repairs.decide")
def supervise_commitment_breach(commitment_id):
    c = policy.get_or_404(current_user, "repairs.decide", Commitment, commitment_id)
    try:
        commitments.breach(c, current_user, request.form.get("note", ""), request.form.get("case_number"))
        db.session.commit()
        flash(_("The breach was recorded as a credit record."), "ok")
    except ServiceError as exc:
        for messages in _fail(exc).values():
            for m in messages:
                flash(m, "error")
    return redirect(url_for("pwa.supervise_commitments"))


# ---- admin: commitment text ---------------------------------------------------------------------------------

@bp.route("/admin/commitment-text", methods=["GET", "POST"])
@requires("commitments.admin")
def admin_commitment_text():
    errors = {}
    if request.method == "POST":
        try:
            commitments.publish_text(request.form.get("title", ""), request.form.get("body", ""), current_user)
            db.session.commit()
            flash(_("A new version of the commitment text is in force."), "ok")
            return redirect(url_for("pwa.admin_commitment_text"))
        except ServiceError as exc:
            errors = _fail(exc)
    from app.commitments.models import CommitmentText

    versions = list(db.session.scalars(select(CommitmentText).order_by(CommitmentText.version.desc())))
    current = versions[0] if versions else None
    return render_template("admin/commitment_text.html", versions=versions, errors=errors,
                           title=request.form.get("title", current.title if current else commitments.DEFAULT_TITLE),
                           body=request.form.get("body", current.body if current else commitments.DEFAULT_BODY)
                           ), (422 if errors else 200)


# ---- public ---------------------------------------------------------------------------------------------

@bp.route("/public/commitments")
@requires("public")
def public_commitments():
    q = (request.args.get("q") or "").strip()[:64]
    stmt = commitments.public_query(q or None)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    per_page = 50
    pages = max(1, (total + per_page - 1) // per_page)
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    rows = list(db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)))
    return render_template("public_commitments.html", rows=rows, q=q, mask_name=mask_name, page=page, pages=pages,
                           total=total)


@bp.route("/verify/<serial>")
@requires("public")
def verify_report(serial):
    report = reports.find(serial[:32])
    return render_template("verify_report.html", report=report, serial=serial[:32],
                           today=local_today()), (200 if report else 404)
