"""Banks (partner accounts of kind bank), retailers' consents to them, and every query a bank made."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

SCOPES = ("grade", "report")  # report: the credit report, which includes the grade
QUERY_KINDS = ("grade", "report", "report_pdf")


class Bank(db.Model):
    """A partner account registered as a bank: its API tokens may query retailers that consented."""

    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id])


class BankConsent(db.Model):
    """A retailer's consent to one bank: what it may see (scope), from when until when. Revocable at any
    time; never edited otherwise (a new grant replaces the one in force, which is revoked)."""

    __tablename__ = "bank_consents"
    __table_args__ = (
        CheckConstraint("scope IN ('grade', 'report')", name="scope"),
        Index("ix_bank_consents_bank_retailer", "bank_id", "retailer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    scope: Mapped[str] = mapped_column(String(8))
    starts_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)  # the last day it stands
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    bank = relationship("Bank")
    retailer = relationship("Retailer")

    def state(self, today: date) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if today > self.expires_on:
            return "expired"
        if today < self.starts_on:
            return "pending"
        return "active"


class BankQuery(db.Model):
    """One query by a bank: who, when, about which licence, under which consent, what it received."""

    __tablename__ = "bank_queries"
    __table_args__ = (
        CheckConstraint("kind IN ('grade', 'report', 'report_pdf')", name="kind"),
        Index("ix_bank_queries_retailer_at", "retailer_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), index=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    consent_id: Mapped[int] = mapped_column(ForeignKey("bank_consents.id"))
    kind: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    token_id: Mapped[int | None] = mapped_column(Integer)  # api_tokens.id of the token used
    grade: Mapped[str | None] = mapped_column(String(3))  # the grade the bank was given
    report_serial: Mapped[str | None] = mapped_column(String(32))  # the credit report issued, if any

    bank = relationship("Bank")
