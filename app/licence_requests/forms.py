"""Page forms of licence requests (parsed by app.common.forms.PageForm; the service checks the content)."""
from marshmallow import fields, validate

from app.common.forms import FormSchema
from app.common.validation import N_

ALLOWED = N_("Must be one of the allowed values.")


class LicenceRequestForm(FormSchema):
    kind = fields.Str(load_default="")
    changes = fields.Str(load_default="")
    requested_until = fields.Str(load_default="")  # checked by the service (a clear message per field)


class LicenceDecisionForm(FormSchema):
    action = fields.Str(required=True, validate=validate.OneOf(("approve", "reject"), error=ALLOWED))
    reason = fields.Str(load_default="")
