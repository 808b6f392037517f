"""The mandatory cycle follows the grade: a fall to D brings the 14-day cadence from that day (every
visit, not one), a rise cancels what the new grade no longer needs; high-risk visits get their days
before the low-risk backlog; every B shop gets a warning interview (not only the ones the consumer saw
fall); and a grade change older than the shop's current grade is ignored."""
from datetime import date, timedelta

from sqlalchemy import select, update

from app.common.time import local_today
from app.credit.models import EventCursor, GradeChange, RetailerGrade
from app.extensions import db
from app.notices.models import Notice
from app.scheduling import planner as P
from app.scheduling import planning, replan
from app.scheduling.models import Visit
from app.scheduling.policy import default_policy
from tests.background import run_jobs
from tests.conftest import COUNTY
from tests.scheduling.conftest import grade_event, next_month_start, set_grade

SEAT = (33.6, 119.02)


def _approved_quarter(county, clock):
    """A quarter's plan made two weeks before the quarter starts (the fourth quarter of 2026, whose
    official calendar is seeded), approved by the second supervisor."""
    clock(date(2026, 9, 16))
    plan = planning.create_plan(county["supervisor"], COUNTY, "quarter", next_month_start())
    db.session.commit()
    planning.approve(plan, county["approver"])
    db.session.commit()
    return plan


def _inspected(shop_id, day):
    """The shop's visits so far are done on ``day`` (its last inspection)."""
    for v in db.session.scalars(select(Visit).where(Visit.retailer_id == shop_id)):
        v.status, v.done_on, v.outcome = "done", day, "no_violation"
    db.session.commit()


def _open_due(shop_id):
    return list(db.session.scalars(select(Visit).where(Visit.retailer_id == shop_id, Visit.kind == "due",
                                                       Visit.status.in_(("planned", "approved")))
                                   .order_by(Visit.planned_on)))


def test_a_fall_to_d_brings_the_14_day_cadence_for_the_rest_of_the_plan(county, clock):
    plan = _approved_quarter(county, clock)
    shop = next(s for s in county["shops"] if county["grades"][s.id] == "A")
    _inspected(shop.id, plan.period_start)
    today = plan.period_start + timedelta(days=1)
    clock(today)
    grade_event(shop.id, "A", "D", today)
    assert replan.consume_grade_changes(today=today) == 1
    db.session.commit()
    due = _open_due(shop.id)
    days = [v.planned_on for v in due]
    # 14 days after the last inspection, then every 14 days to the end of the quarter
    wanted = [plan.period_start + timedelta(days=14 * k) for k in range(1, 7)
              if plan.period_start + timedelta(days=14 * k) <= plan.period_end]
    assert len(days) == len(wanted) >= 5, days
    for got, want in zip(days, wanted):
        assert want <= got <= want + timedelta(days=7)
    assert all(v.status == "approved" and v.plan_id == plan.id for v in due)
    assert all(v.note.startswith("grade:A>D") for v in due)
    # replaying the stream adds nothing
    db.session.execute(update(EventCursor).where(EventCursor.consumer == "scheduling").values(last_id=0))
    db.session.commit()
    replan.consume_grade_changes(today=today)
    db.session.commit()
    assert len(_open_due(shop.id)) == len(wanted)


def test_a_rise_cancels_the_visits_the_new_grade_no_longer_needs(county, clock):
    plan = _approved_quarter(county, clock)
    shop = next(s for s in county["shops"] if county["grades"][s.id] == "C")
    before = _open_due(shop.id)
    assert len(before) >= 3  # C: every 30 days in a quarter
    today = plan.period_start + timedelta(days=1)
    clock(today)
    grade_event(shop.id, "C", "A", today)
    replan.consume_grade_changes(today=today)
    db.session.commit()
    ahead = [v for v in _open_due(shop.id) if v.planned_on >= today]
    assert len(ahead) == 1  # A: every 90 days, one visit in the rest of the quarter
    cancelled = [v for v in before if db.session.get(Visit, v.id).status == "cancelled"]
    assert len(cancelled) == len([v for v in before if v.planned_on >= today]) - 1 >= 1
    assert all("cadence:fewer" in v.note for v in cancelled)


def test_a_d_shop_is_never_pushed_behind_the_overdue_a_backlog():
    """Two weeks, one pair, 3 visits a day (30 slots); 40 A shops overdue by two months (risk 65) and
    a D shop due in the second week (risk 45). The D visit gets a day in its own week; the backlog
    takes what is left."""
    policy = default_policy()
    start, end = date(2026, 11, 2), date(2026, 11, 13)
    shops = [P.Shop(i, "A", SEAT[0] + i * 1e-4, SEAT[1], last_inspected=start - timedelta(days=150))
             for i in range(1, 41)]
    d_shop = P.Shop(99, "D", SEAT[0], SEAT[1] + 1e-3, last_inspected=start - timedelta(days=7))  # due 9 Nov
    officers = [P.Officer(100, 3), P.Officer(101, 3)]
    res = P.plan_county(COUNTY, start, end, shops + [d_shop], officers, policy, "s", SEAT, draw=False)
    d_visits = [v for v in res.visits if v.shop_id == 99]
    assert len(d_visits) == 1 and date(2026, 11, 9) <= d_visits[0].planned_on <= date(2026, 11, 13)
    assert {t.shop_id for t, _why in res.unplaced} <= set(range(1, 41))
    # and the D shop's visit is on the first day of its window
    assert d_visits[0].planned_on == date(2026, 11, 9)


