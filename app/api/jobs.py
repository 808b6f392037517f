"""A long job's progress, for its page to poll (small JSON)."""
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.auth import policy
from app.auth.policy import requires
from app.jobs import services
from app.jobs.models import Job

blp = Blueprint("jobs", __name__, url_prefix="/api", description="Long jobs (progress)")


class JobStatusSchema(Schema):
    id = fields.Int()
    kind = fields.Str(metadata={"description": "evaluation.run | schedule.plan"})
    state = fields.Str(metadata={"description": "queued | running | done | failed"})
    done = fields.Int(metadata={"description": "steps done"})
    total = fields.Int(metadata={"description": "steps in all"})
    step = fields.Str(allow_none=True, metadata={"description": "the step now running"})
    percent = fields.Int()
    eta_seconds = fields.Int(allow_none=True, metadata={"description": "time left at the rate so far"})
    elapsed_seconds = fields.Int(allow_none=True)
    result_link = fields.Str(allow_none=True, metadata={"description": "the page of the result, when done"})
    error = fields.Str(allow_none=True, metadata={"description": "why it failed"})


@blp.route("/jobs/<int:job_id>", methods=["GET"])
@requires("jobs.read")
@blp.response(200, JobStatusSchema)
def get_job(job_id):
    """A long job's state and progress (the job's starter, or an admin)."""
    return services.status(policy.get_or_404(current_user, "jobs.read", Job, job_id))
