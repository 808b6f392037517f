"""Plans in the database: draft with a published commitment, review rules, approval and reveal, day
lists, grade changes, interviews, completion, missed visits, the public page."""
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.scheduling import planner as P
from app.scheduling import planning, replan, settings, visits
from app.scheduling.models import RandomDraw, Visit
from app.scheduling.workdays import is_workday
from tests.conftest import COUNTY, OTHER_COUNTY
from tests.scheduling.conftest import grade_event, next_month_start

ZH = {"Accept-Language": "zh-CN"}


def test_draft_plan_publishes_the_commitment_not_the_seed(app, county, plan, signed_in):
    assert plan.status == "draft" and plan.visits
    officers = {u.id for u in county["inspectors"]}
    for v in plan.visits:
        assert v.officer_a_id != v.officer_b_id and {v.officer_a_id, v.officer_b_id} <= officers
        assert is_workday(v.planned_on) and plan.period_start <= v.planned_on <= plan.period_end
    # Never-inspected shops are all due at once: every shop has a visit in the month.
    assert {v.retailer_id for v in plan.visits} == {s.id for s in county["shops"]}
    sup = signed_in(county["supervisor"])
    data = sup.get(f"/api/plans/{plan.id}").get_json()
    assert len(data["draw"]["commitment"]) == 64 and "seed" not in data["draw"]
    assert "seed" not in app.test_client().get(f"/api/public/draws/{data['draw']['id']}").get_json()
    assert data["load"] and data["coverage"]["A"]["shops"] == 24
    page = sup.get(f"/plans/{plan.id}", headers=ZH).get_data(as_text=True)
    # the seeds and hashes sit behind "如何核验", not on the plan itself
    assert data["draw"]["commitment"] not in page and "如何核验" in page and "公里" in page and " km" not in page
    verify = sup.get(f"/plans/{plan.id}/verify", headers=ZH).get_data(as_text=True)
    assert data["draw"]["commitment"] in verify and plan.pairs_seed in verify


def test_approval_errors_name_the_shop_the_day_and_the_officer(county, plan, signed_in):
    """A day off entered after the draft blocks approval with a message a supervisor can act on: the
    shop, its licence, the day and the officer (never a database id)."""
    from app.scheduling.settings import set_inspector

    v = sorted(plan.visits, key=lambda x: (x.planned_on, x.id))[0]
    officer = next(u for u in county["inspectors"] if u.id == v.officer_a_id)
    set_inspector(officer, days_off=[v.planned_on])
    db.session.commit()
    r = signed_in(county["approver"]).post(f"/api/plans/{plan.id}/approve", headers=ZH)
    assert r.status_code == 422
    message = " ".join(r.get_json()["errors"]["plan"])
    assert v.retailer.shop_name in message and v.retailer.licence_no in message
    assert v.planned_on.isoformat() in message and officer.display_name in message and "休息" in message
    assert f"检查 {v.id}" not in message


def test_approve_reveals_the_seed_and_fills_day_lists(app, county, plan, signed_in, client, clock):
    sup = signed_in(county["supervisor"])
    r = signed_in(county["approver"]).post(f"/api/plans/{plan.id}/approve")
    assert r.status_code == 200, r.get_json()
    draw = db.session.scalars(select(RandomDraw).where(RandomDraw.plan_id == plan.id)).one()
    assert draw.status == "revealed" and sup.get(f"/api/plans/{plan.id}").get_json()["draw"]["seed"] == draw.seed
    assert "seed" not in client.get(f"/api/public/draws/{draw.id}").get_json()  # the public: after the period
    # The inspector's day list shows the approved visits, in route order.
    v = sorted(db.session.scalars(select(Visit).where(Visit.plan_id == plan.id)), key=lambda v: v.planned_on)[0]
    officer = next(u for u in county["inspectors"] if u.id == v.officer_a_id)
    me = signed_in(officer)
    rows = me.get(f"/api/me/visits?date={v.planned_on.isoformat()}").get_json()
    assert v.id in [x["id"] for x in rows]
    assert [x["route_order"] for x in rows] == sorted(x["route_order"] for x in rows)
    other = next(u for u in county["inspectors"] if u.id not in (v.officer_a_id, v.officer_b_id))
    theirs = signed_in(other).get(f"/api/me/visits?date={v.planned_on.isoformat()}").get_json()
    assert v.id not in [x["id"] for x in theirs]
    page = me.get(f"/visits?date={v.planned_on.isoformat()}").get_data(as_text=True)
    assert v.retailer.shop_name in page
    # Approved: no more edits, no redraw.
    assert sup.post(f"/api/plans/{plan.id}/redraw", json={"reason": "太晚了"}).status_code == 422
    # After the period the public has the seed and the pool: anyone can recompute the commitment and the list.
    clock(plan.period_end + timedelta(days=1))
    pub = client.get(f"/api/public/draws/{draw.id}").get_json()
    assert pub["seed"] == draw.seed and pub["verification"]["ok"]
    check = P.verify_draw(pub["seed"], pub["pool"], pub["policy_version"], pub["shares"], pub["commitment"],
                          pub["selected"])
    assert check["ok"]


