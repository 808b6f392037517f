"""The supervisor's and admin's page forms for scheduling: an inspector's capacity and days off, a new
policy version, and the plan page's actions (move a visit, swap two, a reason to redraw or discard).

Marshmallow schemas read through app.common.forms.PageForm / load_form: a form that does not parse
refuses the request with its field errors (English msgids through gettext, Chinese for the user), and
nothing is written; the services check the rest."""
from __future__ import annotations

import re
from datetime import date, timedelta

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, post_load, validates_schema

from app.common.fields import Id
from app.common.forms import Checkbox, FormSchema
from app.common.validation import N_
from app.scheduling import planner as P

MAX_CAPACITY = 30  # the same upper bound as the service (set_inspector) and the API schema
MAX_RANGE_DAYS = 366
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _capacity_message():
    return _("Enter a whole number of visits per day from 1 to %(n)d.", n=MAX_CAPACITY)


class Bounded(fields.Field):
    """A number from ``low`` to ``high``; anything else (missing, not a number, out of range) gets the
    one message that says what to enter (``message()``, translated when the form is read)."""

    def __init__(self, cast, low, high, message, **kwargs):
        kwargs.setdefault("required", True)
        super().__init__(**kwargs)
        self.cast, self.low, self.high, self.message = cast, low, high, message

    def make_error(self, key, **kwargs):
        return ValidationError(self.message())

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            number = self.cast(value)
        except (TypeError, ValueError):
            raise self.make_error("invalid") from None
        if not self.low <= number <= self.high:  # also refuses NaN
            raise self.make_error("invalid")
        return number


class DateList(fields.Field):
    """Dates written as 2026-12-07, one per line or separated by commas."""

    def _deserialize(self, value, attr, data, **kwargs):
        days, bad = set(), []
        for token in (t for t in re.split(r"[\s,，;；、]+", str(value)) if t):
            try:
                days.add(date.fromisoformat(token))
            except ValueError:
                bad.append(token)
        if bad:
            raise ValidationError(_("Not a date (write dates as 2026-12-07): %(v)s", v="、".join(bad[:5])))
        return days


class Clock(fields.Str):
    """A time of day written as 08:30."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _HHMM.match(text):
            raise ValidationError(N_("Write the time as 08:30."))
        return text


def _date_range(data, first_key, last_key, errors=None):
    """The days from ``first_key`` to ``last_key`` (one of them alone: that day); checked when
    ``errors`` is given (the last before the first, or a range too long)."""
    first, last = data.get(first_key), data.get(last_key)
    if first is None and last is None:
        return []
    first, last = first or last, last or first
    if last < first:
        if errors is not None:
            errors.setdefault(last_key, []).append(_("The last day must not be before the first day."))
        return []
    if (last - first).days >= MAX_RANGE_DAYS:
        if errors is not None:
            errors.setdefault(last_key, []).append(_("A range can span at most %(n)d days.", n=MAX_RANGE_DAYS))
        return []
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


class AvailabilityForm(FormSchema):
    """An inspector's daily capacity (1..MAX_CAPACITY) and days off: a list of dates plus an optional
    range to add and an optional range to remove. Loads as what ``settings.set_inspector`` takes."""

    daily_capacity = Bounded(int, 1, MAX_CAPACITY, _capacity_message)
    days_off = DateList(load_default=set)
    add_from = fields.Date(load_default=None)
    add_to = fields.Date(load_default=None)
    remove_from = fields.Date(load_default=None)
    remove_to = fields.Date(load_default=None)

    @validates_schema(skip_on_field_errors=False)
    def _ranges(self, data, **kwargs):
        errors: dict = {}
        for first, last in (("add_from", "add_to"), ("remove_from", "remove_to")):
            if first in data and last in data:
                _date_range(data, first, last, errors)
        if errors:
            raise ValidationError(errors)

    @post_load
    def _days_off(self, data, **kwargs):
        days = set(data["days_off"]) | set(_date_range(data, "add_from", "add_to"))
        days -= set(_date_range(data, "remove_from", "remove_to"))
        return {"daily_capacity": data["daily_capacity"], "days_off": sorted(days)}


def policy_form_values(policy: P.Policy, counties) -> dict:
    """The policy form's fields filled from a policy version (what the admin starts from)."""
    values = {"version": "", "effective_from": "", "default_capacity": str(policy.default_capacity),
              "interview_days": str(policy.interview_days), "window_days": str(policy.window_days)}
    for g in P.GRADES:
        rule = policy.grades.get(g)
        values[f"interval_{g}"] = str(rule.interval_days) if rule else ""
        values[f"share_{g}"] = f"{rule.draw_share * 100:g}" if rule else ""
    for unit in counties:
        first, last = policy.working_hours(unit.code)
        values[f"hours_{unit.code}_start"], values[f"hours_{unit.code}_end"] = first, last
        if unit.code in policy.self_approval:
            values[f"self_approval_{unit.code}"] = "on"
    return values


