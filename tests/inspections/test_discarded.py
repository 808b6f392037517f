"""A capture discarded from the phone's outbox leaves a copy in the audit trail: reported once
(idempotent by its UUID), scoped to the inspector's county, size-limited, and linked to the
inspection if the server did receive it after all."""
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.audit.services import verify
from app.extensions import db
from tests.conftest import OTHER_COUNTY
from tests.inspections.conftest import capture


def _report(field, body=None, **over):
    body = body or capture(field.shop, field.second)
    data = {"uuid": body["uuid"], "retailer_id": field.shop.id, "state": "rejected", "status": 422,
            "message": "不受理", "errors": {"second_officer_id": ["请选择"]}, "photos": 2,
            "discarded_at": "2026-11-29T02:00:00Z", "payload": body}
    data.update(over)
    return field.session.post("/api/inspections/discarded", json=data), body


def _entries():
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "inspection.capture_discarded")))


def test_a_discarded_capture_is_kept_in_the_audit_trail_once(field):
    response, body = _report(field)
    assert response.status_code == 201, response.get_json()
    entries = _entries()
    assert len(entries) == 1
    entry = entries[0]
    assert entry.target_id == body["uuid"] and entry.actor_id == field.inspector.id
    assert entry.after["payload"]["checks"][0]["code"] == "licence_displayed"
    assert entry.after["state"] == "rejected" and entry.after["photos_on_phone"] == 2
    assert entry.after["received_as_inspection"] is None
    again, _ = _report(field, body)
    assert again.status_code == 200 and again.get_json()["audit_seq"] == entry.seq
    assert len(_entries()) == 1
    assert verify().ok


def test_a_discard_is_refused_outside_the_county_and_when_too_large(field, make_retailer):
    other = make_retailer(county=OTHER_COUNTY, shop_name="别家超市")
    response, _ = _report(field, retailer_id=other.id)
    assert response.status_code == 422 and "retailer_id" in response.get_json()["errors"]
    body = capture(field.shop, field.second, notes="")
    body["extra"] = "x" * (70 * 1024)
    response, _ = _report(field, body)
    assert response.status_code == 422 and "payload" in response.get_json()["errors"]
    body = capture(field.shop, field.second)
    response, _ = _report(field, body, uuid=capture(field.shop, field.second)["uuid"])
    assert response.status_code == 422 and "payload" in response.get_json()["errors"]
    response, _ = _report(field, state="sent")
    assert response.status_code == 422 and "state" in response.get_json()["errors"]
    assert _entries() == []


def test_a_discard_of_a_capture_the_server_has_names_the_inspection(field):
    body = capture(field.shop, field.second)
    assert field.session.post("/api/inspections", json=body).status_code == 201
    response, _ = _report(field, body, state="conflict", status=409)
    assert response.status_code == 201
    assert _entries()[0].after["received_as_inspection"] is not None
