"""What each audience sees of a retailer (CTFd-style views), and what may be written."""
import re

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from app.common import uscc
from app.common.validation import N_
from app.retailers.identity import is_valid_id_number
from app.retailers.models import BUSINESS_FORMATS, MARKET_TYPES, STATUSES
from app.common.fields import UtcDateTime

LICENCE_RE = re.compile(r"^\d{12}$")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def mask_name(name: str | None) -> str:
    """Public pages mask personal names: 王小明 -> 王**."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


class UnitField(fields.Field):
    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.code


def _licence_state(retailer) -> str:
    from app.licences.state import licence_state

    return licence_state(retailer).state


LICENCE_STATE_DOC = {"description": "computed from status and expiry date: valid | expiring (within 60 days) | "
                                    "expired | suspended | cancelled"}


class RetailerStaffSchema(Schema):
    """Staff view (admin, supervisor, inspector, marketer)."""

    id = fields.Int(dump_only=True)
    licence_no = fields.Str(dump_only=True)
    shop_name = fields.Str()
    operator_name = fields.Str()
    operator_id = fields.Int(dump_only=True)
    credit_code = fields.Str(allow_none=True, metadata={"description": "统一社会信用代码 (GB 32100-2015), if any"})
    phone = fields.Str(allow_none=True)
    address = fields.Str()
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    unit = fields.Method("_unit")
    unit_name = fields.Method("_unit_name")
    market_type = fields.Str()
    business_format = fields.Str()
    licence_issued_on = fields.Date()
    licence_expires_on = fields.Date()
    status = fields.Str()
    licence_state = fields.Function(_licence_state, dump_only=True, metadata=LICENCE_STATE_DOC)
    tier = fields.Int()
    version = fields.Int(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)

    def _unit(self, obj):
        return obj.unit.code if obj.unit else None

    def _unit_name(self, obj):
        return obj.unit.name if obj.unit else None


class RetailerSelfSchema(Schema):
    """What a retailer sees of its own licence: no internal ids, nothing about other licences."""

    id = fields.Int()
    licence_no = fields.Str()
    shop_name = fields.Str()
    operator_name = fields.Str()
    phone = fields.Str()
    address = fields.Str()
    unit_name = fields.Function(lambda r: r.unit.name if r.unit else None)
    market_type = fields.Str()
    business_format = fields.Str()
    licence_issued_on = fields.Date()
    licence_expires_on = fields.Date()
    status = fields.Str()
    licence_state = fields.Function(_licence_state, metadata=LICENCE_STATE_DOC)
    tier = fields.Int()


class RetailerPublicSchema(Schema):
    """Partners and the public: shop, licence, county; the operator's name masked."""

    licence_no = fields.Str()
    shop_name = fields.Str()
    operator_name = fields.Function(lambda r: mask_name(r.operator_name))
    unit_name = fields.Function(lambda r: r.unit.name if r.unit else None)
    status = fields.Str()


def _choice(values):
    return validate.OneOf(values, error=N_("Must be one of the allowed values."))


