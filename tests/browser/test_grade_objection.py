"""On a phone: a supervisor answers a retailer's objection against its grade by ticking the record
found wrong; a refusal without one keeps the answer typed; the retailer then reads the new grade."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.repair.models import Objection
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import PASSWORD
from tests.retailer_side.conftest import days_ago
from tests.retailer_side.conftest import make_record  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_supervisor_upholds_a_grade_objection_on_a_phone(app, live_server, page, make_user, make_retailer,
                                                         make_record, shot):
    shop = make_retailer(shop_name="华兴便利店")
    wrong = make_record(shop, "ZM04", days_ago(6))  # -10: B
    owner = make_user("retailer", retailers=[shop], username="owner_gobj")
    sup = make_user("supervisor", username="sup_gobj")

    sign_in(page, live_server, owner.username, PASSWORD)
    page.goto(f"{live_server}/me/objection/{shop.id}")
    page.fill("textarea[name=reasons]", "本季度等级评定有误：当天店铺歇业，请复核。")
    click_and_wait(page, "[data-testid=submit-objection]")
    obj = db.session.scalars(select(Objection)).one()
    assert obj.record_id is None and obj.grade == "B"

    page.context.clear_cookies()
    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/supervise/objections/{obj.id}")
    records = page.locator("[data-testid=grade-records]").inner_text()
    assert "超越许可范围" in records and "-10" in records
    page.fill("textarea[name=answer]", "经核实，检查当日店铺歇业，记录有误。")
    click_and_wait(page, "button[value=uphold]")
    assert "请勾选经核实有误的记录" in page.content()
    assert page.locator("textarea[name=answer]").input_value() == "经核实，检查当日店铺歇业，记录有误。"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "refused-without-record")
    page.check(f"input[name=dismiss][value='{wrong.id}']")
    shot(page, "ticked")
    click_and_wait(page, "button[value=uphold]")
    assert "异议成立" in page.locator("main").inner_text() or "已保存" in page.content()

    page.context.clear_cookies()
    sign_in(page, live_server, owner.username, PASSWORD)
    page.goto(f"{live_server}/me/credit/{shop.id}")
    assert page.locator("[data-testid=current-grade]").inner_text() == "A"
    page.goto(f"{live_server}/notices")
    assert "您现在的信用等级为 A" in page.locator("main").inner_text()
    shot(page, "retailer-notice")
