"""Credit commitment texts (admin-edited, versioned) and the signed copies."""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

COMMITMENT_STATUSES = ("active", "superseded", "expired", "broken", "kept")


class CommitmentText(db.Model):
    """One version of the commitment wording. Never edited: a change is a new version."""

    __tablename__ = "commitment_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Commitment(db.Model):
    """A signed commitment of one licence: the text version, the drawn signature, when, until when."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    text_id: Mapped[int] = mapped_column(ForeignKey("commitment_texts.id"))
    text_version: Mapped[int] = mapped_column(Integer)
    signed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    signed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(64))
    signature_png: Mapped[bytes] = mapped_column(LargeBinary)
    signature_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="active", index=True)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    bonus_record_id: Mapped[int | None] = mapped_column(Integer)
    breach_record_id: Mapped[int | None] = mapped_column(Integer)

    retailer = relationship("Retailer")
    text = relationship("CommitmentText")
