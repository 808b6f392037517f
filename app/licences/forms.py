"""Page form of a licence check: the supervisor's finding (outcome and note); the service checks both."""
from marshmallow import fields

from app.common.forms import FormSchema


class CloseCheckForm(FormSchema):
    outcome = fields.Str(load_default="")
    note = fields.Str(load_default="")


class CancellationForm(FormSchema):
    decision = fields.Str(load_default="")
    cancellation_note = fields.Str(load_default="")
