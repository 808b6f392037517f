"""Retailers filtered by grade, county, status, licence state and tier, on the page (kept in the URL,
paginated; by default the licences in the register) and in the API."""
from datetime import date

from app.common.time import local_today
from tests.conftest import COUNTY, OTHER_COUNTY
from tests.scheduling.conftest import set_grade


def test_retailer_filters(make_retailer, make_user, signed_in, clock):
    clock(date(2026, 11, 29))
    a = make_retailer(shop_name="甲便利店", tier=5)
    b = make_retailer(shop_name="乙便利店", tier=20, status="suspended")
    c = make_retailer(shop_name="丙便利店", tier=12, status="cancelled")
    d = make_retailer(county=OTHER_COUNTY, shop_name="丁超市", tier=12, licence_expires_on=date(2026, 12, 20))
    for shop, grade in ((a, "A"), (b, "C"), (c, "D"), (d, "B")):
        set_grade(shop.id, grade, as_of=local_today())
    city = signed_in(make_user("supervisor", city=True))

    def shops(url):
        body = city.get(url).get_data(as_text=True)
        return sorted(s for s in ("甲便利店", "乙便利店", "丙便利店", "丁超市") if s in body)

    assert shops("/retailers") == ["丁超市", "乙便利店", "甲便利店"]  # in the register: not the cancelled one
    assert shops("/retailers?status=") == ["丁超市", "丙便利店", "乙便利店", "甲便利店"]
    assert shops("/retailers?grade=C") == ["乙便利店"]
    assert shops(f"/retailers?unit={OTHER_COUNTY}") == ["丁超市"]
    assert shops("/retailers?status=suspended") == ["乙便利店"]
    assert shops("/retailers?licence_state=expiring") == ["丁超市"]
    assert shops("/retailers?tier_min=10&tier_max=15") == ["丁超市"]
    body = city.get("/retailers?grade=E").get_data(as_text=True)
    assert 'data-testid="filter-error"' in body
    api = city.get("/api/retailers?grade=B&licence_state=expiring").get_json()
    assert [r["shop_name"] for r in api] == ["丁超市"] and api[0]["licence_state"] == "expiring"
    assert [r["shop_name"] for r in city.get("/api/retailers?status=registered&tier_min=15").get_json()] == ["乙便利店"]
    county = signed_in(make_user("supervisor", COUNTY))
    assert county.get(f"/api/retailers?unit={OTHER_COUNTY}").get_json() == []
