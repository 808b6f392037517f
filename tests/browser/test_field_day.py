"""The inspector's day on a 390 px phone: home shows today's visits, the day list in route order with
its route map (numbered markers and the route line on a plain background, also offline), one tap to
the shop card and one to start the inspection, which closes the planned visit; hand-off links to
高德 / 百度 / Apple Maps carry the coordinates each app expects.

Screenshots under tests/artifacts/."""
import random
import warnings
from datetime import datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import prcoords
import pytest
from sqlalchemy import select

from app.common.time import local_today
from app.extensions import db
from app.inspections.models import Inspection
from app.scheduling.models import Visit
from tests.browser.test_inspection_offline import (  # noqa: F401 - fixtures used by name
    HERE, JS_ERRORS, _fill_form, no_script_errors, uploads)
from tests.browser.conftest import sign_in, wait_until_controlled
from tests.conftest import BUREAU_TZ, COUNTY, PASSWORD

pytestmark = pytest.mark.browser

# (name, lat, lng, route order): inserted out of route order on purpose
SHOPS = [("东风烟酒店", 33.600, 119.030, 3), ("华兴便利店", 33.590, 119.020, 1), ("明珠超市", 33.595, 119.026, 2)]


def _day(make_user, make_retailer):
    inspector = make_user("inspector", COUNTY, username="insp_day")
    partner = make_user("inspector", COUNTY, username="insp_partner")
    partner.display_name = "李执法"
    today = local_today()
    shops, visits = {}, {}
    for name, lat, lng, order in SHOPS:
        shop = make_retailer(shop_name=name, lat=lat, lng=lng)
        shops[order] = shop
        v = Visit(retailer_id=shop.id, unit_id=shop.unit_id, kind="due", status="approved", due_on=today,
                  planned_on=today, officer_a_id=inspector.id, officer_b_id=partner.id, route_order=order,
                  leg_km=1.2, risk=10, reasons=[["overdue", 5, 12]])
        db.session.add(v)
        db.session.flush()
        visits[order] = v.id
    later = make_retailer(shop_name="明日便利店", lat=33.61, lng=119.01)
    db.session.add(Visit(retailer_id=later.id, unit_id=later.unit_id, kind="random", status="approved",
                         due_on=today + timedelta(days=1), planned_on=today + timedelta(days=1),
                         officer_a_id=inspector.id, officer_b_id=partner.id, route_order=1, reasons=[]))
    db.session.commit()
    return inspector, partner, shops, visits


# The phone is set to a time zone whose date differs from Huai'an's right now (Honolulu is 18 hours
# behind, Kiritimati 6 hours ahead): "today" on the phone is still the bureau's day.
PHONE_TZ = "Pacific/Honolulu" if datetime.now(BUREAU_TZ).hour < 18 else "Pacific/Kiritimati"


