"""On a phone: a plain retailer asks for a licence change, then an AA retailer asks for a renewal; the
county supervisor's queue shows the AA request first with the green-channel badge though it is newer;
a rejection without a reason is refused keeping the form; the renewal is approved and the retailer
reads the decision and its licence's new expiry."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.common.time import local_today
from app.credit import recording
from app.extensions import db
from app.licence_requests.models import LicenceRequest
from app.retailers.models import Retailer
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _submit(page, live_server, user, retailer_id, **fields):
    page.context.clear_cookies()
    sign_in(page, live_server, user.username, PASSWORD)
    page.goto(f"{live_server}/me/credit/{retailer_id}")
    click_and_wait(page, "[data-testid=my-licence-requests]")
    page.check(f"[data-testid=kind-{fields['kind']}]")
    if "until" in fields:
        page.fill("[data-testid=requested-until]", fields["until"])
    if "changes" in fields:
        page.fill("[data-testid=changes]", fields["changes"])
    click_and_wait(page, "[data-testid=submit-licence-request]")


def test_an_aa_renewal_comes_first_with_the_green_channel_and_is_approved(app, live_server, page, make_user,
                                                                          make_retailer, shot):
    plain = make_retailer(shop_name="普通便利店")
    trusted = make_retailer(shop_name="诚信超市")
    day = local_today() - timedelta(days=10)
    recording.create_record(trusted, "YX55", occurred_on=day, source="system", actor=None, status="confirmed",
                            decided_on=day, case_number="示范评选〔2026〕1号")  # a model shop: AA
    db.session.commit()
    plain_owner = make_user("retailer", retailers=[plain], username="owner_plain_lr")
    trusted_owner = make_user("retailer", retailers=[trusted], username="owner_aa_lr")
    sup = make_user("supervisor", username="sup_lr")

    _submit(page, live_server, plain_owner, plain.id, kind="change", changes="经营地址变更为健康路2号")
    assert "您的许可证申请已提交" in page.content()
    # the AA retailer first leaves the date out: the form says what is missing and keeps the choice
    _submit(page, live_server, trusted_owner, trusted.id, kind="renewal")
    assert "请填写申请的有效期" in page.content()
    assert page.locator("[data-testid=kind-renewal]").is_checked()
    page.fill("[data-testid=requested-until]", "2034-12-31")
    click_and_wait(page, "[data-testid=submit-licence-request]")
    assert "绿色通道" in page.locator("[data-testid=my-licence-request]").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "retailer-submitted")

    page.context.clear_cookies()
    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/")
    click_and_wait(page, "[data-testid=licence-requests-link]")
    rows = page.locator("[data-testid=queue-licence-request]")
    assert rows.count() == 2
    first = rows.nth(0).inner_text()
    assert "诚信超市" in first and "绿色通道" in first and "普通便利店" in rows.nth(1).inner_text()
    assert rows.nth(1).locator("[data-testid=green-channel]").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "queue")
    click_and_wait(page, "[data-testid=queue-licence-request] >> nth=0 >> a")
    click_and_wait(page, "[data-testid=reject]")
    assert "请说明驳回理由" in page.content()
    page.fill("[data-testid=decision-reason]", "信用良好，准予延续。")
    click_and_wait(page, "[data-testid=approve]")
    assert "已批准" in page.locator("main").inner_text()
    shot(page, "approved")
    db.session.expire_all()  # the live server committed in its own session
    req = db.session.scalars(select(LicenceRequest).where(LicenceRequest.retailer_id == trusted.id)).one()
    assert (req.status, req.green_channel, req.reason) == ("approved", True, "信用良好，准予延续。")
    assert db.session.get(Retailer, trusted.id).licence_expires_on == date(2034, 12, 31)

    page.context.clear_cookies()
    sign_in(page, live_server, trusted_owner.username, PASSWORD)
    page.goto(f"{live_server}/notices")
    assert "您的许可证申请已获批准" in page.locator("main").inner_text()
    page.goto(f"{live_server}/me/licence-requests/{trusted.id}")
    text = page.locator("[data-testid=my-licence-request]").first.inner_text()
    assert "已批准" in text and "信用良好，准予延续。" in text
    assert "2034-12-31" in page.locator("main").inner_text()
    shot(page, "retailer-decided")
