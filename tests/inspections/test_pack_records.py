"""The shop card's records in the data pack: a bonus (e.g. ZM51 +5, commitment kept a year) is listed
as a bonus with its name, never among the open violations."""
import gzip
import json
from datetime import timedelta

from app.common.time import local_today
from app.credit import recording
from app.credit.versions import sync_shipped
from app.extensions import db


def test_a_bonus_is_a_bonus_not_a_violation(field, make_user):
    sync_shipped()
    sup = make_user("supervisor", field.shop.unit.code)
    today = local_today()
    recording.create_record(field.shop, "ZM51", occurred_on=today - timedelta(days=10), source="system", actor=None,
                            description="全年履行信用承诺", status="confirmed", decided_on=today - timedelta(days=10))
    recording.create_record(field.shop, "ZM09", occurred_on=today - timedelta(days=5), source="supervisor",
                            actor=sup, description="未悬挂许可证", status="confirmed",
                            decided_on=today - timedelta(days=2), case_number="淮烟专罚〔2026〕9号")
    db.session.commit()
    raw = field.session.get("/api/inspections/pack", headers={"Accept-Encoding": "gzip"}).data
    shop = next(s for s in json.loads(gzip.decompress(raw))["shops"] if s["id"] == field.shop.id)
    assert [r[0] for r in shop["recs"]] == ["ZM09"]
    assert len(shop["bonus"]) == 1
    code, status, _day, points, name = shop["bonus"][0]
    assert (code, status, points, name) == ("ZM51", "confirmed", 5, "全年履行信用承诺")
