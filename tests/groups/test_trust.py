"""Trust supervision: an AA/AAA retailer's remote self-check (photos through the upload checks, GPS),
reviewed by an inspector; accepted, it closes the routine visit with the outcome "self_check"; failed,
it schedules an on-site check. A-grade retailers cannot send one. Green channel: AA/AAA requests first
in the supervisors' inbox."""
import io
import uuid
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from app.credit import recording
from app.extensions import db
from app.scheduling.models import Visit
from app.trust import services as trust
from app.trust.models import SelfCheck

DAY = date(2026, 6, 1)


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(buf, format="JPEG")
    return buf.getvalue()


def _make_aa(shop):
    recording.create_record(shop, "YX55", occurred_on=DAY - timedelta(days=10), source="system", actor=None,
                            status="confirmed", decided_on=DAY - timedelta(days=10), case_number="示范评选〔2026〕1号")
    db.session.commit()


@pytest.fixture
def world(app, clock, make_retailer, make_user):
    clock(DAY)
    shop = make_retailer()
    _make_aa(shop)
    owner = make_user("retailer", retailers=[shop])
    inspector = make_user("inspector")
    visit = Visit(retailer_id=shop.id, unit_id=shop.unit_id, kind="due", status="approved", due_on=DAY + timedelta(days=5),
                  planned_on=DAY + timedelta(days=5), reasons=[])
    db.session.add(visit)
    db.session.commit()
    return {"shop": shop, "owner": owner, "inspector": inspector, "visit": visit}


def _form(session, **over):
    data = {"client_uuid": str(uuid.uuid4()), "licence_displayed": "yes", "price_tags": "yes", "no_out_of_area": "yes",
            "lat": "33.5901", "lng": "119.0201", "accuracy": "12", "csrf_token": session._csrf}
    for item in ("licence_displayed", "price_tags", "no_out_of_area"):
        data[f"photo_{item}"] = (io.BytesIO(_jpeg()), f"{item}.jpg")
    data.update(over)
    return data


def test_accepted_self_check_closes_the_routine_visit(world, signed_in):
    owner = signed_in(world["owner"])
    r = owner.post(f"/me/self-check/{world['shop'].id}", data=_form(owner), content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    check = db.session.scalars(select(SelfCheck)).one()
    assert check.grade == "AA" and len(check.photos) == 3 and check.distance_m < 50
    inspector = signed_in(world["inspector"])
    page = inspector.get(f"/self-checks/{check.id}").get_data(as_text=True)
    assert "许可证悬挂在明显位置" in page
    assert inspector.get(f"/self-checks/{check.id}/photos/{check.photos[0].id}").status_code == 200
    r = inspector.post(f"/self-checks/{check.id}", data={"decision": "accept", "note": "",
                                                         "csrf_token": inspector._csrf})
    assert r.status_code == 302
    db.session.expire_all()
    visit = db.session.get(Visit, world["visit"].id)
    assert (visit.status, visit.outcome, visit.done_on) == ("done", "self_check", DAY)
    assert db.session.get(SelfCheck, check.id).visit_id == visit.id


def test_failed_self_check_schedules_an_on_site_check(world, signed_in):
    owner = signed_in(world["owner"])
    owner.post(f"/me/self-check/{world['shop'].id}", data=_form(owner, price_tags="no"),
               content_type="multipart/form-data")
    check = db.session.scalars(select(SelfCheck)).one()
    inspector = signed_in(world["inspector"])
    r = inspector.post(f"/self-checks/{check.id}", data={"decision": "accept", "csrf_token": inspector._csrf})
    assert r.status_code == 422  # an item answered "no" cannot be accepted
    r = inspector.post(f"/self-checks/{check.id}", data={"decision": "fail", "note": "价签缺失",
                                                         "csrf_token": inspector._csrf})
    assert r.status_code == 302
    db.session.expire_all()
    onsite = db.session.scalars(select(Visit).where(Visit.dedupe_key == f"selfcheck:{check.id}")).one()
    assert onsite.kind == "due" and onsite.reasons[0][0] == "self_check_failed"
    assert db.session.get(Visit, world["visit"].id).status == "approved"  # the routine visit still stands


def test_refusals_keep_input_and_name_fields(world, signed_in, make_retailer, make_user):
    owner = signed_in(world["owner"])
    r = owner.post(f"/me/self-check/{world['shop'].id}", data=_form(owner, lat="31.0", lng="121.0"),
                   content_type="multipart/form-data")
    assert r.status_code == 422 and "登记地址" in r.get_data(as_text=True)
    data = _form(owner)
    data["photo_price_tags"] = (io.BytesIO(b"<html>not an image</html>"), "x.jpg")
    r = owner.post(f"/me/self-check/{world['shop'].id}", data=data, content_type="multipart/form-data")
    assert r.status_code == 422
    assert db.session.scalars(select(SelfCheck)).first() is None
    plain = make_retailer(shop_name="普通便利店")
    plain_owner = signed_in(make_user("retailer", retailers=[plain]))
    r = plain_owner.post(f"/me/self-check/{plain.id}", data=_form(plain_owner), content_type="multipart/form-data")
    assert r.status_code == 403


def test_green_channel_puts_trusted_requests_first(world, make_retailer):
    from app.credit import grading

    plain = make_retailer(shop_name="普通便利店")
    grading.ensure_current(plain)
    db.session.add(Visit(retailer_id=plain.id, unit_id=plain.unit_id, kind="due", status="approved", due_on=DAY,
                         planned_on=DAY, reasons=[]))
    db.session.commit()
    rows = db.session.scalars(select(Visit.retailer_id).order_by(
        trust.green_first(Visit.retailer_id), Visit.retailer_id.desc())).all()
    assert rows == [world["shop"].id, plain.id]  # plain has the higher id: only the flag puts the AA shop first
    assert trust.trusted_ids([plain.id, world["shop"].id]) == {world["shop"].id}


def test_the_upload_purge_keeps_self_check_photos(world, signed_in, clock):
    from app.inspections.services import purge_orphan_uploads
    from app.storage.models import StoredFile

    owner = signed_in(world["owner"])
    owner.post(f"/me/self-check/{world['shop'].id}", data=_form(owner), content_type="multipart/form-data")
    assert db.session.scalar(select(SelfCheck.id)) is not None
    clock(DAY + timedelta(days=60))
    assert purge_orphan_uploads(7) == 0
    db.session.commit()
    assert len(db.session.scalars(select(StoredFile)).all()) == 3
