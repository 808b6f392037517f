"""What the phone sends (one capture) and what staff see of an inspection."""
from marshmallow import EXCLUDE, Schema, fields, validate

from app.common.validation import N_
from app.inspections.models import (CHECK_RESULTS, INTERVIEW_KINDS, OUTCOMES, RECTIFICATION_RESULTS,
                                    SIGNATURE_STATUSES)
from app.common.fields import Id, Int32, UtcDateTime
from app.retailers.models import BUSINESS_FORMATS

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_NUM = {"special": N_("Not a valid number."), "invalid": N_("Not a valid number.")}
_DT = {"invalid": N_("Not a valid datetime."), "invalid_awareness": N_("Give the time with its time zone.")}


def _choice(values):
    return validate.OneOf(values, error=N_("Must be one of the allowed values."))


def _text(max_len, required=False):
    kw = {"required": True} if required else {"load_default": ""}
    return fields.Str(validate=validate.Length(max=max_len, error=N_("Too long.")), **kw)


def _uuid(**kw):
    return fields.Str(validate=validate.Regexp(UUID_PATTERN, error=N_("Not a valid UUID.")), **kw)


def _photos():
    return fields.List(_uuid(), load_default=list,
                       validate=validate.Length(max=10, error=N_("At most 10 photos here.")))


class PositionSchema(Schema):
    """From the Geolocation API: coords.latitude, coords.longitude, coords.accuracy, timestamp."""

    lat = fields.Float(required=True, allow_nan=False, error_messages=_NUM,
                       validate=validate.Range(-90, 90, error=N_("Latitude must lie between -90 and 90.")))
    lng = fields.Float(required=True, allow_nan=False, error_messages=_NUM,
                       validate=validate.Range(-180, 180, error=N_("Longitude must lie between -180 and 180.")))
    accuracy = fields.Float(required=True, allow_nan=False, error_messages=_NUM,
                            validate=validate.Range(0, 100_000, error=N_("Value out of range.")))
    at = fields.AwareDateTime(required=True, default_timezone=None, error_messages=_DT)


class CheckSchema(Schema):
    code = fields.Str(required=True, validate=validate.Length(max=32, error=N_("Too long.")))
    result = fields.Str(required=True, validate=_choice(CHECK_RESULTS))
    note = _text(1000)
    photos = _photos()


class ViolationSchema(Schema):
    indicator = fields.Str(required=True, validate=validate.Length(max=8, error=N_("Too long.")))
    quantity = Int32(allow_none=True, load_default=None,
                          validate=validate.Range(1, 1_000_000, error=N_("Value out of range.")))
    description = _text(2000, required=True)
    photos = _photos()


class RectificationSchema(Schema):
    description = _text(500, required=True)
    deadline = fields.Date(required=True)


class RectificationCheckSchema(Schema):
    item_id = Id(required=True)
    result = fields.Str(required=True, validate=_choice(RECTIFICATION_RESULTS))
    note = _text(1000)


class InterviewSchema(Schema):
    kind = fields.Str(required=True, validate=_choice(INTERVIEW_KINDS))
    attendees = _text(500, required=True)
    statement = _text(4000, required=True)
    commitments = _text(4000)


class SignatureSchema(Schema):
    status = fields.Str(required=True, validate=_choice(SIGNATURE_STATUSES))
    file = _uuid(allow_none=True, load_default=None)
    signer_name = _text(64)
    refusal_reason = _text(500)


