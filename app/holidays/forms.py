"""Page forms of the official calendar (admin): a year's schedule typed in two text areas, and a
schedule file to import. Parsed by app.common.forms; the lines and every rule are checked by
app.holidays.services, which answers field by field."""
from marshmallow import fields

from app.common.forms import FormSchema


class CalendarYearForm(FormSchema):
    source = fields.Str(load_default="")
    holidays = fields.Str(load_default="")  # "2027-02-06 2027-02-13 春节", one range per line
    workdays = fields.Str(load_default="")  # "2027-02-20 春节", one adjusted working day per line
    note = fields.Str(load_default="")


class CalendarImportForm(FormSchema):
    year = fields.Int(load_default=None, strict=False)
    source = fields.Str(load_default="")
