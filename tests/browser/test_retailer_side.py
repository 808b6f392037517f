"""On a phone: a retailer reads why its grade is B, signs the commitment, completes the training and
asks for repair with a photo; a supervisor approves; the retailer sees grade A and the notice."""
import pytest

from tests.background import run_jobs
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.retailer_side.conftest import days_ago, jpeg_bytes
from tests.retailer_side.conftest import make_record  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_retailer_repairs_a_record_and_the_grade_rises(app, live_server, page, browser, browser_context_args,
                                                       make_user, make_retailer, make_record, shot, tmp_path):
    shop = make_retailer(shop_name="华兴便利店")
    make_record(shop, "ZM04", days_ago(150))  # 超越许可范围经营: -10, general, repairable after 3 months
    owner = make_user("retailer", retailers=[shop], username="shop_browser")
    sup = make_user("supervisor", username="sup_browser")
    photo = tmp_path / "整改照片.jpg"
    photo.write_bytes(jpeg_bytes())

    sign_in(page, live_server, owner.username, PASSWORD)
    page.click("[data-testid=my-credit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=current-grade]").inner_text() == "B"
    why = page.locator("[data-testid=why]").inner_text()
    assert "超越许可范围或异地经营卷烟" in why and "-10" in why and "计分至" in why
    assert "日常检查频次" in page.locator("[data-testid=measures]").inner_text()
    assert page.locator("svg.score-chart").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "credit-B")

    # the repair page names each unmet condition
    page.click("[data-testid=repair-link]")
    page.wait_for_load_state("networkidle")
    unmet = page.locator("[data-testid=unmet]").inner_text()
    assert "尚未作出新的信用承诺" in unmet and "尚未完成信用修复培训" in unmet
    shot(page, "repair-unmet")
    repair_url = page.url

    # the commitment: tick and draw a signature
    page.goto(f"{live_server}/me/commitment/{shop.id}")
    page.check("[data-testid=agree]")
    page.locator("[data-testid=signature-pad]").scroll_into_view_if_needed()
    box = page.locator("[data-testid=signature-pad]").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for x, y in ((60, 40), (110, 110), (160, 40), (220, 100), (280, 50)):
        page.mouse.move(box["x"] + x, box["y"] + y, steps=5)
    page.mouse.up()
    shot(page, "commitment-signed")
    with page.expect_navigation():
        page.click("[data-testid=sign]")
    page.wait_for_load_state("networkidle")
    assert "信用承诺已签署" in page.content(), page.locator("main").inner_text()

    # the training
    page.goto(repair_url)
    page.click("[data-testid=go-training]")
    page.wait_for_load_state("networkidle")
    for q, a in (("q1", 0), ("q2", 1), ("q3", 0), ("q4", 1)):
        page.check(f"[data-testid={q}-{a}]")
    shot(page, "training")
    with page.expect_navigation():
        page.click("[data-testid=training-submit]")
    page.wait_for_load_state("networkidle")
    assert page.url == repair_url  # back to the repair request
    assert page.locator("[data-testid=eligible]").is_visible()

    # the request with a photo
    page.fill("[data-testid=statement]", "已到区局补办许可证变更登记，按规定地址经营，罚款已缴清。")
    page.check("[data-testid=penalty]")
    page.set_input_files("[data-testid=evidence]", str(photo))
    shot(page, "repair-form")
    with page.expect_navigation():
        page.click("[data-testid=submit-repair]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=repair-request]").count() == 1
    assert "已提交" in page.locator("[data-testid=repair-request]").inner_text()
    shot(page, "repair-submitted")

    # the supervisor, on another phone, approves
    ctx = browser.new_context(**browser_context_args)
    sp = ctx.new_page()
    try:
        sign_in(sp, live_server, sup.username, PASSWORD)
        sp.click("[data-testid=repair-inbox]")
        sp.wait_for_load_state("networkidle")
        assert "华兴便利店" in sp.locator("[data-testid=inbox-repair]").inner_text()
        assert sp.locator("[data-testid=deadline-ok]").count() == 1
        shot(sp, "supervisor-inbox")
        sp.click("[data-testid=inbox-repair] a")
        sp.wait_for_load_state("networkidle")
        assert sp.locator("[data-testid=evidence-photo]").count() == 1
        assert sp.evaluate("document.querySelector('[data-testid=evidence-photo]').naturalWidth") == 64
        sp.fill("[data-testid=decision-reason]", "整改到位，材料齐全，同意修复。")
        shot(sp, "supervisor-request")
        with sp.expect_navigation():
            sp.click("[data-testid=approve]")
        sp.wait_for_load_state("networkidle")
        assert "已批准" in sp.content()
        shot(sp, "supervisor-approved")
    finally:
        ctx.close()

    # the retailer sees grade A and the notice
    page.goto(f"{live_server}/me/credit/{shop.id}")
    assert page.locator("[data-testid=current-grade]").inner_text() == "A"
    assert "已于" in page.locator("[data-testid=why]").inner_text()  # 已于 <date> 修复
    shot(page, "credit-A")
    run_jobs("notices.consume")  # the worker tells the retailer of the grade change (a page never does)
    page.goto(f"{live_server}/notices")
    notices = page.locator("[data-testid=notice]").all_inner_texts()
    assert any("您的信用修复申请已批准" in n for n in notices), notices
    assert any("您的信用等级由 B 变为 A" in n for n in notices), notices
    shot(page, "notices")
