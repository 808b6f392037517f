"""The quarterly evaluation (综合评价): runs and their one row per retailer."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

RUN_STATUSES = ("draft", "reviewed", "published", "superseded")


class EvaluationRun(db.Model):
    __tablename__ = "evaluation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(6), index=True)  # e.g. 2026Q4
    as_of: Mapped[date] = mapped_column(Date)  # the quarter's last day
    status: Mapped[str] = mapped_column(String(12), default="draft")
    # SHA-256 over the inputs (records, catalogue and policy versions, retailers): same inputs, same hash.
    inputs_hash: Mapped[str | None] = mapped_column(String(64))
    catalogue_versions: Mapped[str | None] = mapped_column(String(128))
    policy_version: Mapped[str | None] = mapped_column(String(16))
    retailer_count: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict | None] = mapped_column(JSON)  # distribution by grade and county
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    computed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Publication opens the 21-day objection window; the public sees the grades from this date on.
    objection_closes_on: Mapped[date | None] = mapped_column(Date)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_runs.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # why a published run was superseded

    rows = relationship("EvaluationRow", back_populates="run", lazy="dynamic",
                        primaryjoin="EvaluationRun.id == foreign(EvaluationRow.run_id)")


class EvaluationRow(db.Model):
    """One licence's official grade in a run. No foreign keys (migration 0006): rows are written only by
    the batch, from the retailers table, for a run made in the same transaction; checking three keys
    row by row would cost more than the whole batch (docs/evaluation.md). No index on retailer_id
    either: a licence's rows are found through its runs (a few a year) and the primary key."""

    __tablename__ = "evaluation_rows"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # evaluation_runs.id
    retailer_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # retailers.id
    unit_id: Mapped[int] = mapped_column(Integer)  # org_units.id: the licence's county when evaluated
    score: Mapped[int] = mapped_column(Integer)
    monopoly: Mapped[int] = mapped_column(Integer)
    marketing: Mapped[int] = mapped_column(Integer)
    social: Mapped[int] = mapped_column(Integer)
    score_grade: Mapped[str] = mapped_column(String(3))
    grade: Mapped[str] = mapped_column(String(3))
    previous_grade: Mapped[str | None] = mapped_column(String(3))  # last published official grade
    rule_kind: Mapped[str | None] = mapped_column(String(16))
    rule_record_id: Mapped[int | None] = mapped_column(Integer)

    run = relationship("EvaluationRun", back_populates="rows",
                       primaryjoin="foreign(EvaluationRow.run_id) == EvaluationRun.id")
