"""Licensed cigarette retailers (卷烟零售户) and their operators (经营者)."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

MARKET_TYPES = ("city", "town", "village")  # 城区, 集镇, 农村
BUSINESS_FORMATS = ("convenience", "supermarket", "grocery", "tobacco_liquor", "entertainment", "other")
STATUSES = ("active", "suspended", "cancelled")


class Operator(db.Model):
    """The person behind one or more licences, known only by a keyed hash of the ID number."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    # HMAC-SHA256 of the normalised ID number with ID_HASH_KEY: never the number itself.
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    # The ID number masked for publication (320802********123X): kept from the clear number when the
    # operator is registered, for the 双公示 items of a shop with no unified social credit code.
    id_masked: Mapped[str | None] = mapped_column(String(18))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    retailers = relationship("Retailer", back_populates="operator")


class Retailer(db.Model):
    __tablename__ = "retailers"
    __table_args__ = (
        CheckConstraint("tier >= 1 AND tier <= 30", name="tier_range"),
        CheckConstraint("market_type IN ('city', 'town', 'village')", name="market_type"),
        CheckConstraint(
            "business_format IN ('convenience', 'supermarket', 'grocery', 'tobacco_liquor', 'entertainment', 'other')",
            name="business_format",
        ),
        CheckConstraint("status IN ('active', 'suspended', 'cancelled')", name="status"),
        Index("ix_retailers_lat_lng", "lat", "lng"),  # the map's view box (app/maps)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_no: Mapped[str] = mapped_column(String(12), unique=True)
    shop_name: Mapped[str] = mapped_column(String(128), index=True)
    # Lower-case pinyin initials of the shop name ("hxbl" for 华兴便利), for field search.
    name_initials: Mapped[str] = mapped_column(String(128), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    operator_name: Mapped[str] = mapped_column(String(64))
    # 统一社会信用代码 (GB 32100-2015) of the enterprise or individual business running the shop, if any.
    credit_code: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(256))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    market_type: Mapped[str] = mapped_column(String(16))
    business_format: Mapped[str] = mapped_column(String(16))
    licence_issued_on: Mapped[date] = mapped_column(Date)
    licence_expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    tier: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Optimistic concurrency for updates (ETag / If-Match).
    version: Mapped[int] = mapped_column(Integer, default=1)

    operator = relationship("Operator", back_populates="retailers")
    unit = relationship("OrgUnit")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self):
        return f"<Retailer {self.licence_no} {self.shop_name}>"
