"""The audit trail, read-only (admin)."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from app.api.common import paginate
from app.audit.models import AuditEntry
from app.audit.services import verify
from app.auth.policy import requires

blp = Blueprint("audit", __name__, url_prefix="/api/audit", description="Audit trail (admin)")


class AuditEntrySchema(Schema):
    seq = fields.Int()
    at = fields.DateTime()
    actor_name = fields.Str()
    actor_role = fields.Str()
    action = fields.Str()
    target_type = fields.Str()
    target_id = fields.Str()
    before = fields.Dict()
    after = fields.Dict()
    entry_hash = fields.Str()


class AuditQuerySchema(Schema):
    action = fields.Str()
    target_type = fields.Str()
    target_id = fields.Str()


class VerifySchema(Schema):
    ok = fields.Bool()
    checked = fields.Int()
    head_hash = fields.Str()
    broken_seq = fields.Int(allow_none=True)
    problem = fields.Str(allow_none=True)


@blp.route("", methods=["GET"])
@requires("audit.read")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditEntrySchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def list_entries(args, pagination_parameters):
    """Newest first."""
    stmt = select(AuditEntry)
    for name in ("action", "target_type", "target_id"):
        if args.get(name):
            stmt = stmt.where(getattr(AuditEntry, name) == args[name])
    return paginate(stmt.order_by(AuditEntry.seq.desc()), pagination_parameters)


@blp.route("/verify", methods=["GET"])
@requires("audit.read")
@blp.response(200, VerifySchema)
def verify_chain():
    """Walk the hash chain and name the first broken link."""
    return verify()
