"""On a 390 px phone: the city's marketing supervisor computes and publishes a month's service run in
which a D shop's supply is suspended; the shop's retailer sees the decision with its reason, legal
basis and the way to object, and objects."""
import pytest

from app.extensions import db
from app.service.models import SupplySuspension
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.service.conftest import veto

pytestmark = pytest.mark.browser


def submit(page, locator):
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state("networkidle")


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_marketing_supervisor_publishes_a_month_with_a_suspension(app, live_server, page, units, make_user,
                                                                 make_retailer, shot):
    from app.credit.versions import sync_shipped

    sync_shipped()
    db.session.commit()
    make_retailer(shop_name="诚信便利店")
    shop = make_retailer(shop_name="违规食杂店")
    veto(shop, make_user("supervisor", city=True))
    owner = make_user("retailer", retailers=[shop], username="d_shop_owner")
    mkt = make_user("mkt_supervisor", city=True, username="mkt_city_browser")

    sign_in(page, live_server, mkt.username, PASSWORD)
    page.goto(f"{live_server}/service")
    assert fits(page)
    submit(page, page.locator("[data-testid=start-service-run-submit]"))
    page.wait_for_selector("[data-testid=job][data-state=done]")
    submit(page, page.locator("[data-testid=job-result] a"))
    assert page.locator("[data-testid=run-state]").inner_text() == "草稿"
    assert page.locator("[data-testid=run-suspended]").inner_text().startswith("1")
    row = page.locator(f"[data-testid=service-row][data-licence='{shop.licence_no}']")
    assert row.locator("[data-testid=row-suspended]").inner_text() == "暂停货源"
    assert "D级：暂停货源投放，待复核" in row.inner_text()
    assert fits(page)
    shot(page, "draft")

    # confirmed and published
    page.check("[data-testid=publish-confirm]")
    submit(page, page.locator("[data-testid=publish-submit]"))
    assert page.locator("[data-testid=run-state]").inner_text() == "已发布"
    assert "作出暂停货源决定 1 项，均已告知零售户异议途径" in page.content()
    assert len(page.locator("[data-testid=run-sha]").inner_text()) == 64
    assert fits(page)
    shot(page, "published")
    held = db.session.query(SupplySuspension).filter_by(retailer_id=shop.id).one()
    page.goto(f"{live_server}/service/suspensions/{held.id}")
    assert "D级" in page.locator("[data-testid=suspension-basis]").inner_text()
    shot(page, "decision")

    # the retailer: the notice, the decision with reason and legal basis, the objection path
    other = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                             is_mobile=True, has_touch=True)
    mine = other.new_page()
    sign_in(mine, live_server, owner.username, PASSWORD)
    mine.goto(f"{live_server}/notices")
    assert f"暂停货源投放：决定 {held.id} 号" in mine.content()
    mine.goto(f"{live_server}/me/service/{shop.id}")
    assert mine.locator("[data-testid=my-coefficient]").inner_text() == "暂停"
    assert "信用等级 D级" in mine.locator("[data-testid=my-reasons]").inner_text()
    assert "依决定" in mine.locator("[data-testid=my-reasons]").inner_text()
    assert "D级" in mine.locator("[data-testid=suspension-basis]").inner_text()
    assert mine.locator("[data-testid=object-form]").is_visible()
    assert fits(mine)
    shot(mine, "retailer")
    mine.fill("[data-testid=object-reasons]", "太短")
    submit(mine, mine.locator("[data-testid=object-submit]"))
    assert "至少" in mine.content() and mine.locator("[data-testid=object-reasons]").input_value() == "太短"
    mine.fill("[data-testid=object-reasons]", "假烟系他人寄存，已向专卖局提交证明材料，请复核暂停决定。")
    submit(mine, mine.locator("[data-testid=object-submit]"))
    assert "您的异议正在审查" in mine.content()
    assert fits(mine)
    shot(mine, "objected")
    other.close()
