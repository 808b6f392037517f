"""The list pages: a supervisor approves on the entry page (a refused decision re-renders the form with
the input and the error), the retailer objects on its page, the public page masks the operator's name,
the admin sees the deliveries and the partners' agreements and reads."""
from datetime import date

import pytest

from app.extensions import db
from app.lists.models import ListEntry
from app.partners import services as partners


@pytest.fixture
def entry(app, make_user, make_retailer, clock):
    clock(date(2026, 4, 2))
    shop = make_retailer(operator_name="李大同")
    e = ListEntry(kind="black", retailer_id=shop.id, unit_id=shop.unit_id, status="proposed", policy_version="2026.1",
                  criterion="black_serious")
    db.session.add(e)
    db.session.commit()
    return e, shop


def test_review_refusal_keeps_the_input_then_approval_and_objection(app, entry, make_user, signed_in, client):
    e, shop = entry
    sup = signed_in(make_user("supervisor"))
    page = sup.get(f"/lists/entries/{e.id}")
    assert page.status_code == 200 and 'data-testid="review-form"' in page.get_data(as_text=True)
    refused = sup.post(f"/lists/entries/{e.id}/review", data={"decision": "reject", "note": "",
                                                              "csrf_token": sup.csrf()})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-testid="error-note"' in html and 'value="reject" checked' in html
    db.session.refresh(e)
    assert e.status == "proposed"
    ok = sup.post(f"/lists/entries/{e.id}/review", data={"decision": "approve", "note": "依据充分",
                                                         "csrf_token": sup.csrf()})
    assert ok.status_code == 302
    db.session.refresh(e)
    assert (e.status, e.notice_until) == ("notice", date(2026, 4, 9))

    public = client.get("/public/lists?kind=black").get_data(as_text=True)
    assert shop.shop_name in public and "李**" in public and "李大同" not in public

    owner = signed_in(make_user("retailer", retailers=[shop]))
    mine = owner.get(f"/me/lists/{e.id}").get_data(as_text=True)
    assert 'data-testid="list-objection-form"' in mine and 'data-testid="my-measures"' in mine
    empty = owner.post(f"/me/lists/{e.id}", data={"reasons": "", "csrf_token": owner.csrf()})
    assert empty.status_code == 422 and 'data-testid="error-reasons"' in empty.get_data(as_text=True)
    sent = owner.post(f"/me/lists/{e.id}", data={"reasons": "案件已撤销", "csrf_token": owner.csrf()})
    assert sent.status_code == 302
    assert 'data-testid="my-objection" data-status="open"' in owner.get(f"/me/lists/{e.id}").get_data(as_text=True)
    page = sup.get(f"/lists/entries/{e.id}").get_data(as_text=True)
    assert 'data-testid="answer-form"' in page and "案件已撤销" in page


def test_objection_after_the_notice_is_refused(app, entry, make_user, signed_in, clock):
    e, shop = entry
    e.status, e.notice_from, e.notice_until = "notice", date(2026, 4, 2), date(2026, 4, 9)
    db.session.commit()
    clock(date(2026, 4, 10))
    owner = signed_in(make_user("retailer", retailers=[shop]))
    assert 'data-testid="list-objection-form"' not in owner.get(f"/me/lists/{e.id}").get_data(as_text=True)
    r = owner.post(f"/me/lists/{e.id}", data={"reasons": "迟到的异议", "csrf_token": owner.csrf()})
    assert r.status_code == 409


def test_admin_pages(app, entry, make_user, signed_in):
    admin = make_user("admin")
    partner = make_user("partner")
    partners.set_agreement(partner, {"organisation": "中国人民银行淮安市分行", "fields": ["grade"], "grades": ["AAA"],
                                     "lists": ["red"], "measures": {"red": ["信易贷优先放款、利率优惠"]}}, admin)
    db.session.commit()
    s = signed_in(admin)
    html = s.get("/admin/partners").get_data(as_text=True)
    assert "中国人民银行淮安市分行" in html
    assert s.get("/admin/exchange").status_code == 200
    assert "信易贷优先放款" in s.get("/public/lists?kind=red").get_data(as_text=True)


def test_list_policy_versions_are_added_not_edited(app, make_user, signed_in, clock):
    from app.lists import policy as list_policy

    clock(date(2026, 12, 1))
    s = signed_in(make_user("admin"))
    assert s.get("/api/lists/policies").get_json() == []  # the shipped default is in force, unsaved
    body = {**list_policy.DEFAULT, "notice_days": 10}
    bad = s.post("/api/lists/policies", json={"version": "2027.1", "effective_from": "2027-01-01",
                                              "body": {**body, "notice_days": 0}})
    assert bad.status_code == 422 and "notice_days" in bad.get_json()["errors"]
    ok = s.post("/api/lists/policies", json={"version": "2027.1", "effective_from": "2027-01-01", "body": body})
    assert ok.status_code == 201
    assert [v["version"] for v in s.get("/api/lists/policies").get_json()] == ["2026.1", "2027.1"]
    again = s.post("/api/lists/policies", json={"version": "2027.1", "effective_from": "2027-01-01", "body": body})
    assert again.status_code == 422 and "version" in again.get_json()["errors"]
    assert list_policy.in_force(date(2026, 12, 31))[0] == "2026.1"
    assert list_policy.in_force(date(2027, 1, 1)) == ("2027.1", body)


def test_admin_sets_an_agreement_on_its_page(app, make_user, signed_in):
    from app.partners.findings import agreement_of

    admin, partner = make_user("admin"), make_user("partner")
    s = signed_in(admin)
    page = s.get(f"/admin/partners/{partner.id}").get_data(as_text=True)
    assert 'data-testid="agreement-form"' in page
    bad = s.post(f"/admin/partners/{partner.id}", data={
        "organisation": "淮安市消费者协会", "field": ["licence_no", "shop_name"], "list_kind": "red",
        "callback_url": "ftp://x", "measures_red": "推荐为放心消费示范单位", "active": "y", "csrf_token": s.csrf()})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'data-testid="error-callback_url"' in html
    assert 'value="shop_name" checked' in html and "推荐为放心消费示范单位" in html
    ok = s.post(f"/admin/partners/{partner.id}", data={
        "organisation": "淮安市消费者协会", "field": ["licence_no", "shop_name"], "list_kind": "red",
        "finding_type": "consumer_complaint", "callback_url": "", "measures_red": "推荐为放心消费示范单位\n",
        "active": "y", "csrf_token": s.csrf()})
    assert ok.status_code == 302
    a = agreement_of(partner)
    assert (a.fields, a.lists, a.finding_types, a.measures, a.active) == (
        ["licence_no", "shop_name"], ["red"], ["consumer_complaint"], {"red": ["推荐为放心消费示范单位"], "black": []}, True)
    assert "淮安市消费者协会" in s.get("/admin/partners").get_data(as_text=True)