def test_draft_visits_are_not_in_day_lists(county, plan, signed_in):
    v = plan.visits[0]
    officer = next(u for u in county["inspectors"] if u.id == v.officer_a_id)
    assert signed_in(officer).get(f"/api/me/visits?date={v.planned_on.isoformat()}").get_json() == []


def test_a_redraw_needs_a_reason_and_keeps_the_old_commitment_public(county, plan, signed_in, client):
    sup = signed_in(county["supervisor"])
    old = plan.draws[0].commitment
    r = sup.post(f"/api/plans/{plan.id}/redraw", json={"reason": ""}, headers=ZH)
    assert r.status_code == 422 and "原因" in str(r.get_json())
    r = sup.post(f"/api/plans/{plan.id}/redraw", json={"reason": "名单导入有误，重新抽取"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["draw"]["commitment"] != old and body["draw"]["reason"].startswith("名单")
    assert body["void_draws"][0]["commitment"] == old and body["void_draws"][0]["seed"]
    db.session.expire_all()
    draws = db.session.scalars(select(RandomDraw).order_by(RandomDraw.id)).all()
    assert [d.status for d in draws] == ["void", "committed"] and draws[1].supersedes_id == draws[0].id


def singles(plan):
    """Visits of shops with no other visit in the plan, earliest first (no pair rule can interfere)."""
    n = Counter(v.retailer_id for v in plan.visits)
    return sorted((v for v in plan.visits if n[v.retailer_id] == 1), key=lambda v: (v.planned_on, v.id))


def _move(sup, v, **body):
    return sup.patch(f"/api/visits/{v.id}", json=body, headers=ZH)


def test_moves_and_reassignments_are_checked_with_chinese_errors(county, plan, signed_in):
    from app.scheduling.settings import set_inspector

    sup = signed_in(county["supervisor"])
    v = singles(plan)[0]
    a, b = v.officer_a_id, v.officer_b_id
    # A weekend (not an adjusted working day) is refused.
    day = plan.period_start
    while is_workday(day):
        day += timedelta(days=1)
    r = _move(sup, v, planned_on=day.isoformat())
    assert r.status_code == 422 and "不是工作日" in str(r.get_json())
    # One officer twice: a visit needs two.
    r = _move(sup, v, officer_ids=[a, a])
    assert r.status_code == 422 and "两名" in str(r.get_json())
    # An officer on a day off.
    set_inspector(db.session.get(type(county["inspectors"][0]), a), days_off=[v.planned_on])
    db.session.commit()
    r = _move(sup, v, officer_ids=[a, b])
    assert r.status_code == 422 and "休息" in str(r.get_json())
    set_inspector(db.session.get(type(county["inspectors"][0]), a), days_off=[], daily_capacity=1)
    db.session.commit()
    # Over capacity (capacity 1 and the pair has more visits that day).
    same_day = [x for x in plan.visits if x.planned_on == v.planned_on and a in (x.officer_a_id, x.officer_b_id)]
    if len(same_day) > 1:
        r = _move(sup, v, officer_ids=[a, b])
        assert r.status_code == 422 and "上限" in str(r.get_json())
    for u in county["inspectors"]:
        set_inspector(db.session.get(type(u), u.id), daily_capacity=30)
    db.session.commit()
    # A valid move to another working day and another pair.
    others = [u.id for u in county["inspectors"] if u.id not in (a, b)]
    target = next(d for d in (v.planned_on + timedelta(days=k) for k in range(1, 10)) if is_workday(d)
                  and d <= plan.period_end)
    r = _move(sup, v, planned_on=target.isoformat(), officer_ids=others[:2])
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["planned_on"] == target.isoformat() and sorted(r.get_json()["officers"]) == sorted(others[:2])


def test_the_same_pair_never_visits_a_shop_twice_in_a_row(county, plan, signed_in):
    sup = signed_in(county["supervisor"])
    v = sorted(plan.visits, key=lambda v: (v.planned_on, v.id))[0]
    # Record a previous, completed visit of this shop by two officers.
    x, y = [u.id for u in county["inspectors"]][:2]
    db.session.add(Visit(retailer_id=v.retailer_id, unit_id=v.unit_id, kind="due", status="done",
                         due_on=v.planned_on - timedelta(days=40), planned_on=v.planned_on - timedelta(days=40),
                         done_on=v.planned_on - timedelta(days=40), officer_a_id=x, officer_b_id=y, reasons=[]))
    db.session.commit()
    r = _move(sup, v, officer_ids=[y, x])
    assert r.status_code == 422 and "同一" in str(r.get_json())


def test_swap_two_visits(county, plan, signed_in):
    sup = signed_in(county["supervisor"])
    vs = singles(plan)
    a = vs[0]
    b = next((v for v in vs if v.planned_on != a.planned_on), vs[-1])
    da, db_ = a.planned_on, b.planned_on
    r = sup.post(f"/api/visits/{a.id}/swap", json={"other": b.id})
    assert r.status_code == 200, r.get_json()
    got = {x["id"]: x["planned_on"] for x in r.get_json()}
    assert got[a.id] == db_.isoformat() and got[b.id] == da.isoformat()


def test_the_drafter_cannot_approve_their_own_plan_unless_the_county_allows_it(county, plan, signed_in, make_user):
    """Four eyes: the supervisor who drafted a plan is refused (403, a Chinese message) and nothing
    changes; an admin may name a one-supervisor county in the scheduling policy (a new, audited
    version), and then the drafter's approval is recorded as a self-approval."""
    from app.audit.models import AuditEntry

    drafter = signed_in(county["supervisor"])
    r = drafter.post(f"/api/plans/{plan.id}/approve", headers=ZH)
    assert r.status_code == 403
    assert "另一名监管员" in str(r.get_json())
    db.session.refresh(plan)
    assert plan.status == "draft" and planning.current_draw(plan).status == "committed"
    # The county is made a one-supervisor county by a new policy version.
    admin = make_user("admin", None, username="admin_fe")
    data = settings.active_policy().to_dict()
    data.update(version="fe-1", self_approval=[COUNTY])
    settings.add_policy_version(data, plan.period_start - timedelta(days=40), admin)
    db.session.commit()
    assert drafter.post(f"/api/plans/{plan.id}/approve").status_code == 200
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "scheduling.plan.approve")).one()
    assert entry.after["self_approved"] is True and entry.after["drafted_by"] == county["supervisor"].id
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "scheduling.policy.create")).first()


