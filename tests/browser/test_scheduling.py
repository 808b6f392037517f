"""A county supervisor drafts, adjusts and approves an inspection plan on a phone; the inspector then
sees the visits in the day list, also offline."""
import pytest

from app.extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import COUNTY, PASSWORD
from tests.scheduling.conftest import next_month_start, set_grade

pytestmark = pytest.mark.browser


def submit(page, locator):
    """Forms with data-fresh-csrf fetch a token first and then submit: wait for that navigation."""
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state("networkidle")


def test_supervisor_adjusts_and_approves_then_inspector_sees_the_day_offline(
        app, live_server, page, browser, browser_context_args, make_user, make_retailer, shot):
    from app.scheduling import services
    from app.scheduling.models import Visit

    for i, (lat, lng) in enumerate([(33.60, 119.02), (33.61, 119.03), (33.59, 119.01), (33.62, 119.00),
                                    (33.58, 119.04), (33.605, 119.025)]):
        r = make_retailer(shop_name=f"华兴便利{i}号店", lat=lat, lng=lng)
        set_grade(r.id, "C" if i == 0 else "A")
    inspectors = [make_user("inspector", COUNTY, username=f"insp_b{k}") for k in range(4)]
    for u in inspectors:
        services.set_inspector(u, daily_capacity=30)
    db.session.commit()
    sup = make_user("supervisor", COUNTY, username="sup_browser")
    start = next_month_start()

    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/plans")
    page.select_option("select[name=period]", "month")
    page.fill("input[name=start]", start.isoformat())
    submit(page, page.locator("[data-testid=plan-create] button"))
    assert "检查计划草稿已生成" in page.content()
    assert page.locator("[data-testid=plan-status]").inner_text() == "草稿"
    assert len(page.locator("[data-testid=commitment]").inner_text()) == 64
    assert page.locator("[data-testid=seed-hidden]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "plan-draft")

    # A shop with a single visit in the plan (an A shop), so reassigning it cannot repeat a pair.
    from collections import Counter

    from sqlalchemy import select

    db.session.expire_all()
    rows = db.session.execute(select(Visit.id, Visit.retailer_id).order_by(Visit.id)).all()
    once = Counter(r for _, r in rows)
    visit_id = next(i for i, r in rows if once[r] == 1)
    first = page.locator(f"[data-visit='{visit_id}']")
    # One officer twice: refused with a clear Chinese message.
    first.locator("select[name=officer_b]").select_option(first.locator("select[name=officer_a]").input_value())
    submit(page, first.locator("[data-testid=move]"))
    assert "每次检查须由两名不同的执法人员进行" in page.content()
    shot(page, "plan-error")

    # Reassign to the two other officers: accepted.
    with app.app_context():
        v = db.session.get(Visit, visit_id)
        current = {v.officer_a_id, v.officer_b_id}
    others = [u.id for u in inspectors if u.id not in current][:2]
    first = page.locator(f"[data-visit='{visit_id}']")
    first.locator("select[name=officer_a]").select_option(str(others[0]))
    first.locator("select[name=officer_b]").select_option(str(others[1]))
    submit(page, first.locator("[data-testid=move]"))
    assert "检查任务已调整" in page.content(), page.locator(".flash").all_inner_texts()

    submit(page, page.locator("[data-testid=approve]"))
    assert page.locator("[data-testid=plan-status]").inner_text() == "已审核"
    assert len(page.locator("[data-testid=seed]").inner_text()) == 64
    shot(page, "plan-approved")

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
        phone.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10000)
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
