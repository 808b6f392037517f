"""Page form of a partner's agreement (admin); the service checks the values."""
from marshmallow import fields

from app.common.forms import Checkbox, FormSchema


class AgreementForm(FormSchema):
    organisation = fields.Str(load_default="")
    field = fields.List(fields.Str(), load_default=list)
    grade = fields.List(fields.Str(), load_default=list)
    list_kind = fields.List(fields.Str(), load_default=list)
    finding_type = fields.List(fields.Str(), load_default=list)
    callback_url = fields.Str(load_default="")
    measures_red = fields.Str(load_default="")
    measures_black = fields.Str(load_default="")
    active = Checkbox()
