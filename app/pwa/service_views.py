"""Pages of customer tiers and supply (客户分档、货源投放): the monthly service run (compute on the worker,
publish, export), the ordering figures' import, the service policy, supply suspensions and their
objections, the hardship flag; and the retailer's own service page."""
import hashlib

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth import policy
from app.auth.policy import requires
from app.common.boundary import form_page
from app.common.errors import ServiceError
from app.common.forms import PageForm, load_form
from app.common.paging import paginate
from app.common.time import local_today
from app.extensions import db
from app.pwa import bp
from app.pwa.credit_views import keep_content, kept_content
from app.retailers.models import Retailer
from app.service import figures, hardship, present, runs, suspensions
from app.service import policy as service_policy
from app.service.forms import (AnswerForm, FiguresForm, HardshipForm, LiftForm, PolicyForm, PublishForm, RevokeForm,
                               ServiceRunForm, SuspensionObjectionForm)
from app.service.models import HardshipFlag, ServiceDelivery, ServiceRow, ServiceRun, SupplySuspension

PER_PAGE = 30


def _labels():
    return {"label": present.label, "coef": present.coefficient, "reason": present.reason_text}


def _city_manager():
    return current_user.role == "mkt_supervisor" and current_user.is_city_level


# ---- the monthly run ---------------------------------------------------------------------------------------

@bp.route("/service")
@requires("service.read")
def service_runs():
    p = paginate(runs.list_query(current_user), per_page=PER_PAGE)
    return render_template("service/runs.html", p=p, cycles=runs.cycles_open(), may_manage=_city_manager(),
                           may_import=current_user.role == "mkt_supervisor",
                           may_hardship=current_user.role == "mkt_supervisor", **_labels())


@bp.route("/service/runs", methods=["POST"])
@requires("service.manage")
@form_page(on_refusal="pwa.service_runs")
def service_run_start():
    """Compute the month on the worker (a job with a progress page that links to the run)."""
    from app.jobs import services as jobs

    if not _city_manager():
        raise ServiceError({"cycle": [_("Only the city's marketing supervisors run the monthly service run.")]},
                           status=403)
    cycle = runs.check_request(load_form(ServiceRunForm())["cycle"])
    job = jobs.start("service.run", {"cycle": cycle}, current_user)
    return redirect(url_for("pwa.job_page", job_id=job.id))


@bp.route("/service/runs/<int:run_id>")
@requires("service.read")
def service_run(run_id):
    run = policy.get_or_404(current_user, "service.read", ServiceRun, run_id)
    args = {k: (request.args.get(k) or "").strip()[:64] or None for k in ("grade", "show", "q")}
    p = paginate(runs.rows_query(current_user, run, args), per_page=PER_PAGE, rows=True)
    deliveries = list(db.session.scalars(select(ServiceDelivery).where(ServiceDelivery.run_id == run.id)
                                         .order_by(ServiceDelivery.id.desc()).limit(20)))
    return render_template("service/run.html", run=run, p=p, args=args, deliveries=deliveries,
                           may_manage=_city_manager(), may_download=runs.staff_reasons(current_user),
                           grades=("AAA", "AA", "A", "B", "C", "D"), **_labels())


@bp.route("/service/runs/<int:run_id>/publish", methods=["POST"])
@requires("service.manage")
@form_page(on_refusal="pwa.service_run")
def service_run_publish(run_id):
    run = policy.get_or_404(current_user, "service.manage", ServiceRun, run_id)
    data = load_form(PublishForm())
    if not data["confirm"]:
        raise ServiceError({"confirm": [_("Tick the box to confirm.")]})
    done = runs.publish(run, current_user, note=data["note"])
    flash(_("The service run of %(c)s is published: %(s)d supply suspensions decided, each retailer told with the "
            "way to object; %(n)d retailers told of a changed tier or coefficient.",
            c=run.cycle, s=done["suspensions"], n=done["notices"]), "ok")
    return redirect(url_for("pwa.service_run", run_id=run.id))


@bp.route("/service/runs/<int:run_id>/export.csv", methods=["POST"])
@requires("service.manage")
def service_run_export(run_id):
    """The published run as the ordering system's file (download logged with its SHA-256)."""
    run = policy.get_or_404(current_user, "service.manage", ServiceRun, run_id)
    if run.state != "published":
        abort(404)
    data = runs.export_csv(run)
    runs.log_download(run, current_user, data)
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="service-{run.cycle}.csv"',
        "X-Checksum-SHA256": hashlib.sha256(data).hexdigest()})


