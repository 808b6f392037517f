"""Rebuild the dashboard's figures from the source tables, in one transaction.

Runs on the job runner: nightly (app.jobs.schedule "dashboard.refresh"), after an evaluation is
published, and when a supervisor asks for it ("refresh now"). Every figure is one GROUP BY over its
source table (or a few hundred grouped rows finished in Python), so the cost grows with the tables'
size once a night, never with the number of page views."""
from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import and_, case, delete, distinct, func, insert, select

from app.common.time import local_today, utcnow
from app.common.workdays import add_working_days
from app.dashboard.models import DashboardFigure, DashboardState
from app.extensions import db

GRADE_RANK = {"AAA": 0, "AA": 1, "A": 2, "B": 3, "C": 4, "D": 5}
# open suspected records by days waiting since the fact was found: (key, min days, max days or None)
AGE_BANDS = (("0-3", 0, 3), ("4-7", 4, 7), ("8-14", 8, 14), ("15-30", 15, 30), ("31+", 31, None))
SOON_WORKING_DAYS = 3  # "due within 3 working days"
QUARTERS_KEPT = 8  # grade distribution: the last eight published quarters


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[date, date]:
    from app.evaluation.batch import quarter_bounds as bounds

    return bounds(quarter)


def age_band(days: int) -> str:
    for key, lo, hi in AGE_BANDS:
        if days >= lo and (hi is None or days <= hi):
            return key
    return AGE_BANDS[0][0]  # a fact dated in the future (clock skew) counts as new


def refresh(today: date | None = None, *, trigger: str = "nightly") -> dict:
    """Recompute every figure and replace the stored ones; returns counts for the job's heartbeat.
    The caller (the job runner) commits."""
    today = today or local_today()
    t0 = time.monotonic()
    state = db.session.scalars(select(DashboardState).where(DashboardState.id == 1).with_for_update()).first()
    if state is None:  # a database built without the migration's row (never in production)
        state = DashboardState(id=1)
        db.session.add(state)
    rows: list[dict] = []
    latest = _grades(rows)
    _movers(rows, latest)
    _shops(rows)
    _suspected(rows, today)
    _overdue(rows, today)
    _deadlines(rows, today)
    quarter = quarter_of(today)
    _coverage(rows, quarter)
    _violations(rows, quarter)
    _warnings(rows)
    db.session.execute(delete(DashboardFigure))
    if rows:
        db.session.execute(insert(DashboardFigure), rows)
    state.refreshed_at = utcnow()
    state.as_of = today
    state.quarter = quarter
    state.latest_quarter = latest
    state.duration_ms = int((time.monotonic() - t0) * 1000)
    state.trigger = trigger
    db.session.flush()
    return {"figures": len(rows), "quarter": quarter, "latest_quarter": latest, "ms": state.duration_ms}


def _add(rows, counter: Counter, metric: str, period: str = ""):
    for (unit_id, key), value in counter.items():
        if value:
            rows.append({"unit_id": unit_id, "metric": metric, "key": str(key), "period": period, "value": int(value)})


def _grades(rows) -> str | None:
    """Official grades per county in the last published quarters; returns the latest quarter."""
    from app.evaluation.models import EvaluationRow, EvaluationRun

    runs = db.session.execute(select(EvaluationRun.id, EvaluationRun.quarter)
                              .where(EvaluationRun.status == "published")
                              .order_by(EvaluationRun.quarter.desc()).limit(QUARTERS_KEPT)).all()
    if not runs:
        return None
    quarter_of_run = {rid: q for rid, q in runs}
    stmt = (select(EvaluationRow.run_id, EvaluationRow.unit_id, EvaluationRow.grade, func.count())
            .where(EvaluationRow.run_id.in_(list(quarter_of_run)))
            .group_by(EvaluationRow.run_id, EvaluationRow.unit_id, EvaluationRow.grade))
    by_quarter: dict[str, Counter] = {}
    for run_id, unit_id, grade, n in db.session.execute(stmt):
        by_quarter.setdefault(quarter_of_run[run_id], Counter())[(unit_id, grade)] += n
    for q, counter in by_quarter.items():
        _add(rows, counter, "grade", q)
    return runs[0][1]


def _movers(rows, latest: str | None):
    """Shops whose official grade went up or down in the latest published quarter against the grade
    published before it (EvaluationRow.previous_grade)."""
    if latest is None:
        return
    from app.evaluation.models import EvaluationRow, EvaluationRun

    run_id = select(EvaluationRun.id).where(EvaluationRun.quarter == latest, EvaluationRun.status == "published") \
        .scalar_subquery()
    stmt = (select(EvaluationRow.unit_id, EvaluationRow.previous_grade, EvaluationRow.grade, func.count())
            .where(EvaluationRow.run_id == run_id, EvaluationRow.previous_grade.is_not(None),
                   EvaluationRow.previous_grade != EvaluationRow.grade)
            .group_by(EvaluationRow.unit_id, EvaluationRow.previous_grade, EvaluationRow.grade))
    counter: Counter = Counter()
    for unit_id, before, after, n in db.session.execute(stmt):
        if before in GRADE_RANK and after in GRADE_RANK:
            counter[(unit_id, "up" if GRADE_RANK[after] < GRADE_RANK[before] else "down")] += n
    _add(rows, counter, "movers", latest)


def _shops(rows):
    from app.retailers.counts import registered
    from app.retailers.models import Retailer

    stmt = select(Retailer.unit_id, func.count()).where(registered()).group_by(Retailer.unit_id)
    _add(rows, Counter({(u, "registered"): n for u, n in db.session.execute(stmt)}), "shops")


