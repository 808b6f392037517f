"""On a phone: a supervisor works the queue of suspected violations, makes a mistake (no case number:
the form keeps the input and says why in Chinese), confirms, and sees the grade change A → D at once;
the retailer page explains the new grade."""
from datetime import timedelta

import pytest

from app.common.time import local_today
from app.credit import recording
from app.credit.versions import sync_shipped
from app.extensions import db
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_supervisor_confirms_from_the_queue_and_sees_the_grade_change(app, live_server, page, make_user,
                                                                      make_retailer, shot):
    sync_shipped()
    db.session.commit()
    shop = make_retailer(shop_name="华兴便利店")
    today = local_today()
    recording.create_record(shop, "ZM09", occurred_on=today - timedelta(days=3), source="inspection", actor=None,
                           description="许可证未悬挂")
    veto = recording.create_record(shop, "ZM01", occurred_on=today - timedelta(days=12), source="inspection",
                                  actor=make_user("inspector", username="insp_browser"),
                                  description="查获假冒“中华”卷烟 12 条", evidence=[{"kind": "photo", "ref": "x.jpg"}])
    db.session.commit()
    sup = make_user("supervisor", username="sup_credit_browser")

    sign_in(page, live_server, sup.username, PASSWORD)
    assert "2 条待处理" in page.locator("[data-testid=credit-queue]").inner_text()
    click_and_wait(page, "[data-testid=credit-queue]")
    items = page.locator("[data-testid=queue-item]")
    assert items.count() == 2
    assert "销售假冒" in items.nth(0).inner_text()  # oldest first
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "queue")

    items.nth(0).locator("a").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=record-status]").inner_text() == "待确认"
    page.fill("input[name=decided_on]", (today - timedelta(days=1)).isoformat())
    click_and_wait(page, "[data-testid=confirm]")
    assert "请填写案号。" in page.locator("#confirm").inner_text()
    assert page.input_value("input[name=decided_on]") == (today - timedelta(days=1)).isoformat()
    shot(page, "error")

    page.fill("input[name=case_number]", "淮烟专罚〔2026〕第88号")
    click_and_wait(page, "[data-testid=confirm]")
    flash = page.locator(".flash-ok").inner_text()
    assert "A → D" in flash and "销售假冒" in flash and f"记录 {veto.id}" in flash
    assert page.locator("[data-testid=record-status]").inner_text() == "已确认"
    assert page.locator("[data-testid=live-grade]").inner_text() == "D"
    assert page.locator("[data-testid=grade-change]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "confirmed")

    page.goto(f"{live_server}/retailers/{shop.id}")
    grade = page.locator("[data-testid=credit-grade]")
    assert page.locator("[data-testid=grade]").inner_text() == "D"
    text = grade.inner_text()
    assert "否决" in text and "计分至" in text and "-40" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "retailer")
