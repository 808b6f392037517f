"""A county supervisor drafts, adjusts and approves an inspection plan on a phone; the inspector then
sees the visits in the day list, also offline."""
import pytest

from app.extensions import db
from tests.browser.conftest import sign_in, wait_until_controlled
from tests.conftest import COUNTY, PASSWORD
from tests.scheduling.conftest import PINNED_DAY, next_month_start, set_grade

pytestmark = pytest.mark.browser


def submit(page, locator):
    """Forms with data-fresh-csrf fetch a token first and then submit: wait for that navigation."""
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state("networkidle")


def test_supervisor_adjusts_and_approves_then_inspector_sees_the_day_offline(
        app, live_server, page, browser, browser_context_args, make_user, make_retailer, shot, clock):
    clock(PINNED_DAY)  # next month is a month of a year with an official holiday schedule
    from app.scheduling import settings
    from app.scheduling.models import Visit

    for i, (lat, lng) in enumerate([(33.60, 119.02), (33.61, 119.03), (33.59, 119.01), (33.62, 119.00),
                                    (33.58, 119.04), (33.605, 119.025)]):
        r = make_retailer(shop_name=f"华兴便利{i}号店", lat=lat, lng=lng)
        set_grade(r.id, "C" if i == 0 else "A")
    inspectors = [make_user("inspector", COUNTY, username=f"insp_b{k}") for k in range(4)]
    for u in inspectors:
        settings.set_inspector(u, daily_capacity=30)
    db.session.commit()
    sup = make_user("supervisor", COUNTY, username="sup_browser")
    start = next_month_start()

    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/plans")
    page.select_option("select[name=period]", "month")
    page.fill("input[name=start]", start.isoformat())
    submit(page, page.locator("[data-testid=plan-create] button"))
    # the planning runs as a job (at once in tests): its page says it is done and links to the plan
    page.wait_for_selector("[data-testid=job][data-state=done]")
    submit(page, page.locator("[data-testid=job-result] a"))
    assert page.locator("[data-testid=plan-status]").inner_text() == "草稿"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "plan-draft")
    with page.expect_navigation():
        page.locator("[data-testid=verify-link]").first.click()
    assert len(page.locator("[data-testid=commitment]").inner_text()) == 64
    assert page.locator("[data-testid=seed-hidden]").is_visible()
    page.go_back()
    page.wait_for_load_state("networkidle")

    # The drafter may not approve (four eyes): the page says so and shows no approve button.
    assert "须由另一名监管员审核通过" in page.locator("[data-testid=four-eyes]").inner_text()
    assert page.locator("[data-testid=approve]").count() == 0

    # A shop with a single visit in the plan (an A shop), so reassigning it cannot repeat a pair.
    from collections import Counter

    from sqlalchemy import select

    db.session.expire_all()
    rows = db.session.execute(select(Visit.id, Visit.retailer_id).order_by(Visit.id)).all()
    once = Counter(r for _, r in rows)
    visit_id = next(i for i, r in rows if once[r] == 1)
    pos = page.locator(f"[data-visit='{visit_id}']").get_attribute("data-pos")
    move = page.locator("[data-testid=move-form]")
    # One officer twice: refused with a clear Chinese message, the input kept.
    with app.app_context():
        v = db.session.get(Visit, visit_id)
        current = {v.officer_a_id, v.officer_b_id}
    chosen = str(sorted(current)[0])
    move.locator("input[name=position]").fill(pos)
    move.locator("select[name=officer_a]").select_option(chosen)
    move.locator("select[name=officer_b]").select_option(chosen)
    submit(page, move.locator("[data-testid=move]"))
    assert "每次检查须由两名不同的执法人员进行" in page.content()
    move = page.locator("[data-testid=move-form]")  # the plan page again, the refused choice kept
    assert move.locator("[data-testid^=error-]").count() >= 1
    assert move.locator("select[name=officer_b]").input_value() == chosen
    assert move.locator("input[name=position]").input_value() == pos
    shot(page, "plan-error")

    # Reassign to the two other officers: accepted.
    others = [u.id for u in inspectors if u.id not in current][:2]
    move.locator("select[name=officer_a]").select_option(str(others[0]))
    move.locator("select[name=officer_b]").select_option(str(others[1]))
    submit(page, move.locator("[data-testid=move]"))
    assert "检查任务已调整" in page.content(), page.locator(".flash").all_inner_texts()

    # Another supervisor of the county approves, as a confirmed second step.
    approver = make_user("supervisor", COUNTY, username="sup_browser2")
    plan_url = page.url.split("?")[0]
    context = browser.new_context(**browser_context_args)
    try:
        second = context.new_page()
        sign_in(second, live_server, approver.username, PASSWORD)
        second.goto(plan_url)
        second.locator("[data-testid=approve-step] summary").click()
        second.locator("[data-testid=confirm]").check()
        submit(second, second.locator("[data-testid=approve]"))
        assert second.locator("[data-testid=plan-status]").inner_text() == "已审核"
        second.goto(plan_url.rstrip("/") + "/verify")
        assert len(second.locator("[data-testid=seed]").inner_text()) == 64
        shot(second, "plan-approved")
    finally:
        context.close()

    db.session.expire_all()
    v = db.session.get(Visit, visit_id)
    assert v.status == "approved" and {v.officer_a_id, v.officer_b_id} == set(others)
    day = v.planned_on.isoformat()
    shop = v.retailer.shop_name
    officer = next(u for u in inspectors if u.id == others[0])

    context = browser.new_context(**browser_context_args)
    try:
        phone = context.new_page()
        sign_in(phone, live_server, officer.username, PASSWORD)
        phone.wait_for_url(f"{live_server}/")
        phone.wait_for_load_state("networkidle")
        phone.goto(f"{live_server}/visits?date={day}")
        assert shop in phone.locator("[data-testid=day-list]").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shot(phone, "day-list")
        wait_until_controlled(phone, timeout=10)
        phone.reload()
        phone.wait_for_load_state("networkidle")
        context.set_offline(True)
        phone.reload()
        assert shop in phone.locator("[data-testid=day-list]").inner_text()
        assert phone.locator("#net-status").is_visible()
        shot(phone, "day-list-offline")
        context.set_offline(False)
    finally:
        context.close()