def policy_form(base: P.Policy, counties, today: date) -> FormSchema:
    """A new policy version: per grade the interval (days) and the draw share (%), officers' default
    daily capacity, the warning-interview period, the risk window, per county the working hours. The
    risk weights and the rest are carried over from ``base``. Loads as ``{"data": the version's data,
    "effective_from": its first day}`` for ``settings.add_policy_version``."""
    days_message = {n: (lambda n=n: _("Enter a whole number of days from 1 to %(n)d.", n=n)) for n in (3650, 365, 92)}
    attrs = {
        "version": fields.Str(required=True, error_messages={"required": N_("Give the new version a name, e.g. "
                                                                            "2027.1-s1.")}),
        "effective_from": fields.Date(required=True),
        "default_capacity": Bounded(int, 1, MAX_CAPACITY, _capacity_message),
        "interview_days": Bounded(int, 1, 365, days_message[365]),
        "window_days": Bounded(int, 1, 92, days_message[92]),
    }
    for g in P.GRADES:
        attrs[f"interval_{g}"] = Bounded(int, 1, 3650, days_message[3650])
        attrs[f"share_{g}"] = Bounded(float, 0, 100, lambda: _("Enter a percentage from 0 to 100."))
    for unit in counties:
        attrs[f"hours_{unit.code}_start"] = Clock(required=True, error_messages={"required": N_("Write the time as "
                                                                                                "08:30.")})
        attrs[f"hours_{unit.code}_end"] = Clock(required=True, error_messages={"required": N_("Write the time as "
                                                                                              "08:30.")})
        attrs[f"self_approval_{unit.code}"] = Checkbox(load_default=False)

    def check(self, data, **kwargs):
        errors: dict = {}
        version = data.get("version")
        if version is not None and (len(version) > 24 or not re.fullmatch(r"[0-9A-Za-z._-]+", version)):
            errors["version"] = [_("At most 24 letters, digits, dots, hyphens or underscores.")]
        if data.get("effective_from") is not None and data["effective_from"] < today:
            errors["effective_from"] = [_("A new version takes effect today or later, never in the past.")]
        for unit in counties:
            first, last = data.get(f"hours_{unit.code}_start"), data.get(f"hours_{unit.code}_end")
            if first and last and last <= first:
                errors[f"hours_{unit.code}_end"] = [_("The end of the working day must be after its start.")]
        if errors:
            raise ValidationError(errors)

    def build(self, data, **kwargs):
        out = base.to_dict()
        out.update(version=data["version"], default_capacity=data["default_capacity"],
                   interview_days=data["interview_days"], window_days=data["window_days"],
                   grades={g: {"interval_days": data[f"interval_{g}"],
                               "draw_share": round(data[f"share_{g}"] / 100, 6)} for g in P.GRADES},
                   hours={**out.get("hours", {}), **{u.code: [data[f"hours_{u.code}_start"],
                                                              data[f"hours_{u.code}_end"]] for u in counties}},
                   self_approval=sorted(u.code for u in counties if data.get(f"self_approval_{u.code}")))
        return {"data": out, "effective_from": data["effective_from"]}

    attrs["_check"] = validates_schema(skip_on_field_errors=False)(check)
    attrs["_build"] = post_load(build)
    return type("PolicyForm", (FormSchema,), attrs)()


class VisitMoveForm(FormSchema):
    """Move a draft visit to another day and/or give it two other officers (the plan page)."""

    planned_on = fields.Date(load_default=None)
    officer_a = Id(load_default=None)
    officer_b = Id(load_default=None)
    day = fields.Date(load_default=None)  # the day the plan page showed

    @post_load
    def _officers(self, data, **kwargs):
        data["officer_ids"] = [i for i in (data.pop("officer_a"), data.pop("officer_b")) if i is not None] or None
        return data


POSITION = re.compile(r"^\s*(\d{1,3})\s*[-－—–.．、]\s*(\d{1,4})\s*$")


class Position(fields.Str):
    """A visit's position as the plan page shows it: day number and item, e.g. 3-2 (day 3, item 2)."""

    def _deserialize(self, value, attr, data, **kwargs):
        m = POSITION.match(super()._deserialize(value, attr, data, **kwargs))
        if not m or int(m.group(1)) < 1 or int(m.group(2)) < 1:
            raise ValidationError(_("Write the position as shown in the plan, e.g. 3-2 (day 3, item 2)."))
        return int(m.group(1)), int(m.group(2))


class SwapForm(FormSchema):
    """Swap two visits of the plan page, named by their positions (3-2 and 5-1)."""

    a = Position(required=True)
    b = Position(required=True)
    week = fields.Int(load_default=None)


class MoveForm(FormSchema):
    """Move the visit at a position to another day and/or another pair of officers."""

    position = Position(required=True)
    planned_on = fields.Date(load_default=None)
    officer_a = Id(load_default=None)
    officer_b = Id(load_default=None)
    week = fields.Int(load_default=None)

    @post_load
    def _officers(self, data, **kwargs):
        data["officer_ids"] = [i for i in (data.pop("officer_a"), data.pop("officer_b")) if i is not None] or None
        return data


class ApproveForm(FormSchema):
    """Approving a plan on the page is a second step: the reviewer ticks that they checked it."""

    confirm = Checkbox(load_default=False)
    acknowledge_unofficial_calendar = Checkbox()


class ReasonForm(FormSchema):
    reason = fields.Str(load_default="")


class PlanCreateForm(FormSchema):
    """Draft a plan: a county, a period kind and any day in the period (default: today)."""

    unit = fields.Str(required=True)
    period = fields.Str(load_default="quarter")
    start = fields.Date(load_default=None)
