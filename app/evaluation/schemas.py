"""What the API shows of evaluation runs and rows, and what it accepts."""
from marshmallow import Schema, fields, validate

from app.common.validation import N_
from app.retailers.schemas import mask_name
from app.common.fields import UtcDateTime


class RunSchema(Schema):
    id = fields.Int()
    quarter = fields.Str()
    as_of = fields.Date()
    status = fields.Str()
    provisional = fields.Method("_provisional")
    inputs_hash = fields.Str(allow_none=True)
    catalogue_versions = fields.Str(allow_none=True)
    policy_version = fields.Str(allow_none=True)
    retailer_count = fields.Int()
    created_at = UtcDateTime()
    computed_at = UtcDateTime(allow_none=True)
    reviewed_at = UtcDateTime(allow_none=True)
    published_at = UtcDateTime(allow_none=True)
    objection_closes_on = fields.Date(allow_none=True)
    supersedes_id = fields.Int(allow_none=True)
    reason = fields.Str(allow_none=True)

    def _provisional(self, run):
        from app.evaluation.services import is_provisional

        return run["provisional"] if isinstance(run, dict) else is_provisional(run)


class GradeCountSchema(Schema):
    grade = fields.Str()
    count = fields.Int()
    previous = fields.Int(allow_none=True)


class CountyDistributionSchema(Schema):
    unit = fields.Str()
    unit_name = fields.Str()
    grades = fields.List(fields.Nested(GradeCountSchema))


class MoverSchema(Schema):
    retailer_id = fields.Int()
    licence_no = fields.Str()
    shop_name = fields.Str()
    previous_grade = fields.Str()
    grade = fields.Str()
    previous_score = fields.Int()
    score = fields.Int()


class RunDetailSchema(RunSchema):
    """A run with the distribution (the user's county for a county supervisor) and the movers."""

    previous_quarter = fields.Str(allow_none=True)
    total = fields.Int()
    grades = fields.List(fields.Nested(GradeCountSchema))
    counties = fields.List(fields.Nested(CountyDistributionSchema))
    movers_up = fields.List(fields.Nested(MoverSchema))
    movers_down = fields.List(fields.Nested(MoverSchema))
    rules = fields.Dict(keys=fields.Str(), values=fields.Int())


class RowSchema(Schema):
    retailer_id = fields.Int()
    licence_no = fields.Str()
    shop_name = fields.Str()
    unit = fields.Str()
    score = fields.Int()
    monopoly = fields.Int()
    marketing = fields.Int()
    social = fields.Int()
    score_grade = fields.Str()
    grade = fields.Str()
    previous_grade = fields.Str(allow_none=True)
    rule_kind = fields.Str(allow_none=True)
    rule_record_id = fields.Int(allow_none=True)


class ContributionSchema(Schema):
    record_id = fields.Raw()
    indicator_code = fields.Str()
    indicator_name = fields.Str()
    dimension = fields.Str()
    severity = fields.Str()
    points = fields.Int()
    nominal_points = fields.Int()
    counts_until = fields.Date()
    catalogue_version_applied = fields.Str()
    via_operator = fields.Bool()
    capped = fields.Bool()
    note = fields.Str(allow_none=True)


class ExplanationSchema(Schema):
    row = fields.Nested(RowSchema)
    as_of = fields.Date()
    policy_version = fields.Str()
    base = fields.Int()
    contributions = fields.List(fields.Nested(ContributionSchema))
    rule = fields.Dict(allow_none=True)
    matches_row = fields.Bool(metadata={"description": "False when the records changed since the run"})


class StartRunSchema(Schema):
    quarter = fields.Str(required=True, validate=validate.Regexp(r"^\d{4}[Qq][1-4]$",
                                                                   error=N_("Give a quarter such as 2026Q4.")))


class SupersedeSchema(Schema):
    reason = fields.Str(required=True)


class RowQuerySchema(Schema):
    grade = fields.Str(load_default=None)
    unit = fields.Str(load_default=None)
    move = fields.Str(load_default=None, validate=validate.OneOf(("up", "down", "new"),
                                                                 error=N_("Must be one of the allowed values.")))
    q = fields.Str(load_default=None)


class PublicQuerySchema(Schema):
    q = fields.Str(required=True, validate=validate.Length(min=2, max=64, error=N_("Give 2 to 64 characters.")))


class PublicGradeSchema(Schema):
    """The public sees a published grade only after its objection window closed; the name masked."""

    licence_no = fields.Str()
    shop_name = fields.Str()
    operator_name = fields.Function(lambda d: mask_name(d["retailer"].operator_name))
    unit_name = fields.Function(lambda d: d["retailer"].unit.name if d["retailer"].unit else None)
    grade = fields.Str(allow_none=True)
    quarter = fields.Str(allow_none=True)
    published_on = fields.Date(allow_none=True)
