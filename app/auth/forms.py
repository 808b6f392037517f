"""Page forms of sign-in and account management (parsed by app.common.forms.PageForm)."""
import re

from marshmallow import fields, validate

from app.common.forms import FormSchema
from app.common.validation import N_


class LicenceList(fields.Field):
    """Licence numbers separated by commas (, or ，), spaces or new lines."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return [n for n in re.split(r"[\s,，、;；]+", value) if n]

    default_error_messages = {"invalid": N_("Not a valid string.")}


class LoginForm(FormSchema):
    username = fields.Str(load_default="")
    password = fields.Str(load_default="", metadata={"raw": True})


class PasswordChangeForm(FormSchema):
    current_password = fields.Str(load_default="", metadata={"raw": True})
    new_password = fields.Str(load_default="", metadata={"raw": True})
    confirm_password = fields.Str(load_default="", metadata={"raw": True})


class LanguageForm(FormSchema):
    lang = fields.Str(load_default=None)
    next = fields.Str(load_default=None)


class UserEditForm(FormSchema):
    """An admin changes an account's name, role, unit and licences (the service checks them)."""

    display_name = fields.Str(load_default="")
    role = fields.Str(load_default="")
    unit = fields.Str(load_default=None)
    retailers = LicenceList(load_default=list)
    enforcement_cert_no = fields.Str(load_default=None)  # 执法证号 (inspectors); empty: none


class UserCreateForm(UserEditForm):
    username = fields.Str(load_default="")
    password = fields.Str(load_default="", metadata={"raw": True})


class UserStateForm(FormSchema):
    action = fields.Str(required=True, validate=validate.OneOf(("disable", "enable", "reset"),
                                                               error=N_("Must be one of the allowed values.")))


class TokenForm(FormSchema):
    name = fields.Str(load_default="")
