"""The evaluation lifecycle: draft → reviewed → published (→ superseded); reruns; the objection window."""
import datetime as dt
import random

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from app.common.errors import ServiceError
from app.common.time import to_local
from app.credit.models import CreditRecord
from app.evaluation import services
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.evaluation.services import objection_days
from app.extensions import db
from tests.conftest import BUREAU_TZ
from tests.evaluation.world import build_world

FIELDS = ("retailer_id", "unit_id", "score", "monopoly", "marketing", "social", "score_grade", "grade",
          "previous_grade", "rule_kind", "rule_record_id")


def rows_of(run):
    return sorted(tuple(getattr(r, f) for f in FIELDS)
                  for r in db.session.scalars(select(EvaluationRow).where(EvaluationRow.run_id == run.id)))


def grades_of(run):
    return {r.retailer_id: r.grade for r in db.session.scalars(select(EvaluationRow).where(
        EvaluationRow.run_id == run.id))}


@pytest.fixture
def world(app, units):
    # shipped catalogue only: what the services read (no extra versions in the database)
    from scoring import available_catalogues

    return build_world(random.Random(7), units, catalogues=available_catalogues(), n_operators=60,
                       n_records=900, first=dt.date(2025, 1, 1), last=dt.date(2026, 11, 20))


@pytest.fixture
def admin(make_user):
    return make_user("admin")


def publish(quarter, actor):
    run = services.run(quarter, actor)
    services.review(run, actor)
    services.publish(run, actor)
    db.session.commit()
    return run


def test_rerun_of_a_draft_gives_identical_rows_and_hash(world, admin):
    first = services.run("2026Q2", admin)
    db.session.commit()
    rows, digest = rows_of(first), first.inputs_hash
    assert len(rows) == first.retailer_count > 0 and len(digest) == 64
    again = services.run("2026q2", admin)
    db.session.commit()
    assert again.id == first.id and rows_of(again) == rows and again.inputs_hash == digest

    # a repair approved after the quarter end is not a fact on as_of: same rows, same hash
    record = next(r for r in db.session.scalars(select(CreditRecord).where(
        CreditRecord.status == "confirmed", CreditRecord.decided_on <= dt.date(2026, 6, 30),
        CreditRecord.decided_on >= dt.date(2026, 5, 1))))
    record.status, record.repaired_on = "repaired", dt.date(2026, 8, 1)
    db.session.commit()
    services.run("2026Q2", admin)
    assert rows_of(first) == rows and first.inputs_hash == digest

    # a record decided in the quarter but confirmed late changes the inputs: new hash
    record.repaired_on = dt.date(2026, 6, 1)
    db.session.commit()
    services.run("2026Q2", admin)
    assert first.inputs_hash != digest


def test_the_inputs_hash_is_the_same_computed_in_the_database_or_here(world, admin):
    from app.evaluation import batch, sources

    run = services.run("2026Q2", admin)
    as_of = run.as_of
    catalogues, policy = sources.catalogues(), sources.policy_on(as_of)
    policies = sources.policies()  # the run hashes every grade-policy version (从旧兼从轻)
    streamed = batch.inputs_hash(as_of, catalogues=catalogues, policy=policy, policies=policies, server_side=False)
    assert streamed == run.inputs_hash
    if db.session.get_bind().dialect.name == "postgresql":
        assert batch.inputs_hash(as_of, catalogues=catalogues, policy=policy, policies=policies,
                                 server_side=True) == streamed


def test_review_refuses_when_inputs_changed_since_the_run(world, admin, make_retailer):
    run = services.run("2026Q3", admin)
    db.session.commit()
    retailer = make_retailer()
    db.session.add(CreditRecord(retailer_id=retailer.id, operator_id=retailer.operator_id, indicator_code="ZM06",
                                catalogue_version="2026.1", dimension="monopoly", nominal_points=-20,
                                occurred_on=dt.date(2026, 9, 1), source="supervisor", status="confirmed",
                                decided_on=dt.date(2026, 9, 2)))
    db.session.commit()
    with pytest.raises(ServiceError) as caught:
        services.review(run, admin)
    assert caught.value.status == 409 and "inputs_hash" in caught.value.errors
    db.session.rollback()
    services.run("2026Q3", admin)
    services.review(run, admin)
    assert run.status == "reviewed"


def test_a_published_run_cannot_change(world, admin, clock):
    # 00:30 in Huai'an is still the day before in UTC: the window counts from the bureau's date
    clock(dt.datetime(2026, 12, 6, 0, 30, tzinfo=BUREAU_TZ))
    run = publish("2026Q1", admin)
    assert run.status == "published" and run.published_at is not None
    assert run.published_at.date() == dt.date(2026, 12, 5)
    assert to_local(run.published_at).date() == dt.date(2026, 12, 6)
    assert run.objection_closes_on == dt.date(2026, 12, 6) + dt.timedelta(days=objection_days())
    for attempt in (lambda: services.run("2026Q1", admin), lambda: services.review(run, admin),
                    lambda: services.publish(run, admin)):
        with pytest.raises(ServiceError) as caught:
            attempt()
        assert caught.value.status == 409
        db.session.rollback()
    # and the database refuses to rewrite its rows or the run
    for statement in (update(EvaluationRow).where(EvaluationRow.run_id == run.id).values(grade="D"),
                      update(EvaluationRun).where(EvaluationRun.id == run.id).values(inputs_hash="0" * 64),
                      update(EvaluationRun).where(EvaluationRun.id == run.id).values(status="draft")):
        with pytest.raises(DBAPIError):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.get(EvaluationRun, run.id).status == "published"


