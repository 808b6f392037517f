"""The scoring engine, rule by rule, on the shipped 2026.1 policy."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from scoring import RecordInput, ScoringError, add_months, compute, grade_for_score, measures_for

D = dt.date
AS_OF = D(2026, 6, 1)


def rec(id, code, decided_on, *, version="T1", **kw) -> RecordInput:
    return RecordInput(id=id, indicator_code=code, catalogue_version=version, decided_on=decided_on, **kw)


def records_of(*codes, decided_on=D(2026, 5, 1)):
    return [rec(i, code, decided_on) for i, code in enumerate(codes)]


@pytest.fixture
def score(t1, policy):
    def run(records, as_of=AS_OF, catalogues=t1, **kw):
        return compute(records, as_of=as_of, catalogues=catalogues, policy=policy, **kw)

    return run


# ---------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    "codes, expected_score, expected_grade",
    [
        (("YX94",), 120, "AAA"),
        (("YX92", "YX93"), 119, "AA"),
        (("YX93",), 110, "AA"),
        (("YX92",), 109, "A"),
        ((), 100, "A"),
        (("ZM91",), 99, "B"),
        (("ZM93", "ZM92"), 85, "B"),
        (("ZM93", "ZM92", "ZM91"), 84, "C"),
        (("ZM94",), 70, "C"),
        (("ZM94", "ZM91"), 69, "D"),
        (("YX94", "YX94"), 130, "AAA"),
    ],
)
def test_grade_thresholds(score, codes, expected_score, expected_grade):
    result = score(records_of(*codes))
    assert result.score == expected_score
    assert result.score_grade == result.grade == expected_grade
    assert result.rule is None


def test_grade_for_score_and_measures(policy):
    assert [grade_for_score(s, policy) for s in (10_000, 120, 119, 110, 109, 100, 99, 85, 84, 70, 69, -500)] == [
        "AAA", "AAA", "AA", "AA", "A", "A", "B", "B", "C", "C", "D", "D",
    ]
    assert measures_for("B", policy).warning_interview_days == 30
    assert measures_for("D", policy).supply_coefficient == 0.0
    with pytest.raises(KeyError):
        measures_for("E", policy)


def test_subtotals_add_up_per_dimension(score):
    result = score(records_of("ZM93", "YX93", "YX95", "SH92"))
    assert result.subtotals == {"monopoly": -10, "marketing": 2, "social": -2}
    assert result.score == result.base + sum(result.subtotals.values()) == 90
    assert result.base == 100 and result.policy_version == "2026.1"


# ---------------------------------------------------------------- veto


@pytest.mark.parametrize("code", ["ZM01"])
def test_every_shipped_veto_gives_d(shipped, policy, code):
    assert shipped["2026.1"].indicator(code).severity == "veto"
    assert [i.code for i in shipped["2026.1"].indicators if i.severity == "veto"] == ["ZM01"]
    records = [
        rec(1, code, D(2026, 3, 1), version="2026.1"),
        rec(2, "YX55", D(2026, 3, 1), version="2026.1"),
        rec(3, "SH51", D(2026, 3, 1), version="2026.1"),
        rec(4, "YX54", D(2026, 3, 1), version="2026.1"),
    ]
    result = compute(records, as_of=AS_OF, catalogues=shipped, policy=policy)
    assert result.score == 100 - 40 + 28 and result.score_grade == "B"
    assert result.grade == "D"
    assert (result.rule.kind, result.rule.record_id, result.rule.indicator_code) == ("veto", 1, code)
    assert result.rule.until == D(2029, 3, 1) and result.rule.grade == "D"


def test_veto_holds_36_months_even_if_the_record_counts_longer(score):
    decided = D(2026, 1, 15)
    records = [rec(1, "ZM98", decided), rec(2, "YX94", D(2028, 12, 1))]  # veto counting 48 months, 0 points
    before = score(records, as_of=D(2029, 1, 14))
    assert before.grade == "D" and before.score == 120 and before.rule.until == D(2029, 1, 15)
    after = score(records, as_of=D(2029, 1, 15))
    assert after.grade == "AAA" and after.rule is None
    assert [c.record_id for c in after.contributions] == [1, 2]  # still counting, no longer vetoing


def test_veto_ends_with_its_counting_period(score):
    records = [rec(1, "ZM95", D(2026, 2, 28))]
    assert score(records, as_of=D(2029, 2, 27)).grade == "D"
    lapsed = score(records, as_of=D(2029, 2, 28))
    assert lapsed.grade == "A" and lapsed.contributions == ()


def test_veto_takes_precedence_over_caps(score):
    records = [rec(1, "ZM96", D(2026, 5, 1)), rec(2, "ZM95", D(2026, 4, 1))]
    result = score(records, licensed_on=D(2026, 3, 1))
    assert result.grade == "D" and result.rule.kind == "veto" and result.rule.record_id == 2


def test_the_longest_veto_is_reported(score):
    records = [rec("old", "ZM95", D(2025, 1, 1)), rec("new", "ZM95", D(2026, 1, 1))]
    assert score(records).rule.record_id == "new"


# ---------------------------------------------------------------- administrative-penalty cap


def test_admin_penalty_caps_at_a_for_12_months(score):
    decided = D(2026, 2, 10)
    records = [rec(1, "ZM96", decided), rec(2, "YX94", D(2026, 2, 1)), rec(3, "YX93", D(2026, 2, 1))]
    capped = score(records, as_of=D(2027, 1, 31))  # bonuses lapse on 2027-02-01
    assert capped.score == 110 and capped.score_grade == "AA" and capped.grade == "A"
    assert (capped.rule.kind, capped.rule.record_id, capped.rule.until, capped.rule.grade) == (
        "cap", 1, D(2027, 2, 10), "A",
    )
    records = [rec(1, "ZM96", decided), rec(2, "YX94", D(2026, 12, 1)), rec(3, "YX93", D(2026, 12, 1))]
    assert score(records, as_of=D(2027, 2, 9)).grade == "A"
    freed = score(records, as_of=D(2027, 2, 10))
    assert freed.grade == "AA" and freed.rule is None and freed.score == 110  # the record still counts


def test_cap_is_not_reported_when_the_score_is_already_lower(score):
    result = score([rec(1, "ZM96", D(2026, 5, 1))])
    assert result.score == 80 and result.grade == "C" and result.rule is None


def test_cap_from_shipped_market_regulator_penalty(shipped, policy):
    records = [rec(1, "SH01", D(2026, 3, 1), version="2026.1"), rec(2, "YX55", D(2026, 3, 1), version="2026.1"),
               rec(3, "SH51", D(2026, 3, 1), version="2026.1")]
    result = compute(records, as_of=AS_OF, catalogues=shipped, policy=policy)
    assert result.score == 110 and result.grade == "A" and result.rule.kind == "cap"


# ---------------------------------------------------------------- new licence


def test_new_licence_cannot_be_graded_above_a(score):
    records = [rec(1, "YX94", D(2026, 5, 1))]
    young = score(records, licensed_on=D(2025, 12, 2))
    assert young.score == 120 and young.grade == "A"
    assert (young.rule.kind, young.rule.record_id, young.rule.until) == ("new_licence", None, D(2026, 6, 2))
    grown = score(records, licensed_on=D(2025, 12, 1))
    assert grown.grade == "AAA" and grown.rule is None


def test_new_licence_starts_at_100_which_is_a(score):
    result = score([], licensed_on=D(2026, 5, 31))
    assert (result.score, result.grade, result.rule) == (100, "A", None)


def test_admin_cap_reported_before_new_licence(score):
    records = [rec(1, "ZM96", D(2026, 5, 1)), rec(2, "YX94", D(2026, 5, 1)), rec(3, "YX93", D(2026, 5, 1))]
    result = score(records, licensed_on=D(2026, 4, 1))
    assert result.grade == "A" and result.rule.kind == "cap"


# ---------------------------------------------------------------- bonus ceiling


def test_bonus_ceiling_clips_in_date_then_id_order(score):
    records = [
        rec("b", "YX94", D(2026, 3, 1)),
        rec("a", "YX94", D(2026, 3, 1)),
        rec("c", "YX93", D(2026, 2, 1)),
        rec("d", "YX91", D(2026, 4, 1)),
    ]
    result = score(records)
    applied = {c.record_id: (c.points, c.capped, c.nominal_points) for c in result.contributions}
    assert applied == {"c": (10, False, 10), "a": (20, False, 20), "b": (0, True, 20), "d": (0, True, 1)}
    assert result.score == 130 and result.subtotals["marketing"] == 30
    assert [c.record_id for c in result.contributions] == ["c", "a", "b", "d"]
    assert "bonus ceiling" in result.contributions[2].note


def test_bonus_ids_compare_as_strings(score):
    records = [rec(9, "YX94", D(2026, 3, 1)), rec(10, "YX94", D(2026, 3, 1))]
    applied = {c.record_id: c.points for c in score(records).contributions}
    assert applied == {10: 20, 9: 10}  # "10" < "9"


def test_penalties_are_not_offset_against_the_ceiling(score):
    records = [rec(1, "YX94", D(2026, 3, 1)), rec(2, "YX94", D(2026, 3, 2)), rec(3, "ZM93", D(2026, 3, 3))]
    assert score(records).score == 100 + 30 - 10


# ---------------------------------------------------------------- 从旧兼从轻


def test_lighter_later_version_applies_once_in_force(score, t123):
    record = rec(1, "ZM93", D(2026, 3, 1))
    before = score([record], as_of=D(2026, 6, 30), catalogues=t123)
    assert before.score == 90 and before.contributions[0].catalogue_version_applied == "T1"
    after = score([record], as_of=D(2026, 7, 1), catalogues=t123)
    contribution = after.contributions[0]
    assert after.score == 94 and contribution.catalogue_version_applied == "T2"
    assert "从旧兼从轻" in contribution.note and "T2" in contribution.note
    # T3 (2027) is lighter than T1 but heavier than T2: the lightest in force wins.
    assert score([record], as_of=D(2027, 1, 2), catalogues=t123).contributions[0].catalogue_version_applied == "T2"


def test_heavier_later_version_does_not_apply(score, t123):
    result = score([rec(1, "ZM94", D(2026, 3, 1))], as_of=D(2026, 8, 1), catalogues=t123)
    assert result.score == 70 and result.contributions[0].catalogue_version_applied == "T1"
    assert result.contributions[0].note is None


def test_no_longer_a_veto_is_lighter(score, t123):
    # T2 keeps the same 40-point deduction and period but drops the veto: that alone is lighter.
    records = [rec(1, "ZM95", D(2026, 3, 1)), rec(2, "YX94", D(2026, 6, 1))]
    assert score(records, as_of=D(2026, 6, 30), catalogues=t123).grade == "D"
    after = score(records, as_of=D(2026, 7, 1), catalogues=t123)
    assert after.score == 80 and after.grade == "C" and after.rule is None
    assert after.contributions[0].severity == "serious"
    assert after.contributions[0].catalogue_version_applied == "T2"


def test_shorter_counting_period_is_lighter(score, t123):
    record = rec(1, "ZM92", D(2026, 6, 15))  # T1: 3 months; T2: same points, 1 month
    assert score([record], as_of=D(2026, 6, 30), catalogues=t123).contributions[0].counts_until == D(2026, 9, 15)
    lapsed = score([record], as_of=D(2026, 7, 20), catalogues=t123)
    assert lapsed.contributions == () and lapsed.score == 100


def test_bonus_keeps_its_own_version(score, t123):
    result = score([rec(1, "YX93", D(2026, 6, 1))], as_of=D(2026, 8, 1), catalogues=t123)
    assert result.score == 110 and result.contributions[0].catalogue_version_applied == "T1"


def test_code_missing_from_later_version_keeps_own_treatment(score, t123):
    result = score([rec(1, "ZM97", D(2026, 7, 1))], as_of=D(2026, 8, 1), catalogues=t123)
    assert result.score == 94 and result.contributions[0].catalogue_version_applied == "T1"


def test_banded_lighter_treatment_uses_the_quantity(score, t123):
    record = rec(1, "ZM11", D(2026, 6, 1), quantity=15)
    assert score([record], as_of=D(2026, 6, 30), catalogues=t123).score == 88
    assert score([record], as_of=D(2026, 7, 1), catalogues=t123).score == 94
    large = rec(2, "ZM11", D(2026, 6, 1), quantity=60)
    assert score([large], as_of=D(2026, 7, 1), catalogues=t123).score == 90


# ---------------------------------------------------------------- operator link


def test_operator_veto_reaches_this_licence(score):
    result = score([rec(1, "ZM95", D(2026, 4, 1), via_operator=True)])
    assert result.grade == "D" and result.score == 100 and result.rule.kind == "veto"
    contribution = result.contributions[0]
    assert contribution.points == 0 and contribution.nominal_points == -40 and contribution.via_operator
    assert "another licence" in contribution.note


def test_operator_penalty_adds_no_points_but_caps(score):
    records = [rec(1, "ZM96", D(2026, 4, 1), via_operator=True), rec(2, "YX94", D(2026, 4, 1))]
    result = score(records)
    assert result.score == 120 and result.subtotals["monopoly"] == 0
    assert result.grade == "A" and result.rule.kind == "cap"


def test_operator_ordinary_penalty_and_bonus_add_nothing(score):
    records = [rec(1, "ZM93", D(2026, 4, 1), via_operator=True), rec(2, "YX94", D(2026, 4, 1), via_operator=True),
               rec(3, "YX94", D(2026, 4, 2)), rec(4, "YX93", D(2026, 4, 3))]
    result = score(records)
    assert result.score == 130 and result.grade == "AAA"
    assert {c.record_id: c.points for c in result.contributions} == {1: 0, 2: 0, 3: 20, 4: 10}


# ---------------------------------------------------------------- time


def test_record_lapses_at_the_end_of_its_counting_period(score):
    records = [rec(1, "ZM93", D(2026, 1, 31))]  # general: 12 months
    counting = score(records, as_of=D(2027, 1, 30))
    assert counting.score == 90 and counting.contributions[0].counts_until == D(2027, 1, 31)
    assert score(records, as_of=D(2027, 1, 31)).score == 100


def test_minor_counts_three_months_with_day_clamped(score):
    records = [rec(1, "ZM92", D(2025, 11, 30))]
    assert score(records, as_of=D(2026, 2, 27)).contributions[0].counts_until == D(2026, 2, 28)
    assert score(records, as_of=D(2026, 2, 27)).score == 95
    assert score(records, as_of=D(2026, 2, 28)).score == 100


def test_counts_months_override(score):
    records = [rec(1, "ZM97", D(2026, 3, 31))]
    assert score(records, as_of=D(2026, 5, 30)).score == 94
    assert score(records, as_of=D(2026, 5, 31)).score == 100


def test_counting_starts_on_the_decision_date(score):
    records = [rec(1, "ZM93", D(2026, 6, 2))]
    assert score(records, as_of=D(2026, 6, 1)).contributions == ()
    assert score(records, as_of=D(2026, 6, 2)).score == 90


def test_repaired_record_stops_counting_on_the_repair_date(score):
    records = [rec(1, "ZM95", D(2025, 6, 1), repaired_on=D(2026, 6, 1))]
    assert score(records, as_of=D(2026, 5, 31)).grade == "D"
    repaired = score(records, as_of=D(2026, 6, 1))
    assert repaired.grade == "A" and repaired.contributions == () and repaired.rule is None


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 3, 31), 6, D(2026, 9, 30)),
        (D(2026, 11, 15), 3, D(2027, 2, 15)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2026, 5, 5), 0, D(2026, 5, 5)),
        (D(2026, 1, 31), -2, D(2025, 11, 30)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_as_of_result_is_reproducible(score, t123):
    past = D(2026, 6, 1)
    history = [rec(1, "ZM93", D(2026, 1, 5)), rec(2, "YX94", D(2026, 2, 1)), rec(3, "ZM96", D(2026, 5, 1))]
    first = score(history, as_of=past, catalogues=t123)
    later = history[:2] + [
        rec(3, "ZM96", D(2026, 5, 1), repaired_on=D(2026, 9, 1)),  # repaired after the date
        rec(4, "ZM95", D(2026, 6, 2)),  # decided after the date
        rec(5, "ZM94", D(2027, 1, 1)),
    ]
    again = score(later, as_of=past, catalogues=t123)
    assert again == first
    assert again.to_dict() == first.to_dict()
    assert score(later, as_of=D(2026, 6, 2), catalogues=t123).grade == "D"  # the later facts do count later


# ---------------------------------------------------------------- next_change


def test_next_change_is_the_earliest_lapse(score):
    records = [rec(1, "ZM93", D(2026, 1, 31)), rec(2, "ZM92", D(2026, 5, 10))]
    assert score(records).next_change == D(2026, 8, 10)
    assert score(records, as_of=D(2026, 8, 10)).next_change == D(2027, 1, 31)
    assert score(records, as_of=D(2027, 1, 31)).next_change is None


def test_next_change_when_a_veto_expires_before_the_record_lapses(score):
    result = score([rec(1, "ZM98", D(2026, 1, 15))])
    assert result.next_change == D(2029, 1, 15)  # veto ends; the record counts until 2030


def test_next_change_when_new_licence_cap_ends(score):
    result = score([rec(1, "YX94", D(2026, 5, 1))], licensed_on=D(2026, 1, 10))
    assert result.next_change == D(2026, 7, 10)


def test_next_change_skips_a_cap_that_binds_nothing(score):
    # Score 70 (C): the admin cap ending on 2027-04-01 changes nothing; the records lapse later.
    records = [rec(1, "ZM96", D(2026, 4, 1)), rec(2, "ZM93", D(2026, 4, 1))]
    result = score(records)
    assert result.rule is None
    assert result.next_change == D(2027, 4, 1)  # ZM93 lapses that same day
    assert score([rec(1, "ZM96", D(2026, 4, 1))]).next_change == D(2029, 4, 1)


def test_next_change_when_a_later_catalogue_comes_into_force(score, t123):
    result = score([rec(1, "ZM93", D(2026, 3, 1))], as_of=D(2026, 6, 1), catalogues=t123)
    assert result.next_change == D(2026, 7, 1)


def test_next_change_ignores_facts_not_yet_known(score):
    records = [rec(1, "ZM93", D(2026, 1, 31)), rec(2, "ZM95", D(2026, 9, 1))]
    assert score(records).next_change == D(2027, 1, 31)


def test_no_records_no_change(score):
    result = score([])
    assert (result.score, result.grade, result.next_change, result.contributions) == (100, "A", None, ())


# ---------------------------------------------------------------- output and errors


def test_to_dict_is_json_ready(score):
    records = [rec(1, "ZM95", D(2026, 4, 1)), rec(2, "YX94", D(2026, 4, 1), via_operator=True)]
    data = score(records).to_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert data["as_of"] == "2026-06-01" and data["rule"]["until"] == "2029-04-01"
    assert data["contributions"][0]["counts_until"] == "2029-04-01"
    assert set(data) == {
        "as_of", "policy_version", "base", "score", "subtotals", "score_grade", "grade", "rule",
        "contributions", "next_change",
    }
    assert json.loads(text) == data


@pytest.mark.parametrize(
    "record, message",
    [
        (rec(1, "ZM93", D(2026, 1, 1), version="T9"), "unknown catalogue version 'T9'"),
        (rec(2, "ZM01", D(2026, 1, 1)), "has no indicator 'ZM01'"),
        (rec(3, "ZM11", D(2026, 1, 1)), "quantity is required"),
        (rec(4, "ZM11", D(2026, 1, 1), quantity=0), "outside every band"),
    ],
)
def test_unscorable_records_raise(score, record, message):
    with pytest.raises(ScoringError, match=message):
        score([record])
