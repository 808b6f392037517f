"""Page forms of the quarterly evaluation: run a quarter, review, publish (a ticked confirmation), supersede
(a reason)."""
from marshmallow import fields

from app.common.forms import Checkbox, FormSchema


class EvaluationStepForm(FormSchema):
    confirm = Checkbox()
    reason = fields.Str(load_default="")


class EvaluationRunForm(FormSchema):
    quarter = fields.Str(required=True)
