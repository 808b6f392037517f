"""The assessment figures (考核指标) of a month or a quarter, per county and per officer.

What is counted, for the period [start, end] (local dates):

- visits (scheduling): every visit planned for a day in the period that was not cancelled is *planned*;
  of those, *done* and *missed* by their status; an officer counts every visit on which he or she is
  one of the pair;
- confirmation time: for each suspected record confirmed in the period, the days from its creation
  (the on-site finding) to the confirmation; the median and the 90th percentile (nearest rank); an
  officer counts the findings he or she recorded;
- repairs and objections (county only: a supervisor answers them): answered in the period on or before
  their working-day deadline (``decide_due`` / ``answer_due``, computed from the official calendar when
  they were submitted) are *on time*, answered after it *late*; unanswered at the period's end (or
  today, for a period still running) with the deadline passed inside the period, *overdue*;
- warnings: closed in the period, and still open at its end; an officer counts the warnings he or she owns.

One function per figure, each a grouped SQL query; the composite used to rank counties in the
通报 is :func:`county_rank`."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, or_, select

from app.common.time import LOCAL_TZ, local_today
from app.extensions import db

COUNTED_VISITS = ("planned", "approved", "done", "missed")


# ---------------------------------------------------------------- periods

@dataclass(frozen=True)
class Period:
    key: str  # "2026-11" or "2026Q4"
    kind: str  # month | quarter
    start: date
    end: date

    def previous(self) -> Period:
        return parse_period(_shift(self.key, -1))


def _add_months(day: date, n: int) -> date:
    m = day.month - 1 + n
    return date(day.year + m // 12, m % 12 + 1, 1)


def _shift(key: str, n: int) -> str:
    p = parse_period(key)
    if p.kind == "month":
        d = _add_months(p.start, n)
        return f"{d.year}-{d.month:02d}"
    d = _add_months(p.start, 3 * n)
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def parse_period(key: str) -> Period:
    """'2026-11' (a month) or '2026Q4' (a quarter); ValueError when it is neither."""
    k = (key or "").strip().upper()
    if len(k) == 7 and k[4] == "-" and k[:4].isdigit() and k[5:].isdigit() and 1 <= int(k[5:]) <= 12:
        start = date(int(k[:4]), int(k[5:]), 1)
        return Period(k, "month", start, _add_months(start, 1) - timedelta(days=1))
    if len(k) == 6 and k[4] == "Q" and k[:4].isdigit() and k[5] in "1234":
        start = date(int(k[:4]), 3 * int(k[5]) - 2, 1)
        return Period(k, "quarter", start, _add_months(start, 3) - timedelta(days=1))
    raise ValueError(key)


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def previous_month(today: date) -> str:
    return month_of(_add_months(today, -1))


def recent_periods(today: date, months: int = 6, quarters: int = 4) -> list[str]:
    """The choices of the period selector: the last months and quarters that have begun."""
    out = [month_of(_add_months(today, -i)) for i in range(months)]
    first_q = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    out += [quarter_of(_add_months(first_q, -3 * i)) for i in range(quarters)]
    return out


def utc_bounds(period: Period) -> tuple[datetime, datetime]:
    """The period's local days as naive UTC datetimes [from, to) (timestamps are stored in UTC)."""
    start = datetime.combine(period.start, time.min, LOCAL_TZ).astimezone(timezone.utc)
    end = datetime.combine(period.end + timedelta(days=1), time.min, LOCAL_TZ).astimezone(timezone.utc)
    return start.replace(tzinfo=None), end.replace(tzinfo=None)


# ---------------------------------------------------------------- figures

@dataclass
class Figures:
    """One county's or one officer's figures for a period."""

    visits_planned: int = 0
    visits_done: int = 0
    visits_missed: int = 0
    confirm_days: list = field(default_factory=list)
    repairs_on_time: int = 0
    repairs_late: int = 0
    repairs_overdue: int = 0
    objections_on_time: int = 0
    objections_late: int = 0
    objections_overdue: int = 0
    warnings_raised: int = 0
    warnings_closed: int = 0
    warnings_open: int = 0

    @property
    def empty(self) -> bool:
        """Nothing at all to count in the period."""
        return not (self.visits_planned or self.confirm_days or self.answered_on_time or self.answered_late
                    or self.warnings_raised or self.warnings_closed or self.warnings_open)

    @property
    def visits_open(self) -> int:
        return self.visits_planned - self.visits_done - self.visits_missed

    @property
    def completion(self) -> float | None:
        """Done among the visits whose day has come and gone (done + missed)."""
        settled = self.visits_done + self.visits_missed
        return self.visits_done / settled if settled else None

    @property
    def confirmed(self) -> int:
        return len(self.confirm_days)

    @property
    def confirm_median(self) -> float | None:
        return percentile(self.confirm_days, 50)

    @property
    def confirm_p90(self) -> float | None:
        return percentile(self.confirm_days, 90)

    @property
    def answered_on_time(self) -> int:
        return self.repairs_on_time + self.objections_on_time

    @property
    def answered_late(self) -> int:
        return self.repairs_late + self.objections_late + self.repairs_overdue + self.objections_overdue

    @property
    def on_time_rate(self) -> float | None:
        n = self.answered_on_time + self.answered_late
        return self.answered_on_time / n if n else None

    @property
    def close_rate(self) -> float | None:
        n = self.warnings_closed + self.warnings_open
        return self.warnings_closed / n if n else None


