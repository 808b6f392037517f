"""Property-based laws of the scoring rules (hypothesis), on the shipped catalogue and policy
plus a later test version that is lighter for some codes (从旧兼从轻 in play)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import RecordInput, available_catalogues, available_policies, compute, grade_for_score, load_catalogue

POLICY = available_policies()["2026.1"]
SHIPPED = available_catalogues()["2026.1"]
LATER = load_catalogue(
    """\
version: "2026.9"
effective_from: 2027-01-01
indicators:
  - {code: ZM01, dimension: monopoly, severity: serious, points: -30, name_zh: 假私非, name_en: lighter, legal_basis: 测试}
  - {code: ZM03, dimension: monopoly, severity: general, points: -12, name_zh: 非法渠道, name_en: lighter, legal_basis: 测试}
  - {code: ZM14, dimension: monopoly, severity: general, points: -15, name_zh: 承诺, name_en: heavier, legal_basis: 测试}
  - {code: YX55, dimension: marketing, severity: bonus, points: 4, name_zh: 示范户, name_en: smaller, legal_basis: 测试}
""",
    source="2026.9.yaml",
)
CATALOGUES = {"2026.1": SHIPPED, "2026.9": LATER}

ALL_CODES = SHIPPED.codes
NEGATIVE_CODES = tuple(i.code for i in SHIPPED.indicators if not i.is_bonus)
PLAIN_CODES = tuple(
    i.code for i in SHIPPED.indicators if i.severity != "veto" and not i.admin_penalty and i.code != "ZM01"
)

days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31))
as_of_days = st.dates(min_value=dt.date(2025, 6, 1), max_value=dt.date(2029, 6, 30))
LAW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def a_record(draw, codes=ALL_CODES, id=None, operator=True):
    code = draw(st.sampled_from(codes))
    decided = draw(days)
    repaired = draw(st.none() | st.dates(min_value=decided, max_value=dt.date(2029, 12, 31)))
    return RecordInput(
        id=id if id is not None else draw(st.integers(0, 10_000)),
        indicator_code=code,
        catalogue_version="2026.1",
        decided_on=decided,
        quantity=draw(st.integers(1, 80)) if SHIPPED.indicator(code).banded else None,
        repaired_on=repaired,
        via_operator=draw(st.booleans()) if operator else False,
    )


@st.composite
def record_lists(draw, codes=ALL_CODES, max_size=10, operator=True):
    n = draw(st.integers(0, max_size))
    return [draw(a_record(codes=codes, id=f"r{i}", operator=operator)) for i in range(n)]


licence_days = st.none() | days


def score(records, as_of, licensed_on=None):
    return compute(records, as_of=as_of, catalogues=CATALOGUES, policy=POLICY, licensed_on=licensed_on)


def rank(grade):
    return POLICY.rank(grade)


@LAW
@given(record_lists(), a_record(codes=NEGATIVE_CODES, id="new"), as_of_days, licence_days)
def test_adding_a_negative_record_never_raises_score_or_grade(records, negative, as_of, licensed_on):
    before = score(records, as_of, licensed_on)
    after = score(records + [negative], as_of, licensed_on)
    assert after.score <= before.score
    assert rank(after.grade) >= rank(before.grade)
    assert rank(after.score_grade) >= rank(before.score_grade)


@LAW
@given(record_lists(), st.data(), as_of_days, licence_days)
def test_removing_a_negative_record_never_lowers_score_or_grade(records, data, as_of, licensed_on):
    negatives = [i for i, r in enumerate(records) if not SHIPPED.indicator(r.indicator_code).is_bonus]
    if not negatives:
        records = records + [data.draw(a_record(codes=NEGATIVE_CODES, id="neg"))]
        negatives = [len(records) - 1]
    index = data.draw(st.sampled_from(negatives))
    before = score(records, as_of, licensed_on)
    after = score(records[:index] + records[index + 1 :], as_of, licensed_on)
    assert after.score >= before.score
    assert rank(after.grade) <= rank(before.grade)


@LAW
@given(record_lists(), st.data(), as_of_days)
def test_a_repair_never_lowers_score_or_grade(records, data, as_of):
    negatives = [i for i, r in enumerate(records) if not SHIPPED.indicator(r.indicator_code).is_bonus]
    if not negatives:
        return
    index = data.draw(st.sampled_from(negatives))
    target = records[index]
    repaired_on = data.draw(st.dates(min_value=target.decided_on, max_value=dt.date(2029, 12, 31)))
    repaired = records[:index] + [dataclasses.replace(target, repaired_on=repaired_on)] + records[index + 1 :]
    before = dataclasses.replace(target, repaired_on=None)
    original = score(records[:index] + [before] + records[index + 1 :], as_of)
    after = score(repaired, as_of)
    assert after.score >= original.score
    assert rank(after.grade) <= rank(original.grade)


@LAW
@given(st.integers(-200, 200), st.integers(-200, 200))
def test_grade_is_monotone_in_score(a, b):
    low, high = sorted((a, b))
    assert rank(grade_for_score(low, POLICY)) >= rank(grade_for_score(high, POLICY))


@LAW
@given(record_lists(codes=PLAIN_CODES, operator=False), record_lists(codes=PLAIN_CODES, operator=False), as_of_days)
def test_without_vetoes_or_caps_the_grade_follows_the_score(first, second, as_of):
    a, b = score(first, as_of), score(second, as_of)
    assert a.rule is None and a.grade == a.score_grade
    if a.score <= b.score:
        assert rank(a.grade) >= rank(b.grade)
    else:
        assert rank(a.grade) <= rank(b.grade)


@LAW
@given(record_lists(), as_of_days, licence_days, st.randoms(use_true_random=False))
def test_record_order_does_not_matter(records, as_of, licensed_on, rnd: random.Random):
    shuffled = list(records)
    rnd.shuffle(shuffled)
    first = score(records, as_of, licensed_on)
    assert score(shuffled, as_of, licensed_on) == first
    assert score(shuffled, as_of, licensed_on).to_dict() == first.to_dict()


@LAW
@given(record_lists(), as_of_days, licence_days)
def test_score_is_explained_by_its_contributions(records, as_of, licensed_on):
    result = score(records, as_of, licensed_on)
    assert result.score == result.base + sum(result.subtotals.values())
    assert result.score == result.base + sum(c.points for c in result.contributions)
    bonus = sum(c.points for c in result.contributions if c.severity == "bonus")
    assert 0 <= bonus <= POLICY.bonus_ceiling
    for c in result.contributions:
        assert c.counts_until > as_of
        assert c.points == 0 if c.via_operator else c.points in (c.nominal_points, *range(0, c.nominal_points))
    if result.rule is None:
        assert result.grade == result.score_grade
    else:
        assert rank(result.grade) >= rank(result.score_grade)


@LAW
@given(record_lists(), record_lists(), as_of_days, licence_days)
def test_later_facts_do_not_change_a_past_result(records, extra, as_of, licensed_on):
    later = [dataclasses.replace(r, id=f"x{r.id}", decided_on=as_of + dt.timedelta(days=1 + i)) for i, r in enumerate(extra)]
    repaired_later = [
        dataclasses.replace(r, repaired_on=as_of + dt.timedelta(days=30)) if r.repaired_on is None else r
        for r in records
    ]
    assert score(repaired_later + later, as_of, licensed_on) == score(records, as_of, licensed_on)


def _essentials(result):
    return dataclasses.replace(result, as_of=None, next_change=None)


@LAW
@given(record_lists(max_size=6), as_of_days, licence_days)
def test_next_change_is_the_first_day_the_result_changes(records, as_of, licensed_on):
    known = [
        dataclasses.replace(r, repaired_on=None) if r.repaired_on and r.repaired_on > as_of else r
        for r in records
        if r.decided_on <= as_of
    ]
    result = score(known, as_of, licensed_on)
    if result.next_change is None:
        for years in (1, 2, 4):
            assert _essentials(score(known, as_of + dt.timedelta(days=365 * years), licensed_on)) == _essentials(result)
        return
    day_before = result.next_change - dt.timedelta(days=1)
    assert _essentials(score(known, day_before, licensed_on)) == _essentials(result)
    assert _essentials(score(known, result.next_change, licensed_on)) != _essentials(result)
