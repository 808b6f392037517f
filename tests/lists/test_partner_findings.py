"""A partner pushes a signed finding; it is a suspected 社会 record in the supervisors' queue; a
supervisor confirms it; the partner reads it as confirmed and receives the outcome at its callback URL.
Signatures, clock skew, replays and foreign findings are refused; every partner read is logged."""
import json
from datetime import date

import pytest

from app.auth.services import create_token
from app.credit import recording
from app.credit.models import CreditRecord
from app.extensions import db
from app.partners import services as partners
from app.partners.models import PartnerNotification, PartnerRead
from app.partners.signing import now_timestamp, signature
from tests.background import run_jobs
from tests.lists.fake_platform import FakePlatform


def _partner(make_user, admin, **agreement):
    partner = make_user("partner")
    token, raw = create_token(partner, "push")
    partners.set_agreement(partner, {"organisation": "淮安市市场监督管理局", "fields": ["licence_no", "shop_name"],
                                     "grades": ["A"], "lists": ["black"], "finding_types": ["admin_penalty"],
                                     **agreement}, admin)
    db.session.commit()
    return partner, token, raw


def _body(licence_no, document_no="淮市监罚〔2026〕17号"):
    return {"finding_type": "admin_penalty", "licence_no": licence_no, "document_no": document_no,
            "occurred_on": "2026-02-20", "evidence": [{"kind": "document", "ref": "https://example.org/d/17.pdf"}],
            "details": {"violation_type": "销售过期食品", "facts": "货架上发现过期食品12件", "legal_basis": "《食品安全法》第一百二十四条",
                        "penalty_kind": "罚款", "penalty_content": "罚款人民币五千元", "amount": "5000.00",
                        "decided_on": "2026-02-25", "authority": "淮安市市场监督管理局"}}


def _push(client, raw, secret, body, key="find-0001-aaaa", ts=None, sig=None):
    data = json.dumps(body, ensure_ascii=False).encode()
    ts = ts or now_timestamp()
    headers = {"Authorization": f"Bearer {raw}", "Idempotency-Key": key, "X-Timestamp": ts,
               "X-Signature": sig or signature(secret, ts, key, data), "Content-Type": "application/json"}
    return client.post("/api/partner/findings", data=data, headers=headers)


@pytest.fixture
def world(app, make_user, make_retailer, clock):
    clock(date(2026, 3, 2))
    admin = make_user("admin")
    shop = make_retailer()
    return admin, shop


def test_pushed_finding_is_confirmed_and_the_partner_sees_it_and_is_called_back(app, client, world, make_user,
                                                                                 monkeypatch):
    admin, shop = world
    sup = make_user("supervisor")
    with FakePlatform() as cb:
        partner, token, raw = _partner(make_user, admin, callback_url=cb.url + "/callback")
        r = _push(client, raw, token.signing_secret, _body(shop.licence_no))
        assert r.status_code == 201, r.get_json()
        finding = r.get_json()
        assert finding["status"] == "pending" and finding["licence_no"] == shop.licence_no
        rec = db.session.get(CreditRecord, db.session.scalar(db.select(CreditRecord.id)))
        assert (rec.status, rec.source, rec.dimension, rec.indicator_code) == ("suspected", "partner", "social", "SH01")
        assert rec.partner_ref == "淮市监罚〔2026〕17号" and rec.evidence[0]["ref"].endswith("17.pdf")

        # the same request again (a retry): the same finding, nothing new
        again = _push(client, raw, token.signing_secret, _body(shop.licence_no))
        assert again.status_code == 200 and again.get_json()["id"] == finding["id"]
        assert db.session.scalar(db.select(db.func.count(CreditRecord.id))) == 1

        # the supervisor confirms it in the ordinary queue
        from app.credit.queries import queue_query

        assert rec.id in [x.id for x in db.session.scalars(queue_query(sup))]
        recording.confirm(rec, "淮市监罚〔2026〕17号", date(2026, 2, 25), sup)
        db.session.commit()
        run_jobs("partners.consume")

        got = client.get(f"/api/partner/findings/{finding['id']}", headers={"Authorization": f"Bearer {raw}"})
        assert got.status_code == 200
        assert got.get_json()["status"] == "confirmed" and got.get_json()["decided_on"] == "2026-02-25"
        assert got.get_json()["notifications"][0]["status"] == "sent"
        headers, payload = cb.callbacks[0]
        assert payload["status"] == "confirmed" and payload["document_no"] == "淮市监罚〔2026〕17号"
        raw_body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        assert headers["X-Signature"] == signature(token.signing_secret, headers["X-Timestamp"],
                                                   headers["Idempotency-Key"], raw_body)
        # replaying the stream never tells twice
        run_jobs("partners.consume")
        assert len(cb.callbacks) == 1
        listed = client.get("/api/partner/findings", headers={"Authorization": f"Bearer {raw}"})
        assert [f["id"] for f in listed.get_json()] == [finding["id"]]
        db.session.expire_all()
        assert [r.what for r in db.session.scalars(db.select(PartnerRead).order_by(PartnerRead.id))] == [
            "finding", "findings"]


