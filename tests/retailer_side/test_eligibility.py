"""Repair eligibility: each condition alone gives its own reason; minimum periods by severity;
repaired once only; non-repairable and minor records."""
import datetime as dt

import pytest

from scoring import RecordInput, available_catalogues, available_policies, policy_for, repair_eligibility

CATS = available_catalogues()
AS_OF = dt.date(2026, 11, 30)
POLICY = policy_for(AS_OF, available_policies())
ALL_MET = dict(already_repaired=False, penalty_fulfilled=True, commitment_signed=True, training_done=True)


def check(code, decided_on, quantity=None, repaired_on=None, as_of=AS_OF, **overrides):
    rec = RecordInput(id=1, indicator_code=code, catalogue_version="2026.1", decided_on=decided_on,
                      quantity=quantity, repaired_on=repaired_on)
    return repair_eligibility(rec, as_of=as_of, catalogues=CATS, policy=POLICY, **{**ALL_MET, **overrides})


def codes(result):
    return [r.code for r in result.reasons]


def test_all_conditions_met():
    assert check("ZM04", dt.date(2026, 6, 1)).eligible


@pytest.mark.parametrize("flag,code", [("penalty_fulfilled", "penalty_not_fulfilled"),
                                       ("commitment_signed", "no_commitment"),
                                       ("training_done", "training_not_done")])
def test_each_applicant_condition_alone(flag, code):
    result = check("ZM04", dt.date(2026, 6, 1), **{flag: False})
    assert not result.eligible and codes(result) == [code]
    assert result.reasons[0].message_zh


def test_already_repaired_alone():
    result = check("ZM04", dt.date(2026, 6, 1), already_repaired=True)
    assert codes(result) == ["already_repaired"]


def test_a_repaired_record_cannot_be_repaired_again():
    result = check("ZM04", dt.date(2026, 6, 1), repaired_on=dt.date(2026, 10, 1))
    assert "already_repaired" in codes(result) and not result.eligible


@pytest.mark.parametrize("code,decided_on,met_on", [
    ("ZM04", dt.date(2026, 9, 15), dt.date(2026, 12, 15)),  # general: 3 months
    ("ZM02", dt.date(2026, 3, 1), dt.date(2027, 3, 1)),  # serious: 12 months
    ("ZM01", dt.date(2026, 2, 1), dt.date(2027, 2, 1)),  # veto (假私非): not within its first year
])
def test_minimum_period_by_severity(code, decided_on, met_on):
    result = check(code, decided_on)
    assert codes(result) == ["min_period_not_passed"]
    assert result.reasons[0].met_on == met_on
    assert check(code, decided_on, as_of=met_on).eligible  # met on that very day


def test_general_record_just_past_three_months():
    assert check("ZM04", dt.date(2026, 8, 30)).eligible


def test_minor_records_lapse_by_themselves():
    result = check("ZM08", dt.date(2026, 10, 1))
    assert codes(result) == ["lapses_by_itself"]
    assert result.reasons[0].met_on == dt.date(2027, 1, 1)


def test_non_repairable_indicator():
    result = check("SH03", dt.date(2026, 1, 10))
    assert "not_repairable" in codes(result) and not result.eligible


def test_a_record_that_no_longer_counts():
    result = check("ZM04", dt.date(2025, 10, 1), as_of=dt.date(2026, 11, 30))
    assert "not_counting" in codes(result)


def test_app_eligibility_knows_commitment_and_training(shop, make_record, signed_in):
    """Through the app: the fresh commitment must be signed after the record; training within a year."""
    from app.repair import services
    from tests.retailer_side.conftest import days_ago
    from tests.retailer_side.helpers import prepare

    rec = make_record(shop["retailer"], "ZM04", days_ago(150))
    result = services.eligibility(rec, shop["owner"])
    assert set(codes(result)) == {"no_commitment", "training_not_done"}
    prepare(signed_in(shop["owner"]), shop["retailer"].id)
    assert services.eligibility(rec, shop["owner"]).eligible
    assert codes(services.eligibility(rec, shop["owner"], penalty_fulfilled=False)) == ["penalty_not_fulfilled"]
    young = make_record(shop["retailer"], "ZM02", days_ago(30))
    assert codes(services.eligibility(young, shop["owner"])) == ["min_period_not_passed"]
