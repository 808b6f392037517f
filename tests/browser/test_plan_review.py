"""A supervisor reviews and approves a week's plan on a 390 px phone: the page stays short (days and
pairs collapsed with their counts), two visits are swapped by their positions (typed, and picked by
tapping), approval needs its confirmation step, and the supervisor who drafted the plan cannot
approve it."""
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import COUNTY, PASSWORD
from tests.scheduling.conftest import PINNED_DAY, next_month_start, set_grade

pytestmark = pytest.mark.browser


def submit(page, locator):
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state("networkidle")


def height(page):
    return page.evaluate("document.documentElement.scrollHeight")


def test_a_week_plan_reviewed_swapped_and_approved_on_a_phone(app, live_server, page, browser, browser_context_args,
                                                              make_user, make_retailer, shot, clock):
    clock(PINNED_DAY)  # next month is a month of a year with an official holiday schedule
    from app.scheduling import planning, settings
    from app.scheduling.models import InspectionPlan, Visit

    rng = random.Random(3)
    for i in range(70):
        r = make_retailer(shop_name=f"华兴便利{i}号店", lat=33.60 + rng.uniform(-0.04, 0.04),
                          lng=119.02 + rng.uniform(-0.04, 0.04))
        set_grade(r.id, "D" if i < 3 else "C" if i < 8 else "A")
    inspectors = [make_user("inspector", COUNTY, username=f"insp_w{k}") for k in range(6)]
    for u in inspectors:
        settings.set_inspector(u, daily_capacity=8)
    drafter = make_user("supervisor", COUNTY, username="sup_drafts")
    reviewer = make_user("supervisor", COUNTY, username="sup_reviews")
    monday = next_month_start() + timedelta(days=7)
    monday -= timedelta(days=monday.weekday())
    plan = planning.create_plan(drafter, COUNTY, "week", monday)
    db.session.commit()
    n_visits = len([v for v in plan.visits if v.status != "cancelled"])
    assert n_visits >= 70

    # The drafter: no approve button, a clear Chinese reason; a forced POST is refused as well.
    sign_in(page, live_server, drafter.username, PASSWORD)
    page.goto(f"{live_server}/plans/{plan.id}")
    assert "须由另一名监管员审核通过" in page.locator("[data-testid=four-eyes]").inner_text()
    assert page.locator("[data-testid=approve]").count() == 0
    token = page.evaluate("fetch('/api/csrf').then(r => r.json()).then(j => j.csrf_token)")
    forced = page.request.post(f"{live_server}/plans/{plan.id}/approve", form={"confirm": "1", "csrf_token": token})
    assert forced.status == 403 and "须由另一名监管员审核通过" in forced.text()
    db.session.expire_all()
    assert db.session.get(InspectionPlan, plan.id).status == "draft"

    # The reviewer on a 390 px phone.
    context = browser.new_context(**browser_context_args)
    try:
        phone = context.new_page()
        sign_in(phone, live_server, reviewer.username, PASSWORD)
        phone.goto(f"{live_server}/plans/{plan.id}")
        phone.wait_for_load_state("networkidle")
        assert phone.evaluate("window.innerWidth") == 390
        collapsed = height(phone)
        assert collapsed < 4000, collapsed
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        days = phone.locator("[data-testid=day]")
        assert days.count() == 5  # Monday to Friday, each with its count
        assert "项检查" in days.first.locator(":scope > summary").inner_text()
        shot(phone, "week-collapsed")

        # Open day 1 and its first pair: the visits with their positions.
        days.first.locator(":scope > summary").click()
        pair = days.first.locator("[data-testid=pair]").first
        pair.locator(":scope > summary").click()
        assert pair.locator("[data-testid=visit]").first.get_attribute("data-pos") == "1-1"
        assert "公里" in pair.locator(":scope > summary").inner_text()
        shot(phone, "week-day-open")

        # Swap 1-1 with a visit of day 3 by typing the positions.
        db.session.expire_all()
        layout_before = _positions(plan.id)
        target = next(p for p in layout_before if p.startswith("3-"))
        a_id, b_id = layout_before["1-1"], layout_before[target]
        days_before = {v.id: (v.planned_on, v.officer_a_id, v.officer_b_id) for v in
                       db.session.scalars(select(Visit).where(Visit.id.in_([a_id, b_id])))}
        swap = phone.locator("[data-testid=swap-form]")
        swap.locator("input[name=a]").fill("1-1")
        swap.locator("input[name=b]").fill(target)
        submit(phone, swap.locator("[data-testid=swap]"))
        if "互换" not in phone.locator(".flash").first.inner_text():
            # the pair rule may refuse this one (same pair twice in a row): the message is Chinese
            assert phone.locator("[data-testid^=error-]").count() >= 1
            pytest.fail(phone.locator("[data-testid^=error-]").first.inner_text())
        db.session.expire_all()
        after = {v.id: (v.planned_on, v.officer_a_id, v.officer_b_id) for v in
                 db.session.scalars(select(Visit).where(Visit.id.in_([a_id, b_id])))}
        assert after[a_id] == days_before[b_id] and after[b_id] == days_before[a_id]

        # A position that does not exist: a Chinese field error, the input kept.
        swap = phone.locator("[data-testid=swap-form]")
        swap.locator("input[name=a]").fill("9-99")
        swap.locator("input[name=b]").fill("1-1")
        submit(phone, swap.locator("[data-testid=swap]"))
        assert "本计划没有编号为 9-99 的检查" in phone.locator("[data-testid=error-a]").inner_text()
        assert phone.locator("[data-testid=swap-form] input[name=a]").input_value() == "9-99"

        # Pick two visits by tapping their positions (day 2), then swap them.
        phone.goto(f"{live_server}/plans/{plan.id}")
        day2 = phone.locator("[data-testid=day][data-day='2']")
        day2.locator(":scope > summary").first.click()
        pairs = day2.locator("[data-testid=pair]")
        pairs.nth(0).locator(":scope > summary").click()
        pairs.nth(1).locator(":scope > summary").click()
        first_pos = pairs.nth(0).locator("[data-testid=pos]").first
        second_pos = pairs.nth(1).locator("[data-testid=pos]").first
        p1, p2 = first_pos.inner_text(), second_pos.inner_text()
        first_pos.click()
        second_pos.click()
        swap = phone.locator("[data-testid=swap-form]")
        assert swap.locator("input[name=a]").input_value() == p1 and swap.locator("input[name=b]").input_value() == p2
        shot(phone, "week-picked")
        db.session.expire_all()
        before = _positions(plan.id)
        pair_of = {vid: (db.session.get(Visit, vid).officer_a_id, db.session.get(Visit, vid).officer_b_id)
                   for vid in (before[p1], before[p2])}
        submit(phone, swap.locator("[data-testid=swap]"))
        assert phone.locator("[data-testid^=error-]").count() == 0, phone.locator("[data-testid^=error-]").all_inner_texts()
        db.session.expire_all()
        v1, v2 = db.session.get(Visit, before[p1]), db.session.get(Visit, before[p2])
        assert (v1.officer_a_id, v1.officer_b_id) == pair_of[before[p2]]
        assert (v2.officer_a_id, v2.officer_b_id) == pair_of[before[p1]]

        # On a computer: drag a visit of day 3 onto a visit of another pair that day, they are swapped.
        desk_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 800})
        try:
            desk = desk_ctx.new_page()
            sign_in(desk, live_server, reviewer.username, PASSWORD)
            desk.goto(f"{live_server}/plans/{plan.id}")
            day3 = desk.locator("[data-testid=day][data-day='3']")
            day3.locator(":scope > summary").click()
            pairs = day3.locator("[data-testid=pair]")
            pairs.nth(0).locator(":scope > summary").click()
            pairs.nth(1).locator(":scope > summary").click()
            src = pairs.nth(0).locator("[data-testid=visit]").first
            dst = pairs.nth(1).locator("[data-testid=visit]").first
            src_id, dst_id = int(src.get_attribute("data-visit")), int(dst.get_attribute("data-visit"))
            db.session.expire_all()
            pair_of = {vid: (db.session.get(Visit, vid).officer_a_id, db.session.get(Visit, vid).officer_b_id)
                       for vid in (src_id, dst_id)}
            # The drag events as the browser sends them (headless Chromium does not turn a scripted
            # mouse gesture into HTML drag events, so they are dispatched with one DataTransfer).
            transfer = desk.evaluate_handle("new DataTransfer()")
            src.dispatch_event("dragstart", {"dataTransfer": transfer})
            dst.dispatch_event("dragover", {"dataTransfer": transfer})
            with desk.expect_navigation():
                dst.dispatch_event("drop", {"dataTransfer": transfer})
            desk.wait_for_load_state("networkidle")
            assert "互换" in desk.locator(".flash").first.inner_text()
            db.session.expire_all()
            assert (db.session.get(Visit, src_id).officer_a_id, db.session.get(Visit, src_id).officer_b_id) == \
                pair_of[dst_id]
        finally:
            desk_ctx.close()
        phone.goto(f"{live_server}/plans/{plan.id}")

        # Approval: without the tick it is refused (nothing approved), with it the plan is approved.
        phone.locator("[data-testid=approve-step] summary").click()
        submit(phone, phone.locator("[data-testid=approve]"))
        assert "请勾选确认您已审阅本计划" in phone.locator("[data-testid=error-confirm]").inner_text()
        db.session.expire_all()
        assert db.session.get(InspectionPlan, plan.id).status == "draft"
        phone.locator("[data-testid=confirm]").check()
        shot(phone, "week-confirm")
        submit(phone, phone.locator("[data-testid=approve]"))
        assert phone.locator("[data-testid=plan-status]").inner_text() == "已审核"
        assert height(phone) < 4000
        shot(phone, "week-approved")
        db.session.expire_all()
        approved = db.session.get(InspectionPlan, plan.id)
        assert approved.status == "approved" and approved.approved_by_id == reviewer.id
    finally:
        context.close()


def _positions(plan_id):
    from app.scheduling import queries
    from app.scheduling.models import InspectionPlan

    layout = queries.plan_layout(db.session.get(InspectionPlan, plan_id))
    return {pos: vid for vid, pos in layout["positions"].items()}
