"""The quarterly evaluation applies 从旧兼从轻 between grade-policy versions exactly as the engine does:
each record's counting, veto and penalty-cap periods are the shorter of the policy in force on the
evaluation date and the one in force when its act happened. Both directions: a later heavier policy does
not make old records weigh more, a later lighter one helps them."""
import datetime as dt
import random

from sqlalchemy import select

from app.evaluation import batch
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from scoring import RecordInput, compute, load_policy, policy_for
from tests.evaluation.world import SHIPPED_POLICY, build_world, catalogues_for_tests

AS_OF = [dt.date(2026, 9, 30), dt.date(2027, 3, 31), dt.date(2027, 6, 30)]


def _variant(version, effective, *, general, serious, veto, cap):
    text = open(SHIPPED_POLICY.source, encoding="utf-8").read()
    for old, new in ((f'version: "{SHIPPED_POLICY.version}"', f'version: "{version}"'),
                     ("effective_from: 2026-01-01", f"effective_from: {effective}"),
                     ("  general:    # 一般\n    counts_months: 12", f"  general:    # 一般\n    counts_months: {general}"),
                     ("  serious:    # 严重\n    counts_months: 36", f"  serious:    # 严重\n    counts_months: {serious}"),
                     ("veto_months: 36", f"veto_months: {veto}"),
                     ("admin_penalty_cap: {grade: A, months: 12}", f"admin_penalty_cap: {{grade: A, months: {cap}}}")):
        assert old in text, old
        text = text.replace(old, new)
    return load_policy(text, source=f"{version}.yaml")


# 2026.1 from 2026-01-01; a heavier one from 2026-07-01; a lighter one from 2027-04-01
POLICIES = {
    SHIPPED_POLICY.version: SHIPPED_POLICY,
    "2026.H": _variant("2026.H", "2026-07-01", general=24, serious=48, veto=48, cap=24),
    "2027.L": _variant("2027.L", "2027-04-01", general=6, serious=18, veto=12, cap=6),
}


def _inputs(world, retailer_id):
    op = world.retailers[retailer_id]["operator_id"]
    out = []
    for r in world.records:
        if r["status"] not in ("confirmed", "repaired") or r["decided_on"] is None:
            continue
        own = r["retailer_id"] == retailer_id
        if not own and r["operator_id"] != op:
            continue
        out.append(RecordInput(id=r["id"], indicator_code=r["indicator_code"], catalogue_version=r["catalogue_version"],
                               decided_on=r["decided_on"], quantity=r["quantity"], repaired_on=r["repaired_on"],
                               via_operator=not own, occurred_on=r["occurred_on"]))
    return out


def _fields(result):
    rule = result.rule
    return {"score": result.score, "monopoly": result.subtotals["monopoly"], "marketing": result.subtotals["marketing"],
            "social": result.subtotals["social"], "score_grade": result.score_grade, "grade": result.grade,
            "rule_kind": rule.kind if rule else None, "rule_record_id": rule.record_id if rule else None}


def _row_fields(row):
    return {k: getattr(row, k) for k in ("score", "monopoly", "marketing", "social", "score_grade", "grade",
                                         "rule_kind", "rule_record_id")}


def test_batch_applies_the_lighter_policy_like_the_engine_in_both_directions(app, units):
    world = build_world(random.Random(11), units, n_operators=60, n_records=900, catalogues=catalogues_for_tests())
    catalogues = catalogues_for_tests()
    lighter_than_now, lighter_than_then = 0, 0
    for as_of in AS_OF:
        policy = policy_for(as_of, POLICIES)
        run = EvaluationRun(quarter=batch.quarter_of(as_of), as_of=as_of, status="draft")
        db.session.add(run)
        db.session.flush()
        batch.compute_rows(run.id, as_of, catalogues=catalogues, policy=policy, policies=POLICIES)
        rows = {r.retailer_id: r for r in db.session.scalars(select(EvaluationRow).where(EvaluationRow.run_id == run.id))}
        mismatches = []
        for rid in world.evaluated(as_of):
            inputs = _inputs(world, rid)
            issued = world.retailers[rid]["issued"]
            fair = compute(inputs, as_of=as_of, catalogues=catalogues, policy=policy, licensed_on=issued,
                           policies=POLICIES)
            if _row_fields(rows[rid]) != _fields(fair):
                mismatches.append((rid, _fields(fair), _row_fields(rows[rid])))
            plain = compute(inputs, as_of=as_of, catalogues=catalogues, policy=policy, licensed_on=issued)
            if fair.score > plain.score and policy.version == "2026.H":
                lighter_than_now += 1  # the heavier later policy would have kept old records counting
            if policy.version == "2027.L":
                then = [compute(inputs, as_of=as_of, catalogues=catalogues, licensed_on=issued,
                                policy=POLICIES["2026.H"], policies=POLICIES)]
                if fair.score > then[0].score:
                    lighter_than_then += 1  # the later lighter policy helps records made under the heavier one
        assert not mismatches, f"{len(mismatches)} differ as of {as_of}: {mismatches[:3]}"
        db.session.rollback()
    assert lighter_than_now > 0 and lighter_than_then > 0


def test_the_inputs_hash_covers_every_policy_version(app, units):
    as_of = dt.date(2027, 3, 31)
    catalogues = catalogues_for_tests()
    policy = policy_for(as_of, POLICIES)
    a = batch.inputs_hash(as_of, catalogues=catalogues, policy=policy, policies=POLICIES)
    fewer = {k: v for k, v in POLICIES.items() if k != "2027.L"}
    b = batch.inputs_hash(as_of, catalogues=catalogues, policy=policy, policies=fewer)
    assert a != b