def test_other_county_supervisor_cannot_see_or_change(county, plan, signed_in, make_user):
    other = signed_in(make_user("supervisor", OTHER_COUNTY))
    assert other.get(f"/api/plans/{plan.id}").status_code == 404
    assert other.post(f"/api/plans/{plan.id}/approve").status_code == 404
    assert other.post("/api/plans", json={"unit": COUNTY, "period": "month",
                                          "start": next_month_start().isoformat()}).status_code == 422


def test_grade_change_moves_the_next_visit_and_the_cursor(county, plan, signed_in):
    from app.credit.models import EventCursor

    assert signed_in(county["approver"]).post(f"/api/plans/{plan.id}/approve").status_code == 200
    # A shop last inspected at the start of the month: its next (A, 90 days) visit is outside the plan.
    shop = next(s for s in county["shops"] if county["grades"][s.id] == "A")
    for v in db.session.scalars(select(Visit).where(Visit.retailer_id == shop.id)):
        v.status, v.done_on, v.outcome = "done", plan.period_start, "no_violation"
    db.session.commit()
    today = plan.period_start + timedelta(days=1)
    grade_event(shop.id, "A", "D", today)
    assert replan.consume_grade_changes(today=today) == 1
    db.session.commit()
    nxt = db.session.scalars(select(Visit).where(Visit.retailer_id == shop.id, Visit.status == "approved")
                             .order_by(Visit.planned_on)).all()
    assert len(nxt) >= 1  # and then every 14 days (tests/scheduling/test_cycle.py)
    # D: 14 days after the last inspection (or the first working day after it with room).
    assert plan.period_start + timedelta(days=14) <= nxt[0].planned_on <= plan.period_start + timedelta(days=21)
    assert nxt[0].note.startswith("grade:A>D")
    assert db.session.get(EventCursor, ("scheduling", "grade_changes")).last_id >= 1
    assert replan.consume_grade_changes(today=today) == 0  # nothing twice


