"""A retailer's request to change its licence or renew it (许可证变更/延续申请)."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

KINDS = ("change", "renewal")
STATUSES = ("submitted", "approved", "rejected")
MAX_CHANGES = 500  # characters of the free-text "what changes"
MAX_REASON = 1000


class LicenceRequest(db.Model):
    """Submitted by the retailer, decided (approved/rejected, with a reason) by a county supervisor.

    ``green_channel`` is fixed at submission from the licence's live grade then (AA/AAA): the request
    is flagged and comes first in the queue, and its deadline is shorter (app.licence_requests.services)."""

    __tablename__ = "licence_requests"
    __table_args__ = (
        CheckConstraint("kind IN ('change', 'renewal')", name="kind"),
        CheckConstraint("status IN ('submitted', 'approved', 'rejected')", name="status"),
        # at most one request of each kind waiting per licence, kept by the database on both engines
        Index("uq_licence_requests_open", "retailer_id", "kind", unique=True,
              postgresql_where=text("status = 'submitted'"), sqlite_where=text("status = 'submitted'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    changes: Mapped[str | None] = mapped_column(Text)  # change: what is to change
    requested_until: Mapped[date | None] = mapped_column(Date)  # renewal: the validity asked for
    grade: Mapped[str | None] = mapped_column(String(3))  # the live grade at submission
    green_channel: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="submitted", index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_on: Mapped[date] = mapped_column(Date)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decide_due: Mapped[date] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    retailer = relationship("Retailer")
