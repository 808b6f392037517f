"""The public landing page on a 390 px phone, anonymous: the published quarter, a search by pinyin initials,
the masked results, the map of shops coloured by grade on a plain background (no tiles configured), the
open data links; then the retailer gives a bank consent, the bank queries, the retailer sees the query
and revokes. Screenshots under tests/artifacts/."""
from datetime import timedelta

import pytest

from app.common.time import local_today, utcnow
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from tests.background import run_jobs
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import OTHER_COUNTY, PASSWORD

pytestmark = pytest.mark.browser

SHOPS = [("华兴便利店", "李四", 33.590, 119.020, "AA"), ("华星便利超市", "王小明", 33.600, 119.030, "B"),
         ("明珠超市", "周洁", 33.595, 119.026, "A"), ("盱眙龙虾烟酒", "钱多多", 33.00, 118.50, "D")]


def _world(make_retailer):
    shops = []
    for name, operator, lat, lng, _grade in SHOPS:
        county = OTHER_COUNTY if "盱眙" in name else "320812"
        shops.append(make_retailer(county=county, shop_name=name, operator_name=operator, lat=lat, lng=lng))
    today = local_today()
    run = EvaluationRun(quarter="2026Q3", as_of=today - timedelta(days=60), status="published",
                        retailer_count=len(shops), published_at=utcnow() - timedelta(days=40),
                        objection_closes_on=today - timedelta(days=19), summary={})
    db.session.add(run)
    db.session.flush()
    for shop, (*_rest, grade) in zip(shops, SHOPS):
        db.session.add(EvaluationRow(run_id=run.id, retailer_id=shop.id, unit_id=shop.unit_id, score=100,
                                     monopoly=0, marketing=0, social=0, score_grade=grade, grade=grade))
    db.session.commit()
    run_jobs("open_data.export")
    return shops


def test_landing_search_by_initials_and_map_without_tiles(app, live_server, page, make_retailer, shot):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _world(make_retailer)
    page.goto(live_server + "/login")
    click_and_wait(page, "[data-testid=public-link]")
    assert page.url.endswith("/public")
    assert "2026Q3" in page.locator("[data-testid=current-quarter]").inner_text()
    page.wait_for_selector("#public-map[data-ready='4']")
    shot(page, "landing")

    page.fill("[data-testid=public-q]", "hxbl")
    click_and_wait(page, "[data-testid=public-search] button[type=submit]")
    names = page.locator("[data-testid=public-shop] strong").all_inner_texts()
    assert sorted(names) == sorted(["华兴便利店", "华星便利超市"])
    grades = page.locator("[data-testid=public-grade]").all_inner_texts()
    assert sorted(grades) == ["AA", "B"]
    text = page.locator("main").inner_text()
    assert "王小明" not in text and "李四" not in text and "王**" in text
    # the map: one circle per shop found, coloured by grade, on a plain background (no tile server set)
    page.wait_for_selector("#public-map[data-ready='2']")
    assert page.locator("#public-map img.leaflet-tile").count() == 0
    assert page.locator("#public-map canvas").count() >= 1  # circles drawn on a canvas (preferCanvas)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "search-hxbl")

    # the open data links work from the page
    page.goto(live_server + "/public")
    href = page.locator("[data-testid=dataset-csv]").first.get_attribute("href")
    assert href == "/api/open/datasets/2026Q3.csv"
    click_and_wait(page, "[data-testid=licence-link]")
    assert "开放数据许可" in page.locator("h1").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "licence")
    assert not errors, errors


def test_retailer_gives_consent_sees_the_query_and_revokes(app, live_server, page, make_retailer, make_user, shot):
    from app.auth.services import create_token
    from app.banks import services as banks

    shop = make_retailer(shop_name="华兴便利店", operator_name="李四")
    owner = make_user("retailer", retailers=[shop], username="owner_bank")
    bank_user = make_user("partner", username="bank_jsb")
    banks.register_bank(bank_user, "江苏银行淮安分行")
    _t, raw = create_token(bank_user, "loans")
    db.session.commit()

    sign_in(page, live_server, owner.username, PASSWORD)
    page.goto(live_server + "/")
    click_and_wait(page, "[data-testid=my-banks]")
    page.select_option("[data-testid=grant-bank]", label="江苏银行淮安分行")
    page.check("input[name=scope][value=report]")
    page.select_option("[data-testid=grant-months]", "6")
    click_and_wait(page, "[data-testid=grant-form] button[type=submit]")
    assert page.locator("[data-testid=consent][data-state=active]").count() == 1

    client = app.test_client()
    r = client.post(f"/api/bank/retailers/{shop.licence_no}/grade", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 200
    page.reload()
    assert page.locator("[data-testid=credit-query]").count() == 1
    assert "江苏银行淮安分行" in page.locator("[data-testid=credit-query]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "consent-and-query")

    click_and_wait(page, "[data-testid=revoke]")
    assert page.locator("[data-testid=consent][data-state=revoked]").count() == 1
    r = client.post(f"/api/bank/retailers/{shop.licence_no}/grade", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 403
    shot(page, "revoked")