def test_a_fall_brings_a_planned_visit_forward(county, plan):
    shop = next(s for s in county["shops"] if county["grades"][s.id] == "A")
    v = db.session.scalars(select(Visit).where(Visit.retailer_id == shop.id, Visit.kind == "due")).one()
    # Pretend it had been inspected recently, and planned late in the month.
    db.session.add(Visit(retailer_id=shop.id, unit_id=v.unit_id, kind="due", status="done",
                         due_on=plan.period_start - timedelta(days=30), planned_on=plan.period_start - timedelta(days=30),
                         done_on=plan.period_start - timedelta(days=30), officer_a_id=None, officer_b_id=None, reasons=[]))
    late = max(d for d in (date.fromisoformat(x) for x in plan.summary["days"]))
    v.planned_on = late
    db.session.commit()
    today = plan.period_start
    replan.on_grade_change(shop.id, "A", "C", today, today=today)
    db.session.commit()
    db.session.refresh(v)
    assert v.planned_on < late and v.planned_on >= today  # 30 days after the last inspection: at once


def test_falling_to_b_creates_a_warning_interview_within_30_days(county, plan):
    shop = next(s for s in county["shops"] if county["grades"][s.id] == "A")
    today = plan.period_start
    grade_event(shop.id, "A", "B", today)
    replan.consume_grade_changes(today=today)
    db.session.commit()
    iv = db.session.scalars(select(Visit).where(Visit.retailer_id == shop.id, Visit.kind == "interview")).one()
    assert iv.due_on == today + timedelta(days=30)
    assert today <= iv.planned_on <= iv.due_on
    assert iv.plan_id == plan.id and iv.officer_a_id and iv.officer_b_id != iv.officer_a_id
    # A rise to B (from C) is no fall: no interview.
    other = next(s for s in county["shops"] if county["grades"][s.id] == "C")
    grade_event(other.id, "C", "B", today)
    replan.consume_grade_changes(today=today)
    assert db.session.scalars(select(Visit).where(Visit.retailer_id == other.id, Visit.kind == "interview")).first() is None


def test_completion_closes_and_missed_visits_become_overdue(county, plan, signed_in):
    sup = signed_in(county["supervisor"])
    assert signed_in(county["approver"]).post(f"/api/plans/{plan.id}/approve").status_code == 200
    vs = sorted(db.session.scalars(select(Visit).where(Visit.plan_id == plan.id)), key=lambda v: v.planned_on)
    done, missed = vs[0], vs[1]
    officer = next(u for u in county["inspectors"] if u.id == done.officer_b_id)
    r = signed_in(officer).post(f"/api/visits/{done.id}/complete", json={"outcome": "violation"})
    assert r.status_code == 200 and r.get_json()["status"] == "done"
    # The inspections part closes visits the same way.
    assert visits.close_visit_for_inspection(vs[2].retailer_id, vs[2].planned_on, "no_violation").status == "done"
    n = visits.mark_missed(today=missed.planned_on + timedelta(days=1))
    db.session.commit()
    db.session.refresh(missed)
    assert n >= 1 and missed.status == "missed"
    assert signed_in(officer).get(f"/api/me/visits?date={missed.planned_on.isoformat()}") is not None
    # Coverage shows the overdue visit.
    page = sup.get("/coverage", headers=ZH).get_data(as_text=True)
    assert "逾期" in page


