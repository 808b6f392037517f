"""Banks (信易贷): a bank sees a retailer's grade or credit report only while the retailer's consent stands
and within its scope; the retailer grants and revokes it (audited), sees every query (its page, its
notices, the API); refusals say why."""
from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.services import create_token
from app.banks import services as banks
from app.banks.models import BankConsent, BankQuery
from app.extensions import db
from app.notices.models import Notice


@pytest.fixture
def world(app, clock, make_user, make_retailer):
    clock(date(2027, 1, 4))
    shop = make_retailer(shop_name="华兴便利店", operator_name="李四")
    other_shop = make_retailer(shop_name="别家超市")
    owner = make_user("retailer", retailers=[shop])
    other = make_user("retailer", retailers=[other_shop])
    admin = make_user("admin")
    bank_user = make_user("partner", username="bank_jsb")
    plain_partner = make_user("partner", username="market_regulator")
    bank = banks.register_bank(bank_user, "江苏银行淮安分行", admin)
    _t, raw = create_token(bank_user, "loans")
    _t2, raw_plain = create_token(plain_partner, "exchange")
    db.session.commit()
    return {"shop": shop, "other_shop": other_shop, "owner": owner, "other": other, "admin": admin, "bank": bank,
            "token": {"Authorization": f"Bearer {raw}"}, "plain": {"Authorization": f"Bearer {raw_plain}"}}


def grant_on_page(signed_in, w, scope="grade", months="3"):
    s = signed_in(w["owner"])
    r = s.post(f"/me/banks/{w['shop'].id}/grant", data={"bank_id": w["bank"].id, "scope": scope, "months": months})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return s


def test_grant_query_revoke_refused(app, world, client, signed_in, clock):
    w = world
    lic = w["shop"].licence_no
    # no consent yet: 404 with the reason
    r = client.post(f"/api/bank/retailers/{lic}/grade", headers=w["token"])
    assert r.status_code == 404 and r.get_json()["message"] == "没有该许可证号零售户的授权。"

    s = grant_on_page(signed_in, w)
    consent = db.session.scalars(select(BankConsent)).one()
    assert (consent.scope, consent.starts_on, consent.expires_on) == ("grade", date(2027, 1, 4), date(2027, 4, 3))
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "bank_consent.grant")).one()

    r = client.post(f"/api/bank/retailers/{lic}/grade", headers=w["token"])
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["licence_no"] == lic and body["grade"] == "A" and body["score"] == 100
    assert body["consent_expires_on"] == "2027-04-03"
    q = db.session.get(BankQuery, body["query_id"])
    assert (q.kind, q.grade, q.retailer_id, q.consent_id) == ("grade", "A", w["shop"].id, consent.id)

    # the grade scope does not reach the report
    r = client.post(f"/api/bank/retailers/{lic}/report", headers=w["token"])
    assert r.status_code == 403 and r.get_json()["message"]

    # the retailer sees the query: notice, page, API
    notice = db.session.scalars(select(Notice).where(Notice.user_id == w["owner"].id,
                                                     Notice.kind == "credit_query")).one()
    assert "江苏银行淮安分行" in notice.title and notice.link == f"/me/banks/{w['shop'].id}"
    page = s.get(f"/me/banks/{w['shop'].id}").get_data(as_text=True)
    assert page.count('data-testid="credit-query"') == 1 and "江苏银行淮安分行" in page
    log = s.get(f"/api/me/retailers/{w['shop'].id}/credit-queries").get_json()
    assert [(x["bank_name"], x["kind"], x["grade"]) for x in log] == [("江苏银行淮安分行", "grade", "A")]

    # revoked: refused at once, with the date
    r = s.post(f"/me/banks/consents/{consent.id}/revoke")
    assert r.status_code == 302
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "bank_consent.revoke")).one()
    r = client.post(f"/api/bank/retailers/{lic}/grade", headers=w["token"])
    assert r.status_code == 403 and "2027-01-04" in r.get_json()["message"]
    assert db.session.scalar(select(db.func.count(BankQuery.id))) == 1  # refusals are not queries
    # revoking twice: refused, the page says why
    again = s.post(f"/me/banks/consents/{consent.id}/revoke")
    assert again.status_code == 409 and 'data-testid="error-summary"' in again.get_data(as_text=True)


def test_consent_expires(app, world, client, signed_in, clock):
    w = world
    grant_on_page(signed_in, w, months="1")
    lic = w["shop"].licence_no
    clock(date(2027, 2, 3))  # the last day it stands
    assert client.post(f"/api/bank/retailers/{lic}/grade", headers=w["token"]).status_code == 200
    clock(date(2027, 2, 4))
    r = client.post(f"/api/bank/retailers/{lic}/grade", headers=w["token"])
    assert r.status_code == 403 and "2027-02-03" in r.get_json()["message"]


