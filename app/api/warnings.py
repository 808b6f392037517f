"""Early warnings 失信预警: list, one warning with its readable reason, act (owner and action), close."""
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.common import paginate
from app.auth import policy
from app.auth.policy import requires
from app.common.fields import Id, UtcDateTime
from app.common.validation import N_
from app.warnings import services
from app.warnings.models import ACTIONS, KINDS, OUTCOMES, EarlyWarning

blp = Blueprint("warnings", __name__, url_prefix="/api", description="Early warnings 失信预警")

ONE_OF = N_("Must be one of the allowed values.")


class WarningSchema(Schema):
    id = fields.Int()
    retailer_id = fields.Int()
    licence_no = fields.Function(lambda w: w.retailer.licence_no)
    shop_name = fields.Function(lambda w: w.retailer.shop_name)
    unit = fields.Function(lambda w: w.unit.code)
    kind = fields.Str(metadata={"description": " | ".join(KINDS)})
    reason = fields.Function(lambda w: services.reason(w), metadata={"description": "why, in the user's language"})
    facts = fields.Dict(metadata={"description": "the figures behind the reason"})
    status = fields.Str(metadata={"description": "open | closed"})
    raised_on = fields.Date()
    owner = fields.Function(lambda w: w.owner.display_name if w.owner else None, allow_none=True)
    action = fields.Str(allow_none=True, metadata={"description": " | ".join(ACTIONS)})
    action_note = fields.Str(allow_none=True)
    licence_check_id = fields.Int(allow_none=True, metadata={"description": "the licence check the action opened"})
    outcome = fields.Str(allow_none=True, metadata={"description": " | ".join(OUTCOMES)})
    close_note = fields.Str(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)


class WarningQuerySchema(Schema):
    kind = fields.Str(validate=validate.OneOf(KINDS, error=ONE_OF))
    status = fields.Str(validate=validate.OneOf(("open", "closed"), error=ONE_OF))
    older_than = fields.Str(validate=validate.OneOf(tuple(services.AGES), error=ONE_OF),
                            metadata={"description": "raised more than 7, 30 or 90 days ago"})
    unit = fields.Str(metadata={"description": "county code"})


class WarningActSchema(Schema):
    owner_id = Id(required=True, metadata={"description": "a supervisor or inspector of the county"})
    action = fields.Str(required=True, validate=validate.OneOf(ACTIONS, error=ONE_OF))
    note = fields.Str(load_default="", validate=validate.Length(max=2000, error=N_("Too long.")))


class WarningCloseSchema(Schema):
    outcome = fields.Str(required=True, validate=validate.OneOf(OUTCOMES, error=ONE_OF))
    note = fields.Str(required=True, validate=validate.Length(max=2000, error=N_("Too long.")))


@blp.route("/warnings", methods=["GET"])
@requires("warnings.read")
@blp.arguments(WarningQuerySchema, location="query")
@blp.response(200, WarningSchema(many=True))
@blp.paginate(page_size=20, max_page_size=200)
def list_warnings(args, pagination_parameters):
    """Early warnings the supervisor may see (county; city level: all), open first."""
    return paginate(services.list_query(current_user, args), pagination_parameters)


@blp.route("/warnings/<int:warning_id>", methods=["GET"])
@requires("warnings.read")
@blp.response(200, WarningSchema)
def get_warning(warning_id):
    """One warning with its readable reason (another county's: 404)."""
    return policy.get_or_404(current_user, "warnings.read", EarlyWarning, warning_id)


@blp.route("/warnings/<int:warning_id>/act", methods=["POST"])
@requires("warnings.manage")
@blp.arguments(WarningActSchema)
@blp.response(200, WarningSchema)
@blp.alt_response(409, description="The warning is closed")
def act_warning(data, warning_id):
    """Give the warning an owner and an action: guidance tells the retailer; a licence check (shops found
    closed or absent) opens the licence-verification task. Audited."""
    w = policy.get_or_404(current_user, "warnings.manage", EarlyWarning, warning_id)
    services.act(w, current_user, owner_id=data["owner_id"], action=data["action"], note=data["note"])
    return w


@blp.route("/warnings/<int:warning_id>/close", methods=["POST"])
@requires("warnings.manage")
@blp.arguments(WarningCloseSchema)
@blp.response(200, WarningSchema)
@blp.alt_response(409, description="The warning is already closed")
def close_warning(data, warning_id):
    """Close a warning (after its action) with the outcome and what was done. Audited."""
    w = policy.get_or_404(current_user, "warnings.manage", EarlyWarning, warning_id)
    services.close(w, current_user, outcome=data["outcome"], note=data["note"])
    return w
