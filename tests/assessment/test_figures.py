"""The assessment figures on a small city whose every figure is known (tests/assessment/conftest.py)."""
import pytest

from app.assessment import figures as F


def test_periods():
    p = F.parse_period("2026-11")
    assert (p.kind, p.start.isoformat(), p.end.isoformat()) == ("month", "2026-11-01", "2026-11-30")
    q = F.parse_period("2026q4")
    assert (q.key, q.start.isoformat(), q.end.isoformat()) == ("2026Q4", "2026-10-01", "2026-12-31")
    assert F.parse_period("2026-01").previous().key == "2025-12"
    assert F.parse_period("2026Q1").previous().key == "2025Q4"
    for bad in ("2026-13", "2026Q5", "", "2026/11", "abcd-11"):
        with pytest.raises(ValueError):
            F.parse_period(bad)


def test_percentiles():
    assert F.percentile([], 50) is None
    assert F.percentile([3, 1, 10], 50) == 3
    assert F.percentile([1, 2, 3, 4], 50) == 2.5
    assert F.percentile([1, 3, 10], 90) == 10
    assert F.percentile(list(range(1, 11)), 90) == 9


def test_county_figures(city):
    lines = {line.unit.code: line for line in F.by_county(F.parse_period("2026-11"))}
    a, b = lines[city.a.code].figures, lines[city.b.code].figures
    assert (a.visits_planned, a.visits_done, a.visits_missed, a.visits_open) == (4, 2, 1, 1)
    assert (b.visits_planned, b.visits_done, b.visits_missed) == (3, 2, 1)
    assert sorted(a.confirm_days) == [1.0, 3.0, 10.0]
    assert (a.confirm_median, a.confirm_p90) == (3.0, 10.0)
    assert b.confirm_days == [2.0]
    # repairs are the shop's county's (A): on time, late, overdue; the one not yet due is not counted
    assert (a.repairs_on_time, a.repairs_late, a.repairs_overdue) == (1, 1, 1)
    # objections of B: one on time, one answered at 04:00 local time the day after its deadline
    assert (b.objections_on_time, b.objections_late, b.objections_overdue) == (1, 1, 0)
    assert (a.warnings_raised, a.warnings_closed, a.warnings_open) == (1, 1, 1)
    # ranking: B (2/3 + 1/2) / 2 = 0.5833 ahead of A (2/3 + 1/3 + 1/2) / 3 = 0.5; the rest unranked
    ranked = F.by_county(F.parse_period("2026-11"))
    assert [(x.unit.code, x.rank) for x in ranked[:2]] == [(city.b.code, 1), (city.a.code, 2)]
    assert lines[city.b.code].composite == pytest.approx(0.5833, abs=1e-4)
    assert lines[city.a.code].composite == pytest.approx(0.5, abs=1e-4)
    assert all(x.rank is None and x.composite is None for x in ranked[2:])
    city_total = F.totals(ranked)
    assert (city_total.visits_planned, city_total.confirmed, city_total.answered_late) == (7, 4, 3)


def test_officer_figures(city):
    period = F.parse_period("2026-11")
    users = list(F.db.session.scalars(F.officers_query()))
    lines = {line.user.id: line.figures for line in F.by_officer(period, users)}
    assert (lines[city.i1.id].visits_planned, lines[city.i1.id].visits_done, lines[city.i1.id].visits_missed) == (4, 2, 1)
    assert (lines[city.i2.id].visits_planned, lines[city.i2.id].visits_done) == (4, 2)
    assert (lines[city.j1.id].visits_planned, lines[city.j1.id].visits_missed) == (3, 1)
    assert sorted(lines[city.i1.id].confirm_days) == [1.0, 3.0, 10.0] and lines[city.i2.id].confirm_days == []
    assert (lines[city.i1.id].warnings_closed, lines[city.i1.id].warnings_open) == (1, 1)
    # a county's list holds only its officers
    assert {u.id for u in F.db.session.scalars(F.officers_query([city.b.id]))} == {city.j1.id}


def test_the_quarter_sums_its_months(city):
    q = {line.unit.code: line.figures for line in F.by_county(F.parse_period("2026Q4"))}[city.a.code]
    # October's visit and confirmation join November's; the warning raised in December counts as open
    assert (q.visits_planned, q.visits_done) == (5, 3)
    assert sorted(q.confirm_days) == [1.0, 3.0, 4.0, 10.0]
    assert q.warnings_open == 2


def test_a_deadline_on_the_last_day_left_unanswered_is_overdue(city):
    from datetime import date

    from app.extensions import db
    from app.repair.models import RepairRequest

    rec_id = db.session.scalar(F.select(F.func.min(RepairRequest.record_id)))
    db.session.add(RepairRequest(retailer_id=city.shop_a.id, record_id=rec_id, status="accepted", statement="已整改",
                                 submitted_on=date(2026, 11, 16), accept_due=date(2026, 11, 19),
                                 decide_due=date(2026, 11, 30), eligibility={}))
    db.session.commit()
    a = {x.unit.code: x.figures for x in F.by_county(F.parse_period("2026-11"))}[city.a.code]
    assert (a.repairs_on_time, a.repairs_late, a.repairs_overdue) == (1, 1, 2)
    # decided in December after its deadline: late in December, not overdue there
    dec = {x.unit.code: x.figures for x in F.by_county(F.parse_period("2026-12"))}[city.a.code]
    assert dec.repairs_overdue == 0