def percentile(values, q: int) -> float | None:
    """The nearest-rank percentile (the median of an even count is the mean of the middle two)."""
    if not values:
        return None
    s = sorted(values)
    if q == 50:
        mid = len(s) // 2
        return float(s[mid]) if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
    rank = max(1, math.ceil(q / 100 * len(s)))
    return float(s[rank - 1])


def _visits(period: Period, by: str, unit_ids):
    from app.scheduling.models import Visit

    out = defaultdict(lambda: [0, 0, 0])
    base = [Visit.planned_on >= period.start, Visit.planned_on <= period.end, Visit.status.in_(COUNTED_VISITS)]
    if unit_ids is not None:
        base.append(Visit.unit_id.in_(unit_ids))
    if by == "county":
        stmts = [select(Visit.unit_id, Visit.status, func.count(Visit.id)).where(*base)
                 .group_by(Visit.unit_id, Visit.status)]
    else:  # each officer of the pair: two grouped queries
        stmts = [select(col, Visit.status, func.count(Visit.id)).where(*base, col.is_not(None)).group_by(col, Visit.status)
                 for col in (Visit.officer_a_id, Visit.officer_b_id)]
    for stmt in stmts:
        for key, status, n in db.session.execute(stmt):
            out[key][0] += n
            if status == "done":
                out[key][1] += n
            elif status == "missed":
                out[key][2] += n
    return out


def _confirmations(period: Period, by: str, unit_ids):
    from app.credit.models import CreditRecord, CreditRecordEvent
    from app.retailers.models import Retailer

    lo, hi = utc_bounds(period)
    key = Retailer.unit_id if by == "county" else CreditRecord.recorded_by_id
    stmt = (select(key, CreditRecord.recorded_at, CreditRecordEvent.at)
            .join(CreditRecordEvent, CreditRecordEvent.record_id == CreditRecord.id)
            .join(Retailer, Retailer.id == CreditRecord.retailer_id)
            .where(CreditRecordEvent.action == "confirm", CreditRecordEvent.from_status == "suspected",
                   CreditRecordEvent.at >= lo, CreditRecordEvent.at < hi))
    if unit_ids is not None:
        stmt = stmt.where(Retailer.unit_id.in_(unit_ids))
    out = defaultdict(list)
    for k, created, confirmed in db.session.execute(stmt):
        if k is not None:
            out[k].append(round(max(0.0, (confirmed - created).total_seconds()) / 86400, 1))
    return out


def _answers(period: Period, unit_ids):
    """Repairs and objections per county: on time, late, overdue (county only)."""
    from app.repair.models import Objection, RepairRequest
    from app.retailers.models import Retailer

    lo, hi = utc_bounds(period)
    # overdue: the deadline passed inside the period, and before today (a period still running)
    cutoff = min(period.end, local_today() - timedelta(days=1))
    out = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    scope = [Retailer.unit_id.in_(unit_ids)] if unit_ids is not None else []
    on_time = RepairRequest.decided_on <= RepairRequest.decide_due
    rows = db.session.execute(
        select(Retailer.unit_id, on_time, func.count(RepairRequest.id))
        .join(Retailer, Retailer.id == RepairRequest.retailer_id)
        .where(RepairRequest.decided_on >= period.start, RepairRequest.decided_on <= period.end, *scope)
        .group_by(Retailer.unit_id, on_time))
    for unit, ok, n in rows:
        out[unit][0 if ok else 1] += n
    for unit, n in db.session.execute(
            select(Retailer.unit_id, func.count(RepairRequest.id)).join(Retailer, Retailer.id == RepairRequest.retailer_id)
            .where(RepairRequest.decide_due >= period.start, RepairRequest.decide_due <= cutoff,
                   or_(RepairRequest.decided_on.is_(None), RepairRequest.decided_on > period.end),
                   *scope)
            .group_by(Retailer.unit_id)):
        out[unit][2] += n
    # objections: answered_at is a UTC timestamp; its local day against answer_due, compared in Python
    for unit, answered_at, due in db.session.execute(
            select(Retailer.unit_id, Objection.answered_at, Objection.answer_due)
            .join(Retailer, Retailer.id == Objection.retailer_id)
            .where(Objection.answered_at >= lo, Objection.answered_at < hi, *scope)):
        out[unit][3 if _local_day(answered_at) <= due else 4] += 1
    for unit, n in db.session.execute(
            select(Retailer.unit_id, func.count(Objection.id)).join(Retailer, Retailer.id == Objection.retailer_id)
            .where(Objection.answer_due >= period.start, Objection.answer_due <= cutoff,
                   or_(Objection.answered_at.is_(None), Objection.answered_at >= hi),
                   *scope)
            .group_by(Retailer.unit_id)):
        out[unit][5] += n
    return out


