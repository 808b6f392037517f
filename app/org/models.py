"""Org units: the city bureau (市局) and its county-level units (县区局)."""
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class OrgUnit(db.Model):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Administrative division code, e.g. 320800 (淮安市), 320812 (清江浦区).
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    # "city" for the bureau, "county" for a county-level unit.
    level: Mapped[str] = mapped_column(String(8))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))

    parent: Mapped["OrgUnit | None"] = relationship(remote_side="OrgUnit.id")

    @property
    def is_city(self) -> bool:
        return self.level == "city"

    def __repr__(self):
        return f"<OrgUnit {self.code} {self.name}>"
