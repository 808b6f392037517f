"""The audit trail, read-only (admin)."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from app.api.common import page_args, paginate
from app.audit.models import AuditEntry
from app.audit.services import verify
from app.auth.policy import requires
from app.common.fields import UtcDateTime

blp = Blueprint("audit", __name__, url_prefix="/api/audit", description="Audit trail (admin)")
public_blp = Blueprint("public_audit", __name__, url_prefix="/api/public",
                       description="The audit chain's anchors, public (no sign-in) 审计链锚点")


class AuditEntrySchema(Schema):
    seq = fields.Int()
    at = UtcDateTime()
    actor_name = fields.Str(allow_none=True)
    actor_role = fields.Str(allow_none=True)
    action = fields.Str()
    target_type = fields.Str()
    target_id = fields.Str(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
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
    head_seq = fields.Int()
    anchors = fields.Int(metadata={"description": "anchor lines checked (app.audit.anchor)"})
    anchored_seq = fields.Int(allow_none=True)
    anchored_at = fields.Str(allow_none=True)
    warning = fields.Str(allow_none=True)


class AnchorSchema(Schema):
    n = fields.Int()
    at = fields.Str(metadata={"description": "UTC, ISO 8601"})
    seq = fields.Int(metadata={"description": "the audit chain's head when anchored"})
    entry_hash = fields.Str()
    key_id = fields.Str(metadata={"description": "public id of the key that hashed the entry"})
    note = fields.Str()
    prev = fields.Str(metadata={"description": "the previous anchor's line_hash"})
    line_hash = fields.Str(metadata={"description": "SHA-256 of this anchor's fields (n, at, seq, entry_hash, "
                                                    "key_id, note, prev) as compact sorted JSON"})


class PublicAnchorSchema(Schema):
    latest = fields.Nested(AnchorSchema, allow_none=True)
    recent = fields.List(fields.Nested(AnchorSchema), metadata={"description": "the latest 10, newest first"})
    count = fields.Int()
    intact = fields.Bool(metadata={"description": "the anchor file's own chain checks out"})
    scheme = fields.Str()


@blp.route("", methods=["GET"])
@requires("audit.read")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditEntrySchema(many=True))
@blp.paginate(**page_args(50))
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


@public_blp.route("/audit-anchor", methods=["GET"])
@requires("public")
@public_blp.response(200, PublicAnchorSchema)
def public_anchor():
    """The latest anchors of the audit chain (read from the anchor file, not the database): sequence
    number and hash of the chain's head, time, key id, and each anchor's own hash chain. Keep a copy:
    a later `audit verify` fails if the table no longer matches an anchor."""
    from app.audit.anchor import public_view

    return public_view()
