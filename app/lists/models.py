"""List policy versions, list entries with their history, and objections to an entry."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

KINDS = ("red", "black")
# proposed → notice (公示期) → effective → exited; proposed → rejected; notice → cancelled (objection upheld)
STATUSES = ("proposed", "notice", "effective", "rejected", "cancelled", "exited")
ACTIVE = ("proposed", "notice", "effective")
PUBLIC = ("notice", "effective")


class ListPolicyVersion(db.Model):
    """A version of the list rules (entry criteria, notice period, validity, joint measures), as JSON."""

    __tablename__ = "list_policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(16), unique=True)
    effective_from: Mapped[date] = mapped_column(Date)
    body: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    creator = relationship("User")


class ListEntry(db.Model):
    """One licence on the red or black list: a decision with its criterion, the record or evaluation
    behind it, its notice period, publication and exit. At most one active entry per licence and list."""

    __tablename__ = "list_entries"
    __table_args__ = (
        Index("uq_list_entries_active", "retailer_id", "kind", unique=True,
              postgresql_where=text("status IN ('proposed', 'notice', 'effective')"),
              sqlite_where=text("status IN ('proposed', 'notice', 'effective')")),
        Index("ix_list_entries_status", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    policy_version: Mapped[str] = mapped_column(String(16))
    criterion: Mapped[str] = mapped_column(String(32))  # red_grade, black_veto, black_serious, black_refused
    basis_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_runs.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(Text)
    notice_from: Mapped[date | None] = mapped_column(Date)
    notice_until: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    exit_proposed_at: Mapped[datetime | None] = mapped_column(DateTime)
    exit_reason: Mapped[str | None] = mapped_column(String(24))  # repair, dismissed, expiry, no_longer_meets
    exited_on: Mapped[date | None] = mapped_column(Date)
    exited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    retailer = relationship("Retailer")
    unit = relationship("OrgUnit")
    basis_record = relationship("CreditRecord")
    events = relationship("ListEntryEvent", order_by="ListEntryEvent.id", back_populates="entry")
    objections = relationship("ListObjection", order_by="ListObjection.id", back_populates="entry")


class ListEntryEvent(db.Model):
    __tablename__ = "list_entry_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entries.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)

    entry = relationship("ListEntry", back_populates="events")
    actor = relationship("User")


class ListObjection(db.Model):
    """A retailer's objection to an entry in its notice period; one open objection per entry."""

    __tablename__ = "list_objections"
    __table_args__ = (
        Index("uq_list_objections_open", "entry_id", unique=True,
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entries.id"), index=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, upheld, rejected
    reasons: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer_due: Mapped[date] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    entry = relationship("ListEntry", back_populates="objections")