def test_without_callback_the_outcome_is_visible_in_the_status_api(app, client, world, make_user):
    admin, shop = world
    partner, token, raw = _partner(make_user, admin)
    fid = _push(client, raw, token.signing_secret, _body(shop.licence_no)).get_json()["id"]
    rec = db.session.scalars(db.select(CreditRecord)).one()
    recording.dismiss(rec, "经核查不属实", make_user("supervisor"))
    db.session.commit()
    run_jobs("partners.consume")
    got = client.get(f"/api/partner/findings/{fid}", headers={"Authorization": f"Bearer {raw}"}).get_json()
    assert got["status"] == "dismissed" and got["dismissed_reason"] == "经核查不属实"
    assert got["notifications"][0]["status"] == "no_callback"


def test_bad_signature_skew_reused_key_and_duplicate_document_are_refused(app, client, world, make_user, clock):
    admin, shop = world
    partner, token, raw = _partner(make_user, admin)
    body = _body(shop.licence_no)
    assert _push(client, raw, token.signing_secret, body, sig="sha256=" + "0" * 64).status_code == 401
    old = str(int(now_timestamp()) - 301)
    assert _push(client, raw, token.signing_secret, body, ts=old).status_code == 401
    assert _push(client, raw, "wrong-secret", body).status_code == 401
    assert _push(client, raw, token.signing_secret, body).status_code == 201
    other = _body(shop.licence_no, document_no="淮市监罚〔2026〕18号")
    r = _push(client, raw, token.signing_secret, other)  # the same key, another body
    assert r.status_code == 409 and "Idempotency-Key" in r.get_json()["errors"]
    r = _push(client, raw, token.signing_secret, body, key="find-0002-bbbb")  # same document, new key
    assert r.status_code == 409 and "document_no" in r.get_json()["errors"]
    bad = dict(other, details={"facts": ""})
    r = _push(client, raw, token.signing_secret, bad, key="find-0003-cccc")
    assert r.status_code == 422 and "details" in r.get_json()["errors"]
    comp = dict(other, finding_type="consumer_complaint", details={"summary": "x", "upheld_on": "2026-02-01"})
    r = _push(client, raw, token.signing_secret, comp, key="find-0004-dddd")
    assert r.status_code == 403  # not in the agreement
    assert db.session.scalar(db.select(db.func.count(CreditRecord.id))) == 1
    # another partner sees none of it
    p2, t2, raw2 = _partner(make_user, admin)
    fid = db.session.scalar(db.select(db.func.max(CreditRecord.id)))
    assert client.get(f"/api/partner/findings/{fid}", headers={"Authorization": f"Bearer {raw2}"}).status_code == 404
    assert client.get("/api/partner/findings", headers={"Authorization": f"Bearer {raw2}"}).get_json() == []


