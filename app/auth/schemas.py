"""What the API shows of accounts and tokens, and what an admin may send."""
from marshmallow import Schema, fields, validate

from app.auth.models import ROLES
from app.common.validation import N_
from app.common.fields import UtcDateTime

MAX_LICENCES = 100  # licences one retailer account may hold


class UserSchema(Schema):
    id = fields.Int()
    username = fields.Str()
    display_name = fields.Str()
    role = fields.Str()
    unit = fields.Function(lambda u: u.unit.code if u.unit else None)
    unit_name = fields.Function(lambda u: u.unit.name if u.unit else None)
    is_enabled = fields.Bool()
    must_change_password = fields.Bool()
    retailers = fields.Function(lambda u: [r.licence_no for r in u.retailers])
    enforcement_cert_no = fields.Str(allow_none=True, metadata={"description": "执法证号 (officers)"})
    created_at = UtcDateTime()


class UserCreateSchema(Schema):
    username = fields.Str(required=True)
    display_name = fields.Str(required=True)
    role = fields.Str(required=True, validate=validate.OneOf(ROLES, error=N_("Must be one of the allowed values.")))
    unit = fields.Str(load_default=None, allow_none=True, metadata={"description": "org unit code"})
    password = fields.Str(required=True, load_only=True)
    retailers = fields.List(fields.Str(validate=validate.Length(max=32, error=N_("Too long."))), load_default=list,
                            validate=validate.Length(max=MAX_LICENCES, error=N_("At most 100 licences per account.")),
                            metadata={"description": "licence numbers (at most 100)"})
    enforcement_cert_no = fields.Str(load_default=None, allow_none=True,
                                     metadata={"description": "执法证号: the officer's enforcement certificate number"})


class UserUpdateSchema(Schema):
    display_name = fields.Str()
    role = fields.Str(validate=validate.OneOf(ROLES, error=N_("Must be one of the allowed values.")))
    unit = fields.Str(allow_none=True)
    retailers = fields.List(fields.Str(validate=validate.Length(max=32, error=N_("Too long."))),
                            validate=validate.Length(max=MAX_LICENCES, error=N_("At most 100 licences per account.")),
                            metadata={"description": "licence numbers (at most 100)"})
    enforcement_cert_no = fields.Str(allow_none=True, metadata={"description": "执法证号; empty or null removes it"})


class UserQuerySchema(Schema):
    q = fields.Str()
    role = fields.Str(validate=validate.OneOf(ROLES, error=N_("Must be one of the allowed values.")))
    unit = fields.Str()
    enabled = fields.Bool()


class PasswordResetSchema(Schema):
    temporary_password = fields.Str(metadata={"description": "shown once; the user must change it"})


class TokenSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    prefix = fields.Str()
    created_at = UtcDateTime()
    last_used_at = UtcDateTime()
    revoked_at = UtcDateTime()
    user = fields.Function(lambda t: t.user.username)


class TokenCreateSchema(Schema):
    name = fields.Str(required=True)


class TokenCreatedSchema(TokenSchema):
    token = fields.Str(metadata={"description": "the token itself, shown only once"})
    signing_secret = fields.Str(metadata={"description": "the key for the X-Signature of pushed findings and of "
                                                         "the outcome callbacks (HMAC-SHA256), shown only once"})
