"""Plans of one county never overlap: a week or month inside a live (draft or approved) plan is
refused (409 with a field error; the page shows the Chinese message). A discarded draft frees its
period; other counties are independent."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.common.errors import ServiceError
from app.extensions import db
from app.scheduling import planner as P
from app.scheduling import planning
from app.scheduling.models import InspectionPlan, RandomDraw, Visit
from tests.conftest import COUNTY, OTHER_COUNTY

ZH = {"Accept-Language": "zh-CN"}


def _plans():
    return db.session.scalar(select(func.count(InspectionPlan.id)))


def test_a_week_inside_a_month_plan_is_refused_by_the_api(county, plan, signed_in):
    sup = signed_in(county["supervisor"])
    n = _plans()
    r = sup.post("/api/plans", headers=ZH, json={"unit": COUNTY, "period": "week",
                                                 "start": (plan.period_start + timedelta(days=10)).isoformat()})
    assert r.status_code == 409
    body = r.get_json()
    assert "不得重叠" in body["errors"]["start"][0] and plan.period_start.isoformat() in body["errors"]["start"][0]
    # the same period again: refused as a duplicate
    r = sup.post("/api/plans", headers=ZH, json={"unit": COUNTY, "period": "month",
                                                 "start": plan.period_start.isoformat()})
    assert r.status_code == 409 and "已存在" in r.get_json()["errors"]["start"][0]
    # a quarter containing the month: refused too
    r = sup.post("/api/plans", headers=ZH, json={"unit": COUNTY, "period": "quarter",
                                                 "start": plan.period_start.isoformat()})
    assert r.status_code == 409
    assert _plans() == n


def test_an_approved_plan_blocks_too_and_the_page_shows_the_chinese_message(county, plan, signed_in):
    planning.approve(plan, county["approver"])
    db.session.commit()
    sup = signed_in(county["supervisor"])
    n = _plans()
    r = sup.post("/plans/new", headers=ZH, data={"unit": COUNTY, "period": "week",
                                             "start": plan.period_end.isoformat()})
    assert r.status_code == 409 and "不得重叠" in r.get_data(as_text=True)
    assert _plans() == n


def test_adjacent_periods_and_other_counties_are_fine(county, plan, make_user):
    nxt = planning.create_plan(county["supervisor"], COUNTY, "month", plan.period_end + timedelta(days=1))
    db.session.commit()
    assert nxt.period_start == plan.period_end + timedelta(days=1)
    # a week that straddles the month's end overlaps it (weeks start on Monday)
    straddle = P.period_bounds("week", plan.period_end)
    if straddle[1] > plan.period_end:
        with pytest.raises(ServiceError):
            planning.create_plan(county["supervisor"], COUNTY, "week", plan.period_end)
    for k in range(2):
        make_user("inspector", OTHER_COUNTY, username=f"other_insp_{k}")
    other = planning.create_plan(make_user("supervisor", OTHER_COUNTY), OTHER_COUNTY, "month", plan.period_start)
    db.session.commit()
    assert other.period_start == plan.period_start


def test_discarding_a_draft_frees_its_period(county, plan, signed_in, clock):
    sup = signed_in(county["supervisor"])
    draw = plan.draws[0]
    assert sup.post(f"/api/plans/{plan.id}/discard", headers=ZH, json={"reason": "x"}).status_code == 422
    r = sup.post(f"/api/plans/{plan.id}/discard", json={"reason": "改为按周制定计划"})
    assert r.status_code == 200 and r.get_json()["status"] == "discarded"
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Visit.id)).where(Visit.plan_id == plan.id,
                                                                Visit.status != "cancelled")) == 0
    d = db.session.get(RandomDraw, draw.id)
    assert d.status == "void" and "改为按周" in d.reason
    public = sup.get(f"/api/public/draws/{draw.id}").get_json()
    assert "seed" not in public and "selected" not in public  # a void draw's list: public after its period
    week = planning.create_plan(county["supervisor"], COUNTY, "week", plan.period_start + timedelta(days=7))
    db.session.commit()
    assert week.status == "draft"
    # an approved plan cannot be discarded
    planning.approve(week, county["approver"])
    db.session.commit()
    r = sup.post(f"/api/plans/{week.id}/discard", headers=ZH, json={"reason": "不再需要了"})
    assert r.status_code == 409
    clock(d.period_end + timedelta(days=1))
    public = sup.get(f"/api/public/draws/{draw.id}").get_json()
    assert public["seed"] == d.seed and public["verification"]["ok"]


def test_discard_page_and_reopened_pending_visits(county, plan, signed_in):
    # a pending warning interview (no plan) taken up by a later draft is pending again when that draft
    # is discarded: nothing is dropped silently
    planning.approve(plan, county["approver"])
    shop = county["shops"][1]
    due = plan.period_end + timedelta(days=10)
    pending = Visit(retailer_id=shop.id, unit_id=shop.unit_id, kind="interview", status="planned", due_on=due,
                    planned_on=due, reasons=[], note="grade:A>B;pending")
    db.session.add(pending)
    db.session.commit()
    nxt = planning.create_plan(county["supervisor"], COUNTY, "month", plan.period_end + timedelta(days=1))
    db.session.commit()
    db.session.refresh(pending)
    assert pending.status == "cancelled" and pending.note == f"replanned:plan:{nxt.id}"
    assert any(v.kind == "interview" and v.retailer_id == shop.id for v in nxt.visits)
    sup = signed_in(county["supervisor"])
    r = sup.post(f"/plans/{nxt.id}/discard", headers=ZH, data={"reason": "周期选错了"}, follow_redirects=True)
    assert r.status_code == 200 and "已作废" in r.get_data(as_text=True)
    db.session.expire_all()
    pending = db.session.get(Visit, pending.id)
    assert pending.status == "planned" and pending.plan_id is None
    assert pending.note == f"reopened:discarded:plan:{nxt.id}"
    assert db.session.get(InspectionPlan, nxt.id).status == "discarded"
    # the next plan takes it up again
    again = planning.create_plan(county["supervisor"], COUNTY, "month", plan.period_end + timedelta(days=1))
    db.session.commit()
    assert any(v.kind == "interview" and v.retailer_id == shop.id for v in again.visits)


def test_the_service_refuses_overlap_for_the_cli_too(county, plan):
    with pytest.raises(ServiceError) as exc:
        planning.create_plan(None, COUNTY, "quarter", plan.period_start)
    assert exc.value.status == 409 and "start" in exc.value.errors
    first, last = P.period_bounds("quarter", plan.period_start)
    assert planning.overlapping_plan(plan.unit_id, first, last).id == plan.id
    assert planning.overlapping_plan(plan.unit_id, plan.period_end + timedelta(days=1),
                                     plan.period_end + timedelta(days=5)) is None
