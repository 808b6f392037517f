"""The demo city's past inspections (app/demo/inspections.py) and its published quarterly evaluation:
deterministic, following the scheduling policy by grade, staggered, in pairs, consistent with the
credit history; loaded, they give the planner realistic last inspections and the retailers an
official grade."""
import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.demo.generator import generate_city
from app.demo.history import generate_history, grades_of
from app.demo.inspections import WINDOW_DAYS, generate_inspections, last_inspected
from app.extensions import db
from app.scheduling.policy import default_policy
from app.scheduling.workdays import is_workday

TODAY = date(2026, 11, 29)
POLICY = default_policy(TODAY)


@pytest.fixture(scope="module")
def city():
    return generate_city(2026, 20000, TODAY)


@pytest.fixture(scope="module")
def records(city):
    return generate_history(2026, city.retailers, TODAY)


@pytest.fixture(scope="module")
def inspections(city, records):
    return generate_inspections(2026, city, records, TODAY)


def test_deterministic_and_seeded():
    small = generate_city(7, 600, TODAY)
    recs = generate_history(7, small.retailers, TODAY)
    first = generate_inspections(7, small, recs, TODAY)
    assert first == generate_inspections(7, small, recs, TODAY)
    assert first != generate_inspections(8, small, recs, TODAY)
    assert [i.key for i in first] == list(range(len(first)))
    assert first == sorted(first, key=lambda i: (i.occurred_on, i.county_code, i.licence_no))


def test_one_inspection_on_the_day_of_every_finding(records, inspections):
    by_key = {rec.key: rec for rec in records}
    found = Counter(k for i in inspections for k in i.record_keys)
    on_site = [rec for rec in records if rec.source == "inspection"]
    assert on_site and set(found) == {rec.key for rec in on_site} and set(found.values()) == {1}
    for insp in inspections:
        for key in insp.record_keys:
            rec = by_key[key]
            assert (rec.licence_no, rec.occurred_on) == (insp.licence_no, insp.occurred_on)
            assert insp.outcome == "inspected" and insp.kind == "finding"
    kinds = Counter(i.kind for i in inspections)
    assert kinds["cycle"] > 20 * kinds["finding"]  # most visits find nothing
    assert 0.005 < Counter(i.outcome for i in inspections)["closed"] / len(inspections) < 0.03


def test_cycle_follows_the_grade_interval(inspections):
    seq = defaultdict(list)
    for insp in inspections:
        if insp.outcome == "inspected":
            seq[insp.licence_no].append(insp)
    gaps = defaultdict(list)
    for visits in seq.values():
        for a, b in zip(visits, visits[1:]):
            if b.kind == "cycle" and a.grade == b.grade:
                gaps[b.grade].append((b.occurred_on - a.occurred_on).days)
    medians = {g: statistics.median(v) for g, v in gaps.items() if len(v) >= 20}
    for grade in ("A", "AA", "B", "C", "D"):
        assert abs(medians[grade] - POLICY.interval(grade)) <= 0.15 * POLICY.interval(grade), medians
    assert medians["AA"] > medians["A"] > medians["B"] > medians["C"] > medians["D"]


