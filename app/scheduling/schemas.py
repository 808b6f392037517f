"""What the scheduling API reads."""
from marshmallow import Schema, fields, validate

from app.common.validation import N_

ALLOWED = N_("Must be one of the allowed values.")


class PlanCreateSchema(Schema):
    unit = fields.Str(required=True)
    period = fields.Str(load_default="quarter", validate=validate.OneOf(("week", "month", "quarter"), error=ALLOWED))
    start = fields.Date(required=True)


class PlanQuerySchema(Schema):
    unit = fields.Str()
    status = fields.Str()


class RedrawSchema(Schema):
    reason = fields.Str(required=True)


class VisitMoveSchema(Schema):
    planned_on = fields.Date()
    officer_ids = fields.List(fields.Int(), validate=validate.Length(equal=2, error=N_("Invalid value.")))


class SwapSchema(Schema):
    other = fields.Int(required=True)


class CompleteSchema(Schema):
    outcome = fields.Str(required=True, validate=validate.OneOf(("no_violation", "violation", "rectification"),
                                                                error=ALLOWED))
    done_on = fields.Date()


class DayQuerySchema(Schema):
    date = fields.Date()


class AvailabilitySchema(Schema):
    daily_capacity = fields.Int(validate=validate.Range(min=0, max=30, error=N_("Value out of range.")))
    days_off = fields.List(fields.Date())


class PolicyCreateSchema(Schema):
    effective_from = fields.Date(required=True)
    data = fields.Dict(required=True)
