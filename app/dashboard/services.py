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
