"""Issued credit reports: the serial a QR code leads to, and what the public page may confirm."""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String
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


REPORT_KINDS = ("monthly_update", "quarterly_analysis", "ranking")


class BureauReport(db.Model):
    """A report of the bureau's own (月度动态更新, 统计分析报告, 通报) kept as a PDF file: which kind, for
    which period and scope (a county, or the whole city when ``unit_id`` is empty), the file's name
    under REPORTS_DIR and its SHA-256, and the job that made it (none when a periodic task did)."""

    __tablename__ = "bureau_reports"
    __table_args__ = (Index("ix_bureau_reports_kind_period", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    period: Mapped[str] = mapped_column(String(7))  # 2026-11 or 2026Q4
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    generated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    file_key: Mapped[str] = mapped_column(String(80), unique=True)  # path under REPORTS_DIR, made by the server
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit = relationship("OrgUnit")
    requested_by = relationship("User")
