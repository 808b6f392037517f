"""从旧兼从轻 for grade-policy versions: a record's counting, veto and penalty-cap periods are the
shorter of the policy in force when its act happened and the one in force on the evaluation date.
A later policy with longer periods never makes an old record weigh more; a later lighter policy helps it."""
from __future__ import annotations

import datetime as dt

import pathlib

import scoring
from scoring import RecordInput, compute, load_catalogue, load_policy, record_policy_for
from tests.scoring.conftest import TEST_CATALOGUE

SHIPPED = (pathlib.Path(scoring.__file__).parent / "policies" / "2026.1.yaml").read_text(encoding="utf-8")


def _policy(version, effective, *, general=12, veto=36, veto_counts=36, cap=12):
    text = SHIPPED.replace('version: "2026.1"', f'version: "{version}"').replace(
        "effective_from: 2026-01-01", f"effective_from: {effective}")
    text = text.replace("  general:    # 一般\n    counts_months: 12", f"  general:    # 一般\n    counts_months: {general}")
    text = text.replace("  veto:       # 否决 (假私非): repairable only after its first year\n    counts_months: 36",
                        f"  veto:       # 否决 (假私非): repairable only after its first year\n    counts_months: {veto_counts}")
    text = text.replace("veto_months: 36", f"veto_months: {veto}")
    text = text.replace("admin_penalty_cap: {grade: A, months: 12}", f"admin_penalty_cap: {{grade: A, months: {cap}}}")
    return load_policy(text, source=f"{version}.yaml")


CATS = {"T1": load_catalogue(TEST_CATALOGUE)}
OLD = _policy("P1", "2020-01-01")  # general records count 12 months, a veto holds 36
HEAVIER = _policy("P2", "2026-07-01", general=24, veto=48, veto_counts=48, cap=24)
LIGHTER = _policy("P3", "2026-07-01", general=6, veto=12, veto_counts=12, cap=6)


def _general(decided, occurred=None):
    return RecordInput(id=1, indicator_code="ZM93", catalogue_version="T1", decided_on=decided,
                       occurred_on=occurred or decided)


def test_policies_differ_as_built():
    assert HEAVIER.severity("general").counts_months == 24 and LIGHTER.severity("general").counts_months == 6
    assert (OLD.veto_months, HEAVIER.veto_months, LIGHTER.veto_months) == (36, 48, 12)


def test_a_later_policy_with_longer_periods_does_not_make_an_old_record_weigh_more():
    rec = _general(dt.date(2026, 3, 2))
    as_of = dt.date(2027, 4, 1)  # 13 months on: over under the old policy, counting under the heavier one
    pols = {"P1": OLD, "P2": HEAVIER}
    alone = compute([rec], as_of=as_of, catalogues=CATS, policy=HEAVIER)
    assert alone.score == 90  # without the rule the later policy would keep it counting
    fair = compute([rec], as_of=as_of, catalogues=CATS, policy=HEAVIER, policies=pols)
    assert fair.score == 100 and fair.contributions == ()
    before = compute([rec], as_of=dt.date(2027, 3, 1), catalogues=CATS, policy=HEAVIER, policies=pols)
    (c,) = before.contributions
    assert c.counts_until == dt.date(2027, 3, 2) and "从旧兼从轻" in c.note and "P1" in c.note


def test_a_record_made_under_the_later_policy_takes_its_periods():
    rec = _general(dt.date(2026, 8, 3))  # the act after P2 came into force
    result = compute([rec], as_of=dt.date(2027, 9, 1), catalogues=CATS, policy=HEAVIER,
                     policies={"P1": OLD, "P2": HEAVIER})
    (c,) = result.contributions
    assert c.counts_until == dt.date(2028, 8, 3) and c.note is None


def test_a_later_lighter_policy_helps_the_old_record():
    rec = _general(dt.date(2026, 3, 2))
    as_of = dt.date(2026, 10, 1)  # 7 months on: still counting under the old policy's 12 months
    result = compute([rec], as_of=as_of, catalogues=CATS, policy=LIGHTER, policies={"P1": OLD, "P3": LIGHTER})
    assert result.score == 100
    assert compute([rec], as_of=as_of, catalogues=CATS, policy=OLD).score == 90


def test_the_veto_period_is_the_lighter_one_too():
    veto = RecordInput(id=7, indicator_code="ZM95", catalogue_version="T1", decided_on=dt.date(2025, 1, 6),
                       occurred_on=dt.date(2024, 12, 20))
    pols = {"P1": OLD, "P2": HEAVIER}
    as_of = dt.date(2028, 2, 1)  # 37 months: the old 36-month veto is over, the later 48 would still hold
    assert record_policy_for(veto, pols) is OLD
    result = compute([veto], as_of=as_of, catalogues=CATS, policy=HEAVIER, policies=pols)
    assert result.rule is None and result.grade != "D"
    heavy = compute([veto], as_of=as_of, catalogues=CATS, policy=HEAVIER)
    assert heavy.rule is not None and heavy.rule.kind == "veto" and heavy.grade == "D"
    held = compute([veto], as_of=dt.date(2027, 12, 1), catalogues=CATS, policy=HEAVIER, policies=pols)
    assert held.rule.kind == "veto" and held.rule.until == dt.date(2028, 1, 6)
    lighter = compute([veto], as_of=dt.date(2026, 7, 1), catalogues=CATS, policy=LIGHTER,
                      policies={"P1": OLD, "P3": LIGHTER})
    assert lighter.rule is None  # the later 12-month veto has ended for a veto decided in January 2025


def test_the_act_date_picks_the_policy_not_the_decision():
    # the act under the old policy, decided after the heavier one came into force: the old periods hold
    rec = _general(dt.date(2026, 8, 3), occurred=dt.date(2026, 6, 20))
    result = compute([rec], as_of=dt.date(2027, 9, 1), catalogues=CATS, policy=HEAVIER,
                     policies={"P1": OLD, "P2": HEAVIER})
    assert result.score == 100


def test_next_change_follows_the_shorter_period():
    rec = _general(dt.date(2026, 3, 2))
    result = compute([rec], as_of=dt.date(2026, 12, 1), catalogues=CATS, policy=HEAVIER,
                     policies={"P1": OLD, "P2": HEAVIER})
    assert result.next_change == dt.date(2027, 3, 2)
