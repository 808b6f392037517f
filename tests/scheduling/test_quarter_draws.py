"""The random draw as the policy says: each grade's share is per quarter, spread over the quarter's
plans, shops already drawn this quarter left out, and every shop of a grade drawn with the same
probability (systematic sampling with a random start, app.scheduling.planner.plan_shares).

The statistical check runs a quarter of weekly draws over 1,000 seeds and compares each shop's
inclusion frequency with its grade's quarterly share, with exact binomial bounds; the same check
fails the old rule (the share per plan, rounded per grade), so it can fail."""
import math
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.retailers.models import Retailer
from app.scheduling import planner as P
from app.scheduling import planning
from app.scheduling.models import RandomDraw
from tests.conftest import COUNTY

SHARES = {"AAA": 0.02, "AA": 0.03, "A": 0.05, "B": 0.10, "C": 0.20, "D": 0.30}
# Small strata on purpose: per plan, round(share × n) is 0 for most of them (B, C, D, AA, AAA).
STRATA = {"AAA": 4, "AA": 9, "A": 60, "B": 7, "C": 3, "D": 2}
RUNS = 1000


def pool():
    out, i = [], 0
    for g, n in STRATA.items():
        for _ in range(n):
            i += 1
            out.append((i, g))
    return out


def weeks(quarter_first: date, quarter_last: date):
    """The weekly plans whose first day is in the quarter (Monday to Sunday)."""
    day = quarter_first - timedelta(days=quarter_first.weekday())
    while day <= quarter_last:
        if day >= quarter_first:
            yield day, day + timedelta(days=6)
        day += timedelta(days=7)


def quarter_v2(seed_prefix: str, shops, first: date, last: date) -> set:
    """The shops drawn in a quarter of weekly plans (what planning._commit_draw does, without a database)."""
    before, taken = {}, set()
    for k, (start, end) in enumerate(weeks(first, last)):
        shares, after = P.plan_shares(SHARES, before, start, end)
        left = [(i, g) for i, g in shops if i not in taken]
        taken |= set(P.random_draw(f"{seed_prefix}:{k}", left, shares)[0])
        before = after
    return taken


def quarter_v1(seed_prefix: str, shops, first: date, last: date) -> set:
    """The old rule: every weekly plan draws round(share × n) of each grade, whatever came before."""
    taken = set()
    for k, _week in enumerate(weeks(first, last)):
        taken |= set(P.random_draw(f"{seed_prefix}:{k}", shops, SHARES, scheme="v1")[0])
    return taken


def _log_pmf(n, k, p):
    if p <= 0:
        return 0.0 if k == 0 else -math.inf
    if p >= 1:
        return 0.0 if k == n else -math.inf
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p)


def binomial_outliers(hits: Counter, runs: int, expected: dict, alpha: float = 1e-3) -> list:
    """Shops whose inclusion count is outside the two-sided exact binomial bounds for its expected
    probability, at level ``alpha`` over all shops together (Bonferroni). [(shop, count, p)]."""
    per_shop = alpha / len(expected)
    out = []
    for shop, p in expected.items():
        k = hits.get(shop, 0)
        pmf = [math.exp(_log_pmf(runs, j, p)) for j in range(runs + 1)]
        low, high = sum(pmf[:k + 1]), sum(pmf[k:])
        if low < per_shop / 2 or high < per_shop / 2:
            out.append((shop, k, p))
    return out


def run_quarters(draw_quarter):
    shops = pool()
    first, last = date(2027, 1, 1), date(2027, 3, 31)
    hits = Counter()
    for r in range(RUNS):
        hits.update(draw_quarter(f"seed-{r}", shops, first, last))
    return shops, hits


def test_every_shop_is_drawn_with_its_grades_quarterly_share():
    shops, hits = run_quarters(quarter_v2)
    expected = {i: SHARES[g] for i, g in shops}
    assert binomial_outliers(hits, RUNS, expected) == []
    # Per grade, the quarter's total is the share of the stratum (mean over the runs).
    for g, n in STRATA.items():
        total = sum(hits[i] for i, gg in shops if gg == g) / RUNS
        sd = math.sqrt(n * SHARES[g] * (1 - SHARES[g]) / RUNS)
        assert abs(total - n * SHARES[g]) < 5 * sd + 1e-9, (g, total)


def test_the_check_fails_the_old_per_plan_rule():
    """The old rule drew 5 % of A shops every week (about 48 % a quarter) and, by rounding, never drew
    a shop of a small stratum: the same check reports both."""
    shops, hits = run_quarters(quarter_v1)
    expected = {i: SHARES[g] for i, g in shops}
    bad = binomial_outliers(hits, RUNS, expected)
    grades = {g for i, g in shops if i in {b[0] for b in bad}}
    assert {"A", "B", "AA", "AAA"} <= grades
    assert all(hits[i] == 0 for i, g in shops if g in ("AAA", "AA"))  # zero chance by rounding


