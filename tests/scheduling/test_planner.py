"""The pure planner: intervals, the committed draw, pairs, capacity, days off, working days, routes, risk."""
import random
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from app.scheduling import planner as P
from app.scheduling.policy import default_policy
from app.scheduling.workdays import add_workdays, is_provisional, is_workday, workdays

SEAT = (33.6032, 119.0195)
Q4 = (date(2026, 10, 1), date(2026, 12, 31))


@pytest.fixture(scope="module")
def policy():
    return default_policy()


def shops(n, grade="A", seed=1, last=None):
    rng = random.Random(seed)
    return [P.Shop(id=i + 1, grade=grade, lat=SEAT[0] + rng.uniform(-0.05, 0.05), lng=SEAT[1] + rng.uniform(-0.05, 0.05),
                   last_inspected=last) for i in range(n)]


def officers(n, cap=6, off=None):
    return [P.Officer(100 + i, cap, frozenset((off or {}).get(100 + i, ()))) for i in range(n)]


# ---------------------------------------------------------------- policy and intervals

def test_defaults_come_from_the_grade_policy_measures(policy):
    assert {g: policy.interval(g) for g in P.GRADES} == {"AAA": 180, "AA": 120, "A": 90, "B": 60, "C": 30, "D": 14}
    assert {g: policy.share(g) for g in P.GRADES} == {"AAA": 0.02, "AA": 0.03, "A": 0.05, "B": 0.10, "C": 0.20, "D": 0.30}
    assert policy.interview_days == 30
    assert P.Policy.from_dict(policy.to_dict()) == policy


@pytest.mark.parametrize("grade,expected", [("AAA", 0), ("AA", 0), ("A", 1), ("B", 1), ("C", 3), ("D", 6)])
def test_due_visits_by_grade_interval_over_a_quarter(policy, grade, expected):
    # Last inspected 1 October: due once per interval within the quarter (Oct 1 .. Dec 31).
    shop = P.Shop(1, grade, last_inspected=date(2026, 10, 1))
    tasks = P.due_visits([shop], policy, *Q4)
    assert len(tasks) == expected
    if tasks:
        assert tasks[0].due_on == date(2026, 10, 1) + timedelta(days=policy.interval(grade))


def test_overdue_first_and_never_inspected_due_at_once(policy):
    start, end = date(2026, 11, 2), date(2026, 11, 8)
    overdue = P.Shop(1, "A", last_inspected=start - timedelta(days=120))  # 30 days overdue
    never = P.Shop(2, "A", last_inspected=None)
    fresh = P.Shop(3, "A", last_inspected=start - timedelta(days=10))  # not due this week
    tasks = P.due_visits([fresh, never, overdue], policy, start, end)
    assert [t.shop_id for t in tasks] == [1, 2]
    reasons = dict((r[0], r[1]) for r in tasks[0].reasons)
    assert reasons["overdue"] == 30


def test_risk_is_transparent_and_orders_within_a_window(policy):
    start, end = date(2026, 11, 2), date(2026, 11, 6)
    low = P.Shop(1, "A", SEAT[0], SEAT[1], last_inspected=start - timedelta(days=90))
    high = P.Shop(2, "A", SEAT[0], SEAT[1], last_inspected=start - timedelta(days=90), suspected_recent=2,
                  open_warnings=1, expired_rectifications=1)
    score, reasons = P.risk(high, policy, start, start)
    assert score == sum(r[1] for r in reasons)
    assert {r[0] for r in reasons} == {"grade", "suspected", "warnings", "rectification"}
    # Capacity for one visit a day (one pair, capacity 1): the riskier shop goes first.
    res = P.plan_county("320812", start, end, [low, high], officers(2, cap=1), policy, "s", SEAT, draw=False)
    first_day = min(v.planned_on for v in res.visits)
    assert [v.shop_id for v in res.visits if v.planned_on == first_day] == [2]


# ---------------------------------------------------------------- the draw

def pool_of(n_by_grade):
    pool, i = [], 0
    for g, n in n_by_grade.items():
        for _ in range(n):
            i += 1
            pool.append((i, g))
    return pool


