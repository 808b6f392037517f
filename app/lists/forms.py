"""Page forms of the lists: the supervisor's review, exit and answer, the retailer's objection (parsed by
app.common.forms.PageForm / load_form; the services check the content)."""
import re
from datetime import date

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from app.common.forms import Checkbox, FormSchema
from app.common.validation import N_

ALLOWED = N_("Must be one of the allowed values.")


class ReviewForm(FormSchema):
    decision = fields.Str(required=True, validate=validate.OneOf(("approve", "reject"), error=ALLOWED))
    note = fields.Str(load_default="")


class ExitForm(FormSchema):
    note = fields.Str(load_default="")


class AnswerForm(FormSchema):
    decision = fields.Str(required=True, validate=validate.OneOf(("uphold", "reject"), error=ALLOWED))
    answer = fields.Str(load_default="")


class ListObjectionForm(FormSchema):
    reasons = fields.Str(load_default="")




def _whole(low, high, message):
    from app.scheduling.forms import Bounded

    return Bounded(int, low, high, message)


class ListPolicyForm(FormSchema):
    """A new version of the list policy, field by field (app.lists.policy.DEFAULT's shape). Loads as
    ``{"version", "effective_from", "body"}`` for ``app.lists.policy.add``; measures are one per line,
    Chinese first, optionally ``| English``."""

    version = fields.Str(required=True, error_messages={"required": N_("Give the new version a name, e.g. 2027.1.")})
    effective_from = fields.Date(required=True)
    notice_days = _whole(1, 90, lambda: _("Enter a whole number of days from 1 to 90."))
    objection_answer_working_days = _whole(1, 90, lambda: _("Enter a whole number of days from 1 to 90."))
    red_grade = fields.Str(required=True, validate=validate.OneOf(("AAA", "AA", "A"), error=ALLOWED))
    red_consecutive_quarters = _whole(1, 8, lambda: _("Enter a whole number of quarters from 1 to 8."))
    red_valid_months = _whole(1, 60, lambda: _("Enter a whole number of months from 1 to 60."))
    black_veto = Checkbox(load_default=False)
    black_serious_min_points = _whole(1, 100, lambda: _("Enter a whole number of points from 1 to 100."))
    black_refused_codes = fields.Str(load_default="")
    black_valid_months = _whole(1, 60, lambda: _("Enter a whole number of months from 1 to 60."))
    measures_red = fields.Str(load_default="")
    measures_black = fields.Str(load_default="")

    def __init__(self, today: date, **kwargs):
        super().__init__(**kwargs)
        self.today = today

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **kwargs):
        from app.credit import versions

        errors: dict = {}
        version = (data.get("version") or "").strip()
        if version and (len(version) > 16 or not re.fullmatch(r"[0-9A-Za-z._-]+", version)):
            errors["version"] = [_("At most 16 letters, digits, dots, hyphens or underscores.")]
        if data.get("effective_from") is not None and data["effective_from"] < self.today:
            errors["effective_from"] = [_("A new version takes effect today or later, never in the past.")]
        codes = _codes(data.get("black_refused_codes"))
        catalogue = versions.catalogue_on(data.get("effective_from") or self.today)
        bad = [c for c in codes if not re.fullmatch(r"[A-Z]{2}\d{2}", c)
               or (catalogue is not None and (c not in catalogue or catalogue.indicator(c).is_bonus))]
        if bad:
            errors["black_refused_codes"] = [_("Not a deduction indicator of the catalogue: %(codes)s.",
                                               codes="、".join(bad))]
        for name in ("measures_red", "measures_black"):
            lines = _measures(data.get(name))
            if len(lines) > 12:
                errors[name] = [_("At most 12 measures per list.")]
            elif any(len(m["zh"]) > 200 or len(m.get("en") or "") > 200 for m in lines):
                errors[name] = [_("A measure has at most 200 characters.")]
            elif any(not m["zh"] for m in lines):
                errors[name] = [_("Each measure starts with its Chinese text.")]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _build(self, data, **kwargs):
        body = {"notice_days": data["notice_days"],
                "objection_answer_working_days": data["objection_answer_working_days"],
                "red": {"grade": data["red_grade"], "consecutive_quarters": data["red_consecutive_quarters"],
                        "valid_months": data["red_valid_months"]},
                "black": {"veto": bool(data["black_veto"]), "serious_min_points": data["black_serious_min_points"],
                          "refused_codes": _codes(data["black_refused_codes"]),
                          "valid_months": data["black_valid_months"]},
                "measures": {"red": _measures(data["measures_red"]), "black": _measures(data["measures_black"])}}
        return {"version": data["version"].strip(), "effective_from": data["effective_from"], "body": body}


def _codes(text) -> list[str]:
    return [c for c in (p.strip().upper() for p in re.split(r"[,，、\s]+", text or "")) if c]


def _measures(text) -> list[dict]:
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        zh, _sep, en = line.partition("|")
        out.append({"zh": zh.strip(), "en": en.strip() or None})
    return out


def policy_form_values(version: str, effective_from, body: dict) -> dict:
    """The form's fields filled from a policy body (the one in force: the starting point of a new one)."""
    red, black = body.get("red", {}), body.get("black", {})

    def lines(kind):
        return "\n".join(m["zh"] + (f" | {m['en']}" if m.get("en") else "")
                         for m in body.get("measures", {}).get(kind, []))

    return {"version": version, "effective_from": effective_from.isoformat(),
            "notice_days": str(body.get("notice_days", "")),
            "objection_answer_working_days": str(body.get("objection_answer_working_days", "")),
            "red_grade": red.get("grade", "AAA"), "red_consecutive_quarters": str(red.get("consecutive_quarters", "")),
            "red_valid_months": str(red.get("valid_months", "")), "black_veto": "1" if black.get("veto") else "",
            "black_serious_min_points": str(black.get("serious_min_points", "")),
            "black_refused_codes": ", ".join(black.get("refused_codes", [])),
            "black_valid_months": str(black.get("valid_months", "")),
            "measures_red": lines("red"), "measures_black": lines("black")}
