"""Licence change and renewal requests (许可证变更/延续申请): field-by-field refusals with nothing
written, the green channel (AA/AAA at submission: flagged, first in the queue, shorter deadline),
decisions (reject needs a reason) audited and notified, county and licence scoping."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.errors import ServiceError
from app.common.workdays import add_working_days
from app.credit import recording
from app.extensions import db
from app.licence_requests import services as licreq
from app.licence_requests.models import LicenceRequest
from app.notices.models import Notice
from app.retailers.models import Retailer
from tests.conftest import OTHER_COUNTY

DAY = date(2026, 6, 1)


def _make_aa(shop):
    recording.create_record(shop, "YX55", occurred_on=DAY - timedelta(days=10), source="system", actor=None,
                            status="confirmed", decided_on=DAY - timedelta(days=10), case_number="示范评选〔2026〕1号")
    db.session.commit()


@pytest.fixture
def world(app, clock, make_retailer, make_user):
    clock(DAY)
    plain = make_retailer(shop_name="普通便利店")
    trusted = make_retailer(shop_name="诚信超市")
    _make_aa(trusted)
    other = make_retailer(county=OTHER_COUNTY, shop_name="别家超市")
    return {"plain": plain, "trusted": trusted, "other": other,
            "plain_owner": make_user("retailer", retailers=[plain], username="plain_owner"),
            "trusted_owner": make_user("retailer", retailers=[trusted], username="trusted_owner"),
            "other_owner": make_user("retailer", OTHER_COUNTY, retailers=[other], username="other_owner"),
            "sup": make_user("supervisor", username="county_sup"),
            "sup_other": make_user("supervisor", OTHER_COUNTY, username="other_sup")}


def _count():
    return db.session.query(LicenceRequest).count()


def test_refusals_are_field_by_field_and_write_nothing(world):
    shop, owner = world["plain"], world["plain_owner"]
    cases = [({"kind": "move"}, "kind"), ({"kind": "change", "changes": "地址"}, "changes"),
             ({"kind": "change", "changes": "变" * 501}, "changes"), ({"kind": "renewal"}, "requested_until"),
             ({"kind": "renewal", "requested_until": "2031-02-30"}, "requested_until"),
             ({"kind": "renewal", "requested_until": "2029-12-31"}, "requested_until"),
             ({"kind": "renewal", "requested_until": "2035-01-02"}, "requested_until")]
    for data, field in cases:
        with pytest.raises(ServiceError) as err:
            licreq.submit(shop, owner, **data)
        assert list(err.value.errors) == [field], data
        db.session.rollback()
    assert _count() == 0
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "licence_request.submit")) is None


def test_green_channel_fixed_at_submission_and_shorter_deadline(world):
    plain = licreq.submit(world["plain"], world["plain_owner"], kind="change", changes="经营地址变更为健康路2号")
    green = licreq.submit(world["trusted"], world["trusted_owner"], kind="renewal", requested_until="2035-01-01")
    db.session.commit()
    assert (plain.green_channel, green.green_channel, green.grade) == (False, True, "AA")
    assert plain.decide_due == add_working_days(DAY, licreq.DECIDE_WORKING_DAYS)
    assert green.decide_due == add_working_days(DAY, licreq.GREEN_DECIDE_WORKING_DAYS) < plain.decide_due
    # supervisors of the county (not the other county's) are told
    sup_titles = db.session.scalars(select(Notice.title).where(Notice.user_id == world["sup"].id)).all()
    assert any("绿色通道" in t for t in sup_titles) and len(sup_titles) == 2
    assert db.session.scalar(select(Notice.id).where(Notice.user_id == world["sup_other"].id)) is None
    # one open request per kind
    with pytest.raises(ServiceError) as err:
        licreq.submit(world["plain"], world["plain_owner"], kind="change", changes="经营者变更为李四")
    assert err.value.status == 409


def test_decisions_reject_needs_a_reason_renewal_moves_expiry_audited_and_notified(world):
    req = licreq.submit(world["trusted"], world["trusted_owner"], kind="renewal", requested_until="2035-01-01")
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        licreq.decide(req, world["sup"], approve=False, reason="  ")
    assert list(err.value.errors) == ["reason"]
    db.session.rollback()
    assert db.session.get(LicenceRequest, req.id).status == "submitted"
    licreq.decide(db.session.get(LicenceRequest, req.id), world["sup"], approve=True, reason="")
    db.session.commit()
    assert db.session.get(Retailer, world["trusted"].id).licence_expires_on == date(2035, 1, 1)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "licence_request.decide")).one()
    assert entry.after["status"] == "approved" and entry.before["licence_expires_on"] == "2030-01-01"
    assert db.session.scalars(select(Notice.title).where(Notice.user_id == world["trusted_owner"].id)).all() == [
        "您的许可证申请已获批准"]
    with pytest.raises(ServiceError) as err:
        licreq.decide(db.session.get(LicenceRequest, req.id), world["sup"], approve=False, reason="重复")
    assert err.value.status == 409


def test_pages_queue_order_and_scoping(world, signed_in):
    owner = signed_in(world["plain_owner"])
    r = owner.post(f"/me/licence-requests/{world['plain'].id}",
                   data={"kind": "change", "changes": "地址", "csrf_token": owner._csrf})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "至少" in page and "地址</textarea>" in page  # the form keeps the input
    r = owner.post(f"/me/licence-requests/{world['plain'].id}",
                   data={"kind": "change", "changes": "经营地址变更为健康路2号", "csrf_token": owner._csrf})
    assert r.status_code == 302
    trusted = signed_in(world["trusted_owner"])
    r = trusted.post(f"/me/licence-requests/{world['trusted'].id}",
                     data={"kind": "renewal", "requested_until": "2035-01-01", "csrf_token": trusted._csrf})
    assert r.status_code == 302
    plain_req, green_req = db.session.scalars(select(LicenceRequest).order_by(LicenceRequest.id)).all()
    # another licence's page and another county's request are out of reach
    assert owner.get(f"/me/licence-requests/{world['trusted'].id}").status_code == 404
    assert owner.post(f"/me/licence-requests/{world['other'].id}",
                      data={"kind": "change", "changes": "经营地址变更", "csrf_token": owner._csrf}).status_code == 404
    sup = signed_in(world["sup"])
    page = sup.get("/supervise/licence-requests").get_data(as_text=True)
    assert page.index("诚信超市") < page.index("普通便利店") and "绿色通道" in page  # green first though newer
    other = signed_in(world["sup_other"])
    assert "诚信超市" not in other.get("/supervise/licence-requests").get_data(as_text=True)
    assert other.get(f"/supervise/licence-requests/{green_req.id}").status_code == 404
    r = other.post(f"/supervise/licence-requests/{green_req.id}",
                   data={"action": "approve", "reason": "", "csrf_token": other._csrf})
    assert r.status_code == 404 and db.session.get(LicenceRequest, green_req.id).status == "submitted"
    r = sup.post(f"/supervise/licence-requests/{plain_req.id}",
                 data={"action": "reject", "reason": "", "csrf_token": sup._csrf})
    assert r.status_code == 422 and "请说明驳回理由" in r.get_data(as_text=True)
    r = sup.post(f"/supervise/licence-requests/{plain_req.id}",
                 data={"action": "reject", "reason": "新址不符合合理布局要求", "csrf_token": sup._csrf})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(LicenceRequest, plain_req.id).status == "rejected"
    page = owner.get(f"/me/licence-requests/{world['plain'].id}").get_data(as_text=True)
    assert "新址不符合合理布局要求" in page and "已驳回" in page


def test_the_database_keeps_one_waiting_request_per_kind(world):
    """Two submissions at once both pass the service's check on SQLite (no row locks): the partial unique
    index refuses the second with a 409, and a decided request no longer counts."""
    first = licreq.submit(world["plain"], world["plain_owner"], kind="change", changes="经营地址变更为健康路2号")
    db.session.commit()
    real = licreq.open_request
    licreq.open_request = lambda *a, **k: None  # as if the other submission had not been written yet
    try:
        with pytest.raises(ServiceError) as err:
            licreq.submit(world["plain"], world["plain_owner"], kind="change", changes="经营者变更为李四")
        assert err.value.status == 409 and list(err.value.errors) == ["kind"]
        db.session.rollback()
        assert _count() == 1
        licreq.decide(db.session.get(LicenceRequest, first.id), world["sup"], approve=False, reason="材料不全")
        db.session.commit()
        again = licreq.submit(world["plain"], world["plain_owner"], kind="change", changes="经营者变更为李四")
        db.session.commit()
        assert again.status == "submitted" and _count() == 2
    finally:
        licreq.open_request = real


def test_supervisors_are_warned_before_and_after_the_deadline(world, clock):
    from app.repair.services import warn_deadlines

    req = licreq.submit(world["plain"], world["plain_owner"], kind="change", changes="经营地址变更为健康路2号")
    db.session.commit()

    def warnings():
        return db.session.scalars(select(Notice.title).where(Notice.user_id == world["sup"].id,
                                                             Notice.title.like("许可证申请%"))).all()

    warn_deadlines(DAY)
    db.session.commit()
    assert warnings() == []
    warn_deadlines(req.decide_due)  # due today: within the warning period
    warn_deadlines(req.decide_due)  # once per state
    db.session.commit()
    assert warnings() == [f"许可证申请 {req.id}：办理期限 {req.decide_due.isoformat()}"]
    warn_deadlines(req.decide_due + timedelta(days=1))  # overdue: a second notice
    db.session.commit()
    assert len(warnings()) == 2
    assert db.session.scalar(select(Notice.id).where(Notice.user_id == world["sup_other"].id,
                                                     Notice.title.like("许可证申请%"))) is None
