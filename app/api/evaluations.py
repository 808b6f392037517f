"""The quarterly evaluation (综合评价) API: runs, their rows and explanations, review and publication;
and the public grade lookup (no sign-in)."""
from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from app.api.common import page_args, paginate
from app.auth import policy
from app.auth.policy import requires
from app.evaluation import present, services
from app.evaluation.models import EvaluationRun
from app.evaluation.schemas import (ExplanationSchema, PublicGradeSchema, PublicQuerySchema, RowQuerySchema, RowSchema,
                                    RunDetailSchema, RunSchema, StartRunSchema, SupersedeSchema)

blp = Blueprint("evaluations", __name__, url_prefix="/api/evaluations",
                description="Quarterly evaluation 综合评价 (supervisors; county supervisors see their county's rows)")
public_blp = Blueprint("public_grades", __name__, url_prefix="/api/public",
                       description="Published grades for the public (after the objection window closes)")


def _manage_allowed():
    if not current_user.is_city_level:
        abort(403)


def _run(run_id, action="evaluation.read"):
    return policy.get_or_404(current_user, action, EvaluationRun, run_id)


@blp.route("", methods=["GET"])
@requires("evaluation.read")
@blp.response(200, RunSchema(many=True))
@blp.paginate(page_size=20, max_page_size=100)
def list_runs(pagination_parameters):
    """All runs, newest quarter first, paginated."""
    stmt = policy.scope(current_user, "evaluation.read", select(EvaluationRun), EvaluationRun)
    return paginate(stmt.order_by(EvaluationRun.quarter.desc(), EvaluationRun.id.desc()), pagination_parameters)


@blp.route("", methods=["POST"])
@requires("evaluation.manage")
@blp.arguments(StartRunSchema)
@blp.response(201, RunSchema)
def start_run(data):
    """Compute the draft run of a quarter (city level). A draft already there is computed again."""
    _manage_allowed()
    run = services.run(data["quarter"], current_user)
    return run


@blp.route("/<int:run_id>", methods=["GET"])
@requires("evaluation.read")
@blp.response(200, RunDetailSchema)
def get_run(run_id):
    """A run with its distribution against the last published quarter, and the biggest movers."""
    return present.run_detail(_run(run_id), current_user)


@blp.route("/<int:run_id>/rows", methods=["GET"])
@requires("evaluation.read")
@blp.arguments(RowQuerySchema, location="query")
@blp.response(200, RowSchema(many=True))
@blp.paginate(**page_args(50))
def list_rows(args, run_id, pagination_parameters):
    """The run's rows (a county supervisor: their county only), lowest score first."""
    run = _run(run_id)
    rows = paginate(services.rows_query(run, current_user, **args), pagination_parameters, rows=True)
    return [present.row_dict(row, retailer) for row, retailer in rows]


@blp.route("/<int:run_id>/rows/<int:retailer_id>", methods=["GET"])
@requires("evaluation.read")
@blp.response(200, ExplanationSchema)
def explain_row(run_id, retailer_id):
    """One licence's row and the engine's explanation as of the run's date."""
    run = _run(run_id)
    found = present.scoped_row(run, current_user, retailer_id)
    if found is None:
        abort(404)
    return present.explanation(run, *found)


@blp.route("/<int:run_id>/review", methods=["POST"])
@requires("evaluation.manage")
@blp.response(200, RunSchema)
def review_run(run_id):
    """draft → reviewed (city level; the quarter must have ended)."""
    run = _run(run_id, "evaluation.manage")
    services.review(run, current_user)
    return run


@blp.route("/<int:run_id>/publish", methods=["POST"])
@requires("evaluation.manage")
@blp.response(200, RunSchema)
def publish_run(run_id):
    """reviewed → published: the objection window opens; the public sees the grades when it closes."""
    run = _run(run_id, "evaluation.manage")
    services.publish(run, current_user)
    return run


@blp.route("/<int:run_id>/supersede", methods=["POST"])
@requires("evaluation.manage")
@blp.arguments(SupersedeSchema)
@blp.response(201, RunSchema)
def supersede_run(data, run_id):
    """Start a corrected draft of a published run's quarter; give the reason."""
    run = _run(run_id, "evaluation.manage")
    new = services.supersede(run, data["reason"], current_user)
    return new


@public_blp.route("/grades", methods=["GET"])
@requires("public")
@public_blp.arguments(PublicQuerySchema, location="query")
@public_blp.response(200, PublicGradeSchema(many=True))
def lookup(args):
    """Look up a licence number or a shop name: the published grade once its objection window has closed."""
    return present.public_results(args["q"])

