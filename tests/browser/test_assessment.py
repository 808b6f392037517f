"""A city supervisor on a 390 px phone reads the month's assessment (counties ranked, officers), asks for
the 通报 from the reports page, follows the job to the file and finds it listed; a county supervisor sees
only the county's figures and officers. Screenshots under tests/artifacts/."""
import pytest

from tests.assessment.conftest import city  # noqa: F401 - the fixture
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _no_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_assessment_and_reports_on_a_phone(app, live_server, page, browser, browser_context_args, city, shot):
    sign_in(page, live_server, city.sup_city.username, PASSWORD)
    page.goto(f"{live_server}/assessment")  # the previous month by default: 2026-11
    assert page.input_value("select[name=period]") == "2026-11"
    ranks = page.locator("[data-testid=county]")
    assert ranks.nth(0).get_attribute("data-code") == city.b.code and ranks.nth(0).get_attribute("data-rank") == "1"
    assert "58%" in ranks.nth(0).inner_text()
    assert "甲检查员" in page.inner_text("[data-testid=officer-list]")
    _no_overflow(page)
    shot(page, "assessment-city")

    page.goto(f"{live_server}/reports")
    page.select_option("[data-testid=report-request] select[name=kind]", "ranking")
    page.fill("input[name=period]", "2026-13")
    click_and_wait(page, "[data-testid=report-request] button")
    assert "2026-11" in page.inner_text("[data-testid=report-request]")  # the message shows the format
    assert page.input_value("input[name=period]") == "2026-13"  # input kept
    _no_overflow(page)
    shot(page, "refused")
    page.fill("input[name=period]", "2026-11")
    click_and_wait(page, "[data-testid=report-request] button")
    assert "/jobs/" in page.url
    page.wait_for_function("() => !document.querySelector('[data-testid=job-result]').hidden")
    shot(page, "job")
    with page.expect_download() as info:
        page.click("[data-testid=job-result] a")
    assert info.value.suggested_filename == "ranking-2026-11-city.pdf"
    page.goto(f"{live_server}/reports")
    assert page.locator("[data-testid=report]").count() == 1
    _no_overflow(page)
    shot(page, "reports")

    context = browser.new_context(**browser_context_args)
    county = context.new_page()
    sign_in(county, live_server, city.sup_a.username, PASSWORD)
    county.goto(f"{live_server}/assessment?period=2026-11")
    assert county.locator("[data-testid=county]").count() == 1
    assert "丙检查员" not in county.inner_text("body")
    _no_overflow(county)
    shot(county, "assessment-county")
    county.goto(f"{live_server}/reports")
    assert county.locator("[data-testid=report]").count() == 0  # the city's 通报 is not the county's
    context.close()
