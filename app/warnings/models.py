"""Early warnings (失信预警): one row per signal raised for a shop, kept after it is closed."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

# near_boundary: live score within a few points of the next grade down; falling_trend: the official
# score fell at each of the last published quarters; suspected: suspected violations await
# confirmation; repeated_minor: failed checklist items and minor violations pile up; overdue_rectification:
# a rectification is past its deadline; shop_absent: visits found the shop closed or not at all (虚假户?);
# ordering_volume: cartons ordered far above the peers of the same tier and format (违规流通?);
# no_orders: months without orders (虚假户?).
KINDS = ("near_boundary", "falling_trend", "suspected", "repeated_minor", "overdue_rectification", "shop_absent",
         "ordering_volume", "no_orders")
# the kinds whose action may be the licence check (the 虚假户 verification)
LICENCE_CHECK_KINDS = ("shop_absent", "no_orders")
STATUSES = ("open", "closed")
# guidance (the retailer is told), 约谈 interview, inspection, licence check (opens the 虚假户 check)
ACTIONS = ("guidance", "interview", "inspection", "licence_check")
# what the close found: the risk was dealt with; the signal was unfounded; it turned into a case/record
OUTCOMES = ("resolved", "unfounded", "escalated")


def _in(col, values):
    return f"{col} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class EarlyWarning(db.Model):
    """One early warning. ``open_key`` (``<retailer>:<kind>``) is set while the warning is open and
    cleared when it is closed: a unique column, so there is at most one open warning per shop and kind
    and the nightly job inserts with ON CONFLICT DO NOTHING. Never deleted: a warning whose condition
    has gone stays open until its owner closes it with an outcome."""

    __tablename__ = "warnings"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("action IS NULL OR " + _in("action", ACTIONS), name="action"),
        CheckConstraint("outcome IS NULL OR " + _in("outcome", OUTCOMES), name="outcome"),
        Index("ix_warnings_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(8), default="open")
    open_key: Mapped[str | None] = mapped_column(String(48), unique=True)
    raised_on: Mapped[date] = mapped_column(Date)
    raised_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # the figures behind the reason
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str | None] = mapped_column(String(16))
    action_note: Mapped[str | None] = mapped_column(Text)
    action_at: Mapped[datetime | None] = mapped_column(DateTime)
    action_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    licence_check_id: Mapped[int | None] = mapped_column(ForeignKey("licence_checks.id"))
    outcome: Mapped[str | None] = mapped_column(String(12))
    close_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    retailer = relationship("Retailer")
    unit = relationship("OrgUnit")
    owner = relationship("User", foreign_keys=[owner_id])
    action_by = relationship("User", foreign_keys=[action_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    licence_check = relationship("LicenceCheck")