class InspectionSubmitSchema(Schema):
    """One capture, as the phone's outbox sends it (photos and the signature were uploaded first and
    are referenced by their client UUIDs)."""

    uuid = _uuid(required=True, metadata={"description": "made on the phone when the capture started"})
    retailer_id = Id(required=True)
    second_officer_id = Id(required=True, metadata={"description": "the second enforcement officer"})
    started_at = fields.AwareDateTime(required=True, default_timezone=None, error_messages=_DT)
    finished_at = fields.AwareDateTime(allow_none=True, load_default=None, default_timezone=None, error_messages=_DT)
    position = fields.Nested(PositionSchema, allow_none=True, load_default=None)
    location_reason = _text(500)
    outcome = fields.Str(required=True, validate=_choice(OUTCOMES))
    outcome_note = _text(1000)
    checks = fields.List(fields.Nested(CheckSchema), load_default=list,
                         validate=validate.Length(max=50, error=N_("Too many items.")))
    violations = fields.List(fields.Nested(ViolationSchema), load_default=list,
                             validate=validate.Length(max=20, error=N_("Too many items.")))
    rectifications = fields.List(fields.Nested(RectificationSchema), load_default=list,
                                 validate=validate.Length(max=20, error=N_("Too many items.")))
    rectification_checks = fields.List(fields.Nested(RectificationCheckSchema), load_default=list,
                                       validate=validate.Length(max=50, error=N_("Too many items.")))
    interview = fields.Nested(InterviewSchema, allow_none=True, load_default=None)
    photos = _photos()
    signature = fields.Nested(SignatureSchema, required=True)
    notes = _text(2000)
    visit_id = Id(allow_none=True, load_default=None, metadata={"description": "planned visit, if any"})


class UploadFormSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # a form may carry its csrf_token field

    uuid = _uuid(required=True, metadata={"description": "the file's id, made on the phone"})
    inspection_uuid = _uuid(required=True, metadata={"description": "the capture the file belongs to"})
    kind = fields.Str(load_default="photo", validate=_choice(("photo", "signature")))


class UploadSchema(Schema):
    uuid = fields.Str(attribute="client_uuid")
    inspection_uuid = fields.Str(attribute="capture_uuid")
    kind = fields.Str()
    content_type = fields.Str()
    size = fields.Int()
    sha256 = fields.Str()
    width = fields.Int()
    height = fields.Int()


class DiscardedCaptureSchema(Schema):
    """A capture the inspector threw away from the phone's outbox, reported so that a copy of what it
    held stays in the audit trail (the phone keeps the photos)."""

    uuid = _uuid(required=True, metadata={"description": "the capture's id, made on the phone"})
    retailer_id = fields.Int(required=True)
    state = fields.Str(required=True, validate=_choice(("queued", "rejected", "conflict")),
                       metadata={"description": "the item's state when it was discarded"})
    status = fields.Int(allow_none=True, load_default=None, metadata={"description": "the server's last answer"})
    message = _text(2000)
    errors = fields.Raw(allow_none=True, load_default=None, metadata={"description": "the field errors shown"})
    photos = fields.Int(load_default=0, validate=validate.Range(0, 1000, error=N_("Value out of range.")))
    discarded_at = fields.AwareDateTime(required=True, default_timezone=None, error_messages=_DT)
    payload = fields.Dict(required=True, metadata={"description": "the capture as it would have been sent"})


class DiscardedCaptureOutSchema(Schema):
    uuid = fields.Str()
    audit_seq = fields.Int()
    recorded_at = fields.DateTime()


class InspectionQuerySchema(Schema):
    retailer_id = Id()
    q = fields.Str(validate=validate.Length(max=64, error=N_("Too long.")),
                   metadata={"description": "the shop: licence number, part of its name or pinyin initials"})
    unit = fields.Str(metadata={"description": "county unit code"})
    officer = Id(metadata={"description": "user id of either officer"})
    date_from = fields.Date(metadata={"description": "visits on or after this day"})
    date_to = fields.Date(metadata={"description": "visits on or before this day"})
    outcome = fields.Str(validate=_choice(OUTCOMES))
    flagged = fields.Bool(metadata={"description": "only check-ins outside the geofence or without GPS"})
    violations = fields.Bool(metadata={"description": "only inspections that found at least one violation"})
    indicator = fields.Str(validate=validate.Length(max=8, error=N_("Too long.")),
                           metadata={"description": "only inspections that found a violation of this indicator"})
    business_format = fields.Str(validate=_choice(BUSINESS_FORMATS), metadata={"description": "the shop's 业态"})


# ---- output --------------------------------------------------------------------------------------

def _file_url(f):
    return f"/api/inspections/{f.inspection_id}/files/{f.file.key}"


