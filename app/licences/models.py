"""Licence-verification tasks (许可证核查, the search for 虚假户: licences held with no real shop)."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

CHECK_STATUSES = ("open", "closed")
CHECK_REASONS = ("not_found_repeatedly", "early_warning")  # early_warning: opened from a 虚假户 warning
# What the county supervisor found: the licence is real and trading; the shop moved (registration to
# change); it closed down (licence to cancel); or nobody ever traded there (虚假户: a case to open).
CHECK_OUTCOMES = ("trading", "moved", "closed_down", "false_licence")
# A check that found the shop gone (closed_down, false_licence) proposes the licence for cancellation;
# a supervisor decides: cancelled (the licence's status becomes cancelled) or kept.
CANCEL_OUTCOMES = ("closed_down", "false_licence")
CANCELLATION_STATES = ("proposed", "cancelled", "kept")


class LicenceCheck(db.Model):
    """A task for the county supervisor: verify a licence whose shop inspectors could not find.

    At most one open task per licence (a partial unique index): a repeated trigger while one is
    open adds nothing. Opened and closed through app.licences.services, each with its audit entry."""

    __tablename__ = "licence_checks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("cancellation IS NULL OR cancellation IN ('proposed', 'cancelled', 'kept')",
                        name="cancellation"),
        Index("uq_licence_checks_open", "retailer_id", unique=True,
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
        Index("ix_licence_checks_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    reason: Mapped[str] = mapped_column(String(24), default="not_found_repeatedly")
    status: Mapped[str] = mapped_column(String(8), default="open")
    # The inspections (outcome not_found) that opened it, oldest first.
    inspection_ids: Mapped[list] = mapped_column(JSON, default=list)
    opened_on: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancellation: Mapped[str | None] = mapped_column(String(12))  # CANCELLATION_STATES
    cancellation_note: Mapped[str | None] = mapped_column(Text)
    cancellation_decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancellation_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    retailer = relationship("Retailer")
    unit = relationship("OrgUnit")
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    cancellation_decided_by = relationship("User", foreign_keys=[cancellation_decided_by_id])