def test_supersede_needs_a_reason_and_replaces_the_published_run_only_when_published(world, admin):
    old = publish("2026Q1", admin)
    with pytest.raises(ServiceError) as caught:
        services.supersede(old, "  ", admin)
    assert "reason" in caught.value.errors
    db.session.rollback()
    new = services.supersede(old, "案件撤销，记录已更正 case decision annulled", admin)
    db.session.commit()
    assert new.status == "draft" and new.supersedes_id == old.id and new.reason.startswith("案件撤销")
    assert old.status == "published"
    with pytest.raises(ServiceError):  # one correction at a time
        services.supersede(old, "another reason", admin)
    db.session.rollback()
    assert services.run("2026Q1", admin).id == new.id  # a rerun reruns the correction draft
    services.review(new, admin)
    services.publish(new, admin)
    db.session.commit()
    assert (old.status, new.status) == ("superseded", "published")
    assert services.published_run("2026Q1").id == new.id


def test_the_public_sees_a_grade_only_after_the_objection_window(world, admin, client, clock):
    from app.retailers.models import Retailer

    run = publish("2026Q2", admin)
    closes = run.objection_closes_on
    assert closes == services.local_today() + dt.timedelta(days=21)
    retailer_id = next(iter(grades_of(run)))
    retailer = db.session.get(Retailer, retailer_id)
    assert services.public_grade(retailer, today=closes - dt.timedelta(days=1)) is None
    seen = services.public_grade(retailer, today=closes)
    assert seen.grade == grades_of(run)[retailer_id] and seen.quarter == "2026Q2"

    clock(closes - dt.timedelta(days=1))
    before = client.get(f"/api/public/grades?q={retailer.licence_no}").get_json()
    assert before[0]["licence_no"] == retailer.licence_no and before[0]["grade"] is None
    page = client.get(f"/grades?q={retailer.licence_no}").get_data(as_text=True)
    assert retailer.shop_name in page and "data-grade=" not in page
    clock(closes)
    after = client.get(f"/api/public/grades?q={retailer.licence_no}").get_json()
    assert after[0]["grade"] == seen.grade and after[0]["quarter"] == "2026Q2"
    assert after[0]["operator_name"].endswith("*") and "王小明" not in str(after)
    page = client.get(f"/grades?q={retailer.licence_no}").get_data(as_text=True)
    assert f'data-grade="{seen.grade}"' in page


def test_previous_grade_comes_from_the_last_published_run(world, admin):
    q1 = publish("2026Q1", admin)
    draft_q2 = services.run("2026Q2", admin)  # computed, never published: not a "previous" grade
    db.session.commit()
    q3 = services.run("2026Q3", admin)
    db.session.commit()
    q1_grades = grades_of(q1)
    for row in db.session.scalars(select(EvaluationRow).where(EvaluationRow.run_id == q3.id)):
        assert row.previous_grade == q1_grades.get(row.retailer_id)
    assert q3.summary["previous_quarter"] == "2026Q1"
    services.review(draft_q2, admin)
    services.publish(draft_q2, admin)
    db.session.commit()
    services.run("2026Q3", admin)
    q2_grades = grades_of(draft_q2)
    assert q2_grades != q1_grades  # the test world does move between quarters
    for row in db.session.scalars(select(EvaluationRow).where(EvaluationRow.run_id == q3.id)):
        assert row.previous_grade == q2_grades.get(row.retailer_id)
    moves = q3.summary["moves"]
    assert moves["up"] + moves["down"] > 0 and sum(moves.values()) == q3.retailer_count


def test_the_current_quarter_is_only_a_provisional_draft_and_a_future_one_is_refused(world, admin):
    today = services.local_today()
    current = services.batch.quarter_of(today)
    run = services.run(current, admin)
    assert run.summary["provisional"] is True and services.is_provisional(run)
    with pytest.raises(ServiceError) as caught:
        services.review(run, admin)
    assert caught.value.status == 409
    db.session.rollback()
    start, _end = services.batch.quarter_bounds(current)
    following = services.batch.quarter_of(start + dt.timedelta(days=100))
    with pytest.raises(ServiceError):
        services.run(following, admin)
    with pytest.raises(ServiceError):
        services.run("2026Q9", admin)


def test_audit_entries_for_every_step(world, admin):
    from app.audit.models import AuditEntry

    run = publish("2026Q1", admin)
    actions = [a for (a,) in db.session.execute(select(AuditEntry.action).where(
        AuditEntry.target_type == "EvaluationRun", AuditEntry.target_id == str(run.id)).order_by(AuditEntry.seq))]
    assert actions == ["evaluation.run", "evaluation.review", "evaluation.publish"]


def test_cli_run_review_publish_list(app, world, admin, make_user):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["evaluate", "run", "--quarter", "2026Q1", "--as", admin.username])
    assert out.exit_code == 0, out.output
    run = db.session.scalars(select(EvaluationRun)).one()
    assert f"run {run.id} 2026Q1" in out.output and "AAA" in out.output and "inputs hash" in out.output
    county = make_user("supervisor")
    refused = runner.invoke(args=["evaluate", "review", str(run.id), "--as", county.username])
    assert refused.exit_code == 2
    assert runner.invoke(args=["evaluate", "review", str(run.id)]).exit_code == 0
    published = runner.invoke(args=["evaluate", "publish", str(run.id)])
    assert published.exit_code == 0 and "published" in published.output
    again = runner.invoke(args=["evaluate", "run", "--quarter", "2026Q1"])
    assert again.exit_code == 2 and "2026Q1" in again.output  # already published: supersede it instead
    listing = runner.invoke(args=["evaluate", "list"])
    assert "2026Q1" in listing.output and "published" in listing.output
    current = runner.invoke(args=["evaluate", "run", "--quarter", services.batch.quarter_of(services.local_today())])
    assert current.exit_code == 0 and "provisional" in current.output
    _ = text
