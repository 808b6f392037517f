"""Object-level access: a county's inspections are its inspectors' (read, write) and its supervisors'
(read); another county's inspector or supervisor gets 404 for everything about them."""
from sqlalchemy import func, select

from app.extensions import db
from app.inspections.models import Inspection
from app.storage.models import StoredFile
from tests.conftest import OTHER_COUNTY
from tests.inspections.conftest import capture, jpeg, new_id, upload


def _recorded(field):
    cap = new_id()
    photo, _ = upload(field.session, cap)
    body = capture(field.shop, field.second, uuid=cap, photos=[photo])
    response = field.session.post("/api/inspections", json=body)
    assert response.status_code == 201
    out = response.get_json()
    return body, out, out["photos"][0]["url"]


def test_another_county_cannot_read_this_inspection(app, field, make_user, signed_in):
    _body, out, photo_url = _recorded(field)
    other = signed_in(make_user("inspector", OTHER_COUNTY))
    other_sup = signed_in(make_user("supervisor", OTHER_COUNTY))
    for s in (other, other_sup):
        assert s.get(f"/api/inspections/{out['id']}").status_code == 404
        assert s.get(photo_url).status_code == 404
        assert s.get(f"/inspections/{out['id']}").status_code == 404
        assert s.get(f"/inspections/{out['id']}/record.pdf").status_code == 404
        assert s.get("/api/inspections").get_json() == []
    # the county's supervisor and a city supervisor read it; the second officer too
    for user in (make_user("supervisor"), make_user("supervisor", city=True), field.second):
        s = signed_in(user)
        assert s.get(f"/api/inspections/{out['id']}").status_code == 200
        assert s.get(photo_url).status_code == 200
        assert s.get(f"/inspections/{out['id']}").status_code == 200


def test_another_county_cannot_write_this_inspection(app, field, make_user, signed_in):
    body, out, _ = _recorded(field)
    intruder = make_user("inspector", OTHER_COUNTY)
    partner = make_user("inspector", OTHER_COUNTY)
    other = signed_in(intruder)
    # replaying or overwriting the capture: not found
    assert other.post("/api/inspections", json=body).status_code == 404
    assert other.post("/api/inspections", json=dict(body, second_officer_id=partner.id, notes="x")).status_code == 404
    # adding a file to it: not found
    _, response = upload(other, body["uuid"], data=jpeg())
    assert response.status_code == 404
    # recording for a shop of another county: refused
    response = other.post("/api/inspections", json=capture(field.shop, partner))
    assert response.status_code == 422 and "retailer_id" in response.get_json()["errors"]
    # supervisors read but do not record
    sup = signed_in(make_user("supervisor"))
    assert sup.post("/api/inspections", json=capture(field.shop, field.second)).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1
    assert db.session.get(Inspection, out["id"]).notes == ""


def test_files_are_served_only_through_their_inspection(app, field, make_retailer):
    _body, out, photo_url = _recorded(field)
    # an unattached upload has no URL at all; a key under another inspection id is not found
    key = photo_url.rsplit("/", 1)[1]
    assert field.session.get(f"/api/inspections/{out['id'] + 999}/files/{key}").status_code == 404
    response = field.session.get(photo_url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
