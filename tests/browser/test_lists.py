"""On a phone: a supervisor approves a black-list proposal (a rejection without a reason keeps the
choice and asks for it), the retailer reads what the listing means and objects during the notice, the
supervisor answers, and the public page shows the entry with the operator's name masked."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.lists.models import ListEntry, ListObjection
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_black_list_review_objection_and_public_page_on_a_phone(app, live_server, page, make_user, make_retailer,
                                                                 shot):
    shop = make_retailer(shop_name="永兴烟酒店", operator_name="周建国")
    entry = ListEntry(kind="black", retailer_id=shop.id, unit_id=shop.unit_id, status="proposed",
                      policy_version="2026.1", criterion="black_serious")
    db.session.add(entry)
    db.session.commit()
    sup = make_user("supervisor", username="sup_lists")
    owner = make_user("retailer", retailers=[shop], username="owner_lists")

    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/lists?status=proposed")
    assert "永兴烟酒店" in page.locator("[data-testid=list-entries]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "queue")
    page.goto(f"{live_server}/lists/entries/{entry.id}")
    page.check("input[name=decision][value=reject]")
    click_and_wait(page, "[data-testid=review-submit]")
    assert page.locator("[data-testid=error-note]").is_visible()
    assert page.locator("input[name=decision][value=reject]").is_checked()
    page.check("input[name=decision][value=approve]")
    click_and_wait(page, "[data-testid=review-submit]")
    assert page.locator("[data-testid=entry-status]").get_attribute("data-status") == "notice"
    shot(page, "approved")

    page.context.clear_cookies()
    sign_in(page, live_server, owner.username, PASSWORD)
    page.goto(f"{live_server}/me/lists")
    click_and_wait(page, "[data-testid=my-entries] a")
    assert "提高检查频次" in page.locator("[data-testid=my-measures]").inner_text()
    page.fill("textarea[name=reasons]", "涉案卷烟系他人寄存，已提交相关证明材料。")
    click_and_wait(page, "[data-testid=submit-list-objection]")
    assert page.locator("[data-testid=my-objection]").get_attribute("data-status") == "open"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "retailer-objection")
    objection = db.session.scalars(select(ListObjection)).one()

    page.context.clear_cookies()
    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/lists/entries/{entry.id}")
    page.check("input[name=decision][value=reject]")
    page.fill("textarea[name=answer]", "证明材料与案卷不符，维持列入。")
    click_and_wait(page, "[data-testid=answer-submit]")
    db.session.refresh(objection)
    assert objection.status == "rejected"

    page.context.clear_cookies()
    page.goto(f"{live_server}/public/lists?kind=black")
    text = page.locator("[data-testid=public-list]").inner_text()
    assert "永兴烟酒店" in text and "周**" in text and "周建国" not in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "public")