class FileRefSchema(Schema):
    key = fields.Function(lambda f: f.file.key)
    url = fields.Function(_file_url)
    role = fields.Str()
    content_type = fields.Function(lambda f: f.file.content_type)
    width = fields.Function(lambda f: f.file.width)
    height = fields.Function(lambda f: f.file.height)


class CheckOutSchema(Schema):
    code = fields.Str(attribute="item_code")
    label = fields.Str()
    result = fields.Str()
    note = fields.Str()
    photos = fields.List(fields.Nested(FileRefSchema), attribute="files")


class ViolationOutSchema(Schema):
    indicator = fields.Str(attribute="indicator_code")
    indicator_name = fields.Str()
    catalogue_version = fields.Str()
    quantity = fields.Int(allow_none=True)
    description = fields.Str()
    credit_record_id = fields.Int(allow_none=True)
    credit_status = fields.Function(lambda v: v.credit_record.status if v.credit_record else None)
    photos = fields.List(fields.Nested(FileRefSchema), attribute="files")


class InterviewOutSchema(Schema):
    kind = fields.Str()
    attendees = fields.Str()
    statement = fields.Str()
    commitments = fields.Str()


class RectificationOutSchema(Schema):
    id = fields.Int()
    description = fields.Str()
    deadline = fields.Date()
    status = fields.Str()
    checked_on = fields.Date(allow_none=True)


class RectificationCheckOutSchema(Schema):
    item_id = fields.Int()
    description = fields.Function(lambda c: c.item.description)
    deadline = fields.Function(lambda c: c.item.deadline.isoformat())
    result = fields.Str()
    note = fields.Str()


class InspectionSchema(Schema):
    id = fields.Int()
    uuid = fields.Str(attribute="client_uuid")
    retailer_id = fields.Int()
    licence_no = fields.Function(lambda i: i.retailer.licence_no)
    shop_name = fields.Function(lambda i: i.retailer.shop_name)
    unit = fields.Function(lambda i: i.unit.code)
    inspector = fields.Function(lambda i: {"id": i.inspector.id, "name": i.inspector.display_name})
    second_officer = fields.Function(lambda i: {"id": i.second_officer.id, "name": i.second_officer.display_name})
    outcome = fields.Str()
    outcome_note = fields.Str()
    notes = fields.Str()
    started_at = UtcDateTime()
    finished_at = UtcDateTime(allow_none=True)
    received_at = UtcDateTime()
    occurred_on = fields.Date()
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    position_at = UtcDateTime(allow_none=True)
    distance_m = fields.Float(allow_none=True)
    geofence = fields.Str()
    geofence_radius_m = fields.Int()
    location_reason = fields.Str()
    flagged = fields.Bool()
    checks = fields.List(fields.Nested(CheckOutSchema))
    violations = fields.List(fields.Nested(ViolationOutSchema))
    interview = fields.Nested(InterviewOutSchema, allow_none=True)
    rectifications = fields.List(fields.Nested(RectificationOutSchema))
    rectification_checks = fields.List(fields.Nested(RectificationCheckOutSchema))
    photos = fields.List(fields.Nested(FileRefSchema), attribute="general_photos")
    signature_status = fields.Str()
    signer_name = fields.Str()
    signature_refusal_reason = fields.Str()
    signature = fields.Nested(FileRefSchema, allow_none=True)
    summary_url = fields.Function(lambda i: f"/inspections/{i.id}")
    pdf_url = fields.Function(lambda i: f"/inspections/{i.id}/record.pdf")


class InspectionListItemSchema(Schema):
    id = fields.Int()
    uuid = fields.Str(attribute="client_uuid")
    retailer_id = fields.Int()
    shop_name = fields.Function(lambda i: i.retailer.shop_name)
    licence_no = fields.Function(lambda i: i.retailer.licence_no)
    occurred_on = fields.Date()
    outcome = fields.Str()
    geofence = fields.Str()
    distance_m = fields.Float(allow_none=True)
    violations = fields.Function(lambda i: i.violation_count)
    inspector = fields.Function(lambda i: i.inspector.display_name)
