"""What the API reads and writes for credit records, live grades and catalogue/policy versions."""
from flask_babel import get_locale
from marshmallow import Schema, fields, validate

from app.common.validation import N_
from app.credit.models import SOURCES, STATUSES
from app.credit.penalty import KINDS as _PENALTY_KINDS
from app.common.fields import Id, Int32, UtcDateTime

DIMENSIONS = ("monopoly", "marketing", "social")
PENALTY_KINDS = tuple(_PENALTY_KINDS)
MAX_EVIDENCE = 20  # evidence items on one record (app.credit.recording.MAX_EVIDENCE)


def _choice(values):
    return validate.OneOf(values, error=N_("Must be one of the allowed values."))


def _zh() -> bool:
    try:
        return str(get_locale() or "zh").startswith("zh")
    except Exception:  # noqa: BLE001
        return True


class CreditEvidenceSchema(Schema):
    kind = fields.Str(required=True, validate=_choice(("photo", "document", "text")))
    ref = fields.Str(required=True, validate=validate.Length(min=1, max=512, error=N_("Too long.")))


class CreditRecordEventSchema(Schema):
    id = fields.Int()
    at = UtcDateTime()
    actor_id = fields.Int(allow_none=True)
    actor_name = fields.Function(lambda e: e.actor.display_name if e.actor else None)
    action = fields.Str()
    from_status = fields.Str(allow_none=True)
    to_status = fields.Str()
    case_number = fields.Str(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    note = fields.Str(allow_none=True)


class CreditRecordSchema(Schema):
    """A credit record as staff see it."""

    id = fields.Int()
    retailer_id = fields.Int()
    licence_no = fields.Function(lambda r: r.retailer.licence_no if r.retailer else None)
    shop_name = fields.Function(lambda r: r.retailer.shop_name if r.retailer else None)
    indicator_code = fields.Str()
    indicator_name = fields.Method("_indicator_name")
    catalogue_version = fields.Str()
    dimension = fields.Str()
    quantity = fields.Int(allow_none=True)
    nominal_points = fields.Int()
    occurred_on = fields.Date()
    recorded_at = UtcDateTime()
    recorded_by_id = fields.Int(allow_none=True)
    recorded_by_name = fields.Function(lambda r: r.recorded_by.display_name if r.recorded_by else None)
    source = fields.Str()
    status = fields.Str()
    disputed = fields.Bool()
    case_number = fields.Str(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    dismissed_reason = fields.Str(allow_none=True)
    repaired_on = fields.Date(allow_none=True)
    description = fields.Str()
    evidence = fields.List(fields.Dict())
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    inspection_id = fields.Int(allow_none=True)
    partner_ref = fields.Str(allow_none=True)
    penalty_kinds = fields.List(fields.Str(), allow_none=True, metadata={
        "description": "the administrative penalty decided (处罚类别): " + ", ".join(PENALTY_KINDS)})
    penalty_content = fields.Str(allow_none=True, metadata={"description": "处罚内容"})
    penalty_amount = fields.Decimal(allow_none=True, as_string=True, places=2,
                                    metadata={"description": "罚没金额, yuan"})

    def _indicator_name(self, obj):
        from app.credit.queries import indicator_names

        zh, en = indicator_names(obj.indicator_code, obj.catalogue_version)
        return zh if _zh() else en


class CreditGradeChangeSchema(Schema):
    retailer_id = fields.Int()
    at = UtcDateTime()
    as_of = fields.Date()
    from_grade = fields.Str(allow_none=True)
    to_grade = fields.Str()
    from_score = fields.Int(allow_none=True)
    to_score = fields.Int()
    cause = fields.Str()


class CreditLiveGradeSchema(Schema):
    grade = fields.Str()
    score = fields.Int()
    as_of = fields.Date()
    valid_until = fields.Date(allow_none=True)


class CreditRecordDetailSchema(CreditRecordSchema):
    events = fields.List(fields.Nested(CreditRecordEventSchema))
    grade_changes = fields.List(fields.Nested(CreditGradeChangeSchema),
                                metadata={"description": "grade changes this record caused (any licence reached)"})
    current_grade = fields.Nested(CreditLiveGradeSchema, metadata={"description": "the retailer's live grade now"})


class PenaltyFieldsSchema(Schema):
    """The administrative penalty decided (双公示 items), given when a record is created as confirmed or when it is confirmed."""
    penalty_kinds = fields.List(fields.Str(validate=_choice(PENALTY_KINDS)), allow_none=True, load_default=None,
                                metadata={"description": "with a decision: the kinds of penalty decided (处罚类别), "
                                          "any of " + ", ".join(PENALTY_KINDS)})
    penalty_content = fields.Str(allow_none=True, load_default=None, metadata={
        "description": "what was decided (处罚内容); required with penalty_kinds, at most 500 characters"})
    penalty_amount = fields.Decimal(allow_none=True, load_default=None, places=None, metadata={
        "description": "the fine and confiscated amount in yuan (罚没金额), at most two decimals; required exactly "
                       "when penalty_kinds has fine or confiscation"})


class CreditRecordCreateSchema(PenaltyFieldsSchema):
    retailer_id = Id(required=True)
    indicator_code = fields.Str(required=True, validate=validate.Length(min=1, max=8, error=N_("Too long.")))
    occurred_on = fields.Date(required=True)
    quantity = Int32(allow_none=True, load_default=None)
    description = fields.Str(load_default="", validate=validate.Length(max=2000, error=N_("Too long.")))
    evidence = fields.List(fields.Nested(CreditEvidenceSchema), load_default=list, validate=validate.Length(
        max=MAX_EVIDENCE, error=N_("At most 20 evidence items.")),
        metadata={"description": f"at most {MAX_EVIDENCE} items"})
    lat = fields.Float(allow_none=True, load_default=None)
    lng = fields.Float(allow_none=True, load_default=None)
    status = fields.Str(load_default="suspected", validate=_choice(("suspected", "confirmed")))
    source = fields.Str(load_default=None, validate=_choice(SOURCES), metadata={
        "description": "optional and never chosen: the source follows from the role (account managers: "
                      "marketer; supervisors and admins: supervisor); any other value is refused (422)"})
    case_number = fields.Str(allow_none=True, load_default=None,
                             validate=validate.Length(max=64, error=N_("Too long.")))
    decided_on = fields.Date(allow_none=True, load_default=None)
    partner_ref = fields.Str(allow_none=True, load_default=None,
                             validate=validate.Length(max=64, error=N_("Too long.")))
    client_uuid = fields.Str(allow_none=True, load_default=None, validate=validate.Regexp(
        r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", error=N_("Not a valid UUID.")),
        metadata={"description": "an idempotency key made by the client: sending the same key again returns the "
                                 "record made the first time (200) instead of a 409"})


class CreditConfirmSchema(PenaltyFieldsSchema):
    case_number = fields.Str(allow_none=True, load_default=None)
    decided_on = fields.Date(allow_none=True, load_default=None)


class CreditDismissSchema(Schema):
    reason = fields.Str(allow_none=True, load_default=None)


class CreditQueueQuerySchema(Schema):
    unit = fields.Str(metadata={"description": "county unit code"})
    indicator_code = fields.Str(validate=validate.Length(max=8, error=N_("Too long.")))
    min_days = fields.Int(validate=validate.Range(min=0, max=3650, error=N_("Value out of range.")),
                          metadata={"description": "waiting at least this many days since the fact was found"})
    max_days = fields.Int(validate=validate.Range(min=0, max=3650, error=N_("Value out of range.")),
                          metadata={"description": "waiting at most this many days since the fact was found"})


class CreditRecordQuerySchema(Schema):
    status = fields.Str(validate=_choice(STATUSES))
    retailer_id = Id()
    licence_no = fields.Str()
    indicator_code = fields.Str()
    dimension = fields.Str(validate=_choice(DIMENSIONS))
    source = fields.Str(validate=_choice(SOURCES))
    disputed = fields.Bool()
    occurred_from = fields.Date()
    occurred_to = fields.Date()
    decided_from = fields.Date()
    decided_to = fields.Date()
    sort = fields.Str(load_default="-recorded_at",
                      validate=_choice(("-recorded_at", "recorded_at", "-occurred_on", "occurred_on")))


# ---- live grade ---------------------------------------------------------------------------------

class GradeSubtotalsSchema(Schema):
    monopoly = fields.Int()
    marketing = fields.Int()
    social = fields.Int()


class GradeRuleSchema(Schema):
    kind = fields.Str(metadata={"description": "veto | cap | new_licence"})
    record_id = fields.Raw(allow_none=True)
    indicator_code = fields.Str(allow_none=True)
    name_zh = fields.Str()
    name_en = fields.Str()
    until = fields.Date()
    grade = fields.Str()
    via_operator = fields.Bool(metadata={"description": "the record belongs to another licence of the operator"})


class GradeContributionSchema(Schema):
    record_id = fields.Raw()
    indicator_code = fields.Str()
    name_zh = fields.Str()
    name_en = fields.Str()
    dimension = fields.Str()
    severity = fields.Str()
    points = fields.Int()
    nominal_points = fields.Int()
    counts_until = fields.Date()
    catalogue_version = fields.Str()
    via_operator = fields.Bool()
    capped = fields.Bool()
    note = fields.Str(allow_none=True)
    occurred_on = fields.Date(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    case_number = fields.Str(allow_none=True)
    licence_no = fields.Str(allow_none=True)
    disputed = fields.Bool()


class GradeMeasuresSchema(Schema):
    grade = fields.Str()
    regime_zh = fields.Str()
    regime_en = fields.Str()
    inspection_interval_days = fields.Int()
    random_draw_share = fields.Float()
    supply_coefficient = fields.Float()
    supply_note = fields.Str(allow_none=True)
    lists = fields.List(fields.Str())
    green_channel = fields.Bool()
    warning_interview_days = fields.Int(allow_none=True)


class CreditGradeSchema(Schema):
    retailer_id = fields.Int()
    licence_no = fields.Str()
    shop_name = fields.Str()
    as_of = fields.Date()
    policy_version = fields.Str()
    base = fields.Int()
    score = fields.Int()
    subtotals = fields.Nested(GradeSubtotalsSchema)
    score_grade = fields.Str()
    grade = fields.Str()
    rule = fields.Nested(GradeRuleSchema, allow_none=True)
    contributions = fields.List(fields.Nested(GradeContributionSchema))
    measures = fields.Nested(GradeMeasuresSchema)
    next_change = fields.Date(allow_none=True, metadata={
        "description": "the first later date on which the result (score or grade) changes with no new fact"})
    next_grade_change = fields.Date(allow_none=True, metadata={
        "description": "the first later date on which the grade changes with no new fact (a veto or cap "
                       "ending, records lapsing); none while nothing changes it"})
    valid_until = fields.Date(allow_none=True)
    computed_at = UtcDateTime(allow_none=True)


class SelfGradeContributionSchema(GradeContributionSchema):
    """A retailer's view: no internal notes beyond the engine's, no other shop's licence number."""

    class Meta:
        exclude = ("licence_no",)


class SelfCreditGradeSchema(CreditGradeSchema):
    contributions = fields.List(fields.Nested(SelfGradeContributionSchema))


# ---- versions ---------------------------------------------------------------------------------

class CreditVersionSchema(Schema):
    version = fields.Str()
    effective_from = fields.Date()
    sha256 = fields.Str()
    created_at = UtcDateTime()
    created_by_id = fields.Int(allow_none=True)
    in_force = fields.Bool()
    future = fields.Bool()
    indicator_count = fields.Int()


class CreditVersionDetailSchema(CreditVersionSchema):
    source_text = fields.Str()


class CreditVersionUploadSchema(Schema):
    source_text = fields.Str(required=True, metadata={"description": "the YAML text of the new version"})


# ---- CSV import -------------------------------------------------------------------------------

class CreditImportQuerySchema(Schema):
    dry_run = fields.Bool(load_default=False)


class CreditImportFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImportRowErrorSchema(Schema):
    row = fields.Int()
    column = fields.Str()
    message = fields.Str()
    existing_record_id = fields.Int(allow_none=True, metadata={
        "description": "a duplicate row: the record that already holds the fact"})


class CreditImportResultSchema(Schema):
    ok = fields.Function(lambda r: not r["errors"])
    dry_run = fields.Bool()
    encoding = fields.Str(allow_none=True)
    rows = fields.Int()
    valid = fields.Int()
    created = fields.Int()
    errors = fields.List(fields.Nested(ImportRowErrorSchema))
    record_ids = fields.List(fields.Int())
    retailers = fields.Int()
    grade_changes = fields.Int()
