"""The supervisors' map 监管地图: the shops of the user's scope as compact arrays, the filters, the
quarter's violation cells, the ETag, the popup's shop (scoped) and the page with its filters kept."""
from datetime import date

import pytest

from app.credit.models import CreditRecord
from app.extensions import db
from app.lists.models import ListEntry
from app.warnings.models import EarlyWarning
from tests.conftest import COUNTY, OTHER_COUNTY
from tests.early_warnings.helpers import set_score

DAY = date(2026, 11, 20)  # quarter 2026Q4


def _violation(shop, day, status="confirmed", points=-10, dimension="monopoly"):
    db.session.add(CreditRecord(retailer_id=shop.id, operator_id=shop.operator_id, indicator_code="ZM05",
                                catalogue_version="2026.1", dimension=dimension, nominal_points=points,
                                occurred_on=day, source="inspection", status=status, description="无证经营"))
    db.session.commit()


@pytest.fixture
def city(make_retailer, make_user):
    class C:
        pass

    c = C()
    c.a = make_retailer(shop_name="甲便利店", lat=33.601, lng=119.021)
    c.d = make_retailer(shop_name="乙食杂店", business_format="grocery", lat=33.602, lng=119.022)
    c.nowhere = make_retailer(shop_name="无坐标店", lat=None, lng=None)
    c.far = make_retailer(county=OTHER_COUNTY, shop_name="外县超市", lat=33.0, lng=118.5)
    set_score(c.a, 101, "A", 0)
    set_score(c.d, 60, "D", -40)
    set_score(c.far, 60, "D", -40)
    db.session.add(ListEntry(kind="black", retailer_id=c.d.id, unit_id=c.d.unit_id, status="effective",
                             policy_version="2026.1", criterion="black_serious"))
    db.session.add(ListEntry(kind="red", retailer_id=c.a.id, unit_id=c.a.unit_id, status="proposed",
                             policy_version="2026.1", criterion="red_grade"))  # not in effect: no flag
    db.session.add(EarlyWarning(retailer_id=c.a.id, unit_id=c.a.unit_id, kind="suspected", status="open",
                                open_key=f"{c.a.id}:suspected", raised_on=DAY, facts={}))
    db.session.commit()
    _violation(c.d, date(2026, 10, 5))
    _violation(c.d, date(2026, 11, 1))
    _violation(c.a, date(2026, 11, 2))
    _violation(c.a, date(2026, 9, 30))  # last quarter
    _violation(c.a, date(2026, 11, 3), status="suspected")  # not confirmed
    _violation(c.a, date(2026, 11, 4), points=-2, dimension="marketing")  # not a monopoly violation
    _violation(c.far, date(2026, 11, 4))
    c.sup = make_user("supervisor", COUNTY, username="sup_here")
    c.city_sup = make_user("supervisor", city=True, username="sup_city")
    c.inspector = make_user("inspector", COUNTY)
    return c


def _rows(payload):
    return {row[0]: dict(zip(payload["fields"], row)) for row in payload["shops"]}


def test_county_supervisor_sees_their_county_with_flags_and_heat(city, clock, signed_in):
    clock(DAY)
    r = signed_in(city.sup).get("/api/map/shops")
    assert r.status_code == 200
    p = r.get_json()
    rows = _rows(p)
    assert set(rows) == {city.a.id, city.d.id} and p["unlocated"] == 1
    assert p["grades"][rows[city.d.id]["grade"]] == "D" and p["formats"][rows[city.d.id]["format"]] == "grocery"
    assert rows[city.d.id]["flags"] == p["flags"]["black"]
    assert rows[city.a.id]["flags"] == p["flags"]["warning"]
    assert (rows[city.a.id]["lat"], rows[city.a.id]["lng"]) == (33.601, 119.021)
    heat = p["heat"]
    assert heat["quarter"] == "2026Q4" and heat["total"] == 3  # the other county's and the excluded ones not
    assert heat["cells"] == [[33.625, 119.025, 3]]


def test_filters_and_city_scope(city, clock, signed_in):
    clock(DAY)
    s = signed_in(city.sup)
    assert set(_rows(s.get("/api/map/shops?grade=D").get_json())) == {city.d.id}
    assert set(_rows(s.get("/api/map/shops?format=convenience").get_json())) == {city.a.id}
    assert set(_rows(s.get("/api/map/shops?list=black").get_json())) == {city.d.id}
    assert set(_rows(s.get("/api/map/shops?list=red").get_json())) == set()
    assert set(_rows(s.get("/api/map/shops?warning=open").get_json())) == {city.a.id}
    assert set(_rows(s.get(f"/api/map/shops?unit={OTHER_COUNTY}").get_json())) == set()  # scope holds
    bad = s.get("/api/map/shops?grade=E&list=grey")
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"grade", "list"}
    c = signed_in(city.city_sup)
    assert set(_rows(c.get("/api/map/shops?grade=D").get_json())) == {city.d.id, city.far.id}
    other = c.get(f"/api/map/shops?unit={OTHER_COUNTY}").get_json()
    assert set(_rows(other)) == {city.far.id} and other["heat"]["total"] == 1
    assert signed_in(city.inspector).get("/api/map/shops").status_code == 403


def test_etag_answers_304_until_the_data_changes(city, clock, signed_in):
    clock(DAY)
    s = signed_in(city.sup)
    first = s.get("/api/map/shops")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = s.get("/api/map/shops", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    set_score(city.a, 88, "B", -12)
    changed = s.get("/api/map/shops", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_popup_shop_is_scoped(city, clock, signed_in):
    clock(DAY)
    s = signed_in(city.sup)
    shop = s.get(f"/api/map/shops/{city.d.id}").get_json()
    assert shop == {"id": city.d.id, "name": "乙食杂店", "licence_no": city.d.licence_no, "grade": "D",
                    "address": city.d.address, "url": f"/retailers/{city.d.id}"}
    assert s.get(f"/api/map/shops/{city.far.id}").status_code == 404


def test_page_keeps_the_filters_and_passes_them_to_the_data(city, clock, signed_in):
    clock(DAY)
    s = signed_in(city.sup)
    html = s.get("/map?grade=D&format=grocery&warning=open&unit=" + OTHER_COUNTY).get_data(as_text=True)
    assert '<option value="D" selected>' in html and '<option value="grocery" selected>' in html
    assert 'name="unit"' not in html  # a county supervisor has no county filter
    assert "/api/map/shops?grade=D\\u0026format=grocery\\u0026warning=open" in html
    bad = s.get("/map?grade=Z").get_data(as_text=True)
    assert 'data-testid="map-filter-error"' in bad
    home = s.get("/").get_data(as_text=True)
    assert 'href="/map"' in home
    city_html = signed_in(city.city_sup).get(f"/map?unit={OTHER_COUNTY}").get_data(as_text=True)
    assert f'<option value="{OTHER_COUNTY}" selected>' in city_html