def test_replanning_never_drops_a_missed_visit(county, plan, signed_in):
    signed_in(county["approver"]).post(f"/api/plans/{plan.id}/approve")
    v = sorted(db.session.scalars(select(Visit).where(Visit.plan_id == plan.id)), key=lambda v: v.planned_on)[0]
    visits.mark_missed(today=plan.period_end + timedelta(days=1))
    db.session.commit()
    nxt = planning.create_plan(county["supervisor"], COUNTY, "month", plan.period_end + timedelta(days=1))
    db.session.commit()
    again = [x for x in nxt.visits if x.retailer_id == v.retailer_id]
    assert again and any(r[0] in ("overdue", "never_inspected") for r in again[0].reasons)
    counts = Counter(x.retailer_id for x in nxt.visits)
    assert set(counts) == {s.id for s in county["shops"]}  # every shop still due is in the new plan


def test_public_page_lists_only_completed_random_checks_masked(county, signed_in, client, clock):
    # A quarter's plan: its draw takes the quarter's whole share (30 A shops × 5 %: one or two).
    plan = planning.create_plan(county["supervisor"], COUNTY, "quarter", next_month_start())
    db.session.commit()
    assert signed_in(county["approver"]).post(f"/api/plans/{plan.id}/approve").status_code == 200
    vs = db.session.scalars(select(Visit).where(Visit.plan_id == plan.id)).all()
    randoms = [v for v in vs if v.kind == "random"]
    dues = [v for v in vs if v.kind == "due"]
    assert randoms, "the draw picked no shop"
    # Make shop 0 (named after its operator 王小明) a completed random check.
    # (The draw is random: it may itself have picked shop 0, then that visit is the one completed.)
    first = county["shops"][0]
    rv = next((v for v in randoms if v.retailer_id == first.id), randoms[0])
    rv.retailer_id = first.id
    rv.status, rv.outcome, rv.done_on = "done", "rectification", rv.planned_on
    others = [v for v in randoms if v is not rv]
    d = dues[-1] if dues[-1].retailer_id != first.id else dues[-2]
    d.status, d.outcome, d.done_on = "done", "violation", d.planned_on
    for other in others:
        other.status = "approved"  # not completed: not listed
    db.session.commit()
    url = f"/public/random-checks?unit={COUNTY}&period=quarter&start={plan.period_start.isoformat()}"
    page = client.get(url, headers=ZH).get_data(as_text=True)
    assert first.licence_no not in page and plan.draws[0].seed not in page  # the period is not over
    clock(plan.period_end + timedelta(days=1))
    page = client.get(url, headers=ZH).get_data(as_text=True)
    assert first.licence_no in page and "王**便利店0" in page and "王小明" not in page
    assert "责令整改" in page
    assert d.retailer.licence_no not in page  # a due visit is not a random check
    for other in others:
        assert other.retailer.licence_no not in page
    assert plan.draws[0].seed in page and plan.draws[0].commitment in page


def test_public_page_hides_the_seed_of_a_draft(county, plan, client):
    page = client.get(f"/public/random-checks?unit={COUNTY}&period=month&start={plan.period_start.isoformat()}").get_data(
        as_text=True)
    assert plan.draws[0].commitment in page and plan.draws[0].seed not in page


@pytest.mark.parametrize("kind", ["week", "quarter"])
def test_other_periods(county, kind):
    start = next_month_start() + timedelta(days=7)
    p = planning.create_plan(county["supervisor"], COUNTY, kind, start)
    db.session.commit()
    assert p.period_kind == kind and p.visits
    assert all(p.period_start <= v.planned_on <= p.period_end for v in p.visits)


