"""A small county for scheduling tests: retailers with live grades, inspectors, a supervisor."""
import random
from datetime import date, timedelta

import pytest

from app.common.time import local_today
from app.extensions import db
from tests.conftest import COUNTY


# Scheduling tests plan "next month" from the one clock: pinned here, so they never depend on the
# machine's date (next month is December 2026, a month of a year whose official calendar is seeded;
# tests of years without one move the clock themselves).
PINNED_DAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def pinned_clock(clock):
    clock(PINNED_DAY)


def next_month_start(today=None):
    today = today or local_today()
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def set_grade(retailer_id, grade, score=None, as_of=None):
    from app.credit.models import RetailerGrade

    row = db.session.get(RetailerGrade, retailer_id)
    score = score if score is not None else {"AAA": 125, "AA": 115, "A": 100, "B": 90, "C": 75, "D": 60}[grade]
    if row is None:
        row = RetailerGrade(retailer_id=retailer_id, score=score, grade=grade, score_grade=grade,
                            as_of=as_of or local_today(), policy_version="2026.1")
        db.session.add(row)
    else:
        row.grade, row.score, row.score_grade = grade, score, grade
    db.session.commit()


def grade_event(retailer_id, from_grade, to_grade, as_of):
    from app.credit.models import GradeChange

    set_grade(retailer_id, to_grade)
    e = GradeChange(retailer_id=retailer_id, as_of=as_of, from_grade=from_grade, to_grade=to_grade,
                    from_score=100, to_score=60, cause="record.confirm")
    db.session.add(e)
    db.session.commit()
    return e


@pytest.fixture
def county(make_retailer, make_user):
    """30 shops around the 清江浦区 seat (grades mostly A, a few B/C/D), 6 inspectors, two supervisors
    (the one who drafts and the one who approves)."""
    rng = random.Random(7)
    shops = []
    for i in range(30):
        shops.append(make_retailer(shop_name=f"王小明便利店{i}" if i == 0 else f"华兴便利{i}",
                                   lat=33.60 + rng.uniform(-0.03, 0.03), lng=119.02 + rng.uniform(-0.03, 0.03)))
    grades = ["A"] * 24 + ["AA", "B", "C", "C", "D", "AAA"]
    for s, g in zip(shops, grades):
        set_grade(s.id, g)
    inspectors = [make_user("inspector", COUNTY, username=f"insp_{k}") for k in range(6)]
    supervisor = make_user("supervisor", COUNTY, username="sup_qjp")
    # Four eyes: a plan is approved by a supervisor other than the one who drafted it.
    approver = make_user("supervisor", COUNTY, username="sup_qjp2")
    return {"shops": shops, "inspectors": inspectors, "supervisor": supervisor, "approver": approver, "grades": dict(
        (s.id, g) for s, g in zip(shops, grades))}


@pytest.fixture
def plan(app, county):
    from app.scheduling import planning

    start = next_month_start()
    p = planning.create_plan(county["supervisor"], COUNTY, "month", start)
    db.session.commit()
    return p


def first_workday_visit(plan):
    return sorted(plan.visits, key=lambda v: (v.planned_on, v.id))[0]


__all__ = ["next_month_start", "set_grade", "grade_event", "first_workday_visit", "date"]