def test_due_dates_are_staggered_with_a_realistic_share_overdue(city, records, inspections):
    grades = grades_of(records, city.retailers, TODAY)
    last = last_inspected(inspections)
    active = [r for r in city.retailers if r["status"] == "active"]
    never = [r for r in active if r["licence_no"] not in last]
    assert len(never) < 0.01 * len(active)  # only licences issued in the last weeks
    assert all(r["licence_issued_on"] > TODAY - timedelta(days=60) for r in never)
    due = [last[r["licence_no"]][0] + timedelta(days=POLICY.interval(grades[r["licence_no"]].grade))
           for r in active if r["licence_no"] in last]
    overdue = sum(d < TODAY for d in due) / len(due)
    assert 0.02 <= overdue <= 0.12, overdue
    weeks = Counter((d - TODAY).days // 7 for d in due if d >= TODAY)
    assert max(weeks.values()) < 0.12 * len(due), weeks  # no week with every shop due
    assert sum(1 for d in due if d < TODAY + timedelta(days=31)) < 0.5 * len(due)


def test_pairs_days_and_places(city, inspections):
    county_of = {u["username"]: u["county_code"] for u in city.users if u["role"] == "inspector"}
    by_no = {r["licence_no"]: r for r in city.retailers}
    previous = {}
    load = Counter()
    for insp in inspections:
        a, b = insp.officers
        assert a != b and county_of[a] == county_of[b] == insp.county_code
        assert TODAY - timedelta(days=730) <= insp.occurred_on < TODAY
        if insp.kind != "finding":
            assert is_workday(insp.occurred_on)
            assert insp.occurred_on >= TODAY - timedelta(days=WINDOW_DAYS + 4)  # a weekend moved to a working day
            load[(insp.occurred_on, insp.officers)] += 1
        if insp.outcome == "inspected":
            assert previous.get(insp.licence_no) != frozenset(insp.officers)
            previous[insp.licence_no] = frozenset(insp.officers)
        assert insp.occurred_on >= by_no[insp.licence_no]["licence_issued_on"]
        assert by_no[insp.licence_no]["status"] != "cancelled"
        if insp.lat is not None:
            assert insp.distance_m < 200 and insp.accuracy_m > 0
        assert (insp.signature == "not_applicable") == (insp.outcome == "closed")
        assert insp.signature != "refused" or insp.record_keys
    assert max(load.values()) <= POLICY.default_capacity
    assert sum(i.lat is None for i in inspections) < 0.05 * len(inspections)


# ---- loaded ---------------------------------------------------------------------------------


def test_loaded_inspections_feed_the_planner_and_the_quarter_is_published(app, clock):
    clock(TODAY)
    from app.auth.models import User
    from app.credit import grading
    from app.credit.models import CreditRecord
    from app.evaluation import services as evaluation
    from app.evaluation.models import EvaluationRow, EvaluationRun
    from app.inspections.models import Inspection, InspectionCheck, InspectionViolation
    from app.org.models import OrgUnit
    from app.reports.overview import official_grade
    from app.retailers.models import Retailer
    from app.scheduling import inputs, planning
    from app.scheduling.models import Visit

    runner = app.test_cli_runner()
    out = runner.invoke(args=["demo", "load", "--seed", "5", "--retailers", "2000"])
    assert out.exit_code == 0, out.output
    assert "past visits" in out.output and "official evaluation 2026Q3" in out.output

    # the inspections are the generator's, and the planner's "last inspection" is theirs
    small = generate_city(5, 2000, TODAY)
    demo_users = [u for u in small.users if u["username"] in ("retailer_demo", "retailer_multi")]
    showcase = [n for u in demo_users for n in u["retailer_licence_nos"]]
    expected = generate_inspections(5, small, generate_history(5, small.retailers, TODAY, showcase=showcase), TODAY)
    assert db.session.scalar(select(func.count(Inspection.id))) == len(expected)
    assert db.session.scalar(select(func.count(InspectionCheck.id))) == 7 * sum(
        1 for i in expected if i.outcome == "inspected")
    assert all("演示数据" in n for n in db.session.scalars(select(Inspection.notes).limit(50)))
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "320812")).one()
    ids = dict(db.session.execute(select(Retailer.licence_no, Retailer.id)).all())
    users = dict(db.session.execute(select(User.username, User.id)).all())
    want = {ids[n]: (day, frozenset(users[u] for u in pair)) for n, (day, pair) in last_inspected(expected).items()
            if n.startswith("320812")}
    assert inputs.last_visits(unit.id) == want

    # every on-site record points at its inspection, and the inspection lists it
    on_site = db.session.scalars(select(CreditRecord).where(CreditRecord.source == "inspection")).all()
    assert on_site and all(r.inspection_id is not None for r in on_site)
    links = dict(db.session.execute(select(InspectionViolation.credit_record_id,
                                           InspectionViolation.inspection_id)).all())
    assert all(links[r.id] == r.inspection_id for r in on_site)
    for rec in on_site[:50]:
        insp = db.session.get(Inspection, rec.inspection_id)
        assert (insp.retailer_id, insp.occurred_on) == (rec.retailer_id, rec.occurred_on)

    # next month's plan for a county: a realistic share of shops due, not all of them
    sup = db.session.scalars(select(User).where(User.username == "sup_qjp")).one()
    plan = planning.create_plan(sup, "320812", "month", date(2026, 12, 1), today=TODAY)
    active = db.session.scalar(select(func.count(Retailer.id)).where(Retailer.unit_id == unit.id,
                                                                      Retailer.status == "active"))
    due = db.session.scalars(select(Visit).where(Visit.plan_id == plan.id, Visit.kind == "due")).all()
    shops_due = {v.retailer_id for v in due}
    assert 0.15 * active < len(shops_due) < 0.6 * active, (len(shops_due), active)
    overdue = sum(1 for v in due if v.due_on < date(2026, 12, 1))
    assert 0 < overdue < 0.3 * len(due)
    db.session.rollback()

    # the last full quarter is published, its objection window closed: the public sees it
    runs = db.session.scalars(select(EvaluationRun).order_by(EvaluationRun.quarter)).all()
    # and the one before (two consecutive published quarters: what a red-list entry needs)
    assert [(r.quarter, r.status) for r in runs] == [("2026Q2", "published"), ("2026Q3", "published")]
    assert runs[0].objection_closes_on < runs[1].published_at.date()
    run = runs[1]
    assert run.as_of == date(2026, 9, 30) and run.objection_closes_on <= TODAY
    assert run.published_at.date() < run.objection_closes_on and run.published_at.date() > run.as_of
    assert db.session.get(User, run.published_by_id).username == "city_sup"
    assert evaluation.public_run(TODAY).id == run.id
    assert evaluation.open_run("2026Q4") is None and evaluation.published_run("2026Q4") is None
    rows = dict(db.session.execute(select(EvaluationRow.retailer_id, EvaluationRow.grade)
                                   .where(EvaluationRow.run_id == run.id)).all())
    assert run.retailer_count == len(rows) > 1800
    for retailer in db.session.scalars(select(Retailer).where(Retailer.id.in_(list(rows)[:200]))):
        row, official_run = official_grade(retailer)
        assert official_run.id == run.id and row.grade == rows[retailer.id]
        # the official grade is the engine's grade on the quarter's last day
        assert row.grade == grading.compute_for(retailer, run.as_of).grade
        assert evaluation.public_grade(retailer, TODAY).grade == row.grade
    demo = db.session.scalars(select(User).where(User.username == "retailer_demo")).one()
    assert official_grade(demo.retailers[0]) is not None
    from app.notices.models import Notice  # if publishing tells the retailers, they were told that day

    told = db.session.scalars(select(Notice.created_at).where(Notice.dedupe_key.like(f"official:{run.id}:%"))).all()
    assert all(at == run.published_at for at in told)


def test_risk_order_bench_replays_the_demo_history():
    """bench/risk_order_bench.py runs on a small demo city: both orders place the same visits and find
    the same violations (only the days differ)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "risk_order_bench.py"
    spec = importlib.util.spec_from_file_location("risk_order_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    city, recs, insps = bench.demo_city(3, 1500)
    results = bench.replay(city, recs, insps, POLICY, 3)
    assert set(results) == {(7, "even"), (7, "full"), (28, "even"), (28, "full")}
    for found, meta in results.values():
        assert meta and set(found["due"]) == set(found["risk"]) == set(meta)
        assert all(abs((found["due"][k] - found["risk"][k]).days) <= 120 for k in meta)
    periods = bench.months(TODAY)
    assert len(periods) == 12 and periods[0][0] == date(2025, 12, 1) and periods[-1] == (date(2026, 11, 1),
                                                                                          date(2026, 11, 28))