def test_reads_follow_the_agreement_and_are_logged(app, client, world, make_user):
    admin, shop = world
    partner, token, raw = _partner(make_user, admin)
    r = client.get(f"/api/partner/retailers/{shop.licence_no}", headers={"Authorization": f"Bearer {raw}"})
    body = r.get_json()
    assert r.status_code == 200 and body["shop_name"] == shop.shop_name and body["address"] is None
    assert "address" in body["withheld"] and "grade" in body["withheld"]
    db.session.expire_all()
    log = db.session.scalars(db.select(PartnerRead)).all()
    assert [(x.partner_id, x.what, x.target) for x in log] == [(partner.id, "retailer", shop.licence_no)]
    assert log[0].fields == ["licence_no", "shop_name"]
    # no agreement: refused
    lone = make_user("partner")
    _t, raw3 = create_token(lone, "x")
    db.session.commit()
    assert client.get(f"/api/partner/retailers/{shop.licence_no}",
                      headers={"Authorization": f"Bearer {raw3}"}).status_code == 403
    assert db.session.scalar(db.select(db.func.count(PartnerNotification.id))) == 0


def test_the_same_finding_sent_four_times_at_once_makes_one_record(app, world, make_user):
    """Retries racing each other (PostgreSQL: at once): one record; the others answer with it or 409."""
    from tests.concurrency import fire

    admin, shop = world
    partner, token, raw = _partner(make_user, admin)
    secret, licence = token.signing_secret, shop.licence_no

    def send(i):
        with app.app_context():
            return _push(app.test_client(), raw, secret, _body(licence), key="race-key-0001").status_code

    statuses = fire(4, send)
    assert statuses.count(201) == 1 and set(statuses) <= {200, 201, 409}, statuses
    assert db.session.scalar(db.select(db.func.count(CreditRecord.id))) == 1


def test_the_record_describes_the_finding_in_chinese(app, client, world, make_user):
    admin, shop = world
    partner, token, raw = _partner(make_user, admin)
    assert _push(client, raw, token.signing_secret, _body(shop.licence_no)).status_code == 201
    rec = db.session.scalars(db.select(CreditRecord)).one()
    assert rec.description.startswith("违法行为类型：销售过期食品；违法事实：") and "罚没金额（元）：5000.00" in rec.description


def test_an_unreachable_callback_is_retried_then_dead_and_an_admin_requeues_it(app, client, world, make_user,
                                                                             signed_in, monkeypatch, clock):
    from app.partners.models import PartnerNotification

    admin, shop = world
    monkeypatch.setitem(app.config, "PARTNER_MAX_ATTEMPTS", 2)
    monkeypatch.setitem(app.config, "PARTNER_RETRY_BASE_SECONDS", 60)
    with FakePlatform() as cb:
        url = cb.url
    partner, token, raw = _partner(make_user, admin, callback_url=url + "/callback")  # the server is gone
    _push(client, raw, token.signing_secret, _body(shop.licence_no))
    rec = db.session.scalars(db.select(CreditRecord)).one()
    recording.confirm(rec, "淮市监罚〔2026〕17号", date(2026, 2, 25), make_user("supervisor"))
    db.session.commit()
    run_jobs("partners.consume")
    n = db.session.scalars(db.select(PartnerNotification)).one()
    assert (n.status, n.attempts) == ("pending", 1) and n.last_error
    clock(date(2026, 3, 2), hour=11)
    run_jobs("partners.consume")
    db.session.refresh(n)
    assert (n.status, n.attempts) == ("dead", 2)
    s = signed_in(admin)
    assert 'data-testid="dead-notifications"' in s.get("/admin/partners").get_data(as_text=True)
    assert s.post(f"/admin/partners/notifications/{n.id}/retry", data={"csrf_token": s.csrf()}).status_code == 302
    db.session.refresh(n)
    assert (n.status, n.attempts) == ("pending", 0)
