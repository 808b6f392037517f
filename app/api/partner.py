"""The partner API (联合奖惩部门), reached only with a partner token: Authorization: Bearer <token>.

Reads follow the partner's agreement (fields, grades, lists) and are logged. Findings are pushed signed:
``X-Signature: sha256=<hex>``, the HMAC-SHA256 with the token's signing secret over
``<X-Timestamp>.<Idempotency-Key>.<raw body>``; ``X-Timestamp`` in whole seconds since 1970 (UTC),
within 5 minutes of the bureau's clock."""
from flask import abort, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.api.common import page_args, paginate
from app.auth import policy
from app.auth.policy import requires
from app.common.fields import UtcDateTime
from app.common.validation import N_
from app.extensions import db
from app.lists import services as lists
from app.partners import findings, services
from app.partners.models import PartnerFinding
from app.partners.signing import verify
from app.retailers.models import Retailer

blp = Blueprint("partner", __name__, url_prefix="/api/partner",
                description="Partner authorities, with an API token (never a session)")
SECURITY = [{"partnerToken": []}]


class MeasureSchema(Schema):
    by = fields.Str(metadata={"description": "who applies the measure"})
    text = fields.Str(metadata={"description": "the measure (Chinese)"})
    text_en = fields.Str(allow_none=True)


class ListEntryPublicSchema(Schema):
    id = fields.Int()
    kind = fields.Str(metadata={"description": "red | black"})
    status = fields.Str(metadata={"description": "notice (公示期, not yet in effect) | effective"})
    criterion = fields.Str(metadata={"description": "red_grade | black_veto | black_serious | black_refused"})
    licence_no = fields.Str()
    shop_name = fields.Str()
    operator_name = fields.Str(metadata={"description": "masked: 王**"})
    unit_name = fields.Str(allow_none=True, metadata={"description": "the county"})
    notice_from = fields.Date(allow_none=True)
    notice_until = fields.Date(allow_none=True)
    effective_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    measures = fields.List(fields.Nested(MeasureSchema), allow_none=True,
                           metadata={"description": "joint measures of this list: the bureau's and the reader's"})


class PartnerRetailerSchema(Schema):
    """A retailer as the partner's agreement lets it see it; fields outside it are null (or an empty list)
    and named in ``withheld``."""
    licence_no = fields.Str(allow_none=True)
    shop_name = fields.Str(allow_none=True)
    unit_name = fields.Str(allow_none=True, metadata={"description": "the county"})
    status = fields.Str(allow_none=True)
    operator_name = fields.Str(allow_none=True, metadata={"description": "masked: 王**"})
    address = fields.Str(allow_none=True)
    grade = fields.Str(allow_none=True, metadata={"description": "the published grade, when one of the agreement's"})
    score = fields.Int(allow_none=True)
    lists = fields.List(fields.Nested(ListEntryPublicSchema))
    withheld = fields.List(fields.Str())


class EvidenceSchema(Schema):
    kind = fields.Str(required=True, validate=validate.OneOf(("photo", "document", "text"),
                                                             error=N_("Must be one of the allowed values.")))
    ref = fields.Str(required=True, validate=validate.Length(min=1, max=500, error=N_("Too long.")))


class FindingInSchema(Schema):
    finding_type = fields.Str(required=True, validate=validate.OneOf(
        tuple(findings.FINDING_TYPES), error=N_("Must be one of the allowed values.")), metadata={
        "description": "admin_penalty (SH01) | consumer_complaint (SH02) | serious_dishonesty (SH03) | "
                       "abnormal_operation (SH04) | honour (SH52); the agreement says which the partner may send"})
    licence_no = fields.Str(required=True, validate=validate.Length(min=1, max=12, error=N_("Too long.")))
    document_no = fields.Str(required=True, validate=validate.Length(min=1, max=64, error=N_("Too long.")),
                             metadata={"description": "the partner's document number (决定书文号 etc.), unique"})
    occurred_on = fields.Date(required=True, metadata={"description": "the day of the act"})
    evidence = fields.List(fields.Nested(EvidenceSchema), load_default=list,
                           validate=validate.Length(max=20, error=N_("At most 20 evidence items.")))
    details = fields.Dict(required=True, metadata={"description": (
        "per finding_type. admin_penalty: violation_type, facts, legal_basis, penalty_kind, penalty_content, "
        "amount (optional), decided_on, authority. consumer_complaint: summary, upheld_on. serious_dishonesty "
        "and abnormal_operation: listing_authority, listed_on, reason. honour: award_name, awarded_by, "
        "awarded_on")})


class SignedHeadersSchema(Schema):
    class Meta:
        unknown = "exclude"

    idempotency_key = fields.Str(required=True, data_key="Idempotency-Key", validate=validate.Regexp(
        r"^[A-Za-z0-9_.:-]{8,64}$", error=N_("8 to 64 letters, digits or _ . : -")))
    timestamp = fields.Str(required=True, data_key="X-Timestamp", validate=validate.Length(max=20))
    signature = fields.Str(required=True, data_key="X-Signature", validate=validate.Length(max=80))


