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



def _cells(payload):
    return [dict(zip(payload["cell_fields"], cell)) for cell in payload["cells"]]


def test_bbox_keeps_only_the_shops_inside(city, clock, signed_in):
    clock(DAY)
    s = signed_in(city.sup)
    p = s.get("/api/map/shops?bbox=33.6005,119.0205,33.6015,119.0215").get_json()
    assert p["mode"] == "shops" and set(_rows(p)) == {city.a.id} and p["count"] == 1
    assert p["bbox"] == [33.6005, 119.0205, 33.6015, 119.0215] and p["unlocated"] == 1
    both = s.get("/api/map/shops?bbox=33.5,119.0,33.7,119.1&grade=D").get_json()
    assert set(_rows(both)) == {city.d.id}  # the filters still apply inside the box
    assert _rows(s.get("/api/map/shops?bbox=30,110,31,111").get_json()) == {}
    # the other county's shop is inside this box, but not in a county supervisor's scope
    wide = s.get("/api/map/shops?bbox=32.9,118.4,33.7,119.1").get_json()
    assert set(_rows(wide)) == {city.a.id, city.d.id}
    assert set(_rows(signed_in(city.city_sup).get("/api/map/shops?bbox=32.9,118.4,33.1,118.6").get_json())) == \
        {city.far.id}


@pytest.mark.parametrize("bbox, errors", [
    ("33,119,34", ["Give four numbers separated by commas: south,west,north,east."]),
    ("x,119,34,120", {"south": ["Not a valid number."]}),
    ("-91,119,34,181", {"south": ["Must be a latitude between -90 and 90."],
                        "east": ["Must be a longitude between -180 and 180."]}),
    ("34,119,33,120", {"north": ["Must not be less than south."]}),
    ("33,120,34,119", {"east": ["Must not be less than west."]}),
    ("nan,119,34,120", {"south": ["Must be a latitude between -90 and 90."]}),
])
def test_a_bad_bbox_is_a_422_naming_the_part(city, clock, signed_in, bbox, errors):
    clock(DAY)
    r = signed_in(city.sup).get(f"/api/map/shops?lang=en&bbox={bbox}")
    assert r.status_code == 422
    assert r.get_json()["errors"] == {"bbox": errors}


def test_bbox_error_is_in_chinese_by_default(city, clock, signed_in):
    clock(DAY)
    r = signed_in(city.sup).get("/api/map/shops?bbox=34,119,33,120")
    assert r.status_code == 422 and r.get_json()["errors"] == {"bbox": {"north": ["不能小于南边界。"]}}


def test_above_the_limit_the_shops_come_counted_per_cell(city, app, clock, signed_in, make_retailer):
    clock(DAY)
    for i in range(4):  # the first next to a and d, the others 3 km apart northwards
        set_score(make_retailer(shop_name=f"丙店{i}", lat=33.603 + 0.03 * i, lng=119.023), 88, "B", -12)
    app.config["MAP_SHOP_LIMIT"] = 3
    try:
        s = signed_in(city.sup)
        p = s.get("/api/map/shops?bbox=33.5,118.9,33.7,119.1").get_json()
        assert p["mode"] == "cells" and p["count"] == 6 and "shops" not in p and p["limit"] == 3
        cells = _cells(p)
        assert sum(c["count"] for c in cells) == 6
        assert p["cell_deg"] == 0.032  # 0.2 degrees in at most 12 cells: the 0.032 step (0.016 makes 12.5)
        assert len(cells) == 4
        mix = [sum(c["grades"][k] for c in cells) for k in range(len(p["grades"]) + 1)]
        assert mix == [0, 0, 1, 4, 0, 1, 0]  # A, 4 B, D; no shop without a grade
        for c in cells:  # each cell's mean position lies inside the box
            assert 33.5 <= c["lat"] <= 33.7 and 118.9 <= c["lng"] <= 119.1 and sum(c["grades"]) == c["count"]
        first = next(c for c in cells if c["count"] == 3)  # a, d and the first 丙店 share a cell
        assert abs(first["lat"] - (33.601 + 33.602 + 33.603) / 3) < 1e-5
        # filters apply before counting: grade D is one shop, below the limit: single again
        assert s.get("/api/map/shops?bbox=33.5,118.9,33.7,119.1&grade=D").get_json()["mode"] == "shops"
        # without a box the grid follows the shops' extent
        assert s.get("/api/map/shops").get_json()["mode"] == "cells"
        # a county supervisor's cells never count another county's shops, a city supervisor's do
        for i in range(4):
            make_retailer(county=OTHER_COUNTY, shop_name=f"外县{i}", lat=33.0 + 0.001 * i, lng=118.5)
        wide = "/api/map/shops?bbox=32.9,118.4,33.7,119.1"
        here = s.get(wide).get_json()
        assert here["mode"] == "cells" and sum(c["count"] for c in _cells(here)) == 6
        assert all(c["lat"] > 33.5 for c in _cells(here))
        city_wide = signed_in(city.city_sup).get(wide).get_json()
        assert city_wide["mode"] == "cells" and sum(c["count"] for c in _cells(city_wide)) == 11
        etag = s.get(wide).headers["ETag"]
        assert s.get(wide, headers={"If-None-Match": etag}).status_code == 304
    finally:
        app.config.pop("MAP_SHOP_LIMIT", None)


def test_the_map_get_writes_nothing(city, clock, signed_in, app):
    from sqlalchemy import event

    clock(DAY)
    s = signed_in(city.sup)
    writes = []

    def spy(conn, cursor, statement, *args):
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        assert s.get("/api/map/shops?bbox=33.5,118.9,33.7,119.1").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert [w for w in writes if "sessions" not in w.lower()] == []