# ---- ordering figures --------------------------------------------------------------------------------------

@bp.route("/service/figures", methods=["GET", "POST"])
@requires("service.manage")
@form_page
def service_figures():
    """Base tiers and monthly figures from the ordering system: check first (nothing written), then all or none."""
    form = PageForm(FiguresForm())
    if not form.submitted:
        upload = request.files.get("file")
        filename = form.values.get("filename") or (upload.filename[:200] if upload and upload.filename else None)
        return _render_figures(result=getattr(form.refused.error, "result", None), filename=filename,
                               errors=form.errors, status=form.status)
    data = form.data
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        content, filename = upload.read(), upload.filename[:200]
    elif data["content"]:
        try:
            content = kept_content(data["content"])
        except ValueError:
            raise ServiceError({"file": [_("Choose the CSV file again.")]}) from None
        filename = data["filename"]
    else:
        raise ServiceError({"file": [_("Choose a CSV file.")]})
    if data["action"] == "import":
        result = figures.run(content, actor=current_user, dry_run=False, source="upload", filename=filename)
        flash(_("Imported: %(c)d new, %(u)d corrected, %(s)d unchanged.", c=result.created, u=result.updated,
                s=result.unchanged), "ok")
        return redirect(url_for("pwa.service_figures"))
    result = figures.run(content, actor=current_user, dry_run=True, source="upload", filename=filename)
    return _render_figures(result=result, content=keep_content(content) if result.ok else None, filename=filename,
                           status=200 if result.ok else 422)


def _render_figures(*, result=None, content=None, filename=None, errors=None, status=200):
    bad = {}
    for e in (result.errors if result else []):
        bad.setdefault(e.row, []).append((e.column, e.message))
    columns = [{"name": c, "zh": figures.ZH[c], "required": c in figures.REQUIRED} for c in figures.COLUMNS]
    return render_template("service/figures.html", result=result, bad_rows=sorted(bad.items()), content=content,
                           filename=filename, errors=errors or {}, columns=columns, max_rows=figures.MAX_ROWS,
                           sample_header=",".join(figures.COLUMNS),
                           sample_line="320812000001,2026-11,12,CZ1,18650.50,420"), status


# ---- policy ------------------------------------------------------------------------------------------------

@bp.route("/service/policy", methods=["GET", "POST"])
@requires("service.read")
@form_page
def service_policy_page():
    form = PageForm(PolicyForm())
    if form.submitted:
        if not policy.role_allows(current_user, "service.policy", via_token=False):
            abort(403)
        row = service_policy.add_version(form.data["text"], current_user)
        flash(_("Service policy %(v)s stored; it applies to cycles from %(d)s.", v=row.version,
                d=row.effective_from.isoformat()), "ok")
        return redirect(url_for("pwa.service_policy_page"))
    today = local_today()
    current = service_policy.in_force(today)
    stored = service_policy.versions()
    text = next((v.source_text for v in stored if v.version == current.version), service_policy.default_text())
    return render_template("service/policy.html", current=current, versions=stored, text=text,
                           values=form.values or {"text": text}, errors=form.errors,
                           may_edit=policy.role_allows(current_user, "service.policy", via_token=False),
                           **_labels()), form.status


# ---- suspensions -------------------------------------------------------------------------------------------

@bp.route("/service/suspensions")
@requires("service.read")
def service_suspensions():
    state = request.args.get("state") if request.args.get("state") in ("active", "lifted", "objected") else "active"
    from app.service.suspensions import list_query

    p = paginate(list_query(current_user, {"state": state}), per_page=PER_PAGE)
    return render_template("service/suspensions.html", p=p, state=state, **_labels())


@bp.route("/service/suspensions/<int:suspension_id>")
@requires("service.read")
def service_suspension(suspension_id):
    s = policy.get_or_404(current_user, "service.read", SupplySuspension, suspension_id)
    return render_template("service/suspension.html", s=s, may_manage=current_user.role == "mkt_supervisor",
                           **_labels())


@bp.route("/service/suspensions/<int:suspension_id>/answer", methods=["POST"])
@requires("service.manage")
@form_page(on_refusal="pwa.service_suspension")
def service_suspension_answer(suspension_id):
    s = policy.get_or_404(current_user, "service.manage", SupplySuspension, suspension_id)
    data = load_form(AnswerForm())
    suspensions.answer(s, current_user, upheld=data["outcome"] == "upheld", text=data["answer"])
    flash(_("The objection is answered and the retailer told."), "ok")
    return redirect(url_for("pwa.service_suspension", suspension_id=s.id))


