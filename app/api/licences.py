"""Licence-verification tasks 许可证核查 (虚假户 check): list, one task, close with the finding."""
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.common import paginate
from app.auth import policy
from app.auth.policy import requires
from app.common.validation import N_
from app.licences import services
from app.licences.models import CHECK_OUTCOMES, LicenceCheck

blp = Blueprint("licences", __name__, url_prefix="/api", description="Licence checks 许可证核查")


class LicenceCheckSchema(Schema):
    id = fields.Int()
    retailer_id = fields.Int()
    licence_no = fields.Function(lambda c: c.retailer.licence_no)
    shop_name = fields.Function(lambda c: c.retailer.shop_name)
    unit = fields.Function(lambda c: c.unit.code)
    reason = fields.Str(metadata={"description": "not_found_repeatedly: no shop found twice within 90 days"})
    status = fields.Str(metadata={"description": "open | closed"})
    inspection_ids = fields.List(fields.Int(), metadata={"description": "the visits that found no shop"})
    opened_on = fields.Date()
    outcome = fields.Str(allow_none=True, metadata={"description": "trading | moved | closed_down | false_licence"})
    note = fields.Str(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.Function(lambda c: c.closed_by.display_name if c.closed_by else None)
    cancellation = fields.Str(allow_none=True, metadata={
        "description": "proposed (the check found the shop gone) | cancelled | kept (a supervisor decided)"})


class LicenceCheckQuerySchema(Schema):
    status = fields.Str(validate=validate.OneOf(("open", "closed"), error=N_("Must be one of the allowed values.")))
    unit = fields.Str(metadata={"description": "county code"})


class LicenceCheckCloseSchema(Schema):
    outcome = fields.Str(required=True, validate=validate.OneOf(CHECK_OUTCOMES,
                                                                error=N_("Must be one of the allowed values.")))
    note = fields.Str(required=True, validate=validate.Length(max=2000, error=N_("Too long.")))


@blp.route("/licence-checks", methods=["GET"])
@requires("licence_checks.read")
@blp.arguments(LicenceCheckQuerySchema, location="query")
@blp.response(200, LicenceCheckSchema(many=True))
@blp.paginate(page_size=20, max_page_size=200)
def list_checks(args, pagination_parameters):
    """Licence checks the user may see (a county supervisor: the county's), open first."""
    return paginate(services.list_query(current_user, args), pagination_parameters)


@blp.route("/licence-checks/<int:check_id>", methods=["GET"])
@requires("licence_checks.read")
@blp.response(200, LicenceCheckSchema)
def get_check(check_id):
    """One licence check (another county's: 404)."""
    return policy.get_or_404(current_user, "licence_checks.read", LicenceCheck, check_id)


@blp.route("/licence-checks/<int:check_id>/close", methods=["POST"])
@requires("licence_checks.decide")
@blp.arguments(LicenceCheckCloseSchema)
@blp.response(200, LicenceCheckSchema)
def close_check(data, check_id):
    """Close a check with what was found and on what evidence (audited)."""
    check = policy.get_or_404(current_user, "licence_checks.decide", LicenceCheck, check_id)
    services.close_check(check, current_user, data["outcome"], data["note"])
    return check


class CancellationDecisionSchema(Schema):
    decision = fields.Str(required=True, validate=validate.OneOf(("cancel", "keep"),
                                                                 error=N_("Must be one of the allowed values.")),
                          metadata={"description": "cancel: the licence's status becomes cancelled; keep: it stands"})
    note = fields.Str(required=True, validate=validate.Length(max=2000, error=N_("Too long.")),
                      metadata={"description": "the reason and the decision's reference"})


@blp.route("/licence-checks/<int:check_id>/cancellation", methods=["POST"])
@requires("licence_checks.decide")
@blp.arguments(CancellationDecisionSchema)
@blp.response(200, LicenceCheckSchema)
@blp.alt_response(409, description="No cancellation is proposed for this licence (none, or already decided)")
def decide_cancellation(data, check_id):
    """Decide the cancellation a check proposed (it found the shop closed down or never trading). Audited."""
    check = policy.get_or_404(current_user, "licence_checks.decide", LicenceCheck, check_id)
    services.decide_cancellation(check, current_user, data["decision"], data["note"], note_field="note")
    return check
