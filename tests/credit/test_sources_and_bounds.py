"""A record's source follows from who enters it and how (a supervisor cannot pass a record off as a
partner's finding or an inspection's); every list a client sends is bounded, and lists the API answers
with are paginated."""
import io
import json

import pytest
from sqlalchemy import func, select

from app.common.errors import ServiceError
from app.credit import recording
from app.credit.models import CreditRecord
from app.extensions import db

HEADER = "licence_no,indicator_code,occurred_on,quantity,decided_on,case_number,description\n"


def body(shop, ago, **kw):
    data = {"retailer_id": shop.id, "indicator_code": "YX01", "occurred_on": ago(3).isoformat(),
            "status": "confirmed", "decided_on": ago(1).isoformat(), "description": "逾期结算"}
    data.update(kw)
    return data


def records():
    return db.session.scalar(select(func.count()).select_from(CreditRecord))


@pytest.mark.parametrize("forged", ["partner", "inspection", "import", "system", "marketer"])
def test_a_supervisor_cannot_choose_another_source(shop, supervisor, signed_in, ago, forged):
    s = signed_in(supervisor)
    r = s.post("/api/credit-records", json=body(shop, ago, source=forged))
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["errors"]["source"] == ["记录来源由录入人和录入方式决定，不能自行选择；此处为“管理人员”。"]
    assert records() == 0


def test_the_source_follows_the_role_on_the_api(shop, supervisor, make_user, signed_in, ago):
    r = signed_in(supervisor).post("/api/credit-records", json=body(shop, ago, source="supervisor"))
    assert r.status_code == 201 and r.get_json()["source"] == "supervisor"
    r = signed_in(make_user("admin")).post("/api/credit-records", json=body(shop, ago, occurred_on=ago(4).isoformat()))
    assert r.status_code == 201 and r.get_json()["source"] == "supervisor"
    marketer = signed_in(make_user("marketer"))
    r = marketer.post("/api/credit-records", json=body(shop, ago, occurred_on=ago(5).isoformat()))
    assert r.status_code == 201 and r.get_json()["source"] == "marketer"
    r = marketer.post("/api/credit-records", json=body(shop, ago, occurred_on=ago(6).isoformat(), source="supervisor"))
    assert r.status_code == 422 and "source" in r.get_json()["errors"]


def test_the_service_refuses_a_source_the_role_cannot_have(shop, supervisor, ago):
    for forged in ("partner", "inspection"):
        with pytest.raises(ServiceError) as exc:
            recording.create_record(shop, "YX01", occurred_on=ago(3), source=forged, actor=supervisor,
                                   status="confirmed" if forged == "partner" else "suspected",
                                   decided_on=ago(1) if forged == "partner" else None)
        assert "source" in exc.value.errors
    db.session.rollback()
    assert records() == 0


def test_the_page_form_and_csv_import_set_their_own_source(shop, supervisor, signed_in, ago):
    s = signed_in(supervisor)
    r = s.post("/credit/records/new", data={
        "licence_no": shop.licence_no, "indicator_code": "YX01", "occurred_on": ago(3).isoformat(),
        "status": "confirmed", "decided_on": ago(1).isoformat(), "description": "逾期", "source": "partner",
        "csrf_token": s._csrf})
    assert r.status_code == 302
    csv = (HEADER + f"{shop.licence_no},YX03,{ago(5).isoformat()},,{ago(2).isoformat()},,未参加\n").encode()
    r = s.post("/api/credit-records/import", data={"file": (io.BytesIO(csv), "x.csv"), "source": "partner"})
    assert r.status_code == 200, r.get_json()
    assert sorted(db.session.scalars(select(CreditRecord.source))) == ["import", "supervisor"]


# ---- bounded lists ---------------------------------------------------------------------------------

def test_evidence_lists_are_bounded_with_a_clear_message(shop, supervisor, signed_in, ago):
    s = signed_in(supervisor)
    many = [{"kind": "document", "ref": f"凭证{i}"} for i in range(21)]
    r = s.post("/api/credit-records", json=body(shop, ago, evidence=many))
    assert r.status_code == 422 and r.get_json()["errors"]["evidence"] == ["证据最多 20 项。"]
    en = s.post("/api/credit-records?lang=en", json=body(shop, ago, evidence=many)).get_json()
    assert en["errors"]["evidence"] == ["At most 20 evidence items."]
    r = s.post("/api/credit-records", json=body(shop, ago, evidence=many[:20]))
    assert r.status_code == 201 and len(r.get_json()["evidence"]) == 20
    with pytest.raises(ServiceError) as exc:  # the service holds the same bound for every other path
        recording.create_record(shop, "YX03", occurred_on=ago(3), source="supervisor", actor=supervisor,
                               status="confirmed", decided_on=ago(1), evidence=many)
    assert exc.value.errors["evidence"] == ["证据最多 20 项。"] or exc.value.errors["evidence"] == [
        "At most 20 evidence items."]
    db.session.rollback()
    page = s.post("/credit/records/new", data={
        "licence_no": shop.licence_no, "indicator_code": "YX03", "occurred_on": ago(3).isoformat(),
        "status": "confirmed", "decided_on": ago(1).isoformat(), "evidence": "\n".join(f"凭证{i}" for i in range(21)),
        "csrf_token": s._csrf})
    assert page.status_code == 422 and "证据最多 20 项。" in page.get_data(as_text=True)


