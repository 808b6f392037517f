"""Pre-aggregated dashboard figures and the state of their last refresh.

``dashboard_figures`` is a narrow fact table: one row per (county, metric, key, period) with a count.
The refresh job (app.dashboard.refresh) rewrites it whole in one transaction, so the page always
reads one consistent snapshot; ``dashboard_state`` (a single row, id 1, created by the migration)
says when that snapshot was taken and is locked by the refresh so two refreshes never interleave."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

# metric -> what its key is; the period column holds a quarter ("2026Q3") where the metric has one
METRICS = {
    "shops": "registered",                       # shops in the register
    "grade": "official grade",                   # published evaluation, per quarter
    "movers": "up | down",                       # latest published quarter vs its previous grade
    "suspected_age": "age band",                 # open suspected records by days waiting
    "overdue": "visit | interview",              # open visits planned before today
    "deadline": "repair_soon | repair_overdue | objection_soon | objection_overdue",
    "coverage": "planned | visited",             # shops with a visit planned / done this quarter
    "violation_type": "indicator code",          # inspections this quarter that found such a violation
    "violation_format": "business format",
    "warnings": "warning kind",                  # open early warnings
}


def _in(col, values):
    return f"{col} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class DashboardFigure(db.Model):
    __tablename__ = "dashboard_figures"
    __table_args__ = (
        CheckConstraint(_in("metric", tuple(METRICS)), name="metric"),
        Index("ix_dashboard_figures_figure", "metric", "unit_id", "key", "period", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))  # the county
    metric: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(24))
    period: Mapped[str] = mapped_column(String(6), default="")  # a quarter, or "" for "now"
    value: Mapped[int] = mapped_column(Integer)


class DashboardState(db.Model):
    __tablename__ = "dashboard_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime)  # UTC, when the snapshot was taken
    as_of: Mapped[date | None] = mapped_column(Date)  # the local day the figures describe
    quarter: Mapped[str | None] = mapped_column(String(6))  # the current quarter at refresh
    latest_quarter: Mapped[str | None] = mapped_column(String(6))  # latest published evaluation
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    trigger: Mapped[str | None] = mapped_column(String(16))  # nightly | publish | manual
