"""Repair requests, objections, training completions and uploaded evidence."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

REPAIR_STATUSES = ("submitted", "accepted", "more_info", "approved", "refused")
OBJECTION_STATUSES = ("open", "upheld", "rejected")


class EvidenceFile(db.Model):
    """An uploaded photo or document, stored under the instance folder by a random name."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # photo, document
    original_name: Mapped[str] = mapped_column(String(128))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TrainingCompletion(db.Model):
    """The credit-repair training (信用修复培训) completed by a retailer's account."""

    __tablename__ = "training_completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_version: Mapped[str] = mapped_column(String(16))
    correct: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_on: Mapped[date] = mapped_column(Date)


class RepairRequest(db.Model):
    """A request to end a record's effect early; every step timed against working-day deadlines."""

    __tablename__ = "repair_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="submitted", index=True)
    statement: Mapped[str] = mapped_column(Text)
    penalty_fulfilled: Mapped[bool] = mapped_column(Boolean, default=False)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id"))
    training_id: Mapped[int | None] = mapped_column(ForeignKey("training_completions.id"))
    evidence_ids: Mapped[list] = mapped_column(JSON, default=list)
    eligibility: Mapped[dict] = mapped_column(JSON, default=dict)  # the automatic check at submission
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_on: Mapped[date] = mapped_column(Date)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accept_due: Mapped[date] = mapped_column(Date)
    decide_due: Mapped[date] = mapped_column(Date, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    more_info_note: Mapped[str | None] = mapped_column(Text)
    more_info_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)

    retailer = relationship("Retailer")
    record = relationship("CreditRecord")


class Objection(db.Model):
    """A retailer disputes a record (record_id) or its grade (record_id empty)."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"), index=True)
    grade: Mapped[str | None] = mapped_column(String(3))  # the grade disputed, for a grade objection
    told_on: Mapped[date] = mapped_column(Date)  # the day the retailer was told of the record or grade
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    reasons: Mapped[str] = mapped_column(Text)
    evidence_ids: Mapped[list] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_on: Mapped[date] = mapped_column(Date)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer_due: Mapped[date] = mapped_column(Date, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[str | None] = mapped_column(Text)

    retailer = relationship("Retailer")
    record = relationship("CreditRecord")