def test_draw_is_reproducible_and_its_commitment_verifies(policy):
    pool = pool_of({"A": 900, "AA": 80, "B": 20})
    d1 = P.make_draw("a" * 64, pool, policy)
    d2 = P.make_draw("a" * 64, list(reversed(pool)), policy)
    assert d1.selected == d2.selected and d1.commitment == d2.commitment
    check = P.verify_draw("a" * 64, pool, policy.version, d1.shares, d1.commitment, d1.selected)
    assert check["ok"]
    # Another seed: the commitment does not match and the list differs.
    bad = P.verify_draw("b" * 64, pool, policy.version, d1.shares, d1.commitment, d1.selected)
    assert not bad["commitment_matches"] and not bad["list_matches"]
    # A changed pool (one shop's grade) does not match either.
    changed = [(i, "C" if i == 1 else g) for i, g in pool]
    assert not P.verify_draw("a" * 64, changed, policy.version, d1.shares, d1.commitment, d1.selected)["commitment_matches"]
    # A published list with one shop swapped is caught.
    other = next(i for i, _ in pool if i not in d1.selected)
    forged = d1.selected[1:] + [other]
    assert not P.verify_draw("a" * 64, pool, policy.version, d1.shares, d1.commitment, forged)["list_matches"]
    # A different policy version gives another commitment.
    assert P.commitment("a" * 64, d1.pool_digest, "other", d1.shares) != d1.commitment


def test_draw_proportions_match_the_policy(policy):
    pool = pool_of({"AAA": 50, "AA": 400, "A": 5000, "B": 100, "C": 40, "D": 20})
    d = P.make_draw("seed", pool, policy)
    for g, (n, k) in d.per_grade.items():
        assert abs(k - policy.share(g) * n) <= 0.5
    # Each shop's chance of being drawn is its grade's share (statistical check over many seeds).
    small = pool_of({"A": 200, "C": 50})
    hits = Counter()
    runs = 400
    for s in range(runs):
        for i in P.random_draw(f"seed-{s}", small, {"A": 0.05, "C": 0.2})[0]:
            hits[i] += 1
    a_rate = sum(hits[i] for i, g in small if g == "A") / (200 * runs)
    c_rate = sum(hits[i] for i, g in small if g == "C") / (50 * runs)
    assert a_rate == pytest.approx(0.05, abs=0.001)  # exactly 10 of 200 each time
    assert c_rate == pytest.approx(0.2, abs=0.001)
    # and no shop is favoured: per-shop frequency of A shops within 4 standard deviations of 5 %
    sd = (0.05 * 0.95 / runs) ** 0.5
    assert max(abs(hits[i] / runs - 0.05) for i, g in small if g == "A") < 4.5 * sd


# ---------------------------------------------------------------- pairs, capacity, days off

def test_pairs_capacity_days_off_and_no_repeated_pair(policy):
    start, end = date(2026, 11, 2), date(2026, 11, 27)
    s = shops(120, "C", last=start - timedelta(days=40))  # all overdue C shops: visited every 30 days
    s += shops(30, "D", seed=2, last=start - timedelta(days=20))
    for k, shop in enumerate(s):
        shop.id = k + 1
    s[0].last_pair = frozenset({100, 101})
    off = {100: [date(2026, 11, 3), date(2026, 11, 4)], 103: [date(2026, 11, 10)]}
    offs = officers(7, cap=5, off=off)
    res = P.plan_county("320812", start, end, s, offs, policy, "seed-1", SEAT)
    assert res.visits
    per_officer_day = Counter()
    caps = {o.id: o.capacity for o in offs}
    days_off = {o.id: o.days_off for o in offs}
    by_shop = defaultdict(list)
    for v in res.visits:
        assert len(v.officers) == 2 and v.officers[0] != v.officers[1]  # never alone
        for o in v.officers:
            per_officer_day[(o, v.planned_on)] += 1
            assert v.planned_on not in days_off[o]
        assert is_workday(v.planned_on)
        by_shop[v.shop_id].append((v.planned_on, frozenset(v.officers)))
    assert all(n <= caps[o] for (o, _), n in per_officer_day.items())
    for sid, seq in by_shop.items():
        seq.sort()
        prev = next(x.last_pair for x in s if x.id == sid)
        for _, pair in seq:
            assert pair != prev, f"shop {sid}: same pair twice in a row"
            prev = pair
    # D shops are visited every 14 days: at least twice in four weeks.
    assert all(len(by_shop[x.id]) >= 2 for x in s if x.grade == "D")
    # Nothing silently dropped: every task is a visit or listed as unplaced.
    tasks = P.due_visits(s, policy, res.days[0], end)
    assert len(res.visits) + len(res.unplaced) == len(tasks) + len(res.draw.selected)


