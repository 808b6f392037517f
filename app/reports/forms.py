"""The page form that asks for a bureau report (kind, period, county)."""
from marshmallow import fields

from app.common.forms import FormSchema


class ReportRequestForm(FormSchema):
    kind = fields.Str(required=True)
    period = fields.Str(required=True)
    unit = fields.Str(load_default=None)
