"""A county of many shops, inserted in bulk (performance test and bench)."""
import random
from datetime import date

from sqlalchemy import insert, select

from app.demo import names
from app.extensions import db
from app.org.models import OrgUnit
from app.retailers.models import Operator, Retailer
from app.retailers.pinyin import initials

FORMATS = ("grocery", "convenience", "supermarket", "tobacco_liquor", "other")


def make_county_shops(n: int, county: str, *, seed: int = 7, centre=(33.59, 119.02), start: int = 1) -> int:
    rng = random.Random(seed)
    unit_id = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == county))
    op = Operator(id_hash=f"bulk-{seed}-{county}-{start}", name="批量")
    db.session.add(op)
    db.session.flush()
    rows = []
    for k in range(start, start + n):
        fmt = rng.choice(FORMATS)
        full, sur, given = names.person_name(rng)
        name = names.shop_name(rng, fmt, "city", surname_=sur, given=given, road="淮海路")[:60] + f"{k}"
        rows.append({
            "licence_no": f"{county}{k:06d}", "shop_name": name, "name_initials": initials(name),
            "operator_id": op.id, "operator_name": full, "phone": "13800000000",
            "address": f"淮安市清江浦区淮海南路{k}号", "lat": centre[0] + rng.uniform(-0.08, 0.08),
            "lng": centre[1] + rng.uniform(-0.08, 0.08), "unit_id": unit_id, "market_type": "city",
            "business_format": fmt, "licence_issued_on": date(2020, 1, 1), "licence_expires_on": date(2030, 1, 1),
            "status": "active", "tier": 10, "version": 1,
        })
    db.session.execute(insert(Retailer), rows)
    db.session.commit()
    return n
