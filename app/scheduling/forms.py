"""The supervisor's and admin's forms for scheduling settings, read from submitted form fields.

Each parser returns ``(values, errors)``: ``values`` is what the service needs, ``errors`` maps a form
field to its messages (English msgids through gettext, Chinese for the user). Nothing is written
here: the view calls the service only when there are no errors, so a refused form changes nothing."""
from __future__ import annotations

import re
from datetime import date, timedelta

from flask_babel import gettext as _

from app.scheduling import planner as P

MAX_CAPACITY = 30  # the same upper bound as the service (set_inspector) and the API schema
MAX_RANGE_DAYS = 366
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _date_tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,，;；、]+", text or "") if t]


def parse_availability(form) -> tuple[dict, dict, dict]:
    """Daily capacity (1..MAX_CAPACITY) and days off: a list of dates (one per line or separated by
    commas) plus an optional range to add (from, to) and an optional range to remove.

    Returns (values for set_inspector, errors, the raw input to show again)."""
    raw = {k: (form.get(k) or "").strip() for k in ("daily_capacity", "days_off", "add_from", "add_to",
                                                     "remove_from", "remove_to")}
    errors: dict = {}
    capacity = None
    try:
        capacity = int(raw["daily_capacity"])
        if not 1 <= capacity <= MAX_CAPACITY:
            raise ValueError
    except ValueError:
        errors["daily_capacity"] = [_("Enter a whole number of visits per day from 1 to %(n)d.", n=MAX_CAPACITY)]
    days, bad = set(), []
    for token in _date_tokens(raw["days_off"]):
        try:
            days.add(date.fromisoformat(token))
        except ValueError:
            bad.append(token)
    if bad:
        errors["days_off"] = [_("Not a date (write dates as 2026-12-07): %(v)s", v="、".join(bad[:5]))]

    def date_range(first_key, last_key):
        first_raw, last_raw = raw[first_key], raw[last_key]
        if not first_raw and not last_raw:
            return []
        out = {}
        for key, text in ((first_key, first_raw), (last_key, last_raw)):
            try:
                out[key] = date.fromisoformat(text) if text else None
            except ValueError:
                errors.setdefault(key, []).append(_("Not a valid date."))
        if errors.get(first_key) or errors.get(last_key):
            return []
        first, last = out[first_key] or out[last_key], out[last_key] or out[first_key]
        if last < first:
            errors.setdefault(last_key, []).append(_("The last day must not be before the first day."))
            return []
        if (last - first).days >= MAX_RANGE_DAYS:
            errors.setdefault(last_key, []).append(_("A range can span at most %(n)d days.", n=MAX_RANGE_DAYS))
            return []
        return [first + timedelta(days=k) for k in range((last - first).days + 1)]

    days.update(date_range("add_from", "add_to"))
    days.difference_update(date_range("remove_from", "remove_to"))
    return {"daily_capacity": capacity, "days_off": sorted(days)}, errors, raw


def _number(raw, key, errors, cast, low, high, message):
    try:
        value = cast(raw[key])
        if not low <= value <= high:
            raise ValueError
        return value
    except (ValueError, TypeError):
        errors[key] = [message]
        return None


def policy_form_values(policy: P.Policy, counties) -> dict:
    """The form's fields filled from a policy version (what the admin starts from)."""
    values = {"version": "", "effective_from": "", "default_capacity": str(policy.default_capacity),
              "interview_days": str(policy.interview_days), "window_days": str(policy.window_days)}
    for g in P.GRADES:
        rule = policy.grades.get(g)
        values[f"interval_{g}"] = str(rule.interval_days) if rule else ""
        values[f"share_{g}"] = f"{rule.draw_share * 100:g}" if rule else ""
    for unit in counties:
        first, last = policy.working_hours(unit.code)
        values[f"hours_{unit.code}_start"], values[f"hours_{unit.code}_end"] = first, last
    return values


def parse_policy(form, base: P.Policy, counties, today: date) -> tuple[dict | None, date | None, dict, dict]:
    """A new policy version from the form: per grade the interval (days) and the draw share (%),
    officers' default daily capacity, the warning-interview period, per county the working hours.
    The risk weights and the rest are carried over from ``base``. Returns (data, effective_from,
    errors, raw)."""
    keys = ["version", "effective_from", "default_capacity", "interview_days", "window_days"]
    keys += [f"interval_{g}" for g in P.GRADES] + [f"share_{g}" for g in P.GRADES]
    keys += [f"hours_{u.code}_{e}" for u in counties for e in ("start", "end")]
    raw = {k: (form.get(k) or "").strip() for k in keys}
    errors: dict = {}
    version = raw["version"]
    if not version:
        errors["version"] = [_("Give the new version a name, e.g. 2027.1-s1.")]
    elif len(version) > 24 or not re.fullmatch(r"[0-9A-Za-z._-]+", version):
        errors["version"] = [_("At most 24 letters, digits, dots, hyphens or underscores.")]
    effective = None
    try:
        effective = date.fromisoformat(raw["effective_from"])
        if effective < today:
            errors["effective_from"] = [_("A new version takes effect today or later, never in the past.")]
    except ValueError:
        errors["effective_from"] = [_("Not a valid date.")]
    grades = {}
    for g in P.GRADES:
        days = _number(raw, f"interval_{g}", errors, int, 1, 3650,
                       _("Enter a whole number of days from 1 to 3650."))
        share = _number(raw, f"share_{g}", errors, float, 0, 100, _("Enter a percentage from 0 to 100."))
        if days is not None and share is not None:
            grades[g] = {"interval_days": days, "draw_share": round(share / 100, 6)}
    capacity = _number(raw, "default_capacity", errors, int, 1, MAX_CAPACITY,
                       _("Enter a whole number of visits per day from 1 to %(n)d.", n=MAX_CAPACITY))
    interview = _number(raw, "interview_days", errors, int, 1, 365, _("Enter a whole number of days from 1 to 365."))
    window = _number(raw, "window_days", errors, int, 1, 92, _("Enter a whole number of days from 1 to 92."))
    hours = {}
    for unit in counties:
        first, last = raw[f"hours_{unit.code}_start"], raw[f"hours_{unit.code}_end"]
        for key, text in ((f"hours_{unit.code}_start", first), (f"hours_{unit.code}_end", last)):
            if not _HHMM.match(text):
                errors[key] = [_("Write the time as 08:30.")]
        if f"hours_{unit.code}_start" not in errors and f"hours_{unit.code}_end" not in errors:
            if last <= first:
                errors[f"hours_{unit.code}_end"] = [_("The end of the working day must be after its start.")]
            else:
                hours[unit.code] = [first, last]
    if errors:
        return None, effective, errors, raw
    data = base.to_dict()
    data.update(version=version, grades=grades, default_capacity=capacity, interview_days=interview,
                window_days=window, hours={**data.get("hours", {}), **hours})
    return data, effective, errors, raw
