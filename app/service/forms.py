"""Page forms of customer tiers and supply."""
from marshmallow import fields, validate

from app.common.forms import Checkbox, FormSchema
from app.common.validation import N_


class ServiceRunForm(FormSchema):
    cycle = fields.Str(required=True)


class PublishForm(FormSchema):
    confirm = Checkbox()
    note = fields.Str(load_default="", validate=validate.Length(max=1000, error=N_("Too long.")))


class FiguresForm(FormSchema):
    action = fields.Str(load_default="check", validate=validate.OneOf(
        ("check", "import"), error=N_("Must be one of the allowed values.")))
    content = fields.Str(load_default=None, metadata={"raw": True})
    filename = fields.Str(load_default=None, validate=validate.Length(max=200, error=N_("Too long.")))


class PolicyForm(FormSchema):
    text = fields.Str(required=True, metadata={"raw": True})


class AnswerForm(FormSchema):
    outcome = fields.Str(required=True, validate=validate.OneOf(
        ("upheld", "rejected"), error=N_("Must be one of the allowed values.")))
    answer = fields.Str(required=True, validate=validate.Length(max=4000, error=N_("Too long.")))


class LiftForm(FormSchema):
    note = fields.Str(required=True, validate=validate.Length(max=2000, error=N_("Too long.")))


class HardshipForm(FormSchema):
    licence_no = fields.Str(required=True, validate=validate.Length(max=12, error=N_("Too long.")))
    category = fields.Str(required=True)
    evidence = fields.Str(required=True)
    review_on = fields.Date(required=True, error_messages={"invalid": N_("Not a valid date.")})
    note = fields.Str(load_default="", validate=validate.Length(max=1000, error=N_("Too long.")))


class RevokeForm(FormSchema):
    reason = fields.Str(required=True, validate=validate.Length(max=1000, error=N_("Too long.")))


class SuspensionObjectionForm(FormSchema):
    reasons = fields.Str(required=True, validate=validate.Length(max=4000, error=N_("Too long.")))
