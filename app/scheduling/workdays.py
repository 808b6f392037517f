"""Working days for the planner: the project's shared official calendar (``app.common.workdays``:
holidays off, adjusted working weekends 调休 on), plus the helpers the planner needs. A year without an
official schedule is counted Monday-Friday there; ``is_provisional`` says when that happens."""
from __future__ import annotations

from datetime import date, timedelta

from app.common.workdays import is_working_day, year_has_official_schedule


def is_workday(day: date) -> bool:
    return is_working_day(day)


def is_provisional(day: date) -> bool:
    """True when the official calendar for this day's year has not been entered (Monday-Friday in use)."""
    return not year_has_official_schedule(day.year)


def workdays(start: date, end: date) -> list[date]:
    """Working days in [start, end], both inclusive, in order."""
    out, day = [], start
    while day <= end:
        if is_working_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out


def add_workdays(start: date, n: int) -> date:
    """The n-th working day after ``start`` (n = 0: the first working day on or after ``start``)."""
    day = start
    while not is_working_day(day):
        day += timedelta(days=1)
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day
