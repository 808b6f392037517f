"""Credit records: creation rules, status transitions and their history, errors that write nothing."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.errors import ServiceError
from app.common.time import local_today
from app.credit import grading, recording
from app.credit.models import CreditRecord, CreditRecordEvent, GradeChange, RetailerGrade
from app.extensions import db

CASE = "淮烟专罚〔2026〕第12号"


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in
                 (CreditRecord, CreditRecordEvent, AuditEntry, RetailerGrade, GradeChange))


def suspected(shop, code="ZM04", days=20, actor=None, **kw):
    rec = recording.create_record(shop, code, occurred_on=local_today() - timedelta(days=days),
                                 source="inspection", actor=actor, **kw)
    db.session.commit()
    return rec


def events(rec):
    return [(e.action, e.from_status, e.to_status) for e in db.session.scalars(
        select(CreditRecordEvent).where(CreditRecordEvent.record_id == rec.id).order_by(CreditRecordEvent.id))]


def audit_actions(rec):
    return [a for (a,) in db.session.execute(select(AuditEntry.action).where(
        AuditEntry.target_type == "credit_record", AuditEntry.target_id == str(rec.id)).order_by(AuditEntry.seq))]


# ---- creation ------------------------------------------------------------------------------------

def test_create_sets_operator_version_dimension_points_and_writes_history(shop, make_user, ago):
    inspector = make_user("inspector")
    rec = recording.create_record(shop, "zm11", occurred_on=ago(3), source="inspection", actor=inspector, quantity=12,
                                 evidence=[{"kind": "photo", "ref": "/files/1.jpg"}], lat=33.6, lng=119.0)
    db.session.commit()
    assert (rec.operator_id, rec.catalogue_version, rec.dimension, rec.nominal_points, rec.status) == (
        shop.operator_id, "2026.1", "monopoly", -12, "suspected")
    assert rec.recorded_by_id == inspector.id and rec.decided_on is None
    assert events(rec) == [("create", None, "suspected")]
    assert audit_actions(rec) == ["credit_record.create"]
    # a suspected record does not count: no grade was touched
    assert db.session.scalar(select(func.count()).select_from(GradeChange)) == 0


@pytest.mark.parametrize("code,kw,field", [
    ("ZM99", {}, "indicator_code"),
    ("ZM11", {}, "quantity"),  # banded: needs the quantity
    ("ZM04", {"quantity": 3}, "quantity"),  # not banded: no quantity
    ("ZM11", {"quantity": 0}, "quantity"),
    ("ZM04", {"occurred_on": "future"}, "occurred_on"),
    ("ZM04", {"occurred_on": date(2025, 6, 1)}, "occurred_on"),  # no catalogue in force then
    ("ZM04", {"lat": 33.1}, "lat"),
    ("ZM04", {"evidence": [{"kind": "video", "ref": "x"}]}, "evidence"),
    ("ZM04", {"decided_on": "today"}, "decided_on"),  # a suspected record has no decision
])
def test_create_refuses_bad_input_and_writes_nothing(shop, ago, today, code, kw, field):
    if kw.get("occurred_on") == "future":
        kw["occurred_on"] = today + timedelta(days=1)
    if kw.get("decided_on") == "today":
        kw["decided_on"] = today
    kw.setdefault("occurred_on", ago(5))
    before = counts()
    with pytest.raises(ServiceError) as exc:
        recording.create_record(shop, code, source="inspection", actor=None, **kw)
    db.session.rollback()
    assert field in exc.value.errors, exc.value.errors
    assert counts() == before


def test_confirmed_at_creation_needs_decision_and_case_number_for_monopoly(shop, ago):
    with pytest.raises(ServiceError) as exc:
        recording.create_record(shop, "ZM04", occurred_on=ago(9), source="supervisor", actor=None, status="confirmed",
                               decided_on=ago(2))
    assert "case_number" in exc.value.errors
    with pytest.raises(ServiceError) as exc:
        recording.create_record(shop, "YX01", occurred_on=ago(9), source="import", actor=None, status="confirmed")
    assert "decided_on" in exc.value.errors
    with pytest.raises(ServiceError) as exc:  # an inspector's finding is never confirmed at once
        recording.create_record(shop, "ZM04", occurred_on=ago(9), source="inspection", actor=None, status="confirmed",
                               decided_on=ago(2), case_number=CASE)
    assert "status" in exc.value.errors
    db.session.rollback()
    rec = recording.create_record(shop, "YX01", occurred_on=ago(9), source="import", actor=None, status="confirmed",
                                 decided_on=ago(2))
    db.session.commit()
    assert rec.status == "confirmed" and events(rec) == [("create", None, "confirmed")]
    assert grading.current_grade(shop).score == 97


def test_marketer_records_only_marketing_indicators_of_their_county(shop, make_user, make_retailer, ago):
    marketer = make_user("marketer")
    with pytest.raises(ServiceError) as exc:
        recording.create_record(shop, "ZM04", occurred_on=ago(3), source="marketer", actor=marketer)
    assert "indicator_code" in exc.value.errors
    other = make_retailer(county="320830")
    with pytest.raises(ServiceError) as exc:
        recording.create_record(other, "YX01", occurred_on=ago(3), source="marketer", actor=marketer)
    assert "retailer_id" in exc.value.errors
    db.session.rollback()
    rec = recording.create_record(shop, "YX01", occurred_on=ago(3), source="marketer", actor=marketer)
    assert rec.dimension == "marketing"


def test_offline_capture_is_idempotent_by_client_uuid(shop, ago):
    a = recording.create_record(shop, "ZM09", occurred_on=ago(1), source="inspection", actor=None,
                               client_uuid="6b0f8f7e-1111-4d2a-9c1e-000000000001")
    b = recording.create_record(shop, "ZM09", occurred_on=ago(1), source="inspection", actor=None,
                               client_uuid="6b0f8f7e-1111-4d2a-9c1e-000000000001")
    assert a.id == b.id
    assert db.session.scalar(select(func.count()).select_from(CreditRecord)) == 1


# ---- transitions ---------------------------------------------------------------------------------

def test_confirm_then_history_audit_and_grade(shop, supervisor, ago):
    rec = suspected(shop, "ZM04", days=20)
    assert grading.current_grade(shop).grade == "A"
    db.session.commit()
    recording.confirm(rec, CASE, ago(2), supervisor)
    db.session.commit()
    assert (rec.status, rec.case_number, rec.decided_on) == ("confirmed", CASE, ago(2))
    assert events(rec) == [("create", None, "suspected"), ("confirm", "suspected", "confirmed")]
    assert audit_actions(rec) == ["credit_record.create", "credit_record.confirm"]
    grade = grading.current_grade(shop)
    assert (grade.grade, grade.score, grade.rule_kind) == ("B", 90, None)
    change = db.session.scalars(select(GradeChange)).one()
    assert (change.from_grade, change.to_grade, change.cause, change.record_id) == ("A", "B", "record.confirm", rec.id)


def test_confirming_twice_is_a_clear_409_and_writes_nothing(shop, supervisor, ago):
    rec = suspected(shop)
    recording.confirm(rec, CASE, ago(2), supervisor)
    db.session.commit()
    before = counts()
    with pytest.raises(ServiceError) as exc:
        recording.confirm(rec, "另一个案号", ago(1), supervisor)
    db.session.rollback()
    assert exc.value.status == 409
    assert CASE in exc.value.errors["status"][0]  # names the decision already made
    assert counts() == before
    assert db.session.get(CreditRecord, rec.id).case_number == CASE


@pytest.mark.parametrize("case,decided,field", [
    ("", 2, "case_number"), ("   ", 2, "case_number"), (CASE, None, "decided_on"),
    (CASE, 30, "decided_on"),  # before it happened (20 days ago)
    (CASE, -1, "decided_on"),  # in the future
])
def test_confirm_refuses_bad_decisions_and_writes_nothing(shop, supervisor, ago, case, decided, field):
    rec = suspected(shop, days=20)
    before = counts()
    with pytest.raises(ServiceError) as exc:
        recording.confirm(rec, case, None if decided is None else ago(decided), supervisor)
    db.session.rollback()
    assert exc.value.status == 422 and field in exc.value.errors
    assert counts() == before
    assert db.session.get(CreditRecord, rec.id).status == "suspected"


def test_dismiss_needs_a_reason_and_a_dismissed_record_never_counts(shop, supervisor, ago):
    rec = suspected(shop)
    with pytest.raises(ServiceError) as exc:
        recording.dismiss(rec, "  ", supervisor)
    assert "reason" in exc.value.errors
    db.session.rollback()
    recording.dismiss(rec, "照片不能证明", supervisor)
    db.session.commit()
    assert (rec.status, rec.dismissed_reason) == ("dismissed", "照片不能证明")
    assert events(rec)[-1] == ("dismiss", "suspected", "dismissed")
    with pytest.raises(ServiceError) as exc:
        recording.confirm(rec, CASE, ago(1), supervisor)
    assert exc.value.status == 409
    db.session.rollback()
    with pytest.raises(ServiceError) as exc:
        recording.dismiss(rec, "again", supervisor)
    assert exc.value.status == 409
    db.session.rollback()
    assert grading.engine_inputs(shop.id, local_today()) == []


def test_upheld_objection_dismisses_a_confirmed_record_and_restores_the_grade(shop, supervisor, ago):
    rec = suspected(shop)
    recording.confirm(rec, CASE, ago(2), supervisor)
    db.session.commit()
    assert grading.current_grade(shop).grade == "B"
    recording.mark_disputed(rec, True, None, "objection 1")
    db.session.commit()
    assert rec.disputed and grading.current_grade(shop).grade == "B"  # a disputed record still counts
    with pytest.raises(ServiceError) as exc:
        recording.mark_disputed(rec, True, None, "again")
    assert exc.value.status == 409
    db.session.rollback()
    recording.mark_disputed(rec, False, supervisor, "objection 1 upheld")
    recording.dismiss(rec, "异议成立：案件决定已撤销", supervisor)
    db.session.commit()
    assert rec.status == "dismissed" and not rec.disputed
    assert [e[0] for e in events(rec)] == ["create", "confirm", "dispute", "dispute_closed", "dismiss"]
    assert grading.current_grade(shop).grade == "A"
    causes = [(g.from_grade, g.to_grade, g.cause) for g in db.session.scalars(select(GradeChange).order_by(GradeChange.id))]
    assert causes == [("A", "B", "record.confirm"), ("B", "A", "record.dismiss")]


def test_repair_once_only_and_it_stops_the_record_counting(shop, supervisor, today):
    rec = recording.create_record(shop, "ZM04", occurred_on=today - timedelta(days=200), source="supervisor",
                                 actor=supervisor, status="confirmed", decided_on=today - timedelta(days=150),
                                 case_number=CASE)
    db.session.commit()
    assert grading.current_grade(shop).grade == "B"
    recording.repair(rec, today, supervisor, "修复申请 1")
    db.session.commit()
    assert (rec.status, rec.repaired_on) == ("repaired", today)
    assert events(rec)[-1] == ("repair", "confirmed", "repaired")
    assert grading.current_grade(shop).grade == "A"
    with pytest.raises(ServiceError) as exc:
        recording.repair(rec, today, supervisor, "again")
    assert exc.value.status == 409
    assert "once" in exc.value.errors["status"][0] or "一次" in exc.value.errors["status"][0]


def test_repair_refused_before_the_minimum_period(shop, supervisor, today):
    rec = recording.create_record(shop, "ZM04", occurred_on=today - timedelta(days=40), source="supervisor",
                                 actor=supervisor, status="confirmed", decided_on=today - timedelta(days=30),
                                 case_number=CASE)
    db.session.commit()
    before = counts()
    with pytest.raises(ServiceError) as exc:
        recording.repair(rec, today, supervisor, "too early")
    db.session.rollback()
    assert "repaired_on" in exc.value.errors
    assert counts() == before