def _suspected(rows, today: date):
    from app.credit.models import CreditRecord
    from app.retailers.models import Retailer

    stmt = (select(Retailer.unit_id, CreditRecord.occurred_on, func.count())
            .join(Retailer, Retailer.id == CreditRecord.retailer_id)
            .where(CreditRecord.status == "suspected")
            .group_by(Retailer.unit_id, CreditRecord.occurred_on))
    counter: Counter = Counter()
    for unit_id, day, n in db.session.execute(stmt):
        counter[(unit_id, age_band((today - day).days))] += n
    _add(rows, counter, "suspected_age")


def _overdue(rows, today: date):
    """Open visits (planned or approved) whose planned day has passed; interviews (约谈) apart."""
    from app.scheduling.models import OPEN, Visit

    stmt = (select(Visit.unit_id, Visit.kind, func.count())
            .where(Visit.status.in_(OPEN), Visit.planned_on < today)
            .group_by(Visit.unit_id, Visit.kind))
    counter: Counter = Counter()
    for unit_id, kind, n in db.session.execute(stmt):
        counter[(unit_id, "interview" if kind == "interview" else "visit")] += n
    _add(rows, counter, "overdue")


def deadline_state(due: date, today: date, soon_until: date) -> str | None:
    if due < today:
        return "overdue"
    if due <= soon_until:
        return "soon"
    return None


def _deadlines(rows, today: date):
    """Open repair requests (next deadline: acceptance, then decision) and objections (answer) due
    within 3 working days, or overdue."""
    from app.repair.models import Objection, RepairRequest
    from app.repair.services import OPEN_REPAIR
    from app.retailers.models import Retailer

    soon_until = add_working_days(today, SOON_WORKING_DAYS)
    counter: Counter = Counter()
    due = case((RepairRequest.accepted_at.is_(None), RepairRequest.accept_due), else_=RepairRequest.decide_due)
    stmt = (select(Retailer.unit_id, due, func.count())
            .join(Retailer, Retailer.id == RepairRequest.retailer_id)
            .where(RepairRequest.status.in_(OPEN_REPAIR), due <= soon_until)
            .group_by(Retailer.unit_id, due))
    for unit_id, day, n in db.session.execute(stmt):
        state = deadline_state(_as_date(day), today, soon_until)
        if state:
            counter[(unit_id, f"repair_{state}")] += n
    stmt = (select(Retailer.unit_id, Objection.answer_due, func.count())
            .join(Retailer, Retailer.id == Objection.retailer_id)
            .where(Objection.status == "open", Objection.answer_due <= soon_until)
            .group_by(Retailer.unit_id, Objection.answer_due))
    for unit_id, day, n in db.session.execute(stmt):
        state = deadline_state(_as_date(day), today, soon_until)
        if state:
            counter[(unit_id, f"objection_{state}")] += n
    _add(rows, counter, "deadline")


def _as_date(value) -> date:
    """A CASE over two DATE columns comes back as a string on SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _coverage(rows, quarter: str):
    """Shops with a visit planned this quarter (not cancelled), and shops visited this quarter."""
    from app.scheduling.models import Visit

    start, end = quarter_bounds(quarter)
    planned = (select(Visit.unit_id, func.count(distinct(Visit.retailer_id)))
               .where(Visit.status != "cancelled", Visit.planned_on.between(start, end))
               .group_by(Visit.unit_id))
    visited = (select(Visit.unit_id, func.count(distinct(Visit.retailer_id)))
               .where(Visit.status == "done", Visit.done_on.between(start, end))
               .group_by(Visit.unit_id))
    counter: Counter = Counter()
    for unit_id, n in db.session.execute(planned):
        counter[(unit_id, "planned")] = n
    for unit_id, n in db.session.execute(visited):
        counter[(unit_id, "visited")] = n
    _add(rows, counter, "coverage", quarter)


def _violations(rows, quarter: str):
    """This quarter's inspections that found violations, by indicator and by the shop's business format
    (an inspection counts once per indicator it found, and once for its shop's format)."""
    from app.inspections.models import Inspection, InspectionViolation
    from app.retailers.models import Retailer

    start, end = quarter_bounds(quarter)
    in_quarter = and_(Inspection.id == InspectionViolation.inspection_id, Inspection.occurred_on.between(start, end))
    one = func.count(distinct(InspectionViolation.inspection_id))  # inspections, as the list behind counts them
    by_type = (select(Inspection.unit_id, InspectionViolation.indicator_code, one)
               .select_from(InspectionViolation).join(Inspection, in_quarter)
               .group_by(Inspection.unit_id, InspectionViolation.indicator_code))
    _add(rows, Counter({(u, k): n for u, k, n in db.session.execute(by_type)}), "violation_type", quarter)
    by_format = (select(Inspection.unit_id, Retailer.business_format, one)
                 .select_from(InspectionViolation)
                 .join(Inspection, in_quarter)
                 .join(Retailer, Retailer.id == Inspection.retailer_id)
                 .group_by(Inspection.unit_id, Retailer.business_format))
    _add(rows, Counter({(u, k): n for u, k, n in db.session.execute(by_format)}), "violation_format", quarter)


def _warnings(rows):
    from app.warnings.models import EarlyWarning

    stmt = (select(EarlyWarning.unit_id, EarlyWarning.kind, func.count())
            .where(EarlyWarning.status == "open").group_by(EarlyWarning.unit_id, EarlyWarning.kind))
    _add(rows, Counter({(u, k): n for u, k, n in db.session.execute(stmt)}), "warnings")


def refresh_nightly() -> dict:
    """The periodic job's entry point (no arguments)."""
    return refresh(trigger="nightly")


def stale_after() -> timedelta:
    from app.jobs.schedule import NIGHTLY_STALE

    return timedelta(minutes=NIGHTLY_STALE)
