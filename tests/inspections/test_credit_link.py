"""Violations become suspected credit records; a supervisor's confirmation changes the grade at once."""
from sqlalchemy import select

from app.common.time import local_today
from app.credit import grading, queries, recording
from app.credit.models import CreditRecord, RetailerGrade
from app.extensions import db
from tests.inspections.conftest import capture, jpeg, new_id, upload


def test_confirming_a_suspected_violation_changes_the_grade_at_once(app, field, make_user, signed_in):
    cap = new_id()
    photo, _ = upload(field.session, cap, data=jpeg())
    body = capture(field.shop, field.second, uuid=cap, violations=[
        {"indicator": "ZM01", "quantity": None, "description": "查获假冒卷烟5条", "photos": [photo]}])
    response = field.session.post("/api/inspections", json=body)
    assert response.status_code == 201, response.get_json()
    record = db.session.scalars(select(CreditRecord)).one()
    assert record.status == "suspected" and record.indicator_code == "ZM01"
    before = grading.current_grade(field.shop)
    before_grade, before_score = before.grade, before.score
    assert before_grade == "A"  # a suspected record does not count

    supervisor = make_user("supervisor")
    # the supervisor's queue holds it, with the inspection's photo
    queue = list(db.session.scalars(queries.queue_query(supervisor)))
    assert [r.id for r in queue] == [record.id]
    photo_ref = next(e["ref"] for e in record.evidence if e["kind"] == "photo")
    assert signed_in(supervisor).get(photo_ref).status_code == 200

    recording.confirm(record, "淮烟专罚〔2026〕1号", local_today(), supervisor)
    db.session.commit()
    after = db.session.get(RetailerGrade, field.shop.id)
    assert after.grade == "D" and after.score == before_score - 40  # the 假私非 veto
    # the inspection shows the record's new status
    out = field.session.get(f"/api/inspections/{response.get_json()['id']}").get_json()
    assert out["violations"][0]["credit_status"] == "confirmed"
    # the phone's pack shows the new grade and the violation
    pack = field.session.get("/api/inspections/pack").get_json()
    shop = next(s for s in pack["shops"] if s["id"] == field.shop.id)
    assert shop["grade"] == "D" and shop["recs"][0][:2] == ["ZM01", "confirmed"] and "grade_low" in shop["warn"]
