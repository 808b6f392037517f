"""Credit-repair eligibility: each unmet condition gives its own reason."""

from __future__ import annotations

import datetime as dt

import pytest

from scoring import RecordInput, repair_eligibility

D = dt.date

ALL_MET = dict(already_repaired=False, penalty_fulfilled=True, commitment_signed=True, training_done=True)


def rec(code, decided_on, *, version="2026.1", **kw) -> RecordInput:
    return RecordInput(id=1, indicator_code=code, catalogue_version=version, decided_on=decided_on, **kw)


@pytest.fixture
def check(shipped, policy):
    def run(record, as_of, **flags):
        return repair_eligibility(record, as_of=as_of, catalogues=shipped, policy=policy, **{**ALL_MET, **flags})

    return run


def codes(eligibility):
    return [reason.code for reason in eligibility.reasons]


GENERAL = rec("ZM14", D(2026, 1, 10))  # breaking a credit commitment: general, 3 months


def test_eligible_when_every_condition_is_met(check):
    result = check(GENERAL, D(2026, 4, 10))
    assert result.eligible and result.reasons == ()
    assert result.to_dict() == {"eligible": True, "reasons": []}


@pytest.mark.parametrize(
    "flag, value, code",
    [
        ("already_repaired", True, "already_repaired"),
        ("penalty_fulfilled", False, "penalty_not_fulfilled"),
        ("commitment_signed", False, "no_commitment"),
        ("training_done", False, "training_not_done"),
    ],
)
def test_each_unmet_condition_alone_gives_its_own_reason(check, flag, value, code):
    result = check(GENERAL, D(2026, 6, 1), **{flag: value})
    assert not result.eligible and codes(result) == [code]
    reason = result.reasons[0]
    assert reason.message_zh and reason.message_en and reason.met_on is None


def test_every_unmet_condition_is_listed(check):
    result = check(
        GENERAL, D(2026, 2, 1), already_repaired=True, penalty_fulfilled=False, commitment_signed=False,
        training_done=False,
    )
    assert codes(result) == [
        "min_period_not_passed", "already_repaired", "penalty_not_fulfilled", "no_commitment", "training_not_done",
    ]


@pytest.mark.parametrize(
    "code, decided, met_on",
    [
        ("ZM14", D(2026, 1, 31), D(2026, 4, 30)),  # general: 3 months (day clamped)
        ("ZM11", D(2026, 1, 10), D(2026, 4, 10)),  # general, banded
        ("ZM03", D(2026, 1, 10), D(2027, 1, 10)),  # serious: 12 months
        ("ZM01", D(2026, 2, 28), D(2027, 2, 28)),  # 假私非 veto: not within its first year
    ],
)
def test_minimum_period_by_severity(check, code, decided, met_on):
    record = rec(code, decided, quantity=5 if code == "ZM11" else None)
    early = check(record, met_on - dt.timedelta(days=1))
    assert codes(early) == ["min_period_not_passed"]
    assert early.reasons[0].met_on == met_on
    assert met_on.isoformat() in early.reasons[0].message_zh and met_on.isoformat() in early.reasons[0].message_en
    assert check(record, met_on).eligible


def test_minor_records_lapse_instead(check):
    result = check(rec("ZM09", D(2026, 1, 10)), D(2026, 2, 1))
    assert codes(result) == ["lapses_by_itself"]
    assert result.reasons[0].met_on == D(2026, 4, 10)


def test_non_repairable_indicator(check):
    result = check(rec("SH03", D(2026, 1, 10)), D(2027, 6, 1))
    assert codes(result) == ["not_repairable"]
    assert "SH03" in result.reasons[0].message_en


def test_bonus_is_not_repairable(check):
    assert codes(check(rec("YX55", D(2026, 1, 10)), D(2026, 6, 1))) == ["not_repairable"]


def test_repaired_once_cannot_be_repaired_again(check):
    record = rec("ZM14", D(2026, 1, 10), repaired_on=D(2026, 5, 1))
    result = check(record, D(2026, 6, 1))
    assert "already_repaired" in codes(result) and not result.eligible
    assert codes(result) == ["not_counting", "already_repaired"]


def test_record_no_longer_counting(check):
    lapsed = check(rec("ZM14", D(2025, 1, 10)), D(2026, 1, 10))
    assert codes(lapsed) == ["not_counting"]
    assert codes(check(rec("ZM14", D(2026, 9, 1)), D(2026, 6, 1)))[0] == "not_counting"  # not yet decided