def test_supervisor_sets_capacity_and_days_off_on_a_phone_and_admin_adds_a_policy_version(
        app, live_server, page, browser, browser_context_args, make_user, shot):
    """The settings pages on a phone: a wrong capacity is refused with a Chinese field error (the
    input kept, nothing saved), then saved; the admin sees the policy in force and adds a version."""
    from datetime import timedelta

    from app.common.time import local_today
    from app.scheduling.models import InspectorSetting, SchedulingPolicy

    inspectors = [make_user("inspector", COUNTY, username=f"insp_s{k}") for k in range(2)]
    sup = make_user("supervisor", COUNTY, username="sup_settings")
    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/")
    with page.expect_navigation():
        page.locator("[data-testid=inspectors]").click()
    assert "执法人员：每日上限与休息日" in page.content()
    with page.expect_navigation():
        page.locator(f"[data-inspector='{inspectors[0].id}'] a").first.click()
    page.fill("input[name=daily_capacity]", "0")
    day = next_month_start()
    page.fill("input[name=add_from]", day.isoformat())
    page.fill("input[name=add_to]", (day + timedelta(days=4)).isoformat())
    submit(page, page.locator("[data-testid=save]"))
    assert "请填写 1 到 30 之间的整数" in page.locator("[data-testid=error-daily_capacity]").inner_text()
    assert page.locator("input[name=add_from]").input_value() == day.isoformat()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "inspector-error")
    db.session.expire_all()
    assert db.session.get(InspectorSetting, inspectors[0].id) is None
    page.fill("input[name=daily_capacity]", "4")
    submit(page, page.locator("[data-testid=save]"))
    assert "已保存" in page.content() and day.isoformat() in page.content()
    shot(page, "inspectors")
    db.session.expire_all()
    row = db.session.get(InspectorSetting, inspectors[0].id)
    assert row.daily_capacity == 4 and len(row.days_off) == 5

    context = browser.new_context(**browser_context_args)
    try:
        admin_page = context.new_page()
        admin = make_user("admin", username="admin_settings")
        sign_in(admin_page, live_server, admin.username, PASSWORD)
        admin_page.goto(f"{live_server}/scheduling/policy")
        assert "检查计划规则" in admin_page.content()
        admin_page.fill("input[name=version]", "2099.9-s1")
        admin_page.fill("input[name=effective_from]", (local_today() + timedelta(days=30)).isoformat())
        admin_page.fill("input[name=interval_D]", "10")
        admin_page.fill("input[name=share_D]", "")
        submit(admin_page, admin_page.locator("[data-testid=save-policy]"))
        assert "请填写 0 到 100 之间的百分比" in admin_page.locator("[data-testid=error-share_D]").inner_text()
        assert admin_page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(admin_page, "policy-error")
        admin_page.fill("input[name=share_D]", "40")
        submit(admin_page, admin_page.locator("[data-testid=save-policy]"))
        assert "2099.9-s1" in admin_page.locator("[data-testid=policy-versions]").inner_text()
        shot(admin_page, "policy")
        db.session.expire_all()
        new = db.session.query(SchedulingPolicy).filter_by(version="2099.9-s1").one()
        assert new.data["grades"]["D"] == {"interval_days": 10, "draw_share": 0.4}
    finally:
        context.close()