def test_over_capacity_is_reported_not_dropped(policy):
    start, end = date(2026, 11, 2), date(2026, 11, 6)
    s = shops(100, "A", last=start - timedelta(days=200))
    res = P.plan_county("320812", start, end, s, officers(2, cap=3), policy, "x", SEAT, draw=False)
    assert len(res.visits) == 15  # one pair, 3 a day, 5 working days
    assert len(res.unplaced) == 85 and {why for _, why in res.unplaced} == {"capacity"}


# ---------------------------------------------------------------- working days

def test_working_days_follow_the_official_calendar():
    assert not is_workday(date(2026, 10, 1))  # National Day
    assert not is_workday(date(2026, 10, 5))  # a Monday inside the holiday
    assert is_workday(date(2026, 9, 20))  # Sunday, adjusted working day (调休)
    assert is_workday(date(2026, 10, 10))  # Saturday, adjusted working day
    assert is_workday(date(2026, 2, 14))  # Saturday before the Spring Festival
    assert not is_workday(date(2026, 2, 17))  # Spring Festival
    week = workdays(date(2026, 9, 28), date(2026, 10, 11))
    assert date(2026, 10, 10) in week and date(2026, 10, 1) not in week
    assert add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert not is_provisional(date(2026, 6, 1))
    assert is_provisional(date(2031, 6, 2)) and is_workday(date(2031, 6, 2)) and not is_workday(date(2031, 6, 1))


def test_a_plan_skips_holidays_and_uses_adjusted_weekends(policy):
    start, end = P.period_bounds("month", date(2026, 10, 1))
    res = P.plan_county("320812", start, end, shops(40, "A", last=None), officers(4), policy, "s", SEAT)
    assert date(2026, 10, 10) in res.days
    assert not any(date(2026, 10, d) in res.days for d in range(1, 8))


def test_period_bounds():
    assert P.period_bounds("quarter", date(2026, 11, 29)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert P.period_bounds("month", date(2026, 2, 10)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert P.period_bounds("week", date(2026, 11, 29)) == (date(2026, 11, 23), date(2026, 11, 29))


# ---------------------------------------------------------------- routes

def test_route_is_no_longer_than_nearest_neighbour_and_beats_a_zigzag():
    rng = random.Random(5)
    pts = [(SEAT[0] + rng.uniform(-0.1, 0.1), SEAT[1] + rng.uniform(-0.1, 0.1)) for _ in range(12)]
    order = P.route(pts, SEAT)
    assert sorted(order) == list(range(12))
    best = P.route_length([pts[i] for i in order], SEAT)
    assert best <= P.route_length(pts, SEAT)
    # Points on a line: the route is the line, not a zigzag.
    line = [(SEAT[0], SEAT[1] + 0.01 * k) for k in (5, 1, 4, 2, 3)]
    assert [line[i][1] for i in P.route(line, SEAT)] == sorted(p[1] for p in line)


def test_a_day_is_split_by_area_between_pairs(policy):
    start = date(2026, 11, 2)
    east = [P.Shop(i, "A", SEAT[0], SEAT[1] + 0.1 + i * 0.001, last_inspected=None) for i in range(1, 6)]
    west = [P.Shop(i, "A", SEAT[0], SEAT[1] - 0.1 - i * 0.001, last_inspected=None) for i in range(6, 11)]
    res = P.plan_county("320812", start, start, east + west, officers(4, cap=5), policy, "s", SEAT, draw=False)
    pairs = defaultdict(set)
    for v in res.visits:
        pairs[v.officers].add("e" if v.shop_id <= 5 else "w")
    assert sorted(len(x) for x in pairs.values()) == [1, 1]
