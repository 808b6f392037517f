"""Page forms of a warning: the owner and action, and the close with its outcome (the service checks both)."""
from marshmallow import fields

from app.common.forms import FormSchema


class ActForm(FormSchema):
    step = fields.Str(load_default="act")
    owner_id = fields.Int(load_default=None, allow_none=True)
    action = fields.Str(load_default="")
    action_note = fields.Str(load_default="")


class CloseForm(FormSchema):
    step = fields.Str(load_default="close")
    outcome = fields.Str(load_default="")
    close_note = fields.Str(load_default="")
