"""On a phone: the public random-check page before and after a draw's period, the public audit anchor,
and a fact entered twice on the record form (the second time: refused, with a link to the record)."""
from datetime import timedelta

import pytest

from app.common.time import local_today
from app.credit.versions import sync_shipped
from app.extensions import db
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import COUNTY, PASSWORD
from tests.scheduling.conftest import next_month_start, set_grade

pytestmark = pytest.mark.browser


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_public_draw_is_sealed_until_the_period_ends(app, live_server, page, make_user, make_retailer, shot, clock):
    from app.scheduling import planning
    from tests.scheduling.conftest import PINNED_DAY

    clock(PINNED_DAY)  # next month is a month of a year with an official holiday schedule
    shops = [make_retailer(shop_name=f"华兴便利{i}号店", lat=33.60 + i / 200, lng=119.02) for i in range(8)]
    for i, s in enumerate(shops):
        set_grade(s.id, "C" if i == 0 else "A")
    for k in range(2):
        make_user("inspector", COUNTY, username=f"insp_pub{k}")
    sup = make_user("supervisor", COUNTY, username="sup_pub")
    plan = planning.create_plan(sup, COUNTY, "month", next_month_start())
    db.session.commit()
    planning.approve(plan, make_user("supervisor", COUNTY, username="sup_pub2"))  # four eyes
    db.session.commit()
    draw = planning.current_draw(plan)
    url = f"{live_server}/public/random-checks?unit={COUNTY}&period=month&start={plan.period_start.isoformat()}"
    page.goto(url)
    assert page.locator("[data-testid=draw-sealed]").is_visible()
    assert draw.seed not in page.content()
    assert page.locator("[data-testid=draw-strata] tr").count() == 2  # header + the one published stratum (A)
    fits(page)
    shot(page, "sealed")
    clock(plan.period_end + timedelta(days=1))
    page.goto(url)
    assert draw.seed in page.content() and page.locator("[data-testid=draw-results]").is_visible()
    fits(page)
    shot(page, "published")


def test_public_audit_anchor_page(app, live_server, page, tmp_path, shot):
    from app.audit import anchor
    from app.audit.services import record

    before = app.config.get("AUDIT_ANCHOR_PATH")
    app.config["AUDIT_ANCHOR_PATH"] = str(tmp_path / "anchors.jsonl")
    try:
        page.goto(f"{live_server}/public/audit-anchor")
        assert page.locator("[data-testid=anchor-none]").is_visible()
        for i in range(3):
            record("test.event", "thing", i)
            db.session.commit()
            a = anchor.write_anchor()
        page.goto(f"{live_server}/public/audit-anchor")
        assert page.locator("[data-testid=anchor-hash]").inner_text() == a.entry_hash
        assert page.locator("[data-testid=anchor-seq]").inner_text() == "3"
        assert "审计记录锚点" in page.content()
        fits(page)
        shot(page, "anchor")
    finally:
        app.config["AUDIT_ANCHOR_PATH"] = before


def test_the_same_fact_twice_is_refused_with_a_link(app, live_server, page, make_user, make_retailer, shot):
    sync_shipped()
    db.session.commit()
    shop = make_retailer(shop_name="华兴便利店")
    sup = make_user("supervisor", username="sup_dup_browser")
    today = local_today()
    sign_in(page, live_server, sup.username, PASSWORD)
    for attempt in range(2):
        page.goto(f"{live_server}/credit/records/new?retailer={shop.id}")
        page.select_option("select[name=indicator_code]", "YX01")
        page.fill("input[name=occurred_on]", (today - timedelta(days=4)).isoformat())
        page.fill("input[name=decided_on]", (today - timedelta(days=1)).isoformat())
        page.fill("textarea[name=description]", "3月货款逾期5天结算")
        click_and_wait(page, "[data-testid=record-submit]")
    notice = page.locator("[data-testid=existing-record]")
    assert notice.is_visible() and "该事实已录入" in notice.inner_text()
    assert "已录入，记录编号" in page.locator("[data-testid=error-indicator_code]").inner_text()
    assert page.input_value("textarea[name=description]") == "3月货款逾期5天结算"
    fits(page)
    shot(page, "duplicate")
    click_and_wait(page, "[data-testid=existing-record] a")
    assert "/credit/records/" in page.url
