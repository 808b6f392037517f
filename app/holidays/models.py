"""The official calendar: one row per year whose schedule is known (who entered it, when, from which
document) and one row per day that differs from the Monday-Friday rule (a holiday, or a weekend day
made a working day 调休). A year without a row has no official schedule: its days are counted
Monday-Friday, and whatever reaches it says so."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

DAY_KINDS = ("holiday", "workday")
ORIGINS = ("package", "entered", "imported")


class CalendarYear(db.Model):
    __tablename__ = "calendar_years"
    __table_args__ = (CheckConstraint("origin IN ('package', 'entered', 'imported')", name="origin"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # The document the schedule comes from, e.g. 国办发明电〔2025〕7号, or the package and its version.
    source: Mapped[str] = mapped_column(String(120))
    origin: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A fresh random value at every change: the readers' cache compares these to know it is stale.
    token: Mapped[str] = mapped_column(String(32))

    entered_by = relationship("User", foreign_keys=[entered_by_id])


class CalendarDay(db.Model):
    __tablename__ = "calendar_days"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # The schedule (year) that set this day; a notice may set a day of the last days of the year before.
    year: Mapped[int] = mapped_column(ForeignKey("calendar_years.year", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(40))  # e.g. 春节
