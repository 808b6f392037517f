"""The supervisors' dashboard 监管驾驶舱 as JSON: the figures the page draws, for the user's scope (a
county supervisor: their county; a city supervisor or an admin: every county, or one). Read only: the
figures come from the pre-aggregated tables that the nightly (or "refresh now") job fills."""
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.auth.policy import requires
from app.charts import GRADE_ORDER
from app.common.errors import ServiceError
from app.common.fields import UtcDateTime
from app.dashboard import services
from app.warnings.models import KINDS

blp = Blueprint("dashboard", __name__, url_prefix="/api",
                description="The supervisors' dashboard 监管驾驶舱 (read only)")

class DashboardQuerySchema(Schema):
    unit = fields.Str(validate=validate.Length(max=16),
                      metadata={"description": "county code: one county of a city-level view (a county "
                                               "supervisor always sees their own); none: every county in scope"})


def _counts(keys, description):
    return fields.Dict(keys=fields.Str(validate=validate.OneOf(keys)), values=fields.Int(),
                       metadata={"description": description})


class CountySchema(Schema):
    code = fields.Str()
    name = fields.Str()


class CountyGradesSchema(Schema):
    unit = fields.Str(metadata={"description": "county code"})
    grades = _counts(GRADE_ORDER, "shops per official grade")


class GradesSchema(Schema):
    quarter = fields.Str(allow_none=True, metadata={"description": "the latest published quarter (none: none yet)"})
    total = fields.Int(allow_none=True)
    by_county = fields.List(fields.Nested(CountyGradesSchema))


class QuarterGradesSchema(Schema):
    quarter = fields.Str()
    grades = _counts(GRADE_ORDER, "shops per official grade")


class MoversSchema(Schema):
    quarter = fields.Str(allow_none=True)
    up = fields.Int(metadata={"description": "shops graded higher than the quarter before"})
    down = fields.Int(metadata={"description": "shops graded lower than the quarter before"})


class AgeBandSchema(Schema):
    band = fields.Str()
    min_days = fields.Int()
    max_days = fields.Int(allow_none=True, metadata={"description": "none: no upper bound"})
    count = fields.Int()


class DeadlinesSchema(Schema):
    repair_soon = fields.Int(metadata={"description": "repairs due within 3 working days"})
    repair_overdue = fields.Int()
    objection_soon = fields.Int(metadata={"description": "objections due within 3 working days"})
    objection_overdue = fields.Int()


class CountyOverdueSchema(Schema):
    unit = fields.Str()
    visit = fields.Int(metadata={"description": "overdue visits"})
    interview = fields.Int(metadata={"description": "overdue interviews (约谈)"})


class CountyCoverageSchema(Schema):
    unit = fields.Str()
    planned = fields.Int()
    visited = fields.Int()


class CoverageSchema(Schema):
    quarter = fields.Str(allow_none=True)
    planned = fields.Int(metadata={"description": "shops planned for a visit this quarter"})
    visited = fields.Int(metadata={"description": "of them, visited"})
    by_county = fields.List(fields.Nested(CountyCoverageSchema))


class TypeCountSchema(Schema):
    indicator = fields.Str(metadata={"description": "indicator code (e.g. ZM01)"})
    count = fields.Int()


class FormatCountSchema(Schema):
    format = fields.Str(metadata={"description": "business format 业态"})
    count = fields.Int()


class CountyCountSchema(Schema):
    unit = fields.Str()
    count = fields.Int()


class ViolationsSchema(Schema):
    quarter = fields.Str(allow_none=True)
    total = fields.Int(metadata={"description": "inspections with violations this quarter"})
    by_type = fields.List(fields.Nested(TypeCountSchema),
                          metadata={"description": "inspections finding each violation type, most first"})
    by_format = fields.List(fields.Nested(FormatCountSchema))
    by_county = fields.List(fields.Nested(CountyCountSchema))


class DashboardSchema(Schema):
    refreshed_at = UtcDateTime(allow_none=True, metadata={"description": "when the figures were computed "
                                                                         "(none: never)"})
    as_of = fields.Date(allow_none=True, metadata={"description": "the bureau's day the figures describe"})
    stale = fields.Bool(metadata={"description": "never computed, or the nightly refresh was missed"})
    quarter = fields.Str(allow_none=True, metadata={"description": "the current quarter"})
    latest_quarter = fields.Str(allow_none=True, metadata={"description": "the latest published evaluation"})
    counties = fields.List(fields.Nested(CountySchema), metadata={"description": "the counties in view"})
    grades = fields.Nested(GradesSchema)
    grade_trend = fields.List(fields.Nested(QuarterGradesSchema),
                              metadata={"description": "official grades of each kept quarter"})
    movers = fields.Nested(MoversSchema)
    suspected_by_age = fields.List(fields.Nested(AgeBandSchema),
                                   metadata={"description": "suspected violations waiting, by age in days"})
    deadlines = fields.Nested(DeadlinesSchema)
    overdue = fields.List(fields.Nested(CountyOverdueSchema))
    coverage = fields.Nested(CoverageSchema)
    violations = fields.Nested(ViolationsSchema)
    warnings = _counts(KINDS, "open early warnings per kind")


@blp.route("/dashboard", methods=["GET"])
@requires("dashboard.read")
@blp.arguments(DashboardQuerySchema, location="query")
@blp.response(200, DashboardSchema)
def get_dashboard(args):
    """The dashboard's figures for the user's scope, as the page shows them: a county supervisor their
    county; a city supervisor or an admin every county, or the one named by ``unit`` (a county outside
    the scope is a 422). Read only."""
    counties, code = services.view_unit(current_user, args.get("unit"))
    asked = args.get("unit")
    if asked and asked not in {u.code for u in counties}:
        raise ServiceError({"unit": [_("Not a county you may see.")]})
    return services.summary(services.load(current_user, code or None))
