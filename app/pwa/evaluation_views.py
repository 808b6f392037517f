"""Pages of the quarterly evaluation (综合评价) for supervisors, and the public grade lookup."""
import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth import policy
from app.auth.policy import requires
from app.common.boundary import form_page
from app.common.errors import ServiceError
from app.common.forms import load_form
from app.common.paging import paginate
from app.common.time import local_today
from app.evaluation import batch, present, services
from app.evaluation.forms import EvaluationRunForm, EvaluationStepForm
from app.evaluation.models import EvaluationRun
from app.extensions import db
from app.org.services import county_units
from app.pwa import bp

PER_PAGE = 30
STATUS_LABELS = {"draft": "Draft", "reviewed": "Reviewed", "published": "Published", "superseded": "Superseded"}
RULE_LABELS = {"veto": "Veto: counterfeit, smuggled or illegal cigarettes",
               "cap": "Capped by an administrative penalty", "new_licence": "Capped: licence under six months"}
DIMENSION_LABELS = {"monopoly": "Monopoly compliance", "marketing": "Marketing integrity",
                    "social": "Third-party findings"}
SEVERITY_LABELS = {"minor": "Minor", "general": "General", "serious": "Serious", "veto": "Veto", "bonus": "Bonus"}


def _labels():
    return {"status": lambda k: _(STATUS_LABELS.get(k, k)), "rule": lambda k: _(RULE_LABELS.get(k, k)) if k else "",
            "dimension": lambda k: _(DIMENSION_LABELS.get(k, k)), "severity": lambda k: _(SEVERITY_LABELS.get(k, k))}


def _recent_quarters(n=6):
    """The current quarter and the n-1 before it, newest first (for the start form)."""
    day = local_today()
    quarters = []
    for _i in range(n):
        quarters.append(batch.quarter_of(day))
        start, _end = batch.quarter_bounds(quarters[-1])
        day = start - dt.timedelta(days=1)
    return quarters


def _may_manage():
    return current_user.is_city_level


@bp.route("/evaluations/run", methods=["POST"])
@requires("evaluation.manage")
@form_page(on_refusal="pwa.evaluations")
def evaluation_start():
    """Start the evaluation of a quarter for the whole city: checked at once, computed on the worker (a
    job with a progress page that links to the run when it is computed)."""
    from app.jobs import services as jobs

    if not _may_manage():
        abort(403)
    quarter = services.check_run_request(load_form(EvaluationRunForm())["quarter"])
    job = jobs.start("evaluation.run", {"quarter": quarter}, current_user)
    return redirect(url_for("pwa.job_page", job_id=job.id))


@bp.route("/evaluations")
@requires("evaluation.read")
def evaluations():
    stmt = policy.scope(current_user, "evaluation.read", select(EvaluationRun), EvaluationRun)
    runs = list(db.session.scalars(stmt.order_by(EvaluationRun.quarter.desc(), EvaluationRun.id.desc()).limit(40)))
    return render_template("evaluation/runs.html", runs=runs, quarters=_recent_quarters(), may_manage=_may_manage(),
                           labels=_labels(), today=local_today())


@bp.route("/evaluations/<int:run_id>")
@requires("evaluation.read")
def evaluation_run(run_id):
    run = policy.get_or_404(current_user, "evaluation.read", EvaluationRun, run_id)
    args = {k: (request.args.get(k) or "").strip() or None for k in ("grade", "unit", "move", "q")}
    if args["move"] not in (None, "up", "down", "new"):
        args["move"] = None
    p = paginate(services.rows_query(run, current_user, **args), per_page=PER_PAGE, rows=True)
    return render_template(
        "evaluation/run.html", run=run, detail=present.run_detail(run, current_user), rows=p.items, total=p.total,
        p=p, args=args, labels=_labels(),
        may_manage=_may_manage() and policy.can(current_user, "evaluation.manage", run),
        provisional=services.is_provisional(run), superseded_by=_superseded_by(run),
        supersedes=db.session.get(EvaluationRun, run.supersedes_id) if run.supersedes_id else None,
        counties=county_units() if current_user.is_city_level else [], published_public=_public_from(run))


def _superseded_by(run):
    return db.session.scalars(select(EvaluationRun).where(EvaluationRun.supersedes_id == run.id)
                              .order_by(EvaluationRun.id.desc())).first()


def _public_from(run):
    return run.objection_closes_on if run.status == "published" else None


@bp.route("/evaluations/<int:run_id>/<any(review, publish, supersede):step>", methods=["POST"])
@requires("evaluation.manage")
@form_page(on_refusal="pwa.evaluation_run")
def evaluation_step(run_id, step):
    run = policy.get_or_404(current_user, "evaluation.manage", EvaluationRun, run_id)
    data = load_form(EvaluationStepForm())
    target = run
    if step in ("review", "publish") and not data["confirm"]:
        raise ServiceError({"confirm": [_("Tick the box to confirm.")]})
    if step == "review":
        services.review(run, current_user)
        message = _("Run %(id)d reviewed. It can now be published.", id=run.id)
    elif step == "publish":
        services.publish(run, current_user)
        message = _("Run %(id)d published. Objections are possible until %(d)s; the public sees the grades "
                    "from that day.", id=run.id, d=run.objection_closes_on.isoformat())
    else:
        target = services.supersede(run, data["reason"], current_user)
        message = _("A new draft of %(q)s was computed to supersede run %(id)d.", q=run.quarter, id=run.id)
    flash(message, "ok")
    return redirect(url_for("pwa.evaluation_run", run_id=target.id))


@bp.route("/evaluations/<int:run_id>/retailers/<int:retailer_id>")
@requires("evaluation.read")
def evaluation_retailer(run_id, retailer_id):
    run = policy.get_or_404(current_user, "evaluation.read", EvaluationRun, run_id)
    found = present.scoped_row(run, current_user, retailer_id)
    if found is None:
        abort(404)
    row, retailer = found
    return render_template("evaluation/retailer.html", run=run, retailer=retailer,
                           data=present.explanation(run, row, retailer), labels=_labels())


@bp.route("/grades")
@requires("public")
def public_grades():
    q = (request.args.get("q") or "").strip()[:64]
    results = present.public_results(q) if q else []
    return render_template("evaluation/public.html", q=q, results=results, mask=_mask)


def _mask(name):
    from app.retailers.schemas import mask_name

    return mask_name(name)


def _extract_labels():  # pragma: no cover - never called, read by pybabel
    _("Draft"), _("Reviewed"), _("Published"), _("Superseded")
    _("Veto: counterfeit, smuggled or illegal cigarettes"), _("Capped by an administrative penalty")
    _("Capped: licence under six months"), _("Monopoly compliance"), _("Marketing integrity")
    _("Third-party findings"), _("Minor"), _("General"), _("Serious"), _("Veto"), _("Bonus")
