"""Credit records (信用记录), their status history, catalogue and policy versions, live grades."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

SOURCES = ("inspection", "marketer", "supervisor", "partner", "import", "system")
# ended: a bonus whose decision was replaced by a later one (e.g. a group's new star rating) or taken
# back from a date on; like a repaired record it stops counting from ``repaired_on`` (the end date).
STATUSES = ("suspected", "confirmed", "dismissed", "repaired", "ended")
COUNTING = ("confirmed", "repaired", "ended")  # statuses the engine sees


class CatalogueVersion(db.Model):
    """A version of the indicator catalogue (信用评价指标体系), stored as its validated YAML text."""

    __tablename__ = "catalogue_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(16), unique=True)
    effective_from: Mapped[date] = mapped_column(Date)
    source_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PolicyVersion(db.Model):
    """A version of the grade policy (thresholds, periods, measures), stored as its validated YAML text."""

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(16), unique=True)
    effective_from: Mapped[date] = mapped_column(Date)
    source_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CreditRecord(db.Model):
    """A dated, sourced, evidenced fact about a retailer. Never edited silently: every change of
    status is a CreditRecordEvent, and corrections are new records."""

    __tablename__ = "credit_records"
    __table_args__ = (
        Index("ix_credit_records_retailer_status", "retailer_id", "status"),
        Index("ix_credit_records_operator_status", "operator_id", "status"),
        Index("ix_credit_records_status_decided", "status", "decided_on"),
        # One fact, one record: the identity of a fact is the licence, the indicator, the date of the act
        # and the case number where there is one (no case number counts as one value, not as distinct
        # NULLs). Dismissed records leave the identity free: they were never facts.
        Index("uq_credit_records_fact", "retailer_id", "indicator_code", "occurred_on",
              text("coalesce(case_number, '')"), unique=True,
              postgresql_where=text("status <> 'dismissed'"), sqlite_where=text("status <> 'dismissed'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    # The operator (经营者) at the time of the record: a veto reaches every licence of this person.
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    indicator_code: Mapped[str] = mapped_column(String(8))
    catalogue_version: Mapped[str] = mapped_column(String(16))
    dimension: Mapped[str] = mapped_column(String(12))
    quantity: Mapped[int | None] = mapped_column(Integer)
    # Points under the record's own catalogue version when recorded (the engine decides what counts).
    nominal_points: Mapped[int] = mapped_column(Integer)
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12))
    disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    case_number: Mapped[str | None] = mapped_column(String(64))
    decided_on: Mapped[date | None] = mapped_column(Date)  # counts from this date once confirmed
    dismissed_reason: Mapped[str | None] = mapped_column(Text)
    repaired_on: Mapped[date | None] = mapped_column(Date)  # stops counting from this date
    description: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list] = mapped_column(JSON, default=list)  # [{"kind": "photo"|"document"|"text", "ref": ...}]
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    inspection_id: Mapped[int | None] = mapped_column(Integer, index=True)
    partner_ref: Mapped[str | None] = mapped_column(String(64))
    # The administrative penalty decided (行政处罚决定), for 双公示: its kinds (app.credit.penalty.KINDS),
    # what was decided, and the fine and confiscated amount in yuan (罚没金额).
    penalty_kinds: Mapped[list | None] = mapped_column(JSON)
    penalty_content: Mapped[str | None] = mapped_column(Text)
    penalty_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)

    retailer = relationship("Retailer")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    events = relationship("CreditRecordEvent", back_populates="record", order_by="CreditRecordEvent.id")


class CreditRecordEvent(db.Model):
    """One step in a record's status history: who, when, from what to what, and why."""

    __tablename__ = "credit_record_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # create, confirm, dismiss, dispute, dispute_closed, repair
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    case_number: Mapped[str | None] = mapped_column(String(64))
    decided_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    record = relationship("CreditRecord", back_populates="events")
    actor = relationship("User")


class RetailerGrade(db.Model):
    """A retailer's current (live) score and grade, recomputed in the transaction that changes a record.

    ``valid_until`` is the engine's next_change: from that date the stored grade is stale (a record
    lapsed or a rule expired) and is recomputed on read, so it is always correct for today."""

    __tablename__ = "retailer_grades"

    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(3), index=True)
    score_grade: Mapped[str] = mapped_column(String(3))
    monopoly: Mapped[int] = mapped_column(Integer, default=0)
    marketing: Mapped[int] = mapped_column(Integer, default=0)
    social: Mapped[int] = mapped_column(Integer, default=0)
    rule_kind: Mapped[str | None] = mapped_column(String(16))
    rule_record_id: Mapped[int | None] = mapped_column(Integer)
    rule_until: Mapped[date | None] = mapped_column(Date)
    as_of: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    policy_version: Mapped[str] = mapped_column(String(16))
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    retailer = relationship("Retailer")


class GradeChange(db.Model):
    """An event: a retailer's live grade changed. Later features (notices, scheduling) consume these
    in id order and remember the last id they processed."""

    __tablename__ = "grade_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    as_of: Mapped[date] = mapped_column(Date)
    from_grade: Mapped[str | None] = mapped_column(String(3))
    to_grade: Mapped[str] = mapped_column(String(3))
    from_score: Mapped[int | None] = mapped_column(Integer)
    to_score: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str] = mapped_column(String(32))  # record.confirm, record.dismiss, record.repair, lapse, ...
    record_id: Mapped[int | None] = mapped_column(Integer)


class EventCursor(db.Model):
    """How far a consumer (e.g. "notices", "scheduling") has read an event stream such as grade_changes."""

    __tablename__ = "event_cursors"

    consumer: Mapped[str] = mapped_column(String(32), primary_key=True)
    stream: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
