"""Partner agreements, findings pushed by partners, outcome notifications and the partner read log."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

# What a partner may be allowed to read of a retailer (the agreement lists a subset).
READABLE_FIELDS = ("licence_no", "shop_name", "unit_name", "status", "operator_name", "address",
                   "grade", "score", "lists")
LIST_KINDS = ("red", "black")
GRADES = ("AAA", "AA", "A", "B", "C", "D")
NOTIFY_STATUSES = ("pending", "sending", "sent", "dead", "no_callback")


class PartnerAgreement(db.Model):
    """One partner account's data-sharing agreement: which retailer fields, which grades and which lists
    it may read, which kinds of finding it may push, and where the outcome of a finding is sent."""

    __tablename__ = "partner_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    organisation: Mapped[str] = mapped_column(String(128))
    fields: Mapped[list] = mapped_column(JSON, default=list)
    grades: Mapped[list] = mapped_column(JSON, default=list)
    lists: Mapped[list] = mapped_column(JSON, default=list)
    finding_types: Mapped[list] = mapped_column(JSON, default=list)
    callback_url: Mapped[str | None] = mapped_column(String(512))
    # this partner's joint measures per list, shown to retailers and partners: {"red": [text], "black": [text]}
    measures: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id])


class PartnerFinding(db.Model):
    """A finding a partner pushed (a suspected 社会 record until a supervisor decides). The partner's
    Idempotency-Key and its document number are each unique per partner."""

    __tablename__ = "partner_findings"
    __table_args__ = (
        UniqueConstraint("partner_id", "idempotency_key", name="uq_partner_findings_key"),
        UniqueConstraint("partner_id", "document_no", name="uq_partner_findings_document"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    body_sha256: Mapped[str] = mapped_column(String(64))
    finding_type: Mapped[str] = mapped_column(String(32))
    document_no: Mapped[str] = mapped_column(String(64))
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), unique=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    record = relationship("CreditRecord")
    retailer = relationship("Retailer")
    partner = relationship("User", foreign_keys=[partner_id])


class PartnerNotification(db.Model):
    """The outcome of a finding, or a list entry taking effect or withdrawn, for the partner: kept for
    the status API and, when the agreement names a callback URL, delivered there by the job runner
    (signed, retried with backoff, dead after the maximum attempts). ``send_key`` is unique: replaying
    the event stream never tells twice."""

    __tablename__ = "partner_notifications"
    __table_args__ = (Index("ix_partner_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # the finding whose outcome this is, or the list entry shared (listed) or withdrawn (撤销)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("partner_findings.id"), index=True)
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"), index=True)
    event: Mapped[str] = mapped_column(String(16))  # confirmed, dismissed, repaired; listed, withdrawn
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    send_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PartnerRead(db.Model):
    """Every read a partner made (who, what, when), written in its own short transaction at the end of
    the request like the security log, so a GET stays a read of the business tables."""

    __tablename__ = "partner_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_id: Mapped[int | None] = mapped_column(Integer)
    what: Mapped[str] = mapped_column(String(32))  # retailer, finding, findings, measures
    target: Mapped[str | None] = mapped_column(String(64))  # licence number or finding id
    retailer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    fields: Mapped[list] = mapped_column(JSON, default=list)
    ip: Mapped[str | None] = mapped_column(String(64))

    partner = relationship("User")