@bp.route("/service/suspensions/<int:suspension_id>/lift", methods=["POST"])
@requires("service.manage")
@form_page(on_refusal="pwa.service_suspension")
def service_suspension_lift(suspension_id):
    s = policy.get_or_404(current_user, "service.manage", SupplySuspension, suspension_id)
    suspensions.review_lift(s, current_user, load_form(LiftForm())["note"])
    flash(_("The suspension is lifted and the retailer told."), "ok")
    return redirect(url_for("pwa.service_suspension", suspension_id=s.id))


# ---- hardship (帮扶) ---------------------------------------------------------------------------------------

@bp.route("/service/hardship", methods=["GET", "POST"])
@requires("service.hardship")
@form_page
def service_hardship():
    form = PageForm(HardshipForm())
    if form.submitted:
        data = form.data
        retailer = db.session.scalars(policy.scope(current_user, "retailers.read", select(Retailer), Retailer)
                                      .where(Retailer.licence_no == data["licence_no"])).first()
        if retailer is None:
            raise ServiceError({"licence_no": [_("Unknown licence number: %(n)s", n=data["licence_no"])]})
        hardship.set_flag(retailer, current_user, category=data["category"], evidence=data["evidence"],
                          review_on=data["review_on"], note=data["note"])
        flash(_("Hardship flag set for %(shop)s.", shop=retailer.shop_name), "ok")
        return redirect(url_for("pwa.service_hardship"))
    stmt = policy.scope(current_user, "service.hardship", select(HardshipFlag), HardshipFlag)
    p = paginate(stmt.where(HardshipFlag.revoked_at.is_(None)).order_by(HardshipFlag.review_on), per_page=PER_PAGE)
    return render_template("service/hardship.html", p=p, values=form.values, errors=form.errors,
                           categories=hardship.CATEGORIES, today=local_today(), **_labels()), form.status


@bp.route("/service/hardship/<int:flag_id>/revoke", methods=["POST"])
@requires("service.hardship")
@form_page(on_refusal="pwa.service_hardship")
def service_hardship_revoke(flag_id):
    flag = policy.get_or_404(current_user, "service.hardship", HardshipFlag, flag_id)
    hardship.revoke(flag, current_user, load_form(RevokeForm())["reason"])
    flash(_("Hardship flag revoked."), "ok")
    return redirect(url_for("pwa.service_hardship"))


# ---- the retailer's own page -------------------------------------------------------------------------------

def _mine(retailer_id) -> Retailer:
    return policy.get_or_404(current_user, "me.credit", Retailer, retailer_id)


@bp.route("/me/service/<int:retailer_id>")
@requires("me.credit")
def my_service(retailer_id):
    retailer = _mine(retailer_id)
    found = db.session.execute(select(ServiceRow, ServiceRun).join(ServiceRun, ServiceRun.id == ServiceRow.run_id)
                               .where(ServiceRow.retailer_id == retailer.id, ServiceRun.state == "published")
                               .order_by(ServiceRun.cycle.desc())).first()
    row, run = found if found else (None, None)
    hints = present.hints(service_policy.in_force(runs.cycle_start(run.cycle)), row) if row else []
    held = list(db.session.scalars(policy.scope(current_user, "me.credit", select(SupplySuspension), SupplySuspension)
                                   .where(SupplySuspension.retailer_id == retailer.id)
                                   .order_by(SupplySuspension.id.desc()).limit(20)))
    form = PageForm(SuspensionObjectionForm(), endpoint="pwa.my_service_object")
    refused_id = request.view_args.get("suspension_id") if form.refused else None
    return render_template("service/me.html", retailer=retailer, row=row, run=run, hints=hints, suspensions=held,
                           today=local_today(), values=form.values, errors=form.errors, refused_id=refused_id,
                           **_labels()), form.status


@bp.route("/me/service/<int:retailer_id>/suspensions/<int:suspension_id>/object", methods=["POST"])
@requires("me.credit")
@form_page(on_refusal="pwa.my_service")
def my_service_object(retailer_id, suspension_id):
    retailer = _mine(retailer_id)
    s = policy.get_or_404(current_user, "me.credit", SupplySuspension, suspension_id)
    if s.retailer_id != retailer.id:
        abort(404)
    suspensions.object_to(s, current_user, load_form(SuspensionObjectionForm())["reasons"])
    flash(_("Your objection was submitted. The answer is due by %(d)s.", d=s.answer_due.isoformat()), "ok")
    return redirect(url_for("pwa.my_service", retailer_id=retailer.id))
