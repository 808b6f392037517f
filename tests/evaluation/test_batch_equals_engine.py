"""The batch (one INSERT ... SELECT) gives exactly the engine's result for every retailer, every field."""
import datetime as dt
import random

import pytest
from sqlalchemy import select

from app.evaluation import batch
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from scoring import add_months, compute
from tests.evaluation.world import SHIPPED_POLICY, build_world, catalogues_for_tests, variant_policy

AS_OF = [dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30), dt.date(2026, 12, 31),
         dt.date(2027, 3, 31)]


def _run(as_of, status="draft"):
    run = EvaluationRun(quarter=batch.quarter_of(as_of), as_of=as_of, status=status)
    db.session.add(run)
    db.session.flush()
    return run


def _rows(run_id):
    return {r.retailer_id: r for r in db.session.scalars(select(EvaluationRow).where(EvaluationRow.run_id == run_id))}


CLIPPED = set()


def _expected(world, retailer_id, as_of, catalogues, policy):
    result = compute(world.inputs(retailer_id, as_of), as_of=as_of, catalogues=catalogues, policy=policy,
                     licensed_on=world.retailers[retailer_id]["issued"])
    rule = result.rule
    if any(c.capped for c in result.contributions):
        CLIPPED.add((retailer_id, as_of))
    return {"score": result.score, "monopoly": result.subtotals["monopoly"],
            "marketing": result.subtotals["marketing"], "social": result.subtotals["social"],
            "score_grade": result.score_grade, "grade": result.grade,
            "rule_kind": rule.kind if rule else None,
            "rule_record_id": rule.record_id if rule else None}


def _actual(row):
    return {k: getattr(row, k) for k in ("score", "monopoly", "marketing", "social", "score_grade", "grade",
                                         "rule_kind", "rule_record_id")}


@pytest.mark.parametrize("seed,policy_name", [(1, "shipped"), (2, "variant"), (3, "shipped")])
def test_batch_equals_engine_on_random_data(app, units, seed, policy_name):
    rng = random.Random(seed)
    catalogues = catalogues_for_tests()
    policy = SHIPPED_POLICY if policy_name == "shipped" else variant_policy()
    world = build_world(rng, units, catalogues=catalogues)
    CLIPPED.clear()
    previous = {}
    previous_run_id = None
    kinds = set()
    for as_of in AS_OF:
        run = _run(as_of)
        written = batch.compute_rows(run.id, as_of, catalogues=catalogues, policy=policy,
                                     previous_run_id=previous_run_id)
        rows = _rows(run.id)
        expected_ids = world.evaluated(as_of)
        assert sorted(rows) == expected_ids and written == len(expected_ids)
        mismatches = []
        for rid in expected_ids:
            expected = _expected(world, rid, as_of, catalogues, policy)
            actual = _actual(rows[rid])
            if expected != actual:
                mismatches.append((rid, expected, actual))
            assert rows[rid].unit_id == world.retailers[rid]["unit_id"]
            assert rows[rid].previous_grade == previous.get(rid)
            kinds.add(expected["rule_kind"])
        assert not mismatches, f"{len(mismatches)} of {len(expected_ids)} differ as of {as_of}: {mismatches[:3]}"
        run.status = "published"
        db.session.flush()
        previous = {rid: row.grade for rid, row in rows.items()}
        previous_run_id = run.id
    # the random worlds do exercise every rule the engine can report, and the bonus ceiling
    assert {"veto", "cap", "new_licence", None} <= kinds
    assert CLIPPED


def test_bonus_ceiling_clips_in_record_order_across_dimensions(app, units, make_retailer):
    """Ids 9 and 10 decided the same day: the engine orders by str(id), so '10' comes before '9'."""
    from app.credit.models import CreditRecord

    retailer = make_retailer()
    day = dt.date(2026, 5, 1)
    catalogues = catalogues_for_tests()
    specs = [(9, "SH51"), (10, "YX55"), (11, "ZM51"), (12, "YX54"), (13, "SH52")]  # 10 + 10 + 5 + 8 + 5 = 38
    for rid, code in specs:
        db.session.add(CreditRecord(id=rid, retailer_id=retailer.id, operator_id=retailer.operator_id,
                                    indicator_code=code, catalogue_version="2026.1", dimension="social",
                                    nominal_points=1, occurred_on=day, source="marketer", status="confirmed",
                                    decided_on=day if rid in (9, 10) else day + dt.timedelta(days=rid)))
    db.session.flush()
    as_of = dt.date(2026, 6, 30)
    run = _run(as_of)
    batch.compute_rows(run.id, as_of, catalogues=catalogues, policy=SHIPPED_POLICY)
    row = _rows(run.id)[retailer.id]
    from scoring import RecordInput

    inputs = [RecordInput(id=rid, indicator_code=code, catalogue_version="2026.1",
                          decided_on=day if rid in (9, 10) else day + dt.timedelta(days=rid)) for rid, code in specs]
    result = compute(inputs, as_of=as_of, catalogues=catalogues, policy=SHIPPED_POLICY,
                     licensed_on=retailer.licence_issued_on)
    assert (row.monopoly, row.marketing, row.social) == (
        result.subtotals["monopoly"], result.subtotals["marketing"], result.subtotals["social"])
    assert row.score == 130 and result.score == 130
    assert (row.marketing, row.social, row.monopoly) == (10 + 5, 10, 5)  # YX54 clipped to 5, SH52 gets 0