class NotificationSchema(Schema):
    event = fields.Str(metadata={"description": "confirmed | dismissed | repaired"})
    status = fields.Str(metadata={"description": "pending | sending | sent | dead | no_callback (status API only)"})
    attempts = fields.Int()
    created_at = UtcDateTime()
    sent_at = UtcDateTime(allow_none=True)


class FindingSchema(Schema):
    id = fields.Int()
    finding_type = fields.Str()
    document_no = fields.Str()
    licence_no = fields.Function(lambda f: f.retailer.licence_no)
    received_at = UtcDateTime()
    status = fields.Function(findings.status_of, metadata={
        "description": "pending (awaiting the bureau's decision) | confirmed | dismissed | repaired"})
    case_number = fields.Function(lambda f: f.record.case_number, allow_none=True)
    decided_on = fields.Function(lambda f: f.record.decided_on.isoformat() if f.record.decided_on else None,
                                 allow_none=True)
    dismissed_reason = fields.Function(lambda f: f.record.dismissed_reason if f.record.status == "dismissed" else None,
                                       allow_none=True)
    notifications = fields.Function(lambda f: NotificationSchema(many=True).dump(findings.notifications_of(f.id)))


class ListQuerySchema(Schema):
    kind = fields.Str(validate=validate.OneOf(("red", "black"), error=N_("Must be one of the allowed values.")))


@blp.route("/retailers/<string:licence_no>", methods=["GET"])
@requires("partner.api")
@blp.response(200, PartnerRetailerSchema)
@blp.alt_response(403, description="no agreement in force")
@blp.doc(security=SECURITY)
def partner_retailer(licence_no):
    """Match a licence number: what the partner's agreement lets it read (logged)."""
    services.require_agreement(current_user)
    retailer = db.session.scalars(select(Retailer).where(Retailer.licence_no == licence_no)).first()
    if retailer is None:
        abort(404)
    return services.retailer_view(current_user, retailer)


@blp.route("/lists", methods=["GET"])
@requires("partner.api")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, ListEntryPublicSchema(many=True))
@blp.alt_response(403, description="no agreement in force")
@blp.paginate(**page_args(100))
@blp.doc(security=SECURITY)
def partner_lists(args, pagination_parameters):
    """The red and black list entries the agreement covers (in notice or in effect), with the joint
    measures of each list (the bureau's and this partner's). Withdrawn entries leave the list."""
    a = services.require_agreement(current_user)
    kinds = [k for k in (a.lists or []) if not args.get("kind") or k == args["kind"]]
    stmt = lists.public_query().where(lists.ListEntry.kind.in_(kinds))
    entries = paginate(stmt, pagination_parameters)
    services.log_read(current_user, "lists", fields=kinds)
    return [lists.public_view(e, partner=current_user) for e in entries]


@blp.route("/findings", methods=["POST"])
@requires("partner.api")
@blp.arguments(SignedHeadersSchema, location="headers")
@blp.arguments(FindingInSchema)
@blp.response(201, FindingSchema)
@blp.alt_response(200, schema=FindingSchema, description="the same request again (same key, same body)")
@blp.alt_response(401, description="signature or timestamp refused")
@blp.alt_response(403, description="the agreement does not cover this finding type")
@blp.alt_response(409, description="key used for another body, or document number already sent")
@blp.doc(security=SECURITY)
def push_finding(headers, data):
    """Push a finding: it becomes a suspected 社会 credit record for the bureau's supervisors to confirm
    or dismiss. Signed (X-Signature over X-Timestamp, Idempotency-Key and the body); replay-safe."""
    token = getattr(current_user, "current_token", None)
    body = request.get_data(cache=True)
    verify(token, timestamp=headers["timestamp"], key=headers["idempotency_key"], sig=headers["signature"], body=body)
    finding, created = findings.push(current_user, token, data, key=headers["idempotency_key"], body=body)
    return finding, 201 if created else 200


@blp.route("/findings", methods=["GET"])
@requires("partner.api")
@blp.response(200, FindingSchema(many=True))
@blp.paginate(**page_args(50))
@blp.doc(security=SECURITY)
def list_findings(pagination_parameters):
    """The findings this partner sent, newest first, with their status and the outcomes sent back."""
    stmt = policy.scope(current_user, "partner.api", select(PartnerFinding), PartnerFinding)
    services.log_read(current_user, "findings")
    return paginate(stmt.order_by(PartnerFinding.id.desc()), pagination_parameters)


@blp.route("/findings/<int:finding_id>", methods=["GET"])
@requires("partner.api")
@blp.response(200, FindingSchema)
@blp.doc(security=SECURITY)
def get_finding(finding_id):
    """One finding this partner sent (another partner's answers 404)."""
    finding = policy.get_or_404(current_user, "partner.api", PartnerFinding, finding_id)
    services.log_read(current_user, "finding", target=finding.id, retailer_id=finding.retailer_id)
    return finding


