"""Trust supervision (信任监管) of AA and AAA retailers: the remote self-check (非现场自查)."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

SELF_CHECK_STATUSES = ("submitted", "accepted", "failed")
# The short checklist: each item is answered yes/no and proved by a photo taken in the app.
ITEMS = ("licence_displayed", "price_tags", "no_out_of_area")
TRUSTED_GRADES = ("AAA", "AA")


class SelfCheck(db.Model):
    __tablename__ = "self_checks"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'accepted', 'failed')", name="status"),
        Index("ix_self_checks_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)  # the phone's id: a retry finds it
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    grade: Mapped[str] = mapped_column(String(3))  # the live grade when submitted
    answers: Mapped[dict] = mapped_column(JSON)  # item -> true/false
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)  # from the licence's registered position
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))  # the routine visit it closed / made

    retailer = relationship("Retailer")
    photos = relationship("SelfCheckPhoto", back_populates="self_check", order_by="SelfCheckPhoto.id")
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])


class SelfCheckPhoto(db.Model):
    __tablename__ = "self_check_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    self_check_id: Mapped[int] = mapped_column(ForeignKey("self_checks.id"), index=True)
    item: Mapped[str] = mapped_column(String(24))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)

    self_check = relationship("SelfCheck", back_populates="photos")
    file = relationship("StoredFile")
