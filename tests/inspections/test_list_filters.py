"""Inspections filtered by officer, date and shop (and outcome, flagged), on the page and in the API."""
from datetime import date, timedelta

from tests.conftest import COUNTY
from tests.inspections.conftest import capture


def test_inspections_by_officer_date_and_shop(field, make_retailer, make_user, signed_in, clock):
    other_shop = make_retailer(shop_name="明珠超市", lat=33.59, lng=119.02)
    third = make_user("inspector", COUNTY, username="insp_c")
    day = date(2026, 11, 20)
    clock(day)
    field.session = signed_in(field.inspector)
    assert field.session.post("/api/inspections", json=capture(field.shop, field.second)).status_code == 201
    clock(day + timedelta(days=3))
    field.session = signed_in(field.inspector)
    assert field.session.post("/api/inspections", json=capture(other_shop, third)).status_code == 201
    sup = signed_in(make_user("supervisor", COUNTY))

    api = lambda q: [i["shop_name"] for i in sup.get("/api/inspections?" + q).get_json()]  # noqa: E731
    assert sorted(api("")) == ["华兴便利店", "明珠超市"]
    assert api(f"officer={field.second.id}") == ["华兴便利店"]
    assert api(f"officer={field.inspector.id}") == ["明珠超市", "华兴便利店"]
    assert api("date_from=2026-11-21") == ["明珠超市"]
    assert api("date_to=2026-11-21") == ["华兴便利店"]
    assert api("q=mzcs") == ["明珠超市"]
    assert api(f"q={field.shop.licence_no}") == ["华兴便利店"]
    page = sup.get(f"/inspections?officer={third.id}&date_from=2026-11-01").get_data(as_text=True)
    assert "明珠超市" in page and "华兴便利店" not in page and 'data-testid="inspection-total">共 1 条' in page
    assert f'value="{third.id}" selected' in page and 'value="2026-11-01"' in page
    bad = sup.get("/inspections?date_from=2026-13-40").get_data(as_text=True)
    assert 'data-testid="filter-error"' in bad and "明珠超市" in bad and "华兴便利店" in bad
