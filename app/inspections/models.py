"""An inspection as recorded on site, and what hangs off it.

An inspection is immutable once received (it has legal weight): corrections are new records. The
client's UUID makes it unique, and ``content_hash`` (SHA-256 of the canonical JSON that was sent)
tells a replay of the same capture (200) from a different capture under the same UUID (409)."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from app.common.time import utcnow
from app.extensions import db

# inspected: a normal inspection. The others record why none was possible; they feed the search
# for 虚假户 (licences with no real shop behind them).
OUTCOMES = ("inspected", "closed", "not_found", "moved", "not_trading")
ABNORMAL_OUTCOMES = ("closed", "not_found", "moved", "not_trading")
# inside / outside the geofence; no_gps: the phone gave no position; no_shop_location: the shop has
# no registered coordinates, so no distance can be computed.
GEOFENCE = ("inside", "outside", "no_gps", "no_shop_location")
CHECK_RESULTS = ("pass", "fail", "na")
SIGNATURE_STATUSES = ("signed", "refused", "not_applicable")
INTERVIEW_KINDS = ("warning", "repair")  # 警示约谈, 修复约谈
RECTIFICATION_STATUSES = ("open", "done", "not_done")
RECTIFICATION_RESULTS = ("done", "not_done")
FILE_ROLES = ("photo", "signature")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Inspection(db.Model):
    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),
        CheckConstraint(_in("geofence", GEOFENCE), name="geofence"),
        CheckConstraint(_in("signature_status", SIGNATURE_STATUSES), name="signature_status"),
        Index("ix_inspections_retailer_occurred", "retailer_id", "occurred_on"),
        # lists are newest first (date, then id): read in that order from the index, not sorted
        Index("ix_inspections_unit_occurred", "unit_id", "occurred_on", "id"),
        Index("ix_inspections_occurred", "occurred_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    # The county of the shop at the time: the access policy scopes by it.
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    second_officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Times: the phone's clock (UTC) for when the visit started and the record was finished;
    # the server's clock for when it arrived.
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    occurred_on: Mapped[date] = mapped_column(Date)  # local date of the visit
    # Check-in position from the Geolocation API, and the server's distance to the registered shop.
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    position_at: Mapped[datetime | None] = mapped_column(DateTime)
    distance_m: Mapped[float | None] = mapped_column(Float)
    geofence: Mapped[str] = mapped_column(String(16))
    geofence_radius_m: Mapped[int] = mapped_column(Integer)
    location_reason: Mapped[str] = mapped_column(Text, default="")
    signature_status: Mapped[str] = mapped_column(String(16))
    signer_name: Mapped[str] = mapped_column(String(64), default="")
    signature_refusal_reason: Mapped[str] = mapped_column(Text, default="")

    retailer = relationship("Retailer")
    unit = relationship("OrgUnit")
    inspector = relationship("User", foreign_keys=[inspector_id])
    second_officer = relationship("User", foreign_keys=[second_officer_id])
    checks = relationship("InspectionCheck", back_populates="inspection", order_by="InspectionCheck.position")
    violations = relationship("InspectionViolation", back_populates="inspection",
                              order_by="InspectionViolation.position")
    interview = relationship("Interview", back_populates="inspection", uselist=False)
    rectifications = relationship("RectificationItem", back_populates="inspection",
                                  foreign_keys="RectificationItem.inspection_id", order_by="RectificationItem.id")
    rectification_checks = relationship("RectificationCheck", back_populates="inspection",
                                        order_by="RectificationCheck.id")
    files = relationship("InspectionFile", back_populates="inspection", order_by="InspectionFile.position")
    # The number of violations, computed by the lists' query (services.list_query) in the same SELECT.
    violation_count = query_expression()

    @property
    def flagged(self) -> bool:
        """The check-in needs a second look: outside the geofence, or no distance at all."""
        return self.geofence != "inside"

    @property
    def photos(self):
        return [f for f in self.files if f.role == "photo"]

    @property
    def general_photos(self):
        return [f for f in self.files if f.role == "photo" and f.check_id is None and f.violation_id is None]

    @property
    def signature(self):
        return next((f for f in self.files if f.role == "signature"), None)


class InspectionCheck(db.Model):
    """One checklist item's result (pass / fail / not applicable), with the label as shown then."""

    __tablename__ = "inspection_checks"
    __table_args__ = (CheckConstraint(_in("result", CHECK_RESULTS), name="result"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(256))
    result: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")

    inspection = relationship("Inspection", back_populates="checks")
    files = relationship("InspectionFile", back_populates="check", order_by="InspectionFile.position")


class InspectionViolation(db.Model):
    """A violation found on site; it becomes a suspected credit record (``credit_record_id``)."""

    __tablename__ = "inspection_violations"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    indicator_code: Mapped[str] = mapped_column(String(8))
    catalogue_version: Mapped[str] = mapped_column(String(16))
    indicator_name: Mapped[str] = mapped_column(String(256))
    quantity: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    credit_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"), index=True)

    inspection = relationship("Inspection", back_populates="violations")
    credit_record = relationship("CreditRecord")
    files = relationship("InspectionFile", back_populates="violation", order_by="InspectionFile.position")


class Interview(db.Model):
    """约谈 held during the visit: warning (B grade) or repair interview."""

    __tablename__ = "interviews"
    __table_args__ = (CheckConstraint(_in("kind", INTERVIEW_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    attendees: Mapped[str] = mapped_column(Text)  # who attended, for the retailer and for the bureau
    statement: Mapped[str] = mapped_column(Text)  # what was said
    commitments: Mapped[str] = mapped_column(Text, default="")  # what the retailer committed to

    inspection = relationship("Inspection", back_populates="interview")


class RectificationItem(db.Model):
    """整改: something the retailer must put right by a deadline; a later inspection verifies it."""

    __tablename__ = "rectification_items"
    __table_args__ = (CheckConstraint(_in("status", RECTIFICATION_STATUSES), name="status"),
                      Index("ix_rectification_items_retailer_status", "retailer_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    description: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    checked_on: Mapped[date | None] = mapped_column(Date)
    checked_by_inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))

    inspection = relationship("Inspection", back_populates="rectifications", foreign_keys=[inspection_id])
    checked_by = relationship("Inspection", foreign_keys=[checked_by_inspection_id])

    def overdue(self, today: date) -> bool:
        return self.status == "open" and self.deadline < today


class RectificationCheck(db.Model):
    """A later inspection's verdict on a rectification item."""

    __tablename__ = "rectification_checks"
    __table_args__ = (CheckConstraint(_in("result", RECTIFICATION_RESULTS), name="result"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rectification_items.id"), index=True)
    result: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")

    inspection = relationship("Inspection", back_populates="rectification_checks")
    item = relationship("RectificationItem")


class InspectionFile(db.Model):
    """A stored photo or the signature, attached to an inspection (and maybe to a check or violation).
    A file is attached once (unique file_id)."""

    __tablename__ = "inspection_files"
    __table_args__ = (CheckConstraint(_in("role", FILE_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    check_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_checks.id"))
    violation_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_violations.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    inspection = relationship("Inspection", back_populates="files")
    file = relationship("StoredFile")
    check = relationship("InspectionCheck", back_populates="files")
    violation = relationship("InspectionViolation", back_populates="files")