def test_the_check_sees_a_stratum_drawn_at_half_its_share():
    """Had the A shops been drawn at half their share (the numbers below claim 10 % for the 5 % they
    get), the check reports them, and only them."""
    shops, hits = run_quarters(quarter_v2)
    expected = {i: (0.10 if g == "A" else SHARES[g]) for i, g in shops}
    bad = binomial_outliers(hits, RUNS, expected)
    assert len(bad) > 40 and {dict(shops)[i] for i, _k, _p in bad} == {"A"}


def test_plan_shares_spread_the_quarter_and_catch_up():
    first_week = P.plan_shares(SHARES, {}, date(2027, 1, 4), date(2027, 1, 10))
    shares, after = first_week
    assert after["A"] == round(0.05 * 10 / 90, 6)  # 10 of the quarter's 90 days (1-3 January caught up)
    assert shares["A"] == after["A"]
    # the last week, which ends in April, brings the quarter to its full share
    _s, end = P.plan_shares(SHARES, after, date(2027, 3, 29), date(2027, 4, 4))
    assert end == SHARES
    # a quarter's plan draws the whole share at once; a plan whose part was drawn draws nobody
    assert P.plan_shares(SHARES, {}, date(2027, 1, 1), date(2027, 3, 31))[0] == SHARES
    assert P.plan_shares(SHARES, SHARES, date(2027, 2, 1), date(2027, 2, 28))[0] == {g: 0.0 for g in SHARES}
    # between: the conditional chance of a shop not drawn yet
    s, a = P.plan_shares({"A": 0.3}, {"A": 0.1}, date(2027, 2, 1), date(2027, 2, 28))
    assert s["A"] == round((0.3 * 59 / 90 - 0.1) / 0.9, 6) and abs(a["A"] - 0.3 * 59 / 90) < 2e-6


def test_systematic_sampling_draws_floor_or_ceil_and_verifies():
    shops = pool()
    shares = {g: 0.37 for g in STRATA}
    d = P.make_draw("s" * 64, shops, P.Policy("t", {g: P.GradeRule(30, 0.37) for g in STRATA}), shares=shares)
    for n, k in d.per_grade.values():
        assert math.floor(n * 0.37) <= k <= math.ceil(n * 0.37)
    assert P.verify_draw("s" * 64, shops, "t", d.shares, d.commitment, d.selected)["ok"]
    # a draw made under v1 verifies only as v1 (the scheme is in the commitment)
    old = P.make_draw("s" * 64, shops, P.Policy("t", {}), shares=shares, scheme="v1")
    assert P.verify_draw("s" * 64, shops, "t", old.shares, old.commitment, old.selected, "v1")["ok"]
    assert not P.verify_draw("s" * 64, shops, "t", old.shares, old.commitment, old.selected)["commitment_matches"]


# ---------------------------------------------------------------- through the services


def test_weekly_plans_exclude_shops_drawn_earlier_in_the_quarter(county, clock):
    """Three weekly drafts of one county: each draw's pool leaves out the shops drawn before in the
    quarter; its share continues where the last one stopped; a discarded draft's draw no longer counts;
    expired and suspended licences are never in a pool."""
    clock(date(2027, 1, 4))
    shops = county["shops"]
    expired, suspended = shops[1], shops[2]
    db.session.get(Retailer, expired.id).licence_expires_on = date(2027, 1, 3)
    db.session.get(Retailer, suspended.id).status = "suspended"
    db.session.commit()
    sup = county["supervisor"]
    plans = []
    for k in range(3):
        plans.append(planning.create_plan(sup, COUNTY, "week", date(2027, 1, 4) + timedelta(days=7 * k)))
        db.session.commit()
    draws = [planning.current_draw(p) for p in plans]
    for d in draws:
        ids = {i for i, _g in d.pool}
        assert expired.id not in ids and suspended.id not in ids
        assert d.scheme == "v2" and d.quarter["quarter"] == "2027Q1"
    assert draws[0].quarter["before"] == {} and draws[0].quarter["excluded"] == []
    assert draws[1].quarter["before"] == draws[0].quarter["after"]
    assert draws[2].quarter["before"] == draws[1].quarter["after"]
    taken = set(draws[0].selected) | set(draws[1].selected)
    assert not taken & {i for i, _g in draws[2].pool}
    assert set(draws[2].quarter["excluded"]) == taken
    assert draws[2].quarter["after"]["A"] == round(0.05 * 24 / 90, 6)
    # the second week's draft is discarded: its draw is void, its shops may be drawn again
    planning.discard(plans[1], sup, "改为月度计划")
    db.session.commit()
    left = planning.quarter_draws(plans[0].unit_id, "2027Q1")
    assert [d.id for d in left] == [draws[0].id, draws[2].id]
    assert db.session.scalars(select(RandomDraw).where(RandomDraw.id == draws[1].id)).one().status == "void"
