"""A city supervisor filters the confirmation queue on a 390 px phone: the filters open from a
summary line, apply, stay in the URL (so the page can be reloaded, shared and paginated) and the
page still fits the phone."""
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from app.common.time import local_today
from app.credit import recording
from app.credit.versions import sync_shipped
from app.extensions import db
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import COUNTY, OTHER_COUNTY, PASSWORD

pytestmark = pytest.mark.browser


def test_queue_filters_on_a_phone(live_server, page, make_retailer, make_user, shot):
    sync_shipped()
    here = make_retailer(county=COUNTY, shop_name="华兴便利店")
    there = make_retailer(county=OTHER_COUNTY, shop_name="别家超市")
    inspector = make_user("inspector", COUNTY)
    today = local_today()
    for k in range(25):  # more than a page of the county's, old and new
        recording.create_record(here, "ZM08" if k % 2 else "ZM09", occurred_on=today - timedelta(days=k + 1),
                                source="inspection", actor=inspector, description=f"现场发现 {k}")
    recording.create_record(there, "ZM08", occurred_on=today - timedelta(days=3), source="inspection",
                            actor=make_user("inspector", OTHER_COUNTY), description="别县")
    db.session.commit()
    city = make_user("supervisor", city=True)
    sign_in(page, live_server, city.username, PASSWORD)
    page.goto(live_server + "/credit/queue")
    assert page.locator("[data-testid=queue-item]").count() == 20
    page.click(".filter-box > summary")
    page.select_option("select[name=unit]", COUNTY)
    page.select_option("select[name=indicator_code]", "ZM08")
    page.select_option("select[name=min_days]", "7")
    shot(page, "filters-open")
    click_and_wait(page, "[data-testid=queue-filters] button")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"unit": [COUNTY], "indicator_code": ["ZM08"], "min_days": ["7"]}
    items = page.locator("[data-testid=queue-item]")
    # ZM08 on odd k: days k+1 = 2, 4, ..., 24, of which 7 days or more: 8, 10, ..., 24
    assert items.count() == 9
    assert "筛选条件 (3)" in page.locator(".filter-box > summary").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "filtered")
    page.reload()
    assert page.locator("[data-testid=queue-item]").count() == 9
    # paging keeps the filters
    page.goto(live_server + f"/credit/queue?unit={COUNTY}")
    click_and_wait(page, "[data-testid=pager] a")
    assert parse_qs(urlsplit(page.url).query) == {"unit": [COUNTY], "page": ["2"]}
    assert page.locator("[data-testid=queue-item]").count() == 5
