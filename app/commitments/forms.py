"""Page forms of the credit commitment: signing it (retailer), recording a breach (supervisor), a new
version of its text (admin). Parsed by app.common.forms.PageForm; the services check the content."""
from marshmallow import fields

from app.common.fields import Id
from app.common.forms import Checkbox, FormSchema


class SignForm(FormSchema):
    agreed = Checkbox()
    signer_name = fields.Str(load_default="")
    signature = fields.Str(load_default="", metadata={"raw": True})  # the drawn signature as a PNG data URL
    text_id = Id(load_default=None)  # the version the retailer read


class BreachForm(FormSchema):
    note = fields.Str(load_default="")
    case_number = fields.Str(load_default=None)


class CommitmentTextForm(FormSchema):
    title = fields.Str(load_default="")
    body = fields.Str(load_default="")