def test_every_b_shop_gets_a_warning_interview_by_the_daily_check(county, make_user, clock):
    """The county's B shop became B without the consumer seeing it (its grade was set directly): the
    daily check gives it an interview (and tells the retailer); a second run adds none; a shop that
    already has one gets none."""
    b_shop = next(s for s in county["shops"] if county["grades"][s.id] == "B")
    make_user("retailer", retailers=[b_shop])
    other = next(s for s in county["shops"] if county["grades"][s.id] == "A")
    set_grade(other.id, "B")
    db.session.add(Visit(retailer_id=other.id, unit_id=other.unit_id, kind="interview", status="planned",
                         due_on=local_today() + timedelta(days=20), planned_on=local_today() + timedelta(days=20)))
    db.session.commit()
    assert run_jobs("scheduling.interviews")["scheduling.interviews"] == {"interviews": 1}
    iv = db.session.scalars(select(Visit).where(Visit.retailer_id == b_shop.id, Visit.kind == "interview")).one()
    assert iv.status == "planned" and iv.dedupe_key.startswith(f"interview:b:{b_shop.id}:")
    assert db.session.scalars(select(Notice).where(Notice.retailer_id == b_shop.id,
                                                   Notice.kind == "interview")).first() is not None
    assert run_jobs("scheduling.interviews")["scheduling.interviews"] == {"interviews": 0}
    assert len(db.session.scalars(select(Visit).where(Visit.retailer_id == other.id,
                                                      Visit.kind == "interview")).all()) == 1


def test_a_new_plan_takes_up_the_interview_every_b_shop_owes(county, plan):
    b_shop = next(s for s in county["shops"] if county["grades"][s.id] == "B")
    ivs = [v for v in plan.visits if v.retailer_id == b_shop.id and v.kind == "interview"]
    assert len(ivs) == 1 and ivs[0].planned_on <= plan.period_start + timedelta(days=30)


def test_an_event_older_than_the_shops_grade_is_ignored(county, make_user, clock):
    """A fall to B, then a repair takes the shop back to A before the consumer runs: the old event
    moves nothing and sends no warning-interview notice (and the daily check owes it none)."""
    plan = _approved_quarter(county, clock)
    shop = next(s for s in county["shops"] if county["grades"][s.id] == "A")
    make_user("retailer", retailers=[shop])
    today = plan.period_start + timedelta(days=1)
    clock(today)
    before = [(v.id, v.planned_on) for v in _open_due(shop.id)]
    grade_event(shop.id, "A", "B", today)
    grade_event(shop.id, "B", "A", today)  # the repair
    assert replan.consume_grade_changes(today=today) == 2
    run_jobs("scheduling.interviews")
    assert db.session.scalars(select(Visit).where(Visit.retailer_id == shop.id, Visit.kind == "interview")).first() \
        is None
    assert db.session.scalars(select(Notice).where(Notice.retailer_id == shop.id, Notice.kind == "interview")).first() \
        is None
    notes = [v.note or "" for v in db.session.scalars(select(Visit).where(Visit.retailer_id == shop.id))]
    assert not any("A>B" in n for n in notes)  # the later event (B to A) alone was acted on
    assert before


def test_an_event_the_live_grade_has_moved_past_is_ignored(county, clock):
    """No later event, but the live grade was computed after the event and is another grade (e.g. a
    lapse recomputed it): the event is stale too."""
    plan = _approved_quarter(county, clock)
    shop = next(s for s in county["shops"] if county["grades"][s.id] == "A")
    today = plan.period_start + timedelta(days=1)
    clock(today)
    e = GradeChange(retailer_id=shop.id, as_of=today, from_grade="A", to_grade="D", from_score=100, to_score=60,
                    cause="record.confirm")
    db.session.add(e)
    db.session.commit()
    row = db.session.get(RetailerGrade, shop.id)
    row.computed_at = e.at + timedelta(seconds=5)  # recomputed after the event, still A
    db.session.commit()
    assert replan.stale_events([e]) == {e.id}
    before = [(v.id, v.planned_on) for v in _open_due(shop.id)]
    replan.consume_grade_changes(today=today)
    db.session.commit()
    assert [(v.id, v.planned_on) for v in _open_due(shop.id)] == before
