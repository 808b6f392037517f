"""Submitting a capture: everything in one transaction, replays never duplicate, conflicts are 409."""
import threading

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.credit.models import CreditRecord
from app.extensions import db
from app.inspections.models import Inspection, InspectionFile, InspectionViolation
from app.storage.models import StoredFile
from tests.inspections.conftest import capture, jpeg, new_id, png, upload


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _full_capture(f):
    cap = new_id()
    p1, r1 = upload(f.session, cap, data=jpeg(color=(10, 200, 10)))
    p2, r2 = upload(f.session, cap, data=jpeg(color=(10, 10, 200)))
    sig, r3 = upload(f.session, cap, kind="signature", data=png(), filename="s.png", content_type="image/png")
    assert (r1.status_code, r2.status_code, r3.status_code) == (201, 201, 201), r1.get_json()
    body = capture(f.shop, f.second, uuid=cap, signature=sig, violations=[
        {"indicator": "ZM11", "quantity": 12, "description": "货架上发现外地条码卷烟12条", "photos": [p1, p2]}])
    body["checks"][5] = {"code": "carton_codes", "result": "fail", "note": "外地条码", "photos": []}
    return body


def test_full_inspection_is_stored_with_its_suspected_credit_record(app, field):
    body = _full_capture(field)
    response = field.session.post("/api/inspections", json=body)
    assert response.status_code == 201, response.get_json()
    out = response.get_json()
    assert out["uuid"] == body["uuid"] and out["geofence"] == "inside" and not out["flagged"]
    assert 40 < out["distance_m"] < 70  # about 55 m from the registered shop (geodesic)
    assert out["second_officer"]["id"] == field.second.id
    assert [c["result"] for c in out["checks"]].count("fail") == 1
    assert out["signature_status"] == "signed" and out["signature"]["content_type"] == "image/png"

    inspection = db.session.get(Inspection, out["id"])
    violation = inspection.violations[0]
    assert violation.indicator_code == "ZM11" and violation.quantity == 12 and len(violation.files) == 2
    record = db.session.get(CreditRecord, violation.credit_record_id)
    assert record.status == "suspected" and record.source == "inspection" and record.inspection_id == inspection.id
    assert record.quantity == 12 and record.lat is not None
    photo_refs = [e["ref"] for e in record.evidence if e["kind"] == "photo"]
    assert len(photo_refs) == 2 and all(r.startswith(f"/api/inspections/{inspection.id}/files/") for r in photo_refs)
    # the evidence links work for the county's supervisor (the queue links them)
    assert field.session.get(photo_refs[0]).status_code == 200

    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"inspection.submit", "credit_record.create", "file.upload"} <= actions


def test_replays_return_the_same_inspection_and_never_duplicate(app, field):
    body = _full_capture(field)
    first = field.session.post("/api/inspections", json=body)
    assert first.status_code == 201
    for _ in range(5):
        again = field.session.post("/api/inspections", json=body)
        assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    # the same photo sent again is acknowledged, not stored twice
    p1 = body["violations"][0]["photos"][0]
    _, replay = upload(field.session, body["uuid"], data=jpeg(color=(10, 200, 10)), file_id=p1)
    assert replay.status_code == 200
    assert _count(Inspection) == 1 and _count(InspectionViolation) == 1 and _count(CreditRecord) == 1
    assert _count(StoredFile) == 3 and _count(InspectionFile) == 3
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "inspection.submit")) == 1


def test_same_uuid_with_different_content_is_a_conflict(app, field):
    body = _full_capture(field)
    assert field.session.post("/api/inspections", json=body).status_code == 201
    changed = dict(body, notes="后来改了")
    response = field.session.post("/api/inspections", json=changed)
    assert response.status_code == 409
    assert "不同" in response.get_json()["errors"]["uuid"][0]
    assert _count(Inspection) == 1
    # a new photo for a closed capture is refused too
    _, late = upload(field.session, body["uuid"])
    assert late.status_code == 409


def test_key_order_does_not_matter_for_a_replay(app, field):
    body = _full_capture(field)
    assert field.session.post("/api/inspections", json=body).status_code == 201
    reordered = dict(reversed(list(body.items())))
    assert field.session.post("/api/inspections", json=reordered).status_code == 200


