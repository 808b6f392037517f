"""Working days for the planner: the project's shared calendar (``app.common.workdays``, China's official
calendar through ``chinese_calendar``: holidays off, adjusted working weekends 调休 on), plus the
helpers the planner needs. Years without official data fall back to Monday-Friday there;
``is_provisional`` says when that happens."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from app.common.workdays import is_working_day


@lru_cache(maxsize=8192)
def is_workday(day: date) -> bool:
    return is_working_day(day)


def is_provisional(day: date) -> bool:
    """True when the official calendar for this year is not published yet (fallback rule in use)."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(day)
        return False
    except NotImplementedError:
        return True


def workdays(start: date, end: date) -> list[date]:
    """Working days in [start, end], both inclusive, in order."""
    out, day = [], start
    while day <= end:
        if is_workday(day):
            out.append(day)
        day += timedelta(days=1)
    return out


def add_workdays(start: date, n: int) -> date:
    """The n-th working day after ``start`` (n = 0: the first working day on or after ``start``)."""
    day = start
    while not is_workday(day):
        day += timedelta(days=1)
    while n > 0:
        day += timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day