class RetailerWriteSchema(Schema):
    """Create or update a retailer. On update every field is optional (partial)."""

    licence_no = fields.Str(required=True, metadata={"description": "12 digits: county code + sequence"})
    shop_name = fields.Str(required=True, validate=validate.Length(min=1, max=128, error=N_("Too long.")))
    operator_name = fields.Str(required=True, validate=validate.Length(min=1, max=64, error=N_("Too long.")))
    operator_id_number = fields.Str(required=True, load_only=True,
                                    metadata={"description": "Resident ID; stored only as a keyed hash"})
    credit_code = fields.Str(allow_none=True, load_default=None, metadata={
        "description": "the unified social credit code (统一社会信用代码, GB 32100-2015: 18 characters with a valid "
                       "check character) of the enterprise or individual business running the shop; null if none"})
    phone = fields.Str(allow_none=True, load_default=None)
    address = fields.Str(required=True, validate=validate.Length(min=1, max=256, error=N_("Too long.")))
    lat = fields.Float(allow_none=True, load_default=None)
    lng = fields.Float(allow_none=True, load_default=None)
    unit = fields.Str(required=True, metadata={"description": "County unit code, e.g. 320812"})
    market_type = fields.Str(required=True, validate=_choice(MARKET_TYPES))
    business_format = fields.Str(required=True, validate=_choice(BUSINESS_FORMATS))
    licence_issued_on = fields.Date(required=True)
    licence_expires_on = fields.Date(required=True)
    status = fields.Str(load_default="active", validate=_choice(STATUSES))
    tier = fields.Int(required=True, validate=validate.Range(min=1, max=30, error=N_("Value out of range.")))

    @validates("licence_no")
    def _licence(self, value, **kwargs):
        if not LICENCE_RE.match(value or ""):
            raise ValidationError(_("A licence number is 12 digits: the 6-digit county code and a 6-digit sequence."))

    @validates("operator_id_number")
    def _id_number(self, value, **kwargs):
        if not is_valid_id_number(value):
            raise ValidationError(_("Not a valid resident ID number (18 characters, check digit)."))

    @validates("credit_code")
    def _credit_code(self, value, **kwargs):
        if not value or not value.strip():
            return
        problem = uscc.problem(uscc.normalise(value))
        if problem == "length":
            raise ValidationError(_("A unified social credit code has 18 characters."))
        if problem == "charset":
            raise ValidationError(_("A unified social credit code uses digits and capital letters except I, O, S, "
                                    "V and Z."))
        if problem in ("kind", "division"):
            raise ValidationError(_("Not a unified social credit code: the registering authority, kind or "
                                    "division code is wrong."))
        if problem == "check":
            raise ValidationError(_("The check character of this unified social credit code is wrong: please "
                                    "check the code."))

    @validates("phone")
    def _phone(self, value, **kwargs):
        if value and not PHONE_RE.match(value):
            raise ValidationError(_("Not a valid phone number."))

    @validates("shop_name")
    def _shop_name(self, value, **kwargs):
        if not value.strip():
            raise ValidationError(_("Must not be empty."))

    @validates_schema
    def _cross(self, data, **kwargs):
        errors = {}
        lat, lng = data.get("lat"), data.get("lng")
        if (lat is None) != (lng is None):
            errors["lat" if lat is None else "lng"] = [_("Give both latitude and longitude, or neither.")]
        if lat is not None and not (3.0 <= lat <= 54.0):
            errors["lat"] = [_("Latitude must lie within China (3 to 54).")]
        if lng is not None and not (73.0 <= lng <= 136.0):
            errors["lng"] = [_("Longitude must lie within China (73 to 136).")]
        issued, expires = data.get("licence_issued_on"), data.get("licence_expires_on")
        if issued and expires and expires <= issued:
            errors["licence_expires_on"] = [_("The expiry date must be after the issue date.")]
        if errors:
            raise ValidationError(errors)


GRADES = ("AAA", "AA", "A", "B", "C", "D")
LICENCE_STATES = ("valid", "expiring", "expired", "suspended", "cancelled")


class RetailerQuerySchema(Schema):
    q = fields.Str(metadata={"description": "licence number, part of the name, or pinyin initials"})
    unit = fields.Str(metadata={"description": "county unit code"})
    status = fields.Str(validate=_choice(STATUSES + ("registered",)), metadata={
        "description": "stored status; registered: every licence not cancelled (the county count)"})
    licence_state = fields.Str(validate=_choice(LICENCE_STATES), metadata=LICENCE_STATE_DOC)
    grade = fields.Str(validate=_choice(GRADES), metadata={
        "description": "live credit grade; with quarter: the official grade published for that quarter"})
    quarter = fields.Str(validate=validate.Regexp(r"^\d{4}Q[1-4]$", error=N_("A quarter such as 2026Q3.")),
                         metadata={"description": "with grade or moved: that quarter's published evaluation"})
    moved = fields.Str(validate=_choice(("up", "down")), metadata={
        "description": "with quarter: the official grade went up or down against the one published before"})
    market_type = fields.Str(validate=_choice(MARKET_TYPES))
    business_format = fields.Str(validate=_choice(BUSINESS_FORMATS))
    tier_min = fields.Int(validate=validate.Range(min=1, max=30, error=N_("Value out of range.")))
    tier_max = fields.Int(validate=validate.Range(min=1, max=30, error=N_("Value out of range.")))
    sort = fields.Str(load_default="licence_no", validate=_choice(("licence_no", "shop_name", "-updated_at", "tier")))


class SearchQuerySchema(Schema):
    q = fields.Str(required=True, validate=validate.Length(min=1, max=64, error=N_("Too long.")))
    limit = fields.Int(load_default=20, validate=validate.Range(min=1, max=50, error=N_("Value out of range.")))


class RetailerUpdateSchema(RetailerWriteSchema):
    """Update: every field optional (loaded with partial=True); licence number and county cannot change."""
