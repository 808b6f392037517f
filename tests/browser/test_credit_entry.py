"""On a phone: an account manager records a late payment for a retailer from the retailer page and lands
on the record; then uploads a CSV with one bad row, sees the line and the reason in Chinese, fixes the
file, checks it again and imports it."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.common.time import local_today
from app.credit.models import CreditRecord
from app.credit.versions import sync_shipped
from app.extensions import db
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

HEADER = "licence_no,indicator_code,occurred_on,quantity,decided_on,case_number,description\n"


def _csv(name, text):
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}


def test_marketer_records_a_late_payment_and_imports_a_csv(app, live_server, page, make_user, make_retailer,
                                                           shot):
    sync_shipped()
    db.session.commit()
    shop = make_retailer(shop_name="华兴便利店")
    other = make_retailer(shop_name="利民超市")
    marketer = make_user("marketer", username="mkt_entry_browser")
    today = local_today()

    sign_in(page, live_server, marketer.username, PASSWORD)
    assert page.locator("[data-testid=credit-record-new]").count() == 1
    page.goto(f"{live_server}/retailers/{shop.id}")
    click_and_wait(page, "[data-testid=record-credit]")
    assert page.input_value("input[name=licence_no]") == shop.licence_no
    assert "华兴便利店" in page.locator("[data-testid=retailer-name]").inner_text()
    codes = page.eval_on_selector_all("select[name=indicator_code] option", "els => els.map(e => e.value)")
    assert "YX01" in codes and not any(c.startswith("ZM") for c in codes)  # 营销 indicators only
    page.select_option("select[name=indicator_code]", "YX01")
    page.fill("input[name=occurred_on]", (today - timedelta(days=4)).isoformat())
    page.fill("textarea[name=description]", "3月货款逾期5天结算")
    page.fill("textarea[name=evidence]", "结算单 JS2026-0311")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "form")
    # a mistyped licence number: the page says why in Chinese and keeps everything typed
    page.fill("input[name=licence_no]", "320812999999")
    click_and_wait(page, "[data-testid=record-submit]")
    assert "许可证号不存在：320812999999" in page.locator("[data-testid=error-licence_no]").inner_text()
    assert page.input_value("textarea[name=description]") == "3月货款逾期5天结算"
    assert page.input_value("select[name=indicator_code]") == "YX01"
    assert db.session.scalars(select(CreditRecord)).all() == []
    shot(page, "form-error")
    page.fill("input[name=licence_no]", shop.licence_no)
    click_and_wait(page, "[data-testid=record-submit]")
    rec = db.session.scalars(select(CreditRecord)).one()
    assert page.url.endswith(f"/credit/records/{rec.id}")
    assert f"已保存为第 {rec.id} 号记录" in page.locator(".flash-ok").inner_text()
    assert "逾期结算货款" in page.locator("h1").inner_text()
    assert page.locator("[data-testid=record-status]").inner_text() == "已确认"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "record")

    page.goto(f"{live_server}/")
    click_and_wait(page, "[data-testid=credit-import]")
    d1, d2 = (today - timedelta(days=20)).isoformat(), (today - timedelta(days=15)).isoformat()
    good_row = f"{other.licence_no},YX03,{d1},,{d2},,价签缺失\n"
    bad = HEADER + good_row + f"{shop.licence_no},YX01,{d1},,2026/02/30,,\n"
    page.set_input_files("[data-testid=import-file]", _csv("逾期.csv", bad))
    click_and_wait(page, "[data-testid=import-check-submit]")
    rows = page.locator("[data-testid=bad-row]")
    assert rows.count() == 1 and rows.first.get_attribute("data-row") == "3"  # one reason, not two
    text = page.locator("[data-testid=import-errors]").inner_text()
    assert "第 3 行" in text and "决定日期" in text and "日期无效" in text
    assert page.locator("[data-testid=import-submit]").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "import-error")
    assert db.session.scalars(select(CreditRecord)).all() == [rec]  # the check wrote nothing

    fixed = HEADER + good_row + f"{shop.licence_no},YX01,{d1},,{d2},,\n"
    page.set_input_files("[data-testid=import-file]", _csv("逾期.csv", fixed))
    click_and_wait(page, "[data-testid=import-check-submit]")
    assert page.locator("[data-testid=bad-row]").count() == 0
    assert "导入 2 条记录" in page.locator("[data-testid=import-submit]").inner_text()
    shot(page, "import-checked")
    click_and_wait(page, "[data-testid=import-submit]")
    assert "已导入：新建 2 条记录" in page.locator(".flash-ok").inner_text()
    db.session.expire_all()
    assert len(db.session.scalars(select(CreditRecord)).all()) == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "imported")
