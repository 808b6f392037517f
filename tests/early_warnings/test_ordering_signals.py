"""Ordering anomalies 订货异常 as early warnings: orders far above the peers of the same tier and format
(违规流通?) and months without orders (虚假户?, action: the licence check), from the ordering system's
monthly figures; thresholds from config."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.licences.models import LicenceCheck
from app.service.models import OrderingFigure
from app.warnings.models import EarlyWarning
from app.warnings.signals import idle_months, last_months, no_orders, ordering_volume, volume_outliers
from tests.background import run_jobs
from tests.conftest import COUNTY, OTHER_COUNTY

DAY = date(2026, 11, 2)
MONTHS = ["2026-08", "2026-09", "2026-10"]


def test_last_months_are_the_complete_months_before_today():
    assert last_months(DAY, 3) == MONTHS
    assert last_months(date(2026, 1, 31), 2) == ["2025-11", "2025-12"]


def test_volume_outliers_rule():
    peers = {i: (("t10", "grocery"), 300 + i) for i in range(9)}  # 300..308, median 304, MAD 2
    peers[99] = (("t10", "grocery"), 900)
    out = volume_outliers(peers, k=5, ratio=1.5, min_peers=8)
    assert list(out) == [99]
    assert out[99]["peer_median"] == 304.5 and out[99]["peers"] == 10 and out[99]["times_median"] == 3.0
    # the ratio floor: a spread of 0 does not make every shop one carton above the median an outlier
    flat = {i: (("t1", "other"), 100) for i in range(9)} | {50: (("t1", "other"), 140), 51: (("t1", "other"), 151)}
    assert list(volume_outliers(flat, k=5, ratio=1.5, min_peers=8)) == [51]
    # too few peers: not judged
    assert volume_outliers({1: ("a", 10), 2: ("a", 10), 3: ("a", 1000)}, k=5, ratio=1.5, min_peers=8) == {}


def test_idle_months_rule():
    ordered = {1: {"a": 10, "b": 0, "c": None}, 2: {"a": 0, "b": 5, "c": 7}, 3: {"b": 0, "c": 0}}
    assert idle_months(ordered, ["a", "b", "c"], minimum=2) == {1: {"months": ["b", "c"], "of": 3},
                                                                  3: {"months": ["b", "c"], "of": 3}}


def _figures(shop, cartons_by_month, tier=10):
    for month, cartons in zip(MONTHS, cartons_by_month):
        if cartons is None:
            continue
        db.session.add(OrderingFigure(retailer_id=shop.id, month=month, base_tier=tier, order_cartons=cartons,
                                      order_amount_fen=cartons * 25000, source="api"))
    db.session.commit()


@pytest.fixture
def town(make_retailer, make_user):
    class T:
        pass

    t = T()
    t.peers = [make_retailer(shop_name=f"便利店{i}") for i in range(9)]
    for i, shop in enumerate(t.peers):
        _figures(shop, [118 + i, 121, 119 + (i % 3)])
    t.heavy = make_retailer(shop_name="大量进货便利店")
    _figures(t.heavy, [300, 360, 420])
    t.idle = make_retailer(shop_name="长期未订货店")
    _figures(t.idle, [120, 0, 0])
    t.missing = make_retailer(shop_name="无订货数据店")
    _figures(t.missing, [115, None, None])
    t.new = make_retailer(shop_name="新开店", licence_issued_on=date(2026, 9, 20))
    _figures(t.new, [None, None, 0])  # licensed in September: only October is judged
    t.grocery = make_retailer(shop_name="别的业态", business_format="grocery")
    _figures(t.grocery, [400, 400, 400])  # far above the convenience stores, but no grocery peers: not judged
    t.far = make_retailer(county=OTHER_COUNTY, shop_name="外县店")  # its county sent no figures: not judged
    t.sup = make_user("supervisor", COUNTY, username="sup_here")
    return t


def test_signals_on_the_stored_figures(town, clock, app, monkeypatch):
    clock(DAY)
    volume = ordering_volume(DAY)
    assert list(volume) == [town.heavy.id]
    facts = volume[town.heavy.id]
    assert facts["cartons"] == 1080 and facts["peers"] == 11 and facts["tier"] == 10  # nine peers, the idle shop and itself
    assert facts["format"] == "convenience" and (facts["from"], facts["to"]) == ("2026-08", "2026-10")
    idle = no_orders(DAY)
    assert set(idle) == {town.idle.id, town.missing.id}
    assert idle[town.missing.id]["months"] == ["2026-09", "2026-10"]
    monkeypatch.setitem(app.config, "WARNING_NO_ORDER_MONTHS", 3)
    assert no_orders(DAY) == {}
    monkeypatch.setitem(app.config, "WARNING_VOLUME_MAD_K", 500)
    monkeypatch.setitem(app.config, "WARNING_VOLUME_MIN_RATIO", 5)
    assert ordering_volume(DAY) == {}


def test_nightly_raise_reason_and_licence_check(town, clock, app, signed_in):
    clock(DAY + timedelta(days=1), 4)
    out = run_jobs("warnings.raise")["warnings.raise"]
    assert out["ordering_volume"] == 1 and out["no_orders"] == 2
    db.session.expire_all()
    volume = db.session.scalars(select(EarlyWarning).where(EarlyWarning.kind == "ordering_volume")).one()
    idle = db.session.scalars(select(EarlyWarning).where(EarlyWarning.kind == "no_orders",
                                                          EarlyWarning.retailer_id == town.idle.id)).one()
    from flask_babel import force_locale

    from app.warnings.services import reason

    with app.test_request_context(), force_locale("zh_Hans_CN"):
        text = reason(volume)
        assert "1080" in text and "违规流通" in text and "便利店" in text
        assert "2026-09" in reason(idle) and "虚假户" in reason(idle)
    assert run_jobs("warnings.raise")["warnings.raise"]["no_orders"] == 0  # one open warning per shop and kind
    s = signed_in(town.sup)
    r = s.post(f"/api/warnings/{volume.id}/act", json={"owner_id": town.sup.id, "action": "licence_check"})
    assert r.status_code == 422 and "action" in r.get_json()["errors"]
    r = s.post(f"/api/warnings/{idle.id}/act", json={"owner_id": town.sup.id, "action": "licence_check"})
    assert r.status_code == 200
    check = db.session.scalars(select(LicenceCheck)).one()
    assert check.retailer_id == town.idle.id and check.reason == "early_warning"
    page = s.get(f"/warnings/{volume.id}")
    assert page.status_code == 200 and 'value="licence_check"' not in page.get_data(as_text=True)
    page = s.get(f"/warnings/{idle.id}")
    assert page.status_code == 200
