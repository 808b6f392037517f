"""A licence's state comes from its expiry date everywhere: a licence that expired yesterday is
expired for its retailer, for staff, in the API and on the inspector's card; the retailer is told 60
and 30 days ahead and on the day, once each (a daily service function and its CLI command)."""
import gzip
import json
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.licences.services import expiry_stage, send_expiry_notices
from app.licences.state import licence_state, state_clause
from app.notices.models import Notice
from app.retailers.models import Retailer
from tests.conftest import COUNTY

TODAY = date(2026, 11, 29)


def test_states_follow_the_expiry_date(make_retailer, clock):
    clock(TODAY)
    cases = {
        "expired": make_retailer(licence_expires_on=TODAY - timedelta(days=1)),
        "expiring": make_retailer(licence_expires_on=TODAY + timedelta(days=60)),
        "valid": make_retailer(licence_expires_on=TODAY + timedelta(days=61)),
        "suspended": make_retailer(status="suspended", licence_expires_on=TODAY + timedelta(days=10)),
        "cancelled": make_retailer(status="cancelled", licence_expires_on=TODAY - timedelta(days=10)),
    }
    today_ok = make_retailer(licence_expires_on=TODAY)
    assert licence_state(today_ok).state == "expiring" and licence_state(today_ok).days_left == 0
    for state, r in cases.items():
        assert licence_state(r).state == state
        ids = set(db.session.scalars(select(Retailer.id).where(state_clause(state))))
        assert r.id in ids and all(licence_state(db.session.get(Retailer, i)).state == state for i in ids)
    suspended_expired = make_retailer(status="suspended", licence_expires_on=TODAY - timedelta(days=3))
    assert licence_state(suspended_expired).state == "expired"


def test_an_expired_licence_is_expired_for_everyone(make_retailer, make_user, signed_in, clock):
    clock(TODAY)
    shop = make_retailer(shop_name="华兴便利店", licence_expires_on=TODAY - timedelta(days=1))
    retailer = signed_in(make_user("retailer", retailers=[shop]))
    home = retailer.get("/").get_data(as_text=True)
    assert "已于 2026-11-28 到期" in home and "请到所在县区局办理延续手续" in home
    assert "正常" not in home
    assert retailer.get("/api/me/retailers").get_json()[0]["licence_state"] == "expired"

    inspector = signed_in(make_user("inspector", COUNTY))
    staff = inspector.get(f"/retailers/{shop.id}").get_data(as_text=True)
    assert "已于 2026-11-28 到期" in staff
    assert inspector.get(f"/api/retailers/{shop.id}").get_json()["licence_state"] == "expired"
    raw = inspector.get("/api/inspections/pack", headers={"Accept-Encoding": "gzip"}).data
    pack = json.loads(gzip.decompress(raw))
    card = next(s for s in pack["shops"] if s["id"] == shop.id)
    assert "licence_expired" in card["warn"] and "licence_expiring" not in card["warn"]
    assert card["exp"] == "2026-11-28"


def test_expiry_stages():
    assert [expiry_stage(n) for n in (61, 60, 31, 30, 1, 0, -1, -7, -8)] == [
        None, "60", "60", "30", "30", "0", "0", "0", None]


def test_the_retailer_is_told_60_and_30_days_ahead_and_on_the_day_once_each(make_retailer, make_user, clock):
    shop = make_retailer(shop_name="华兴便利店", licence_expires_on=date(2027, 3, 1))
    far = make_retailer(shop_name="远期便利店", licence_expires_on=date(2028, 3, 1))
    owner = make_user("retailer", retailers=[shop])
    make_user("retailer", retailers=[far])

    def told():
        db.session.expire_all()
        return [n.title for n in db.session.scalars(select(Notice).where(Notice.kind == "licence_expiry")
                                                    .order_by(Notice.id))]

    day = date(2027, 3, 1) - timedelta(days=61)
    assert send_expiry_notices(day) == 0
    for offset, expected in ((60, 1), (59, 1), (45, 1), (30, 2), (29, 2), (1, 2), (0, 3), (-1, 3), (-9, 3)):
        send_expiry_notices(date(2027, 3, 1) - timedelta(days=offset))
        db.session.commit()
        assert len(told()) == expected, (offset, told())
    titles = told()
    assert titles[0] == "您的烟草专卖零售许可证 320812000001 将于 2027-03-01 到期"
    assert titles[2] == "您的烟草专卖零售许可证 320812000001 今天到期"
    assert {n.user_id for n in db.session.scalars(select(Notice).where(Notice.kind == "licence_expiry"))} == {owner.id}
    # Renewed: a new expiry date is told again when its time comes.
    shop.licence_expires_on = date(2032, 3, 1)
    db.session.commit()
    send_expiry_notices(date(2032, 3, 1) - timedelta(days=60))
    db.session.commit()
    assert len(told()) == 4


def test_the_cli_sends_the_notices(app, make_retailer, make_user):
    shop = make_retailer(licence_expires_on=date(2027, 1, 28))
    make_user("retailer", retailers=[shop])
    result = app.test_cli_runner().invoke(args=["licences", "notify-expiry", "--date", "2026-11-29"])
    assert result.exit_code == 0 and "1 licences told" in result.output
    result = app.test_cli_runner().invoke(args=["licences", "notify-expiry", "--date", "2026-11-29"])
    assert "0 licences told" in result.output