def test_concurrent_replays_from_two_tabs_store_one(app, field, signed_in):
    body = _full_capture(field)
    other_tab = signed_in(field.inspector)
    sessions = [field.session, other_tab] * 3
    statuses = []

    def send(s):
        statuses.append(s.post("/api/inspections", json=body).status_code)

    threads = [threading.Thread(target=send, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 5 + [201], statuses
    assert _count(Inspection) == 1 and _count(CreditRecord) == 1


def test_field_errors_are_per_field_and_in_chinese(app, field):
    cap = new_id()
    body = capture(field.shop, field.inspector, uuid=cap, violations=[
        {"indicator": "ZM11", "quantity": None, "description": " ", "photos": [new_id()]},
        {"indicator": "YX01", "quantity": None, "description": "x", "photos": []}])
    body["checks"] = body["checks"][:-1]
    body["checks"][0]["result"] = "fail"
    response = field.session.post("/api/inspections", json=body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "另一" in errors["second_officer_id"][0]  # the second officer must be someone else
    assert "violations.0.quantity" in errors and "violations.0.description" in errors
    assert "violations.0.photos" in errors and "violations.1.indicator" in errors
    assert "checks.0.note" in errors and "checks" in errors
    assert _count(Inspection) == 0 and _count(CreditRecord) == 0

    bad = capture(field.shop, field.second, outcome="bogus")
    errors = field.session.post("/api/inspections", json=bad).get_json()["errors"]
    assert errors["outcome"] == ["请从可选项中选择。"]


def test_abnormal_outcome_needs_a_note_and_no_signature(app, field):
    body = capture(field.shop, field.second, outcome="not_found")
    response = field.session.post("/api/inspections", json=body)
    assert response.status_code == 422 and "outcome_note" in response.get_json()["errors"]
    body["outcome_note"] = "门牌号处为住宅，无店铺"
    response = field.session.post("/api/inspections", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["outcome"] == "not_found"
    listed = field.session.get("/api/inspections?outcome=not_found").get_json()
    assert [i["id"] for i in listed] == [response.get_json()["id"]]


def test_interview_and_rectification_then_a_later_check_verifies_it(app, field):
    body = capture(field.shop, field.second, interview={
        "kind": "warning", "attendees": "经营者王小明；执法人员两名", "statement": "告知信用等级下降的后果",
        "commitments": "一周内悬挂许可证"}, rectifications=[{"description": "悬挂许可证", "deadline": "2099-01-01"}])
    assert field.session.post("/api/inspections", json=body).status_code == 422  # deadline more than a year away
    from app.common.time import local_today
    from datetime import timedelta

    body["rectifications"][0]["deadline"] = (local_today() + timedelta(days=7)).isoformat()
    first = field.session.post("/api/inspections", json=body)
    assert first.status_code == 201, first.get_json()
    item = first.get_json()["rectifications"][0]
    assert item["status"] == "open" and first.get_json()["interview"]["kind"] == "warning"
    pack = field.session.get("/api/inspections/pack").get_json()
    shop = next(s for s in pack["shops"] if s["id"] == field.shop.id)
    assert shop["rect"][0][0] == item["id"] and shop["insp"][0][1] == "inspected"

    later = capture(field.shop, field.second, rectification_checks=[
        {"item_id": item["id"], "result": "done", "note": "已悬挂"}])
    response = field.session.post("/api/inspections", json=later)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["rectification_checks"][0]["result"] == "done"
    pack = field.session.get("/api/inspections/pack").get_json()
    assert "rect" not in next(s for s in pack["shops"] if s["id"] == field.shop.id)


def test_signing_in_again_keeps_nothing_server_side_lost(app, field, signed_in):
    """A capture queued while the session expired is accepted after signing in again (same UUID)."""
    body = _full_capture(field)
    field.session.post("/logout")
    field.session.csrf()  # the outbox fetches a fresh token before flushing
    assert field.session.post("/api/inspections", json=body).status_code == 401
    assert _count(Inspection) == 0
    fresh = signed_in(field.inspector)
    assert fresh.post("/api/inspections", json=body).status_code == 201
    assert fresh.post("/api/inspections", json=body).status_code == 200


def test_a_checklist_photo_stays_with_its_item(app, field):
    cap = new_id()
    photo, r = upload(field.session, cap, data=jpeg(color=(200, 200, 10)))
    assert r.status_code == 201, r.get_json()
    body = capture(field.shop, field.second, uuid=cap, check_photos=[photo])
    first = field.session.post("/api/inspections", json=body)
    assert first.status_code == 201, first.get_json()
    out = first.get_json()
    assert [len(c["photos"]) for c in out["checks"]] == [1] + [0] * (len(out["checks"]) - 1)
    assert out["photos"] == []  # the photo belongs to the item, not to the inspection in general
    inspection = db.session.get(Inspection, out["id"])
    (attached,) = inspection.files
    assert attached.check is inspection.checks[0] and attached.check.item_code == body["checks"][0]["code"]
    assert attached.file.client_uuid == photo
    # the stored inspection answers the same (a replay reads it back from the database)
    again = field.session.post("/api/inspections", json=body)
    assert again.status_code == 200 and again.get_json()["checks"] == out["checks"]


def test_a_routine_capture_is_written_in_one_statement_per_table(app, field):
    """The checklist's rows go in one INSERT, not one per item, and no catalogue is read without a
    violation: a regression here multiplies the cost of every capture of the day."""
    from sqlalchemy import event

    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()[:3]))

    body = capture(field.shop, field.second)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        response = field.session.post("/api/inspections", json=body)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert response.status_code == 201, response.get_json()
    inserts = sorted(s for s in statements if s.startswith("INSERT"))
    assert inserts == ["INSERT INTO audit_entries", "INSERT INTO inspection_checks", "INSERT INTO inspections"]
    assert not [s for s in statements if "catalogue_versions" in s]
    out = response.get_json()
    assert [c["code"] for c in out["checks"]] == [c["code"] for c in body["checks"]]
    inspection = db.session.get(Inspection, out["id"])
    assert [(c.position, c.item_code, c.result) for c in inspection.checks] == [
        (i, c["code"], "pass") for i, c in enumerate(body["checks"])]
