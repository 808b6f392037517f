"""Entering the official calendar: a year's schedule (holiday ranges with their names, the adjusted
working days 调休, the source document), typed on the admin page or imported from a small CSV or JSON
file (docs/calendar.md), checked field by field, written in one transaction and audited; seeding from
the chinese_calendar package for the years it ships; the November reminder to enter next year.

Every change gives the year a fresh token (the readers' cache in app.common.workdays notices it) and
recomputes the open repair and objection deadlines that the change moves."""
from __future__ import annotations

import csv
import io
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.audit.services import lock_chain, record as audit
from app.common import workdays
from app.common.db import insert_ignore
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.extensions import db
from app.holidays.models import CalendarDay, CalendarYear

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_RANGE_DAYS = 15  # the longest holiday the State Council has given is 9 days (Spring Festival 2026)
MAX_LINES = 60
MAX_SOURCE = 120
MAX_NAME = 40
MAX_FILE_BYTES = 64 * 1024

# The names chinese_calendar gives its holidays, in the words of the State Council's notices.
PACKAGE_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass
class Schedule:
    """A year's schedule as entered: holiday ranges (first, last, name) and adjusted working days (day,
    name), each with the line it came from (for the messages)."""
    holidays: list = field(default_factory=list)  # (line, first, last, name)
    workdays: list = field(default_factory=list)  # (line, day, name)


# ---- reading -------------------------------------------------------------------------------------------

def year_row(year: int) -> CalendarYear | None:
    return db.session.get(CalendarYear, year)


def year_days(year: int) -> list[CalendarDay]:
    return list(db.session.scalars(select(CalendarDay).where(CalendarDay.year == year).order_by(CalendarDay.day)))


def ranges_of(days: list[CalendarDay]) -> tuple[list, list]:
    """The year's days as the admin writes them: holiday ranges (consecutive days of one name) and
    adjusted working days."""
    holidays, working = [], []
    for d in days:
        if d.kind == "workday":
            working.append((d.day, d.name))
        elif holidays and holidays[-1][2] == d.name and holidays[-1][1] + timedelta(days=1) == d.day:
            holidays[-1] = (holidays[-1][0], d.day, d.name)
        else:
            holidays.append((d.day, d.day, d.name))
    return holidays, working


def schedule_text(year: int) -> tuple[str, str]:
    """The two text areas of the admin form, filled with the year's schedule."""
    holidays, working = ranges_of(year_days(year))
    h = "\n".join(f"{a.isoformat()} {b.isoformat()} {n}" if a != b else f"{a.isoformat()} {n}"
                  for a, b, n in holidays)
    w = "\n".join(f"{d.isoformat()} {n}" for d, n in working)
    return h, w


# ---- parsing the admin's lines and files -------------------------------------------------------------

_DAY = r"(\d{4}-\d{1,2}-\d{1,2})"
_HOLIDAY_LINE = re.compile(rf"^{_DAY}(?:\s*(?:~|～|至|到|—|--|\s)\s*{_DAY})?\s+(\S.*)$")
_WORKDAY_LINE = re.compile(rf"^{_DAY}\s+(\S.*)$")


def _day(text: str) -> date:
    y, m, d = (int(x) for x in text.split("-"))
    return date(y, m, d)


def parse_holiday_lines(text: str) -> tuple[list, list[str]]:
    """"2027-02-06 2027-02-13 春节" (or 2027-02-06~2027-02-13, 2027-02-06至2027-02-13) or one day
    "2027-01-01 元旦", one per line. (rows, messages)."""
    rows, errors = [], []
    for n, line in _lines(text):
        m = _HOLIDAY_LINE.match(line)
        if not m:
            errors.append(_("Line %(n)d: write the first day, the last day and the name, e.g. "
                            "2027-02-06 2027-02-13 春节.", n=n))
            continue
        try:
            first = _day(m.group(1))
            last = _day(m.group(2)) if m.group(2) else first
        except ValueError:
            errors.append(_("Line %(n)d: not a date of the calendar.", n=n))
            continue
        rows.append((n, first, last, m.group(3).strip()))
    return rows, errors


def parse_workday_lines(text: str) -> tuple[list, list[str]]:
    """"2027-02-14 春节" (the day, and the holiday it is worked for), one per line. (rows, messages)."""
    rows, errors = [], []
    for n, line in _lines(text):
        m = _WORKDAY_LINE.match(line)
        if not m:
            errors.append(_("Line %(n)d: write the day and the holiday it is worked for, e.g. 2027-02-20 春节.",
                            n=n))
            continue
        try:
            rows.append((n, _day(m.group(1)), m.group(2).strip()))
        except ValueError:
            errors.append(_("Line %(n)d: not a date of the calendar.", n=n))
    return rows, errors