@pytest.mark.browser_context_args(timezone_id=PHONE_TZ)
def test_a_day_from_the_day_list(app, live_server, page, make_user, make_retailer, shot, uploads):
    errors = JS_ERRORS.setdefault(id(page), [])
    page.on("pageerror", lambda e: errors.append(str(e)))
    inspector, partner, shops, visits = _day(make_user, make_retailer)
    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation(HERE)
    sign_in(page, live_server, inspector.username, PASSWORD)
    wait_until_controlled(page, timeout=15)

    # Home: today's count and the first stops, in route order.
    page.goto(live_server + "/")
    assert page.locator("[data-testid=today-count]").inner_text().startswith("今日 3 户")
    stops = page.locator("[data-testid=today-stops] li").all_inner_texts()
    assert [s.split()[-1] for s in stops] == ["华兴便利店", "明珠超市", "东风烟酒店"], stops
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "home")

    # The day list: route order, the map with numbered markers and the route line, no tiles configured.
    page.click("[data-testid=my-day]")
    page.wait_for_selector("#route-map[data-ready='3']")
    names = page.locator("[data-testid=my-visit] [data-testid=visit-shop]").all_inner_texts()
    assert names == ["华兴便利店", "明珠超市", "东风烟酒店"]
    assert page.locator("[data-testid=day-count]").inner_text() == "按路线顺序共 3 户"
    assert page.locator(".route-marker span").all_inner_texts() == ["1", "2", "3"]
    assert page.locator("#route-map path.leaflet-interactive").count() == 1  # the route line
    assert page.locator("#route-map img.leaflet-tile").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "day-list")

    # Hand-off links: 高德 and Apple in GCJ-02, 百度 in BD-09, geo: in WGS-84.
    first = page.locator("[data-testid=my-visit]").first
    lat, lng = SHOPS[1][1], SHOPS[1][2]
    gcj, bd = prcoords.wgs_gcj((lat, lng)), prcoords.wgs_bd((lat, lng))
    amap = parse_qs(urlsplit(first.locator("[data-testid=nav-amap]").get_attribute("href")).query)
    to_lng, to_lat, to_name = amap["to"][0].split(",")
    assert abs(float(to_lat) - gcj.lat) < 1e-6 and abs(float(to_lng) - gcj.lon) < 1e-6 and to_name == "华兴便利店"
    assert amap["coordinate"] == ["gaode"]
    baidu = parse_qs(urlsplit(first.locator("[data-testid=nav-baidu]").get_attribute("href")).query)
    b_lat, b_lng = unquote(baidu["destination"][0]).split("|")[0].removeprefix("latlng:").split(",")
    assert abs(float(b_lat) - bd.lat) < 1e-6 and abs(float(b_lng) - bd.lon) < 1e-6
    assert baidu["coord_type"] == ["bd09ll"]
    apple = parse_qs(urlsplit(first.locator("[data-testid=nav-apple]").get_attribute("href")).query)
    a_lat, a_lng = apple["daddr"][0].split(",")
    assert abs(float(a_lat) - gcj.lat) < 1e-6 and abs(float(a_lng) - gcj.lon) < 1e-6
    assert first.locator("[data-testid=nav-geo]").get_attribute("href").startswith(f"geo:{lat},{lng}?")

    # Offline: the day list and its map open from the phone, markers on a plain background.
    page.context.set_offline(True)
    try:
        page.reload()
        page.wait_for_selector("#route-map[data-ready='3']", timeout=15000)
        assert page.locator(".route-marker").count() == 3
        shot(page, "day-list-offline")
    finally:
        page.context.set_offline(False)

    # One tap to the shop card (the field app).
    page.locator("[data-testid=my-visit]").nth(1).locator("[data-testid=visit-shop]").click()
    page.wait_for_selector("[data-view=shop]:not([hidden])", timeout=15000)
    assert page.locator("[data-testid=shop-name]").inner_text() == "明珠超市"
    # The field app's 计划检查 box: today only, in route order.
    page.click("[data-view=shop] a[href='#']")
    page.wait_for_selector("[data-testid=visits-box]:not([hidden])")
    planned = page.locator("[data-testid=planned-visit]").all_inner_texts()
    assert [p.split()[1] for p in planned] == ["华兴便利店", "明珠超市", "东风烟酒店"], planned
    shot(page, "field-app-today")

    # One tap to start the first visit's inspection: the capture is bound to that visit.
    page.goto(live_server + "/visits")
    page.locator("[data-testid=my-visit]").first.locator("[data-testid=visit-start]").click()
    page.wait_for_selector("[data-view=form]:not([hidden])", timeout=15000)
    assert page.locator("[data-testid=form-shop]").inner_text() == "华兴便利店"
    uuid = page.evaluate("location.hash.split('/')[1]")
    assert page.evaluate("id => window.outbox.idb.get('drafts', id).then(d => d.visit_id)", uuid) == visits[1]
    _fill_form(page, partner, [], violation=False)
    page.click("[data-testid=submit-inspection]")
    page.wait_for_selector("[data-testid=done-state][data-state=sent]", timeout=20000)
    db.session.expire_all()
    inspection = db.session.scalars(select(Inspection)).one()
    visit = db.session.get(Visit, visits[1])
    assert visit.status == "done" and visit.inspection_id == inspection.id

    page.goto(live_server + "/visits")
    page.wait_for_selector("#route-map[data-ready='3']")
    done = page.locator("[data-testid=my-visit]").first
    assert done.get_attribute("data-status") == "done" and done.locator("[data-testid=visit-start]").count() == 0
    assert page.locator(".route-marker.st-done").count() == 1
    shot(page, "day-list-after")


def test_coordinate_conversions_match_a_reference(live_server, page):
    """js/chinacoords.js against prcoords (a public-domain reference), on random points across China
    and outside it (where GCJ-02 equals WGS-84)."""
    page.goto(live_server + "/offline")
    page.add_script_tag(url=live_server + "/static/js/chinacoords.js")
    rng = random.Random(11)
    points = [(rng.uniform(18.2, 53.5), rng.uniform(73.7, 134.7)) for _ in range(300)]
    points += [(35.68, 139.76), (48.85, 2.35), (-33.87, 151.21)]  # Tokyo, Paris, Sydney
    got = page.evaluate("pts => pts.map(p => [chinaCoords.wgs84ToGcj02(p[0], p[1]), chinaCoords.wgs84ToBd09(p[0], p[1])])",
                        points)
    for (lat, lng), (gcj, bd) in zip(points, got):
        with warnings.catch_warnings():  # prcoords warns when it returns a point outside China unchanged
            warnings.simplefilter("ignore")
            ref_gcj, ref_bd = prcoords.wgs_gcj((lat, lng), True), prcoords.wgs_bd((lat, lng), True)
        assert abs(gcj[0] - ref_gcj.lat) < 1e-9 and abs(gcj[1] - ref_gcj.lon) < 1e-9, (lat, lng)
        assert abs(bd[0] - ref_bd.lat) < 1e-9 and abs(bd[1] - ref_bd.lon) < 1e-9, (lat, lng)
    # Huai'an: the GCJ-02 offset is a few hundred metres, BD-09 about a kilometre
    gcj, bd = page.evaluate("[chinaCoords.wgs84ToGcj02(33.59, 119.02), chinaCoords.wgs84ToBd09(33.59, 119.02)]")
    assert 0.004 < gcj[1] - 119.02 < 0.007 and 0.01 < bd[1] - 119.02 < 0.015