def test_other_request_lists_are_bounded(app, make_user, signed_in, units):
    admin = signed_in(make_user("admin"))
    r = admin.post("/api/users", json={"username": "many", "display_name": "多户", "role": "retailer",
                                       "password": "Abcdef-123", "retailers": [f"3208120{i:05d}" for i in range(101)]})
    assert r.status_code == 422 and r.get_json()["errors"]["retailers"] == ["每个账号最多关联 100 个许可证。"]
    sup = make_user("supervisor")
    inspector = make_user("inspector")
    s = signed_in(sup)
    days = [f"2027-{1 + i // 28:02d}-{1 + i % 28:02d}" for i in range(12 * 28)]
    days += [f"2028-{1 + i // 28:02d}-{1 + i % 28:02d}" for i in range(12 * 28)]
    days += [f"2029-{1 + i // 28:02d}-{1 + i % 28:02d}" for i in range(12 * 28)]
    assert len(days) > 1000
    r = s.put(f"/api/inspectors/{inspector.id}/availability", json={"days_off": days})
    assert r.status_code == 422 and r.get_json()["errors"]["days_off"] == ["休息日最多 1000 天。"]
    page = s.post(f"/inspectors/{inspector.id}", data={"daily_capacity": "5", "days_off": "\n".join(days),
                                                       "csrf_token": s._csrf})
    assert page.status_code == 422 and "休息日最多 1000 天。" in page.get_data(as_text=True)
    r = s.put(f"/api/inspectors/{inspector.id}/availability", json={"days_off": days[:10]})
    assert r.status_code == 200
    # a scheduling policy carries the six grades and at most 50 counties' hours, nothing more
    grades = {g: {"interval_days": 30, "draw_share": 0.1} for g in ("AAA", "AA", "A", "B", "C", "D")}
    admin = signed_in(make_user("admin"))
    for data in ({"version": "x1", "grades": {**grades, **{f"G{i}": grades["A"] for i in range(100)}}},
                 {"version": "x2", "grades": grades, "hours": {f"{i:06d}": ["08:30", "17:30"] for i in range(51)}}):
        r = admin.post("/api/scheduling/policy", json={"effective_from": "2099-01-01", "data": data})
        assert r.status_code == 422 and "data" in r.get_json()["errors"], r.get_json()
    r = admin.post("/api/scheduling/policy", json={"effective_from": "2099-01-01",
                                                   "data": {"version": "x3", "grades": grades}})
    assert r.status_code == 201, r.get_json()


def test_inspection_checklists_are_bounded(app, make_user, make_retailer, signed_in, versions_synced):
    from tests.inspections.conftest import capture

    shop = make_retailer()
    insp = make_user("inspector")
    body_ = capture(shop, make_user("inspector"))
    body_["checks"] = body_["checks"] * 8  # 56 answers
    r = signed_in(insp).post("/api/inspections", json=body_)
    assert r.status_code == 422 and "checks" in r.get_json()["errors"]


def test_response_lists_are_paginated(app, make_user, signed_in, versions_synced):
    from app.auth.services import create_token

    admin_user = make_user("admin")
    partner = make_user("partner")
    for k in range(3):
        create_token(partner, f"t{k}")
    db.session.commit()
    admin = signed_in(admin_user)
    for url, n in ((f"/api/users/{partner.id}/tokens?page_size=2", 3), ("/api/catalogue-versions?page_size=1", 1),
                   ("/api/policy-versions?page_size=1", 1), ("/api/evaluations?page_size=1", 0),
                   ("/api/plans?page_size=1", 0)):
        r = admin.get(url)
        assert r.status_code == 200, (url, r.get_json())
        meta = json.loads(r.headers["X-Pagination"])
        assert meta["total"] == n and len(r.get_json()) == min(n, int(url.rsplit("=", 1)[1])), (url, meta)
