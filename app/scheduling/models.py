"""Inspection plans (检查计划), their random draws (双随机) and visits, the scheduling policy versions
and each inspector's capacity and days off."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

PLAN_STATUSES = ("draft", "approved", "superseded", "discarded")  # discarded: a draft given up, with a reason
VISIT_KINDS = ("due", "random", "interview")
# planned: in a draft plan; approved: in the inspectors' day lists; done: closed by an inspection;
# missed: its day passed without an inspection (overdue, re-planned); cancelled: replaced, with a reason.
VISIT_STATUSES = ("planned", "approved", "done", "missed", "cancelled")
OPEN = ("planned", "approved")  # visits still to be done: in a draft plan, or approved
# self_check: an AA/AAA retailer's remote self-check was accepted (信任监管, 非现场): it stands for the
# routine visit and restarts the shop's cycle like an inspection.
INSPECTED_OUTCOMES = ("no_violation", "violation", "rectification", "self_check")
# The visit found no normal shop (the field inspection's abnormal outcomes): the visit is closed with
# that outcome, but the shop was not inspected, so it does not restart the shop's inspection cycle.
ABNORMAL_OUTCOMES = ("closed", "not_found", "moved", "not_trading")
OUTCOMES = INSPECTED_OUTCOMES + ABNORMAL_OUTCOMES


class SchedulingPolicy(db.Model):
    """A version of the scheduling policy: per grade interval and draw share, defaults, county hours."""

    __tablename__ = "scheduling_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(24), unique=True)
    effective_from: Mapped[date] = mapped_column(Date)
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class InspectorSetting(db.Model):
    """An inspector's daily capacity (visits per day) and days off (ISO dates)."""

    __tablename__ = "inspector_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    daily_capacity: Mapped[int] = mapped_column(Integer, default=6)
    days_off: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class InspectionPlan(db.Model):
    __tablename__ = "inspection_plans"
    __table_args__ = (Index("ix_inspection_plans_unit_period", "unit_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    period_kind: Mapped[str] = mapped_column(String(8))  # week | month | quarter
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    policy_version: Mapped[str] = mapped_column(String(24))
    pairs_seed: Mapped[str] = mapped_column(String(64))  # seeds the daily officer pairs (shown with the plan)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # unplaced visits and their reasons, routes
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit = relationship("OrgUnit")
    visits = relationship("Visit", back_populates="plan", order_by="Visit.planned_on, Visit.officer_a_id, Visit.route_order")
    draws = relationship("RandomDraw", back_populates="plan", order_by="RandomDraw.id")


class RandomDraw(db.Model):
    """A committed random draw: the commitment is public from creation, the seed from the reveal."""

    __tablename__ = "random_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plans.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="committed")  # committed | revealed | void
    commitment: Mapped[str] = mapped_column(String(64))
    pool_digest: Mapped[str] = mapped_column(String(64))
    pool_size: Mapped[int] = mapped_column(Integer)
    pool: Mapped[list] = mapped_column(JSON)  # [[retailer_id, stratum grade], ...]
    # What the strata are: "published" (the official quarterly grade of ``grades_quarter``, which the public
    # may see; a licence without one counts as A) or "live" (draws made before that rule: the unpublished
    # live grade, never shown to the public per shop).
    grade_basis: Mapped[str] = mapped_column(String(12), default="published")
    grades_quarter: Mapped[str | None] = mapped_column(String(6))
    shares: Mapped[dict] = mapped_column(JSON)  # v2: this draw's probability per grade; v1: the policy's shares
    # How the list follows from the seed (app.scheduling.planner.random_draw): "v1" per plan round(share × n)
    # (older draws), "v2" the quarter's share spread over its plans, equal probability per shop.
    scheme: Mapped[str] = mapped_column(String(4), default="v2", server_default="v1")
    # v2: {"quarter", "policy_shares", "before", "after", "excluded"} (app.scheduling.planning._commit_draw)
    quarter: Mapped[dict | None] = mapped_column(JSON)
    policy_version: Mapped[str] = mapped_column(String(24))
    seed: Mapped[str] = mapped_column(String(64))  # secret until revealed
    selected: Mapped[list] = mapped_column(JSON, default=list)
    committed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revealed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)  # why a redraw replaced an earlier commitment
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("random_draws.id"))

    plan = relationship("InspectionPlan", back_populates="draws")


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_retailer_status", "retailer_id", "status"),
        Index("ix_visits_unit_day", "unit_id", "planned_on"),
        Index("ix_visits_plan_day", "plan_id", "planned_on"),  # re-planning reads a plan from a day on
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_plans.id"))
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="planned")
    due_on: Mapped[date] = mapped_column(Date)
    planned_on: Mapped[date] = mapped_column(Date)
    officer_a_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    officer_b_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    route_order: Mapped[int] = mapped_column(Integer, default=0)
    leg_km: Mapped[float] = mapped_column(Float, default=0.0)
    risk: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("random_draws.id"))
    inspection_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(16))
    done_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)  # why it was moved, cancelled or re-planned
    # Visits made by a consumer carry the event they answer (e.g. "interview:grade:<event id>"): the
    # database keeps it unique, so two workers replaying one event never create the visit twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    plan = relationship("InspectionPlan", back_populates="visits")
    retailer = relationship("Retailer")
    officer_a = relationship("User", foreign_keys=[officer_a_id])
    officer_b = relationship("User", foreign_keys=[officer_b_id])
