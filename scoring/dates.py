"""Calendar arithmetic used by the scoring rules."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """Add calendar months, clamping the day: Jan 31 + 1 month = Feb 28 (Feb 29 in a leap year)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def iso_dates(value):
    """A copy of nested dicts/lists/tuples with every date as an ISO string (for JSON)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: iso_dates(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [iso_dates(item) for item in value]
    return value
