"""Issued credit reports: the serial a QR code leads to, and what the public page may confirm."""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db


class CreditReport(db.Model):
    __tablename__ = "credit_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    grade: Mapped[str] = mapped_column(String(3))
    score: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))

    retailer = relationship("Retailer")
