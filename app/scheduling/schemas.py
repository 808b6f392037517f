"""What the scheduling API reads."""
from marshmallow import Schema, fields, validate

from app.common.validation import N_
from app.common.fields import Id

ALLOWED = N_("Must be one of the allowed values.")


class PlanCreateSchema(Schema):
    unit = fields.Str(required=True)
    period = fields.Str(load_default="quarter", validate=validate.OneOf(("week", "month", "quarter"), error=ALLOWED))
    start = fields.Date(required=True)


class PlanQuerySchema(Schema):
    unit = fields.Str()
    status = fields.Str()


class PlanApproveSchema(Schema):
    acknowledge_unofficial_calendar = fields.Bool(load_default=False, metadata={
        "description": "Required (true) when the draft places visits in a year whose official holiday schedule "
                       "has not been entered (its working days counted Monday to Friday); without it such an "
                       "approval is refused with 422 on this field."})


class RedrawSchema(Schema):
    reason = fields.Str(required=True)


class VisitMoveSchema(Schema):
    planned_on = fields.Date()
    officer_ids = fields.List(Id(), validate=validate.Length(equal=2, error=N_("Invalid value.")))


class SwapSchema(Schema):
    other = Id(required=True)


class CompleteSchema(Schema):
    outcome = fields.Str(required=True, validate=validate.OneOf(("no_violation", "violation", "rectification"),
                                                                error=ALLOWED))
    done_on = fields.Date()


class DayQuerySchema(Schema):
    date = fields.Date()


class AvailabilitySchema(Schema):
    daily_capacity = fields.Int(validate=validate.Range(min=0, max=30, error=N_("Value out of range.")))
    days_off = fields.List(fields.Date(), validate=validate.Length(max=1000, error=N_("At most 1000 days off.")),
                           metadata={"description": "at most 1000 dates"})


class PolicyCreateSchema(Schema):
    effective_from = fields.Date(required=True)
    data = fields.Dict(required=True)
