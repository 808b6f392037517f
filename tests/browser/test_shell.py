"""Sign in on a phone-sized screen, Chinese by default, switch to English, and the shell offline."""
import pytest

from tests.browser.conftest import click_and_wait, sign_in, wait_until_controlled
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_inspector_signs_in_sees_chinese_switches_to_english_and_works_offline(
        app, live_server, page, make_user, make_retailer, shot):
    make_retailer(shop_name="华兴便利")
    make_retailer(shop_name="别家超市", county="320830")
    user = make_user("inspector", username="insp_browser")
    sign_in(page, live_server, user.username, PASSWORD)
    assert page.url.rstrip("/") == live_server
    whoami = page.locator("[data-testid=whoami]")
    assert "当前用户" in whoami.inner_text()
    assert "专卖执法人员" in whoami.inner_text()
    assert "清江浦区" in whoami.inner_text()
    assert page.locator("[data-testid=retailer-count]").inner_text() == "1"  # only their county
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    shot(page, "home-zh")

    # The page fits the phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    click_and_wait(page, "[data-testid=lang-en]")
    assert "Signed in as" in page.locator("[data-testid=whoami]").inner_text()
    assert "Inspector" in page.locator("[data-testid=whoami]").inner_text()
    shot(page, "home-en")

    # Search by pinyin initials finds the shop of this county only.
    page.fill("input[name=q]", "hxbl")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state("networkidle")
    assert "华兴便利" in page.content() and "别家超市" not in page.content()

    # The service worker takes control; then the app shell loads again with the network cut.
    page.goto(live_server + "/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    wait_until_controlled(page, timeout=10)
    page.reload()
    page.wait_for_load_state("networkidle")
    page.context.set_offline(True)
    try:
        page.reload()
        assert "Signed in as" in page.locator("[data-testid=whoami]").inner_text()
        assert page.locator("#net-status").is_visible()  # the offline badge shows
        css_applied = page.evaluate("getComputedStyle(document.querySelector('.topbar')).position")
        assert css_applied == "sticky"  # the stylesheet came from the shell cache
        shot(page, "home-offline")
        page.goto(live_server + "/retailers/999999")  # never seen: the offline page
        assert "offline" in page.content().lower() or "离线" in page.content()
    finally:
        page.context.set_offline(False)


def test_login_page_in_chinese_with_error_kept(live_server, page, make_user, shot):
    make_user("retailer_placeholder" if False else "admin", username="admin_b")
    page.goto(live_server + "/login")
    assert "烟草专卖信用监管平台" in page.content()
    page.fill("input[name=username]", "admin_b")
    page.fill("input[name=password]", "wrong-pass-1")
    click_and_wait(page, "button[type=submit]")
    assert "用户名或密码错误" in page.content()
    assert page.input_value("input[name=username]") == "admin_b"  # input kept
    shot(page, "login-error")
