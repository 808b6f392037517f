"""Working days by China's official holiday calendar (the State Council's yearly notice), read from the
``calendar_years`` / ``calendar_days`` tables (app.holidays): a public holiday is not a working day, a
weekend day made a working day (调休) is.

A year nobody has entered has no official schedule: its days are counted Monday-Friday, and every
caller whose deadline, plan or notice reaches such a year says so (``year_has_official_schedule``,
``unofficial_years``, ``unofficial_note``). Never a silent guess.

The calendar is cached per process and checked once per transaction of the caller's session (a request,
a job or a command is one): a query of the years' change tokens (a few dozen short rows); a token that
differs reloads the whole calendar. A change through app.holidays.services calls ``invalidate()`` so the
same transaction sees it; other processes see it at their next transaction. Outside an application (the
pure demo generators, the benches) the calendar is the one the migration seeds, from the
chinese_calendar package directly."""
from __future__ import annotations

import threading
from datetime import date, timedelta

from flask import has_app_context

_lock = threading.Lock()
_cache: dict = {"stamp": None, "years": frozenset(), "holidays": {}, "workdays": {}}


def _load_rows():
    from sqlalchemy import select

    from app.extensions import db
    from app.holidays.models import CalendarDay, CalendarYear

    stamp = tuple(db.session.execute(select(CalendarYear.year, CalendarYear.token).order_by(CalendarYear.year)))
    if stamp == _cache["stamp"]:
        return _cache
    holidays, workdays = {}, {}
    for day, kind, name in db.session.execute(select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)):
        (holidays if kind == "holiday" else workdays)[day] = name
    fresh = {"stamp": stamp, "years": frozenset(y for y, _t in stamp), "holidays": holidays, "workdays": workdays}
    with _lock:
        _cache.update(fresh)
    return fresh


def _calendar() -> dict:
    """The calendar, checked against the database once per transaction of the caller's session (one
    request, one job, one command: usually one transaction)."""
    if not has_app_context():
        return _package_calendar()
    from app.extensions import db

    session = db.session()
    tx = session.get_transaction()
    held = session.info.get("_official_calendar")
    if held is not None and tx is not None and held[0] is tx:
        return held[1]
    cal = _load_rows()
    session.info["_official_calendar"] = (session.get_transaction(), cal)
    return cal


_PACKAGE: dict = {}


def _package_calendar() -> dict:
    """Outside an application (the pure demo generators and the benches, which have no database): the
    calendar the migration seeds, straight from the chinese_calendar package it is seeded from."""
    if not _PACKAGE:
        from chinese_calendar.constants import holidays, workdays

        from app.holidays.services import PACKAGE_NAMES

        years = frozenset(d.year for d in holidays)
        _PACKAGE.update(stamp=("package",), years=years,
                        holidays={d: PACKAGE_NAMES.get(str(n), str(n)) for d, n in holidays.items()},
                        workdays={d: PACKAGE_NAMES.get(str(n), str(n)) for d, n in workdays.items()})
    return _PACKAGE


def invalidate() -> None:
    """Forget the cached calendar (after a change): the next reader loads it again."""
    with _lock:
        _cache["stamp"] = None
    if has_app_context():
        from app.extensions import db

        db.session().info.pop("_official_calendar", None)


def year_has_official_schedule(year: int) -> bool:
    return year in _calendar()["years"]


def unofficial_years(first: date, last: date) -> list[int]:
    """The years from ``first`` to ``last`` (either order) without an official schedule."""
    lo, hi = sorted((first.year, last.year))
    years = _calendar()["years"]
    return [y for y in range(lo, hi + 1) if y not in years]


def unofficial_note(years) -> str:
    """The plain sentence a deadline shows when it reaches years without an official schedule ("" if none):
    "2027年官方节假日安排尚未录入，期限按周一至周五推算"."""
    from flask_babel import gettext as _

    years = sorted(set(years))
    if not years:
        return ""
    return _("The official holiday schedule for %(years)s has not been entered yet: the deadline is counted "
             "Monday to Friday.", years="、".join(str(y) for y in years))


def deadline_note(start: date, due: date) -> str:
    """``unofficial_note`` for a deadline counted from ``start`` to ``due``."""
    return unofficial_note(unofficial_years(start, due))


def holiday_name(day: date) -> str | None:
    return _calendar()["holidays"].get(day)


def is_working_day(day: date) -> bool:
    cal = _calendar()
    if day in cal["holidays"]:
        return False
    if day in cal["workdays"]:
        return True
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
