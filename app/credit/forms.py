"""Page forms of credit records: a supervisor's decision (confirm, dismiss), the entry of one record,
the CSV import page. Parsed by app.common.forms.PageForm; the services check the content."""
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, post_load, validate

from app.common.forms import FormSchema
from app.common.validation import N_

MAX_EVIDENCE_LINES = 20


class Quantity(fields.Field):
    """A whole number as Excel or a person writes it ("1,200", "12.0")."""

    default_error_messages = {"invalid": N_("Not a valid integer.")}

    def _deserialize(self, value, attr, data, **kwargs):
        from app.credit.imports import parse_quantity

        try:
            return parse_quantity(str(value))
        except ValueError:
            raise self.make_error("invalid") from None


class EvidenceLines(fields.Field):
    """Evidence references (document or voucher numbers), one per line."""

    def _deserialize(self, value, attr, data, **kwargs):
        refs = [line.strip() for line in str(value).splitlines() if line.strip()]
        if len(refs) > MAX_EVIDENCE_LINES:
            raise ValidationError(_("At most 20 evidence items."))
        if any(len(r) > 512 for r in refs):
            raise ValidationError(_("Too long."))
        if any(r.startswith("/") for r in refs):
            raise ValidationError(_("A reference is a document or voucher number; it cannot start with /."))
        return [{"kind": "document", "ref": r} for r in refs]


class ConfirmForm(FormSchema):
    case_number = fields.Str(load_default=None)
    decided_on = fields.Date(load_default=None)
    penalty_kinds = fields.List(fields.Str(), load_default=list)
    penalty_content = fields.Str(load_default=None)
    penalty_amount = fields.Str(load_default=None)


class DismissForm(FormSchema):
    reason = fields.Str(load_default="")


class RecordEntryForm(FormSchema):
    """One credit fact about a retailer, as an account manager or a supervisor enters it."""

    licence_no = fields.Str(required=True)
    indicator_code = fields.Str(required=True)
    quantity = Quantity(load_default=None)
    occurred_on = fields.Date(required=True)
    status = fields.Str(load_default="confirmed", validate=validate.OneOf(
        ("confirmed", "suspected"), error=N_("Must be one of the allowed values.")))
    decided_on = fields.Date(load_default=None)
    case_number = fields.Str(load_default=None)
    description = fields.Str(load_default="")
    evidence = EvidenceLines(load_default=list)

    @post_load
    def _suspected_has_no_decision(self, data, **kwargs):
        if data.get("status") == "suspected":  # a suspected record is decided later, on its own page
            data["decided_on"], data["case_number"] = None, None
        return data


class ImportForm(FormSchema):
    """The CSV import page: "check" (nothing written) or "import" (all rows or none). The checked file
    comes back in ``content`` (compressed, base64) so the import needs no second upload."""

    action = fields.Str(load_default="check", validate=validate.OneOf(
        ("check", "import"), error=N_("Must be one of the allowed values.")))
    content = fields.Str(load_default=None, metadata={"raw": True})
    filename = fields.Str(load_default=None, validate=validate.Length(max=200, error=N_("Too long.")))
