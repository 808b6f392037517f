"""Working days by China's official holiday calendar (国务院办公厅 holiday notices), through the
``chinese_calendar`` package: public holidays are not working days, adjusted weekends (调休) are.

Years the package has no data for fall back to Monday-Friday (and say so in the log once)."""
import logging
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)
_warned: set[int] = set()


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned:
            _warned.add(day.year)
            log.warning("no official holiday data for %s: counting Monday-Friday", day.year)
        return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start`` (``start`` itself never counts): a deadline of
    "within n working days of submission on ``start``"."""
    if n < 0:
        raise ValueError("n must be >= 0")
    day = start
    left = n
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]: how many working days have passed since ``start`` on ``end``.
    Negative when ``end`` is before ``start``."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
