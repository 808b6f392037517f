"""What the dashboard page shows, read from the pre-aggregated figures only (plus the counties and the
state row), scoped to the supervisor's county (city level: every county, or one chosen); and the
supervisor's "refresh now" request."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from app.audit.services import record as audit
from app.auth import policy
from app.common.time import utcnow
from app.dashboard.models import DashboardFigure, DashboardState
from app.dashboard.refresh import AGE_BANDS, stale_after
from app.extensions import db
from app.org.models import OrgUnit


@dataclass
class Figures:
    """The figures of the counties in view: ``get(metric, key, unit_id=None, period="")`` sums over
    the counties unless one is named."""
    units: list
    state: DashboardState | None
    rows: dict = field(default_factory=lambda: defaultdict(int))  # (metric, unit_id, key, period) -> n

    def get(self, metric, key, unit_id=None, period="") -> int:
        if unit_id is not None:
            return self.rows.get((metric, unit_id, key, period), 0)
        return sum(self.rows.get((metric, u.id, key, period), 0) for u in self.units)

    def keys(self, metric, period="") -> list[str]:
        return sorted({k for (m, _u, k, p) in self.rows if m == metric and p == period})

    def periods(self, metric) -> list[str]:
        return sorted({p for (m, _u, _k, p) in self.rows if m == metric})

    @property
    def as_of(self) -> date | None:
        return self.state.as_of if self.state else None

    @property
    def refreshed_at(self) -> datetime | None:
        return self.state.refreshed_at if self.state else None

    @property
    def stale(self) -> bool:
        """Never refreshed, or not since the nightly run should have happened."""
        return self.refreshed_at is None or utcnow() - self.refreshed_at > stale_after()

    @property
    def quarter(self) -> str | None:
        return self.state.quarter if self.state else None

    @property
    def latest_quarter(self) -> str | None:
        return self.state.latest_quarter if self.state else None


def counties_for(user) -> list[OrgUnit]:
    stmt = select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)
    if not user.is_city_level:
        stmt = stmt.where(OrgUnit.id == user.unit_id)
    return list(db.session.scalars(stmt))


def load(user, unit_code: str | None = None) -> Figures:
    """The figures ``user`` may see; ``unit_code`` narrows a city supervisor's view to one county
    (a county outside the user's scope is simply not among the counties: nothing is shown of it)."""
    units = counties_for(user)
    if unit_code:
        units = [u for u in units if u.code == unit_code]
    state = db.session.get(DashboardState, 1)
    figs = Figures(units=units, state=state)
    if not units:
        return figs
    stmt = policy.scope(user, "dashboard.read",
                        select(DashboardFigure.metric, DashboardFigure.unit_id, DashboardFigure.key,
                               DashboardFigure.period, DashboardFigure.value), DashboardFigure)
    stmt = stmt.where(DashboardFigure.unit_id.in_([u.id for u in units]))
    for metric, unit_id, key, period, value in db.session.execute(stmt):
        figs.rows[(metric, unit_id, key, period)] = value
    return figs


def age_bands():
    return AGE_BANDS


def request_refresh(user) -> None:
    """A supervisor asks for fresh figures now: audited, then the refresh runs on the job runner once
    this transaction commits (the page keeps showing the old snapshot, with its time, until then)."""
    from app.jobs.tasks import kick_dashboard

    state = db.session.get(DashboardState, 1)
    audit("dashboard.refresh", "DashboardState", 1,
          before={"refreshed_at": state.refreshed_at if state else None}, after={"requested": True}, actor=user)
    kick_dashboard("manual", always=True)


def view_unit(user, code: str | None) -> tuple[list[OrgUnit], str]:
    """(the counties ``user`` may see, the county code in view or "" for all of them): a county
    supervisor always sees their county; a city-level user the one asked for, or every county when the
    code is empty or not one of theirs."""
    counties = counties_for(user)
    code = code or ""
    if not user.is_city_level:
        code = counties[0].code if counties else ""
    elif code and code not in {u.code for u in counties}:
        code = ""
    return counties, code


def summary(figs: Figures) -> dict:
    """The figures the dashboard page draws, as plain numbers (the JSON API): each card's values, per
    county where the page splits them. Read from the pre-aggregated rows only."""
    from app.charts import GRADE_ORDER
    from app.warnings.models import KINDS

    codes = {u.id: u.code for u in figs.units}
    q, latest = figs.quarter or "", figs.latest_quarter
    violation_formats = figs.keys("violation_format", q)
    return {
        "refreshed_at": figs.refreshed_at, "as_of": figs.as_of, "stale": figs.stale,
        "quarter": figs.quarter, "latest_quarter": latest,
        "counties": [{"code": u.code, "name": u.name} for u in figs.units],
        "grades": {"quarter": latest,
                   "total": sum(figs.get("grade", g, None, latest) for g in GRADE_ORDER) if latest else None,
                   "by_county": [{"unit": u.code,
                                  "grades": {g: figs.get("grade", g, u.id, latest) for g in GRADE_ORDER}}
                                 for u in figs.units] if latest else []},
        "grade_trend": [{"quarter": p, "grades": {g: figs.get("grade", g, None, p) for g in GRADE_ORDER}}
                        for p in figs.periods("grade")],
        "movers": {"quarter": latest, "up": figs.get("movers", "up", None, latest) if latest else 0,
                   "down": figs.get("movers", "down", None, latest) if latest else 0},
        "suspected_by_age": [{"band": key, "min_days": lo, "max_days": hi, "count": figs.get("suspected_age", key)}
                             for key, lo, hi in AGE_BANDS],
        "deadlines": {f"{kind}_{state}": figs.get("deadline", f"{kind}_{state}")
                      for kind in ("repair", "objection") for state in ("soon", "overdue")},
        "overdue": [{"unit": codes[u.id], "visit": figs.get("overdue", "visit", u.id),
                     "interview": figs.get("overdue", "interview", u.id)} for u in figs.units],
        "coverage": {"quarter": figs.quarter, "planned": figs.get("coverage", "planned", None, q),
                     "visited": figs.get("coverage", "visited", None, q),
                     "by_county": [{"unit": u.code, "planned": figs.get("coverage", "planned", u.id, q),
                                    "visited": figs.get("coverage", "visited", u.id, q)} for u in figs.units]},
        "violations": {"quarter": figs.quarter,
                       "total": sum(figs.get("violation_format", k, None, q) for k in violation_formats),
                       "by_type": sorted(({"indicator": k, "count": figs.get("violation_type", k, None, q)}
                                          for k in figs.keys("violation_type", q)),
                                         key=lambda r: (-r["count"], r["indicator"])),
                       "by_format": sorted(({"format": k, "count": figs.get("violation_format", k, None, q)}
                                            for k in violation_formats), key=lambda r: (-r["count"], r["format"])),
                       "by_county": [{"unit": u.code,
                                      "count": sum(figs.get("violation_format", k, u.id, q) for k in violation_formats)}
                                     for u in figs.units]},
        "warnings": {k: figs.get("warnings", k) for k in KINDS},
    }