def _local_day(ts: datetime) -> date:
    from app.common.time import to_local

    return to_local(ts).date()


def _warnings(period: Period, by: str, unit_ids):
    from app.warnings.models import EarlyWarning

    lo, hi = utc_bounds(period)
    key = EarlyWarning.unit_id if by == "county" else EarlyWarning.owner_id
    scope = [EarlyWarning.unit_id.in_(unit_ids)] if unit_ids is not None else []
    out = defaultdict(lambda: [0, 0, 0])
    queries = (
        (0, [EarlyWarning.raised_on >= period.start, EarlyWarning.raised_on <= period.end]),
        (1, [EarlyWarning.closed_at >= lo, EarlyWarning.closed_at < hi]),
        (2, [EarlyWarning.raised_on <= period.end, or_(EarlyWarning.closed_at.is_(None), EarlyWarning.closed_at >= hi)]),
    )
    for i, cond in queries:
        for k, n in db.session.execute(select(key, func.count(EarlyWarning.id)).where(*cond, *scope).group_by(key)):
            if k is not None:
                out[k][i] += n
    return out


def _fill(period: Period, by: str, unit_ids) -> dict:
    figures = defaultdict(Figures)
    for k, (planned, done, missed) in _visits(period, by, unit_ids).items():
        f = figures[k]
        f.visits_planned, f.visits_done, f.visits_missed = planned, done, missed
    for k, days in _confirmations(period, by, unit_ids).items():
        figures[k].confirm_days = days
    if by == "county":
        for k, v in _answers(period, unit_ids).items():
            f = figures[k]
            (f.repairs_on_time, f.repairs_late, f.repairs_overdue,
             f.objections_on_time, f.objections_late, f.objections_overdue) = v
    for k, (raised, closed, still_open) in _warnings(period, by, unit_ids).items():
        f = figures[k]
        f.warnings_raised, f.warnings_closed, f.warnings_open = raised, closed, still_open
    return figures


# ---------------------------------------------------------------- per county, per officer

@dataclass
class CountyLine:
    unit: object  # OrgUnit
    figures: Figures
    composite: float | None = None
    rank: int | None = None


@dataclass
class OfficerLine:
    user: object  # User
    figures: Figures


def counties(unit_ids=None):
    from app.org.models import OrgUnit

    stmt = select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)
    if unit_ids is not None:
        stmt = stmt.where(OrgUnit.id.in_(unit_ids))
    return list(db.session.scalars(stmt))


def by_county(period: Period, unit_ids=None) -> list[CountyLine]:
    """Every county (or those given) with its figures, ranked (:func:`county_rank`)."""
    figures = _fill(period, "county", unit_ids)
    lines = [CountyLine(u, figures.get(u.id) or Figures()) for u in counties(unit_ids)]
    return county_rank(lines)


def county_rank(lines: list[CountyLine]) -> list[CountyLine]:
    """The 通报 ranking: the mean of the rates that apply (visit completion, deadlines kept, warnings
    closed; a rate with nothing to count is left out), highest first; ties by code. A county with
    nothing to count at all is unranked and listed last."""
    for line in lines:
        rates = [r for r in (line.figures.completion, line.figures.on_time_rate, line.figures.close_rate)
                 if r is not None]
        line.composite = round(sum(rates) / len(rates), 4) if rates else None
    ranked = sorted((x for x in lines if x.composite is not None), key=lambda x: (-x.composite, x.unit.code))
    for i, line in enumerate(ranked, 1):
        line.rank = i
    return ranked + [x for x in lines if x.composite is None]


def officers_query(unit_ids=None):
    """The officers assessed (inspectors of the counties), ordered by county then name: a SELECT to page."""
    from app.auth.models import User

    stmt = select(User).where(User.role == "inspector").order_by(User.unit_id, User.display_name, User.id)
    if unit_ids is not None:
        stmt = stmt.where(User.unit_id.in_(unit_ids))
    return stmt


def by_officer(period: Period, users, unit_ids=None) -> list[OfficerLine]:
    """The figures of the given officers (one page of :func:`officers_query`)."""
    figures = _fill(period, "officer", unit_ids)
    return [OfficerLine(u, figures.get(u.id) or Figures()) for u in users]


def totals(lines) -> Figures:
    """The sum of several lines' figures (the city's row)."""
    t = Figures()
    for line in lines:
        f = line.figures
        for name in ("visits_planned", "visits_done", "visits_missed", "repairs_on_time", "repairs_late",
                     "repairs_overdue", "objections_on_time", "objections_late", "objections_overdue",
                     "warnings_raised", "warnings_closed", "warnings_open"):
            setattr(t, name, getattr(t, name) + getattr(f, name))
        t.confirm_days = t.confirm_days + list(f.confirm_days)
    return t

