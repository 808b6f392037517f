"""Page forms of the retailer's repair requests, objections and training, and of the supervisor's
decisions (parsed by app.common.forms.PageForm; the services check the content)."""
from marshmallow import fields, validate

from app.common.fields import Id
from app.common.forms import Checkbox, FormSchema
from app.common.validation import N_

ALLOWED = N_("Must be one of the allowed values.")


class RepairForm(FormSchema):
    statement = fields.Str(load_default="")
    penalty_fulfilled = Checkbox()


class SupplementForm(FormSchema):
    statement = fields.Str(load_default="")


class ObjectionForm(FormSchema):
    record = Id(load_default=None)  # the record objected to; none: the grade
    reasons = fields.Str(load_default="")


class RepairDecisionForm(FormSchema):
    action = fields.Str(required=True, validate=validate.OneOf(("accept", "more", "approve", "refuse"), error=ALLOWED))
    reason = fields.Str(load_default="")


class ObjectionAnswerForm(FormSchema):
    decision = fields.Str(required=True, validate=validate.OneOf(("uphold", "reject"), error=ALLOWED))
    answer = fields.Str(load_default="")
    dismiss = fields.List(Id(), load_default=list)


def training_form(module) -> FormSchema:
    """The training quiz: one answer (the index of the chosen option) per question of the module."""
    schema = FormSchema.from_dict({q["id"]: fields.Str(load_default="") for q in module["questions"]},
                                  name="TrainingForm")
    return schema()
