"""A county supervisor on a 390 px phone opens an early warning from the list, is refused when the
form is incomplete (input kept), records an owner and an action, then closes it with the outcome.

Screenshots under tests/artifacts/."""
import pytest

from app.common.time import local_today
from app.extensions import db
from app.warnings.models import EarlyWarning
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import COUNTY, PASSWORD

pytestmark = pytest.mark.browser


def _no_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_supervisor_opens_a_warning_and_closes_it_with_an_action(app, live_server, page, make_user,
                                                                  make_retailer, shot):
    sup = make_user("supervisor", COUNTY, username="sup_warn")
    sup.display_name = "张科长"
    shop = make_retailer(shop_name="华兴便利店")
    w = EarlyWarning(retailer_id=shop.id, unit_id=shop.unit_id, kind="repeated_minor", status="open",
                     open_key=f"{shop.id}:repeated_minor", raised_on=local_today(),
                     facts={"failed_items": 2, "minor_records": 1, "days": 180})
    db.session.add(w)
    db.session.commit()
    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/warnings?status=open")
    assert page.locator("[data-testid=warning-item]").count() == 1
    _no_overflow(page)
    shot(page, "list")
    click_and_wait(page, "[data-testid=warning-item] a")
    assert "轻微问题反复出现" in page.inner_text("[data-testid=warning-reason]")
    # Nothing chosen: refused field by field, the note kept.
    page.fill("textarea[name=action_note]", "下周约谈店主")
    click_and_wait(page, "[data-testid=warning-act-submit]")
    assert page.locator("[data-testid=error-owner_id]").is_visible()
    assert page.locator("[data-testid=error-action]").is_visible()
    assert page.input_value("textarea[name=action_note]") == "下周约谈店主"
    _no_overflow(page)
    shot(page, "refused")
    page.select_option("select[name=owner_id]", label="张科长")
    page.check("input[name=action][value=interview]")
    click_and_wait(page, "[data-testid=warning-act-submit]")
    assert "约谈" in page.inner_text("[data-testid=warning-action]")
    page.check("input[name=outcome][value=resolved]")
    page.fill("textarea[name=close_note]", "约谈后店主已整改，复查合格")
    click_and_wait(page, "[data-testid=warning-close-submit]")
    assert page.inner_text("[data-testid=warning-state]") == "已办结 · 已化解：风险已处置"
    assert "复查合格" in page.inner_text("[data-testid=warning-close-note]")
    _no_overflow(page)
    shot(page, "closed")
    db.session.expire_all()
    row = db.session.get(EarlyWarning, w.id)
    assert (row.status, row.outcome, row.action, row.owner_id) == ("closed", "resolved", "interview", sup.id)
