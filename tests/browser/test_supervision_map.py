"""A county supervisor on a 390 px phone opens the supervision map (no tile server: a plain background
with the county outline, the scale and the markers), sees clusters, filters by grade D (kept in the
query string), opens a marker's popup and follows its link to the retailer's page. With the server's
limit lowered, the same view comes as counted bubbles, and tapping them zooms in until single shops come.
Another county's shops never appear. Screenshots under tests/artifacts/."""
import pytest

from app.extensions import db
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import COUNTY, OTHER_COUNTY, PASSWORD
from tests.early_warnings.helpers import set_score

pytestmark = pytest.mark.browser


def _ready(page, value=None):
    if value is None:
        page.wait_for_function("() => document.querySelector('#supervision-map').dataset.ready !== undefined")
    else:
        page.wait_for_function(f"() => document.querySelector('#supervision-map').dataset.ready === '{value}'")


def test_a_county_supervisor_filters_the_map_and_opens_a_shop(app, live_server, page, make_user, make_retailer,
                                                             shot):
    sup = make_user("supervisor", COUNTY, username="sup_map")
    shops = []
    for i in range(36):  # a dense grid in 清江浦区: clusters at the county's zoom
        shop = make_retailer(shop_name=f"便利店{i:02d}", lat=33.55 + 0.004 * (i // 6), lng=119.00 + 0.005 * (i % 6))
        grade = "D" if i in (3, 17, 29) else "A"
        set_score(shop, 60 if grade == "D" else 101, grade, -40 if grade == "D" else 0)
        shops.append(shop)
    from datetime import timedelta

    from app.common.time import local_today
    from tests.maps.test_map import _violation

    for i in (3, 4, 17):  # confirmed violations this quarter: the heat layer's circles
        _violation(shops[i], local_today().replace(day=1))  # always in the current quarter
    _violation(shops[29], local_today() - timedelta(days=400))  # long ago: not in this quarter
    far = make_retailer(county=OTHER_COUNTY, shop_name="外县店", lat=33.0, lng=118.5)
    set_score(far, 60, "D", -40)
    db.session.commit()

    refused = []  # CSP: no inline script or style, no eval (Leaflet and markercluster included)
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, live_server, sup.username, PASSWORD)
    click_and_wait(page, "[data-testid=map-link]")
    assert page.url.endswith("/map")
    _ready(page, "36")
    assert page.locator(".marker-cluster").count() >= 1
    assert page.locator("path.map-county").count() == 1  # the county outline, drawn without tiles
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator("path.map-heat").count() >= 1
    assert page.get_attribute("[data-testid=map-heat-note]", "data-total") == "3"
    assert "36" in page.inner_text("[data-testid=map-count]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "clusters")

    page.select_option("[data-testid=map-grade]", "D")
    click_and_wait(page, ".map-filters button")
    assert "grade=D" in page.url
    assert page.input_value("[data-testid=map-grade]") == "D"
    _ready(page, "3")
    for _ in range(8):  # tap clusters until single shops show
        if page.locator(".map-pin").count():
            break
        page.locator(".marker-cluster").first.click()
        page.wait_for_timeout(600)
    pins = page.locator(".map-pin.grade-d")
    assert pins.count() >= 1 and page.locator(".map-pin.grade-a").count() == 0
    pins.first.click()
    link = page.locator("[data-testid=map-popup-link]")
    link.wait_for()
    popup = page.inner_text("[data-testid=map-popup]")
    d_shops = {shops[i].shop_name: shops[i] for i in (3, 17, 29)}
    name = next(n for n in d_shops if n in popup)
    assert d_shops[name].licence_no in popup and "D" in popup
    shot(page, "popup")
    click_and_wait(page, "[data-testid=map-popup-link]")
    assert page.url.endswith(f"/retailers/{d_shops[name].id}")
    assert name in page.content()
    assert not refused, refused

    # above the server's limit the view comes counted per area: bubbles; tapping one zooms in until the
    # view holds few enough shops to come one by one
    app.config["MAP_SHOP_LIMIT"] = 10
    try:
        page.goto(live_server + "/map")
        page.wait_for_function("() => document.querySelector('#supervision-map').dataset.mode === 'cells'")
        assert page.get_attribute("#supervision-map", "data-ready") == "36"
        assert page.locator(".map-cell").count() >= 1 and page.locator(".map-pin").count() == 0
        assert sum(int(t) for t in page.locator(".map-cell span").all_inner_texts()) == 36  # never the other county
        assert "36" in page.inner_text("[data-testid=map-count]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "cells")
        for _ in range(10):
            if page.get_attribute("#supervision-map", "data-mode") == "shops":
                break
            page.locator(".map-cell").first.dispatch_event("click")  # bubbles may overlap: the first
            page.wait_for_timeout(900)
        assert page.get_attribute("#supervision-map", "data-mode") == "shops"
        assert int(page.get_attribute("#supervision-map", "data-ready")) <= 10
        assert page.locator(".map-cell").count() == 0
        assert page.locator(".map-pin").count() + page.locator(".marker-cluster").count() >= 1
        shot(page, "zoomed-in")
    finally:
        app.config.pop("MAP_SHOP_LIMIT", None)
    assert not refused, refused
