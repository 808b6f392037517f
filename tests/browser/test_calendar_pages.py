"""On a phone: an admin opens the official calendar, sees 2027 not entered, types the 2027 schedule with
a mistake, gets the page back with the input and the field message in Chinese, fixes it and saves; the
year then lists its days."""
import pytest

from app.extensions import db
from app.holidays.models import CalendarYear
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_admin_enters_the_2027_schedule_on_a_phone(app, live_server, page, make_user, shot, clock):
    from datetime import date

    clock(date(2026, 12, 7))
    admin = make_user("admin", username="cal_admin_browser")
    sign_in(page, live_server, admin.username, PASSWORD)
    page.goto(f"{live_server}/admin/calendar")
    assert page.locator("[data-testid=calendar-missing-2027]").count() == 1
    shot(page, "list")
    page.goto(f"{live_server}/admin/calendar/2027")
    page.fill("input[name=source]", "国办发明电〔2026〕7号")
    page.fill("textarea[name=holidays]", "2027-01-01 2027-01-03 元旦\n2027-02-06 2027-02-13 春节")
    page.fill("textarea[name=workdays]", "2027-02-22 春节")  # a Monday: refused
    click_and_wait(page, "[data-testid=calendar-save]")
    assert "周六或周日" in page.locator("[data-testid=error-workdays]").inner_text()
    assert page.input_value("textarea[name=holidays]").startswith("2027-01-01 2027-01-03 元旦")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shot(page, "refused")
    page.fill("textarea[name=workdays]", "2027-02-20 春节")
    click_and_wait(page, "[data-testid=calendar-save]")
    assert page.locator("[data-testid=calendar-days] tbody tr").count() == 3 + 8 + 1
    shot(page, "saved")
    db.session.rollback()
    assert db.session.get(CalendarYear, 2027).source == "国办发明电〔2026〕7号"
