"""Tables of the service side: the service policy versions, the ordering system's monthly figures, the
monthly service runs and their rows, supply suspensions (decisions), hardship flags and the export's
delivery log."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, \
    UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

RUN_STATES = ("draft", "published")
SUSPENSION_KINDS = ("grade", "circulation")


class ServicePolicy(db.Model):
    """A version of the service policy (tier adjustment, supply coefficient and scarce-brand priority by
    grade, the suspension rules, the out-of-area carton bands, the hardship floor), stored as its
    validated YAML text, like the grade policy."""

    __tablename__ = "service_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(16), unique=True)
    effective_from: Mapped[date] = mapped_column(Date)
    source_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class OrderingFigure(db.Model):
    """One licence's base tier (1-30, and the city's letter class where it has one) and ordering
    figures for one month, as the ordering system reported them. One row per licence and month: a file
    sent again changes nothing; a corrected figure replaces the old one (audited)."""

    __tablename__ = "ordering_figures"
    __table_args__ = (UniqueConstraint("retailer_id", "month"),
                      CheckConstraint("base_tier >= 1 AND base_tier <= 30", name="base_tier_range"),
                      Index("ix_ordering_figures_month", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, the month the figures describe
    base_tier: Mapped[int] = mapped_column(Integer)
    class_code: Mapped[str | None] = mapped_column(String(4))  # e.g. CZ1 (城镇 食杂 large)
    order_amount_fen: Mapped[int] = mapped_column(Integer, default=0)  # 分 (1/100 yuan)
    order_cartons: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(8))  # upload | api
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ServiceRun(db.Model):
    """The monthly service run: every licence's effective tier and supply coefficient for one ordering
    cycle (a month), computed on the worker, reviewed and published by a marketing supervisor, then
    exported to the ordering system. Computing a cycle again replaces its draft; a published run stays."""

    __tablename__ = "service_runs"
    __table_args__ = (CheckConstraint("state IN ('draft', 'published')", name="state"),
                      Index("uq_service_runs_published", "cycle", unique=True,
                            postgresql_where=text("state = 'published'"), sqlite_where=text("state = 'published'")))

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM, the ordering month served
    as_of: Mapped[date] = mapped_column(Date)  # grades and records as of this day
    state: Mapped[str] = mapped_column(String(12), default="draft")
    policy_version: Mapped[str] = mapped_column(String(16))
    licence_count: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    publish_note: Mapped[str | None] = mapped_column(Text)
    export_sha256: Mapped[str | None] = mapped_column(String(64))

    created_by = relationship("User", foreign_keys=[created_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])


class ServiceRow(db.Model):
    """One licence in one run: grade, base tier, effective tier, coefficient (in per cent), scarce-brand
    priority, whether supply is suspended, the letter class before and after the credit adjustment, and
    the reasons (codes with parameters, shown translated).

    No foreign keys (migration 0019): rows are written only by the run, from the retailers table, for a
    run created in the same transaction; checking three keys row by row cost more than the rest of a
    million-licence run (docs/service.md, "Speed"). Retailers, units and runs are never deleted (a
    draft's rows are deleted with it, explicitly)."""

    __tablename__ = "service_rows"
    __table_args__ = (UniqueConstraint("run_id", "retailer_id"), Index("ix_service_rows_run_unit", "run_id", "unit_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer)  # service_runs.id
    retailer_id: Mapped[int] = mapped_column(Integer, index=True)  # retailers.id
    unit_id: Mapped[int] = mapped_column(Integer)  # org_units.id: the licence's county when computed
    grade: Mapped[str] = mapped_column(String(3))
    base_tier: Mapped[int] = mapped_column(Integer)
    base_source: Mapped[str] = mapped_column(String(8))  # ordering (figures of a month) | register
    class_code: Mapped[str | None] = mapped_column(String(4))  # the letter class the ordering system sent
    class_adjusted: Mapped[str | None] = mapped_column(String(4))  # the letter class after the credit adjustment
    tier: Mapped[int] = mapped_column(Integer)  # effective tier for the cycle
    coefficient_pct: Mapped[int] = mapped_column(Integer)  # 120 = ×1.2; 0 while suspended
    scarce_priority: Mapped[int] = mapped_column(Integer)  # 1 first; 0 = none
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    changed: Mapped[bool] = mapped_column(Boolean, default=True)  # tier, coefficient or suspension differ
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # [{"code": ..., "params": {...}}]
    # A suspension the run proposes (decided when the run is published): {"kind", "record_id", "until", ...}
    proposal: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    run = relationship("ServiceRun", primaryjoin="foreign(ServiceRow.run_id) == ServiceRun.id")
    retailer = relationship("Retailer", primaryjoin="foreign(ServiceRow.retailer_id) == Retailer.id")


class SupplySuspension(db.Model):
    """A decision to suspend a licence's supply: why (grade D, or confirmed out-of-area / diverted cartons
    by quantity), on what legal basis, from when to when, who decided (the marketing supervisor who
    published the run), the retailer's objection and its answer, and how it ended. Lifted automatically
    when the grade recovers or the period ends (daily job), or by an upheld objection or a review."""

    __tablename__ = "supply_suspensions"
    __table_args__ = (UniqueConstraint("retailer_id", "cause_key"),
                      CheckConstraint("kind IN ('grade', 'circulation')", name="kind"),
                      CheckConstraint("status IN ('active', 'lifted')", name="status"),
                      Index("ix_supply_suspensions_status", "status", "ends_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    kind: Mapped[str] = mapped_column(String(12))
    cause_key: Mapped[str] = mapped_column(String(40))  # grade:<cycle> | record:<id>
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("service_runs.id"))
    grade: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[int | None] = mapped_column(Integer)
    legal_basis: Mapped[str] = mapped_column(Text)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # None: until the grade recovers
    status: Mapped[str] = mapped_column(String(8), default="active")
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    objection_until: Mapped[date] = mapped_column(Date)
    objection_status: Mapped[str | None] = mapped_column(String(8))  # open | upheld | rejected
    objection_text: Mapped[str | None] = mapped_column(Text)
    objected_at: Mapped[datetime | None] = mapped_column(DateTime)
    objected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer_due: Mapped[date | None] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_on: Mapped[date | None] = mapped_column(Date)
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(String(16))  # grade_recovered | period_ended | objection | review
    lift_note: Mapped[str | None] = mapped_column(Text)

    retailer = relationship("Retailer")
    record = relationship("CreditRecord")
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class HardshipFlag(db.Model):
    """帮扶: a protected hardship flag on a licence (e.g. a low-income or disabled operator), with the
    evidence seen, set and revoked by a marketing supervisor. The service policy may protect the
    licence's supply with it (a coefficient floor). Seen only by marketing supervisors; never public,
    never shown to the retailer as a reason, never exported."""

    __tablename__ = "hardship_flags"
    __table_args__ = (Index("uq_hardship_flags_active", "retailer_id", unique=True,
                            postgresql_where=text("revoked_at IS NULL"), sqlite_where=text("revoked_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    category: Mapped[str] = mapped_column(String(16))  # low_income | disability | illness | disaster | other
    evidence: Mapped[str] = mapped_column(Text)  # what was seen (document, issuing office, date)
    note: Mapped[str] = mapped_column(Text, default="")
    review_on: Mapped[date] = mapped_column(Date)  # the flag stops protecting after this day unless renewed
    set_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    retailer = relationship("Retailer")
    set_by = relationship("User", foreign_keys=[set_by_id])


class ServiceDelivery(db.Model):
    """The export's delivery log: each download of a published run's file by staff, and each receipt the
    ordering system confirms with the SHA-256 it computed (matched or not)."""

    __tablename__ = "service_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("service_runs.id"), index=True)
    channel: Mapped[str] = mapped_column(String(12))  # download | receipt
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    matched: Mapped[bool] = mapped_column(Boolean, default=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)

    user = relationship("User")