def test_report_scope_gives_the_report_and_the_pdf(app, world, client, signed_in):
    w = world
    grant_on_page(signed_in, w, scope="report")
    lic = w["shop"].licence_no
    r = client.post(f"/api/bank/retailers/{lic}/report", headers=w["token"])
    assert r.status_code == 200
    body = r.get_json()
    assert body["licence_no"] == lic and body["grade"] == "A" and "records" in body and body["query_id"]
    pdf = client.post(f"/api/bank/retailers/{lic}/report.pdf", headers=w["token"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data[:4] == b"%PDF"
    kinds = [q.kind for q in db.session.scalars(select(BankQuery).order_by(BankQuery.id))]
    assert kinds == ["report", "report_pdf"]
    assert db.session.scalars(select(BankQuery).where(BankQuery.kind == "report_pdf")).one().report_serial
    # grade also reachable under a report consent
    assert client.post(f"/api/bank/retailers/{lic}/grade", headers=w["token"]).status_code == 200


def test_only_the_bank_consented_to_and_only_that_licence(app, world, client, signed_in, make_user):
    w = world
    grant_on_page(signed_in, w)
    # a partner that is not a bank
    r = client.post(f"/api/bank/retailers/{w['shop'].licence_no}/grade", headers=w["plain"])
    assert r.status_code == 403 and r.get_json()["message"]
    # another licence (no consent), an unknown licence: 404
    assert client.post(f"/api/bank/retailers/{w['other_shop'].licence_no}/grade", headers=w["token"]).status_code == 404
    assert client.post("/api/bank/retailers/999999999999/grade", headers=w["token"]).status_code == 404
    # a session (even the bank's own account) never queries: token only
    bank_session = signed_in(w["bank"].user)
    assert bank_session.post(f"/api/bank/retailers/{w['shop'].licence_no}/grade").status_code == 403
    # another retailer cannot see or revoke the consent
    consent = db.session.scalars(select(BankConsent)).one()
    o = signed_in(w["other"])
    assert o.post(f"/me/banks/consents/{consent.id}/revoke").status_code == 404
    assert o.get(f"/me/banks/{w['shop'].id}").status_code == 404
    # the bank lists the consents it holds
    held = client.get("/api/bank/consents", headers=w["token"]).get_json()
    assert [(c["licence_no"], c["state"]) for c in held] == [(w["shop"].licence_no, "active")]


def test_a_new_grant_replaces_the_one_in_force(app, world, signed_in):
    w = world
    s = grant_on_page(signed_in, w)
    grant_on_page(signed_in, w, scope="report", months="12")
    consents = list(db.session.scalars(select(BankConsent).order_by(BankConsent.id)))
    assert [c.state(date(2027, 1, 4)) for c in consents] == ["revoked", "active"]
    assert consents[1].expires_on == date(2028, 1, 3)
    api = s.get(f"/api/me/retailers/{w['shop'].id}/bank-consents").get_json()
    assert [(c["scope"], c["state"]) for c in api] == [("report", "active"), ("grade", "revoked")]


def test_bad_grants_are_refused_field_by_field(app, world, signed_in):
    w = world
    s = signed_in(w["owner"])
    r = s.post(f"/me/banks/{w['shop'].id}/grant", data={"bank_id": "", "scope": "everything", "months": "7"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    for field in ("bank_id", "scope", "months"):
        assert f'data-testid="error-{field}"' in html, field
    api = s.post(f"/api/me/retailers/{w['shop'].id}/bank-consents", json={"bank_id": w["bank"].id, "scope": "x",
                                                                          "months": 2})
    assert api.status_code == 422 and set(api.get_json()["errors"]) == {"scope", "months"}
    assert db.session.scalar(select(db.func.count(BankConsent.id))) == 0


def test_admin_registers_a_bank(app, world, signed_in, make_user):
    w = world
    partner = make_user("partner", username="icbc_huaian")
    s = signed_in(w["admin"])
    r = s.post("/api/banks", json={"username": partner.username, "name": "工商银行淮安分行"})
    assert r.status_code == 201 and r.get_json()["name"] == "工商银行淮安分行"
    assert s.post("/api/banks", json={"username": partner.username, "name": "又一家"}).status_code == 409
    assert s.post("/api/banks", json={"username": w["owner"].username, "name": "零售户银行"}).status_code == 422
    names = [b["name"] for b in signed_in(w["owner"]).get("/api/banks").get_json()]
    assert names == sorted(["工商银行淮安分行", "江苏银行淮安分行"])



def test_admin_registers_a_bank_on_the_account_page(app, world, signed_in, make_user):
    partner = make_user("partner", username="rcb_huaian")
    s = signed_in(world["admin"])
    page = s.get(f"/admin/users/{partner.id}").get_data(as_text=True)
    assert 'data-testid="bank-section"' in page and 'data-testid="bank-name"' not in page
    r = s.post(f"/admin/users/{partner.id}/bank", data={"name": "淮安农村商业银行"})
    assert r.status_code == 302
    assert "淮安农村商业银行" in s.get(f"/admin/users/{partner.id}").get_data(as_text=True)
    # the same name again, on another partner: refused on the page that holds the form, input kept
    second = make_user("partner", username="other_partner")
    r = s.post(f"/admin/users/{second.id}/bank", data={"name": "淮安农村商业银行"})
    assert r.status_code == 409 and 'data-testid="error-name"' in r.get_data(as_text=True)
    assert db.session.get(AuditEntry, db.session.scalar(select(db.func.max(AuditEntry.id)))).action == "bank.register"
