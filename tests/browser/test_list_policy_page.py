"""On a 390 px phone: the admin opens the list policy page, submits a bad version (errors in Chinese
beside each field, the input kept), corrects it and saves; then, anonymous, the landing page links the
red and black lists, whose public page shows a listing with the operator's name masked. Screenshots
under tests/artifacts/."""
from datetime import date

import pytest

from app.credit import recording
from app.extensions import db
from app.lists import services as lists
from app.lists.models import ListEntry
from tests.background import run_jobs
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import PASSWORD
from tests.opendata.test_open_data import publish

pytestmark = pytest.mark.browser


def test_list_policy_form_and_public_lists_on_a_phone(app, live_server, page, make_user, make_retailer, shot, clock):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    clock(date(2027, 1, 4))
    admin = make_user("admin")
    sup = make_user("supervisor")
    shop = make_retailer(shop_name="王小明便利店", operator_name="王小明")
    recording.create_record(shop, "ZM02", occurred_on=date(2026, 11, 20), source="supervisor", actor=sup,
                            status="confirmed", case_number="淮烟罚〔2026〕21号", decided_on=date(2026, 12, 1))
    db.session.commit()
    publish([shop], ["C"], quarter="2026Q4")
    run_jobs("lists.daily")
    lists.review(db.session.scalars(db.select(ListEntry)).one(), True, "", sup)
    db.session.commit()

    sign_in(page, live_server, admin.username, PASSWORD)
    page.goto(live_server + "/lists/policy")
    assert "2026.1" in page.locator("[data-testid=policy-current]").inner_text()
    page.fill("input[name=version]", "2027.1")
    page.fill("input[name=notice_days]", "0")
    page.fill("input[name=black_refused_codes]", "ZM06, QQ01")
    click_and_wait(page, "[data-testid=save-list-policy]")
    form = page.locator("[data-testid=list-policy-form]")
    text = form.inner_text()
    assert "请填写1至90之间的整数天数。" in text and "不是指标目录中的扣分指标：QQ01。" in text
    assert page.input_value("input[name=black_refused_codes]") == "ZM06, QQ01"  # the input is kept
    assert page.locator("input[name=notice_days][aria-invalid=true]").count() == 1
    shot(page, "policy-refused")
    page.fill("input[name=notice_days]", "10")
    page.fill("input[name=black_refused_codes]", "ZM06")
    click_and_wait(page, "[data-testid=save-list-policy]")
    assert "2027.1" in page.locator("[data-testid=policy-versions]").inner_text()
    shot(page, "policy-saved")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 400, width  # nothing wider than the phone

    page.context.clear_cookies()
    page.goto(live_server + "/public")
    click_and_wait(page, "[data-testid=black-list-link]")
    text = page.locator("main").inner_text()
    assert shop.licence_no in text and "王小明" not in text and "王**" in text
    shot(page, "public-black-list")
    assert not errors
