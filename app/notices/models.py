"""Notices to one user, and the SMS outbox: messages written in the business transaction and delivered
by the worker after commit (app.notices.sms)."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.common.time import utcnow
from app.extensions import db

KINDS = ("grade_changed", "new_record", "interview", "rectification", "repair_decided", "objection_answered",
         "commitment_renewal", "repair_submitted", "objection_submitted", "deadline", "repair_update",
         "official_grade", "credit_query", "service_tier", "supply_suspended", "supply_lifted", "calendar")


class Notice(db.Model):
    __tablename__ = "notices"
    # Same key, same user: one notice, enforced by the database (writers insert-or-ignore), so two
    # workers consuming the same events never tell anyone twice. NULL keys never clash.
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(200))
    # Same key, same user: one notice (a deadline warning is not repeated every day).
    dedupe_key: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


SMS_STATES = ("pending", "sending", "sent", "dead", "discarded")


class SmsOutbox(db.Model):
    """One text message to send. Written in the business transaction (pending); the worker claims it,
    hands it to the gateway adapter with ``send_key`` (the gateway's idempotency key, so a retry never
    sends twice), and marks it sent; a failure is retried with exponential backoff until
    ``SMS_MAX_ATTEMPTS``, then it is dead (an admin may retry or discard it)."""

    __tablename__ = "sms_outbox"
    __table_args__ = (Index("ix_sms_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int | None] = mapped_column(Integer, index=True)
    phone: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    adapter: Mapped[str | None] = mapped_column(String(32))  # the adapter that sent it
    status: Mapped[str] = mapped_column(String(16), default="pending")
    send_key: Mapped[str] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