def _lines(text: str):
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield n, line


def parse_file(filename: str, content: bytes) -> tuple[Schedule, dict, list[str]]:
    """An uploaded schedule (docs/calendar.md): CSV with the header ``kind,start,end,name`` or JSON
    ``{"year", "source", "holidays": [{"start", "end", "name"}], "workdays": [{"date", "name"}]}``.
    (schedule, {"year", "source"} found in a JSON file, messages)."""
    if len(content) > MAX_FILE_BYTES:
        return Schedule(), {}, [_("The file is larger than %(n)d KB.", n=MAX_FILE_BYTES // 1024)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Schedule(), {}, [_("The file is not UTF-8 text.")]
    name = (filename or "").lower()
    if name.endswith(".json") or text.lstrip().startswith("{"):
        return _parse_json(text)
    return _parse_csv(text)


def _parse_csv(text: str):
    sched, errors = Schedule(), []
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if [h.strip().lower() for h in header or []] != ["kind", "start", "end", "name"]:
        return sched, {}, [_("The first line must be the header kind,start,end,name.")]
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 4:
            errors.append(_("Line %(n)d: four columns are needed (kind, start, end, name).", n=n))
            continue
        kind, start, end, hname = (c.strip() for c in row)
        try:
            first = _day(start)
            last = _day(end) if end else first
        except ValueError:
            errors.append(_("Line %(n)d: not a date of the calendar (write 2027-02-06).", n=n))
            continue
        if kind in ("holiday", "放假"):
            sched.holidays.append((n, first, last, hname))
        elif kind in ("workday", "上班", "调休"):
            if last != first:
                errors.append(_("Line %(n)d: an adjusted working day is one day: leave the end empty.", n=n))
                continue
            sched.workdays.append((n, first, hname))
        else:
            errors.append(_("Line %(n)d: the kind is holiday or workday.", n=n))
    return sched, {}, errors


def _parse_json(text: str):
    sched, errors = Schedule(), []
    try:
        doc = json.loads(text)
    except ValueError:
        return sched, {}, [_("The file is not valid JSON.")]
    if not isinstance(doc, dict) or not isinstance(doc.get("holidays", []), list) \
            or not isinstance(doc.get("workdays", []), list):
        return sched, {}, [_("The JSON must be an object with the lists holidays and workdays.")]
    for i, item in enumerate(doc.get("holidays", []), start=1):
        try:
            first = _day(str(item["start"]))
            last = _day(str(item.get("end") or item["start"]))
            sched.holidays.append((i, first, last, str(item.get("name") or "").strip()))
        except (KeyError, TypeError, ValueError, AttributeError):
            errors.append(_("Holiday %(n)d: start, end (dates such as 2027-02-06) and name are needed.", n=i))
    for i, item in enumerate(doc.get("workdays", []), start=1):
        try:
            sched.workdays.append((i, _day(str(item["date"])), str(item.get("name") or "").strip()))
        except (KeyError, TypeError, ValueError, AttributeError):
            errors.append(_("Working day %(n)d: date (such as 2027-02-20) and name are needed.", n=i))
    meta = {}
    if isinstance(doc.get("year"), int):
        meta["year"] = doc["year"]
    if isinstance(doc.get("source"), str) and doc["source"].strip():
        meta["source"] = doc["source"].strip()
    return sched, meta, errors


# ---- checking and writing -------------------------------------------------------------------------------

def check_schedule(year, source, sched: Schedule, *, errors: dict | None = None,
                   holidays_field="holidays", workdays_field="workdays") -> dict[date, tuple[str, str]]:
    """Every rule, every field: {day: (kind, name)} of a valid schedule, or a 422 ServiceError naming
    each fault by field (and line). ``errors`` holds faults found before (the form's)."""
    errors = {k: list(v) for k, v in (errors or {}).items()}

    def fault(name, message):
        errors.setdefault(name, []).append(message)

    if year is None:
        if "year" not in errors:
            fault("year", _("Enter the year, e.g. 2027."))
    elif not FIRST_YEAR <= year <= LAST_YEAR:
        fault("year", _("The year must be from %(a)d to %(b)d.", a=FIRST_YEAR, b=LAST_YEAR))
        year = None
    if not source:
        fault("source", _("Enter the document the schedule comes from, e.g. 国办发明电〔2026〕7号."))
    elif len(source) > MAX_SOURCE:
        fault("source", _("At most %(n)d characters.", n=MAX_SOURCE))
    if len(sched.holidays) > MAX_LINES:
        fault(holidays_field, _("At most %(n)d lines.", n=MAX_LINES))
    if len(sched.workdays) > MAX_LINES:
        fault(workdays_field, _("At most %(n)d lines.", n=MAX_LINES))
    if not sched.holidays and holidays_field not in errors:
        fault(holidays_field, _("Enter the year's holidays: at least one line."))
    days: dict[date, tuple[str, str]] = {}

    def in_year(d):
        # a notice may also set days at the end of the year before (元旦 from 31 December)
        return year is None or d.year == year or (d.year == year - 1 and d.month == 12)

    for n, first, last, name in sched.holidays[:MAX_LINES]:
        if not name or len(name) > MAX_NAME:
            fault(holidays_field, _("Line %(n)d: the holiday's name is needed (at most %(m)d characters).",
                                    n=n, m=MAX_NAME))
            continue
        if last < first:
            fault(holidays_field, _("Line %(n)d: the last day is before the first.", n=n))
            continue
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            fault(holidays_field, _("Line %(n)d: a holiday of more than %(m)d days is not plausible.",
                                    n=n, m=MAX_RANGE_DAYS))
            continue
        if not (in_year(first) and in_year(last)):
            fault(holidays_field, _("Line %(n)d: the days must lie in %(y)s (or in December of the year before).",
                                    n=n, y=year))
            continue
        d = first
        while d <= last:
            if d in days:
                fault(holidays_field, _("Line %(n)d: %(d)s is given twice.", n=n, d=d.isoformat()))
                break
            days[d] = ("holiday", name)
            d += timedelta(days=1)
    for n, d, name in sched.workdays[:MAX_LINES]:
        if not name or len(name) > MAX_NAME:
            fault(workdays_field, _("Line %(n)d: the holiday's name is needed (at most %(m)d characters).",
                                    n=n, m=MAX_NAME))
            continue
        if not in_year(d):
            fault(workdays_field, _("Line %(n)d: the days must lie in %(y)s (or in December of the year before).",
                                    n=n, y=year))
            continue
        if d.weekday() < 5:
            fault(workdays_field, _("Line %(n)d: %(d)s is a weekday, a working day anyway: an adjusted working "
                                    "day is a Saturday or Sunday.", n=n, d=d.isoformat()))
            continue
        if d in days:
            fault(workdays_field, _("Line %(n)d: %(d)s is also given as a holiday.", n=n, d=d.isoformat()))
            continue
        days[d] = ("workday", name)
    if year is not None and days:
        taken = dict(db.session.execute(select(CalendarDay.day, CalendarDay.year).where(
            CalendarDay.day.in_(sorted(days)), CalendarDay.year != year)).all())
        for d, other in sorted(taken.items())[:5]:
            field_name = holidays_field if days[d][0] == "holiday" else workdays_field
            fault(field_name, _("%(d)s is already set by the %(y)d schedule.", d=d.isoformat(), y=other))
    if errors:
        raise ServiceError(errors, status=422)
    return days


def enter_year(year: int, source: str, sched: Schedule, actor, *, note: str | None = None, origin="entered",
               errors: dict | None = None, holidays_field="holidays", workdays_field="workdays") -> CalendarYear:
    """Enter (or correct) a year's official schedule: the year's days replaced, in the caller's one
    transaction, audited with before and after; open deadlines the change moves are recomputed."""
    lock_chain()  # two admins saving one year queue here; the second replaces the first, audited
    days = check_schedule(year, source, sched, errors=errors, holidays_field=holidays_field,
                          workdays_field=workdays_field)
    row = db.session.get(CalendarYear, year, populate_existing=True)
    before = None
    if row is not None:
        before = _summary(row, year_days(year))
        db.session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    else:
        # insert-or-ignore: the year's row is unique in the database, a racing writer's insert is seen
        inserted = insert_ignore(CalendarYear, {"year": year, "source": source, "origin": origin, "note": None,
                                                "entered_by_id": None, "entered_at": utcnow(),
                                                "token": secrets.token_hex(16)}, ["year"],
                                 returning=[CalendarYear.year])
        if not inserted:
            raise ServiceError({"year": [_("The schedule for %(y)d was entered by someone else a moment ago: "
                                           "open the year again.", y=year)]}, status=409)
        row = db.session.get(CalendarYear, year, populate_existing=True)
    row.source, row.origin, row.note = source, origin, (note or None)
    row.entered_by_id = getattr(actor, "id", None)
    row.entered_at = utcnow()
    row.token = secrets.token_hex(16)
    db.session.flush()
    db.session.add_all(CalendarDay(day=d, year=year, kind=k, name=n) for d, (k, n) in sorted(days.items()))
    db.session.flush()
    workdays.invalidate()
    audit("calendar.enter" if origin == "entered" else "calendar.import", "CalendarYear", year, before=before,
          after=_summary(row, year_days(year)), actor=actor)
    from app.repair.services import recompute_deadlines

    recompute_deadlines(year, actor)
    return row


def _summary(row: CalendarYear, days) -> dict:
    holidays, working = ranges_of(days)
    return {"source": row.source, "origin": row.origin, "note": row.note,
            "holidays": [[a.isoformat(), b.isoformat(), n] for a, b, n in holidays],
            "workdays": [[d.isoformat(), n] for d, n in working]}


# ---- the chinese_calendar package -------------------------------------------------------------------------

def package_years() -> list[int]:
    from chinese_calendar.constants import holidays

    return sorted({d.year for d in holidays})


def package_schedule(year: int) -> Schedule:
    from chinese_calendar.constants import holidays, workdays as adjusted

    sched = Schedule()
    for n, (d, name) in enumerate(sorted((d, n) for d, n in holidays.items() if d.year == year), start=1):
        sched.holidays.append((n, d, d, PACKAGE_NAMES.get(str(name), str(name))))
    for n, (d, name) in enumerate(sorted((d, n) for d, n in adjusted.items() if d.year == year), start=1):
        sched.workdays.append((n, d, PACKAGE_NAMES.get(str(name), str(name))))
    return sched


def seed_from_package(years=None, actor=None) -> list[int]:
    """Seed the years the installed chinese_calendar package ships and the table lacks (never replaces a
    year already there: an admin's entry wins). Deterministic: the same package, the same rows."""
    from chinese_calendar import __version__

    have = set(db.session.scalars(select(CalendarYear.year)))
    wanted = [y for y in (years or package_years()) if y in set(package_years()) and y not in have]
    for year in wanted:
        sched = package_schedule(year)
        row = CalendarYear(year=year, source=f"国务院办公厅节假日安排（chinese_calendar {__version__}）",
                           origin="package", entered_by_id=getattr(actor, "id", None), entered_at=utcnow(),
                           token=secrets.token_hex(16))
        db.session.add(row)
        db.session.flush()
        db.session.add_all(CalendarDay(day=first, year=year, kind="holiday", name=name)
                           for _n, first, _l, name in sched.holidays)
        db.session.add_all(CalendarDay(day=d, year=year, kind="workday", name=name) for _n, d, name in sched.workdays)
        db.session.flush()
        audit("calendar.seed", "CalendarYear", year, after={"source": row.source, "days": len(sched.holidays)
                                                            + len(sched.workdays)}, actor=actor)
    if wanted:
        workdays.invalidate()
        from app.repair.services import recompute_deadlines

        for year in wanted:  # open deadlines counted Monday-Friday through these years are counted again
            recompute_deadlines(year, actor)
    return wanted


# ---- the November reminder (daily job) ---------------------------------------------------------------------

def remind_next_year(today: date | None = None) -> dict:
    """From 1 November, while next year's schedule is not entered, tell every admin once (notice
    de-duplicated per year). The State Council usually publishes it in November."""
    from app.auth.models import User
    from app.common.validation import N_
    from app.notices.services import notify

    today = today or local_today()
    year = today.year + 1
    if today.month < 11 or workdays.year_has_official_schedule(year):
        return {"year": year, "told": 0}
    told = 0
    for admin in db.session.scalars(select(User).where(User.role == "admin", User.is_enabled.is_(True))
                                    .order_by(User.id)):
        if notify(admin, "calendar", N_("Enter the official holiday schedule for %(y)d"),
                  N_("The State Council publishes next year's holidays and adjusted working days in November. "
                     "Until %(y)d is entered, deadlines and plans reaching it are counted Monday to Friday."),
                  link=f"/admin/calendar/{year}", dedupe_key=f"calendar:{year}", y=year):
            told += 1
    db.session.flush()
    return {"year": year, "told": told}