def test_an_unscorable_record_fails_the_batch_and_is_named(app, units, make_retailer):
    from app.credit.models import CreditRecord

    retailer = make_retailer()
    bad = CreditRecord(retailer_id=retailer.id, operator_id=retailer.operator_id, indicator_code="ZM11",
                       catalogue_version="2026.1", dimension="monopoly", quantity=None, nominal_points=-6,
                       occurred_on=dt.date(2026, 5, 1), source="supervisor", status="confirmed",
                       decided_on=dt.date(2026, 5, 1))
    db.session.add(bad)
    db.session.flush()
    run = _run(dt.date(2026, 6, 30))
    with pytest.raises(batch.BatchError) as caught:
        batch.compute_rows(run.id, run.as_of, catalogues=catalogues_for_tests(), policy=SHIPPED_POLICY)
    assert caught.value.record_ids == [bad.id]
    assert _rows(run.id) == {}


@pytest.mark.parametrize("months", [1, 2, 3, 6, 12, 18, 36])
def test_first_counting_day_is_exact(months):
    for as_of in (dt.date(2026, 2, 28), dt.date(2024, 2, 29), dt.date(2026, 3, 31), dt.date(2026, 12, 31),
                  dt.date(2026, 5, 30), dt.date(2026, 7, 1)):
        first = batch.first_counting_day(as_of, months)
        assert add_months(first, months) > as_of
        assert add_months(first - dt.timedelta(days=1), months) <= as_of


def test_quarters():
    assert batch.quarter_bounds("2026Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert batch.quarter_bounds("2024q1") == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert batch.quarter_of(dt.date(2026, 11, 29)) == "2026Q4"
    for bad in ("2026Q5", "26Q1", "2026-4", ""):
        with pytest.raises(ValueError):
            batch.quarter_bounds(bad)


def test_vetoes_and_caps_reach_every_licence_of_the_records_operator(app, units, make_retailer):
    """A licence that changed hands: its veto was recorded under one operator, its penalty under another;
    each reaches that operator's other licences only (and both reach the licence itself)."""
    from app.credit.models import CreditRecord
    from app.evaluation import sources
    from app.retailers.models import Operator

    shop = make_retailer()
    old_owner_other = make_retailer()  # another licence of the operator the shop had before
    new_owner_other = make_retailer()  # another licence of the shop's operator now
    old_operator = db.session.get(Operator, old_owner_other.operator_id)
    new_owner_other.operator_id = shop.operator_id
    db.session.flush()
    day = dt.date(2026, 5, 4)
    for code, operator_id, decided in (("ZM01", old_operator.id, day), ("ZM02", shop.operator_id, day),
                                       ("SH01", old_operator.id, day - dt.timedelta(days=40)),
                                       ("ZM04", shop.operator_id, day - dt.timedelta(days=3))):
        db.session.add(CreditRecord(retailer_id=shop.id, operator_id=operator_id, indicator_code=code,
                                    catalogue_version="2026.1", dimension="monopoly", nominal_points=-1,
                                    occurred_on=decided, source="supervisor", status="confirmed", decided_on=decided))
    db.session.add(CreditRecord(retailer_id=new_owner_other.id, operator_id=shop.operator_id, indicator_code="YX55",
                                catalogue_version="2026.1", dimension="marketing", nominal_points=10,
                                occurred_on=day, source="marketer", status="confirmed", decided_on=day))
    db.session.flush()
    catalogues = catalogues_for_tests()
    kinds = {}
    for policy in (SHIPPED_POLICY, variant_policy()):
        for as_of in (dt.date(2026, 6, 30), dt.date(2027, 6, 30)):
            run = _run(as_of)
            batch.compute_rows(run.id, as_of, catalogues=catalogues, policy=policy)
            rows = _rows(run.id)
            kinds[policy.source, as_of] = {k: rows[r.id].rule_kind for k, r in
                                           (("shop", shop), ("old", old_owner_other), ("new", new_owner_other))}
            for licence in (shop, old_owner_other, new_owner_other):
                result = compute(sources.fallback_engine_inputs(licence.id, as_of), as_of=as_of,
                                 catalogues=catalogues, policy=policy, licensed_on=licence.licence_issued_on)
                expected = (result.score, result.grade, result.rule.kind if result.rule else None,
                            result.rule.record_id if result.rule else None)
                row = rows[licence.id]
                assert (row.score, row.grade, row.rule_kind, row.rule_record_id) == expected, (licence.id, as_of)
    # the veto (old operator) reaches the old operator's other licence; the ZM02 cap (new operator) caps
    # the new operator's other licence, lifted to AA by its bonus
    assert kinds[SHIPPED_POLICY.source, dt.date(2026, 6, 30)] == {"shop": "veto", "old": "veto", "new": "cap"}
