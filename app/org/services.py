"""Org-unit reference data: the Huai'an bureau and its county-level units."""
from sqlalchemy import select

from app.extensions import db
from app.org.models import OrgUnit

CITY = ("320800", "淮安市烟草专卖局", "Huai'an Tobacco Monopoly Bureau")
COUNTIES = [
    ("320812", "清江浦区", "Qingjiangpu District"),
    ("320803", "淮安区", "Huai'an District"),
    ("320804", "淮阴区", "Huaiyin District"),
    ("320813", "洪泽区", "Hongze District"),
    ("320826", "涟水县", "Lianshui County"),
    ("320830", "盱眙县", "Xuyi County"),
    ("320831", "金湖县", "Jinhu County"),
    ("320871", "经济技术开发区", "Economic and Technological Development Zone"),
]


def ensure_units() -> dict[str, OrgUnit]:
    """Create the city and county units if missing (idempotent). Returns units by code."""
    units = {u.code: u for u in db.session.scalars(select(OrgUnit))}
    city = units.get(CITY[0])
    if city is None:
        city = OrgUnit(code=CITY[0], name=CITY[1], name_en=CITY[2], level="city")
        db.session.add(city)
        db.session.flush()
        units[city.code] = city
    for code, name, name_en in COUNTIES:
        if code not in units:
            unit = OrgUnit(code=code, name=name, name_en=name_en, level="county", parent_id=city.id)
            db.session.add(unit)
            units[code] = unit
    db.session.flush()
    return units


def all_units():
    return list(db.session.scalars(select(OrgUnit).order_by(OrgUnit.level, OrgUnit.code)))


def county_units():
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)))
