"""A county supervisor on a 390 px phone opens the dashboard, follows the warnings chart to the list
behind the bar, opens the warning, records an action and closes it; the dashboard is refreshed and
the bar is gone. Also the desk-screen grid. Screenshots under tests/artifacts/."""
from datetime import timedelta

import pytest

from app.common.time import local_today
from app.extensions import db
from app.warnings.models import EarlyWarning
from tests.background import run_jobs
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import COUNTY, OTHER_COUNTY, PASSWORD
from tests.dashboard import helpers as h

pytestmark = pytest.mark.browser


def _no_overflow(page, width=390):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_county_supervisor_follows_a_chart_to_a_warning_and_closes_it(app, live_server, page, make_user,
                                                                      make_retailer, shot):
    sup = make_user("supervisor", COUNTY, username="sup_dash")
    sup.display_name = "张科长"
    inspector = make_user("inspector", COUNTY)
    second = make_user("inspector", COUNTY)
    a = make_retailer(shop_name="华兴便利店", business_format="convenience")
    b = make_retailer(shop_name="平安食杂店", business_format="grocery")
    far = make_retailer(county=OTHER_COUNTY, shop_name="别家超市")
    today = local_today()
    q_end = h.DAY.replace(month=9, day=30)
    h.published_run("2026Q2", h.DAY.replace(month=6, day=30), [(a, "B", None), (b, "A", None), (far, "A", None)])
    h.published_run("2026Q3", q_end, [(a, "A", "B"), (b, "C", "A"), (far, "A", "A")])
    h.inspection(a, inspector, second, today - timedelta(days=1), codes=("ZM01",))
    h.visit(b, "interview", today - timedelta(days=3))
    w = EarlyWarning(retailer_id=a.id, unit_id=a.unit_id, kind="suspected", status="open",
                     open_key=f"{a.id}:suspected", raised_on=today, facts={"count": 1, "since": today.isoformat()})
    db.session.add(w)
    h.warning(b, "near_boundary")
    h.warning(far, "suspected")
    db.session.commit()
    run_jobs("dashboard.refresh")

    sign_in(page, live_server, sup.username, PASSWORD)
    click_and_wait(page, "[data-testid=dashboard-link]")
    assert page.url.endswith("/dashboard")
    assert page.locator("[data-testid=dashboard-stale]").count() == 0
    assert page.inner_text("[data-testid=total-warnings]") == "2"  # the other county's warning is not counted
    assert page.locator("[data-testid=card-grades] svg title").first.text_content().startswith("各县区官方信用等级")
    _no_overflow(page)
    shot(page, "phone")
    # the warnings chart: the "suspected" bar leads to the list of that kind, in this county
    click_and_wait(page, "[data-testid=card-warnings] svg a[href*='kind=suspected']")
    assert "/warnings?" in page.url and "kind=suspected" in page.url
    assert page.locator("[data-testid=warning-item]").count() == 1
    click_and_wait(page, "[data-testid=warning-item] a")
    page.select_option("select[name=owner_id]", label="张科长")
    page.check("input[name=action][value=inspection]")
    page.fill("textarea[name=action_note]", "安排复查")
    click_and_wait(page, "[data-testid=warning-act-submit]")
    page.check("input[name=outcome][value=resolved]")
    page.fill("textarea[name=close_note]", "复查合格，已确认整改")
    click_and_wait(page, "[data-testid=warning-close-submit]")
    assert "复查合格" in page.inner_text("[data-testid=warning-close-note]")
    # refresh now: the closed warning leaves the chart
    page.goto(f"{live_server}/dashboard")
    click_and_wait(page, "[data-testid=dashboard-refresh]")
    assert page.inner_text("[data-testid=total-warnings]") == "1"
    assert page.locator("[data-testid=card-warnings] svg a[href*='kind=suspected']").count() == 0
    db.session.expire_all()
    row = db.session.get(EarlyWarning, w.id)
    assert (row.status, row.outcome, row.action) == ("closed", "resolved", "inspection")
    # the grade chart's segment leads to the shops of that official grade
    click_and_wait(page, "[data-testid=card-grades] svg a[href*='grade=C']")
    assert "平安食杂店" in page.inner_text("[data-testid=retailer-list]")
    assert page.locator("[data-testid=retailer-list] li").count() == 1


def test_the_city_dashboard_on_a_desk_screen(app, live_server, page, make_user, make_retailer, shot):
    city = make_user("supervisor", city=True, username="sup_dash_city")
    a = make_retailer(shop_name="华兴便利店")
    far = make_retailer(county=OTHER_COUNTY, shop_name="别家超市")
    h.published_run("2026Q3", h.DAY.replace(month=9, day=30), [(a, "A", "B"), (far, "B", "A")])
    h.warning(a, "suspected")
    run_jobs("dashboard.refresh")
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, live_server, city.username, PASSWORD)
    page.goto(f"{live_server}/dashboard")
    cards = page.locator("[data-testid=dashboard-cards] > section")
    first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert abs(first["y"] - second["y"]) < 2  # side by side: a grid on a wide screen
    _no_overflow(page, 1400)
    shot(page, "desk")