def test_a_fall_in_a_full_plan_bumps_a_lower_risk_visit_which_is_moved_not_dropped(county, plan):
    from app.scheduling.settings import set_inspector

    # Every officer is off for the week after the first day: no free slot within a week.
    days = [date.fromisoformat(x) for x in plan.summary["days"]]
    for u in county["inspectors"]:
        set_inspector(u, daily_capacity=1, days_off=[days[0] + timedelta(days=k) for k in range(1, 9)])
    shop = next(s for s in county["shops"] if county["grades"][s.id] == "A")
    before = plan.period_start - timedelta(days=20)
    db.session.add(Visit(retailer_id=shop.id, unit_id=shop.unit_id, kind="due", status="done", due_on=before,
                         planned_on=before, done_on=before, reasons=[]))
    v = db.session.scalars(select(Visit).where(Visit.retailer_id == shop.id, Visit.plan_id == plan.id,
                                               Visit.kind == "due")).one()
    days = [date.fromisoformat(x) for x in plan.summary["days"]]
    v.planned_on = days[-1]
    db.session.commit()
    today = days[0]
    n_open = db.session.query(Visit).filter(Visit.plan_id == plan.id).count()
    replan.on_grade_change(shop.id, "A", "D", today, today=today)
    db.session.commit()
    db.session.refresh(v)
    assert v.planned_on <= today + timedelta(days=7), v.planned_on  # D: due now, within the first window
    bumped = db.session.scalars(select(Visit).where(Visit.note.like(f"bumped:visit:{v.id}%"))).all()
    assert len(bumped) == 1 and bumped[0].risk < v.risk
    assert bumped[0].plan_id is None or bumped[0].planned_on > today  # moved later or pending, never dropped
    cadence = db.session.query(Visit).filter(Visit.plan_id == plan.id, Visit.note.like("%;cadence")).count()
    assert cadence >= 1  # D: the 14-day cadence goes on after this visit (tests/scheduling/test_cycle.py)
    assert db.session.query(Visit).filter(Visit.plan_id == plan.id).count() - cadence + (bumped[0].plan_id is None) \
        == n_open


def test_policy_versions_and_inspector_availability(county, signed_in, make_user):
    admin = signed_in(make_user("admin"))
    sup = signed_in(county["supervisor"])
    cur = sup.get("/api/scheduling/policy").get_json()
    assert cur["data"]["grades"]["D"] == {"interval_days": 14, "draw_share": 0.3}
    data = dict(cur["data"], version="2027.1-s1")
    data["grades"] = dict(data["grades"], D={"interval_days": 7, "draw_share": 0.5})
    assert admin.post("/api/scheduling/policy", json={"effective_from": "2027-01-01", "data": data}).status_code == 201
    again = admin.post("/api/scheduling/policy", json={"effective_from": "2027-01-01", "data": data}, headers=ZH)
    assert again.status_code == 422 and "已存在" in str(again.get_json())
    assert settings.active_policy(date(2027, 2, 1)).interval("D") == 7
    assert settings.active_policy(date(2026, 12, 1)).interval("D") == 14
    insp = county["inspectors"][0]
    r = sup.put(f"/api/inspectors/{insp.id}/availability", json={"daily_capacity": 4, "days_off": ["2026-12-07"]})
    assert r.status_code == 200 and r.get_json() == {"user_id": insp.id, "daily_capacity": 4, "days_off": ["2026-12-07"]}
    other = signed_in(make_user("supervisor", OTHER_COUNTY))
    assert other.put(f"/api/inspectors/{insp.id}/availability", json={"daily_capacity": 1}).status_code == 404


def test_the_plan_list_pages_through_every_plan(county, signed_in):
    """A county plans every week: after a year the list is paged (30 a page), newest period first."""
    from app.org.models import OrgUnit
    from app.scheduling.models import InspectionPlan

    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == COUNTY))
    start = date(2025, 1, 6)
    for k in range(65):
        s = start + timedelta(weeks=k)
        db.session.add(InspectionPlan(unit_id=unit.id, period_kind="week", period_start=s,
                                      period_end=s + timedelta(days=6), status="discarded",
                                      policy_version="test", pairs_seed="0" * 64, summary={}))
    db.session.commit()
    sup = signed_in(county["supervisor"])
    pages = [sup.get(f"/plans?page={n}", headers=ZH).get_data(as_text=True) for n in (1, 2, 3, 4)]
    shown = [re.findall(r"href=\"/plans/(\d+)\"", page) for page in pages]
    assert [len(ids) for ids in shown] == [30, 30, 5, 0]
    assert len({i for ids in shown for i in ids}) == 65  # each plan once
    newest = (start + timedelta(weeks=64)).isoformat()
    assert newest in pages[0] and newest not in pages[1]
    assert 'data-testid="pager"' in pages[0] and "1 / 3" in pages[0] and 'rel="next"' in pages[0]
    assert 'data-testid="pager-beyond"' in pages[3]
