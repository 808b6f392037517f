"""The credit API and supervisor pages: live recomputation in the request, scoping, queue, versions."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.time import local_today
from app.credit import recording
from app.credit.models import CatalogueVersion, CreditRecord, GradeChange, PolicyVersion, RetailerGrade
from app.extensions import db
from scoring.catalogue import CATALOGUE_DIR

CASE = "淮烟专罚〔2026〕第21号"


def _suspected(shop, code="ZM01", days=15, **kw):
    rec = recording.create_record(shop, code, occurred_on=local_today() - timedelta(days=days),
                                 source="inspection", actor=None, **kw)
    db.session.commit()
    return rec


def test_confirming_changes_the_grade_in_the_same_request(shop, supervisor, signed_in, ago):
    rec = _suspected(shop, "ZM01")
    s = signed_in(supervisor)
    assert s.get(f"/api/retailers/{shop.id}/grade").get_json()["grade"] == "A"
    r = s.post(f"/api/credit-records/{rec.id}/confirm", json={"case_number": CASE, "decided_on": ago(1).isoformat()})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "confirmed" and body["current_grade"]["grade"] == "D"
    assert [(g["from_grade"], g["to_grade"], g["cause"]) for g in body["grade_changes"]] == [("A", "D", "record.confirm")]
    assert [e["action"] for e in body["events"]] == ["create", "confirm"]
    grade = s.get(f"/api/retailers/{shop.id}/grade").get_json()
    assert (grade["grade"], grade["score"], grade["rule"]["kind"], grade["rule"]["record_id"]) == ("D", 60, "veto", rec.id)
    assert grade["contributions"][0]["name_en"].startswith("Sale of counterfeit")
    assert grade["measures"]["inspection_interval_days"] == 14
    # confirming again: a clear 409, in Chinese by default
    again = s.post(f"/api/credit-records/{rec.id}/confirm", json={"case_number": "x", "decided_on": ago(1).isoformat()})
    assert again.status_code == 409
    assert "已确认" in again.get_json()["errors"]["status"][0] and CASE in again.get_json()["errors"]["status"][0]


def test_confirm_without_case_number_is_422_in_chinese_and_writes_nothing(shop, supervisor, signed_in, ago):
    rec = _suspected(shop)
    s = signed_in(supervisor)
    audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    r = s.post(f"/api/credit-records/{rec.id}/confirm", json={"decided_on": ago(1).isoformat()})
    assert r.status_code == 422
    assert r.get_json()["errors"]["case_number"] == ["请填写案号。"]
    db.session.expire_all()
    assert db.session.get(CreditRecord, rec.id).status == "suspected"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits
    assert db.session.scalar(select(func.count()).select_from(GradeChange)) == 0


def test_another_countys_record_is_404(shop, make_user, make_retailer, signed_in):
    other_shop = make_retailer(county="320830")
    rec = _suspected(other_shop, "ZM09")
    for user in (make_user("supervisor"), make_user("inspector"), make_user("marketer")):
        s = signed_in(user)
        assert s.get(f"/api/credit-records/{rec.id}").status_code == 404
        assert s.get(f"/credit/records/{rec.id}").status_code == 404
        assert s.get(f"/api/retailers/{other_shop.id}/grade").status_code == 404
        listed = s.get("/api/credit-records").get_json()
        assert rec.id not in [x["id"] for x in listed]
    sup = signed_in(make_user("supervisor"))
    assert sup.post(f"/api/credit-records/{rec.id}/confirm", json={"case_number": CASE}).status_code == 404
    city = signed_in(make_user("supervisor", city=True))
    assert city.get(f"/api/credit-records/{rec.id}").status_code == 200


def test_retailer_sees_own_licences_grade_only(shop, make_user, make_retailer, signed_in):
    other = make_retailer(shop_name="别家")
    owner = make_user("retailer", retailers=[shop])
    s = signed_in(owner)
    r = s.get(f"/api/me/retailers/{shop.id}/grade")
    assert r.status_code == 200 and r.get_json()["grade"] == "A"
    assert s.get(f"/api/me/retailers/{other.id}/grade").status_code == 404
    assert s.get(f"/api/retailers/{shop.id}/grade").status_code == 403


def test_list_filters_and_queue_oldest_first(shop, supervisor, signed_in, ago):
    newer = _suspected(shop, "ZM09", days=2)
    older = _suspected(shop, "ZM08", days=9)
    recording.create_record(shop, "YX01", occurred_on=ago(5), source="import", actor=None, status="confirmed",
                           decided_on=ago(4))
    db.session.commit()
    s = signed_in(supervisor)
    queue = s.get("/api/credit-records/queue")
    assert [x["id"] for x in queue.get_json()] == [older.id, newer.id]
    assert "X-Pagination" in queue.headers
    r = s.get("/api/credit-records?status=confirmed&dimension=marketing")
    assert [x["indicator_code"] for x in r.get_json()] == ["YX01"]
    r = s.get(f"/api/credit-records?indicator_code=zm08&occurred_from={ago(10).isoformat()}&occurred_to={ago(8).isoformat()}")
    assert [x["id"] for x in r.get_json()] == [older.id]
    assert s.get("/api/credit-records?status=nonsense").status_code == 422


def test_create_via_api_marketer_limits(shop, make_user, signed_in, ago):
    s = signed_in(make_user("marketer"))
    r = s.post("/api/credit-records", json={"retailer_id": shop.id, "indicator_code": "ZM04",
                                            "occurred_on": ago(2).isoformat()})
    assert r.status_code == 422 and "indicator_code" in r.get_json()["errors"]
    r = s.post("/api/credit-records", json={"retailer_id": shop.id, "indicator_code": "YX01", "status": "confirmed",
                                            "occurred_on": ago(20).isoformat(), "decided_on": ago(5).isoformat()})
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["source"], r.get_json()["status"], r.get_json()["current_grade"]["grade"]) == (
        "marketer", "confirmed", "B")
    assert db.session.get(RetailerGrade, shop.id).score == 97


def test_supervisor_page_confirms_and_shows_the_grade_change(shop, supervisor, signed_in, ago):
    rec = _suspected(shop, "ZM01")
    s = signed_in(supervisor)
    home = s.get("/").get_data(as_text=True)
    assert "/credit/queue" in home
    queue = s.get("/credit/queue").get_data(as_text=True)
    assert f"/credit/records/{rec.id}" in queue and shop.shop_name in queue
    # an error keeps the input and names the field in Chinese
    r = s.post(f"/credit/records/{rec.id}/confirm", data={"case_number": "", "decided_on": ago(1).isoformat()})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "请填写案号。" in page and f'value="{ago(1).isoformat()}"' in page
    r = s.post(f"/credit/records/{rec.id}/dismiss", data={"reason": ""})
    assert r.status_code == 422 and "请填写驳回理由。" in r.get_data(as_text=True)
    r = s.post(f"/credit/records/{rec.id}/confirm", data={"case_number": CASE, "decided_on": ago(1).isoformat()},
               follow_redirects=True)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert re.search(r"A\s*→\s*D", page), page
    assert "销售假冒、走私、非法生产的卷烟" in page and "data-testid=\"live-grade\">D<" in page
    detail = s.get(f"/retailers/{shop.id}").get_data(as_text=True)
    assert 'data-testid="grade">D<' in detail and "否决" in detail


def test_catalogue_versions_upload_validate_and_never_replace(versions_synced, make_user, signed_in, today):
    admin = signed_in(make_user("admin"))
    listed = admin.get("/api/catalogue-versions").get_json()
    assert [(v["version"], v["in_force"]) for v in listed] == [("2026.1", True)]
    text = (CATALOGUE_DIR / "2026.1.yaml").read_text(encoding="utf-8")
    # a bad file: 422 naming the line, nothing stored
    bad = text.replace("points: -40", "points: 40", 1)
    line = bad.splitlines().index("    points: 40") + 1
    before = db.session.scalar(select(func.count()).select_from(CatalogueVersion))
    r = admin.post("/api/catalogue-versions", json={"source_text": bad})
    assert r.status_code == 422
    message = r.get_json()["errors"]["source_text"][0]
    assert f"line {line}" in message and "ZM01" in message
    assert db.session.scalar(select(func.count()).select_from(CatalogueVersion)) == before
    # the same version again: 409
    r = admin.post("/api/catalogue-versions", json={"source_text": text})
    assert r.status_code == 409
    # a new version in force from next year: stored, listed, audited
    year = today.year + 1
    new = text.replace('version: "2026.1"', f'version: "{year}.1"').replace(
        "effective_from: 2026-01-01", f"effective_from: {year}-01-01").replace(
        "    points: -3\n    legal_basis: 卷烟购销合同", "    points: -2\n    legal_basis: 卷烟购销合同")
    r = admin.post("/api/catalogue-versions", json={"source_text": new})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["version"] == f"{year}.1" and r.get_json()["future"] is True
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "catalogue.add", AuditEntry.target_id == f"{year}.1")) == 1
    assert admin.get(f"/api/catalogue-versions/{year}.1").get_json()["source_text"] == new
    sup = signed_in(make_user("supervisor"))
    assert sup.post("/api/catalogue-versions", json={"source_text": new}).status_code == 403
    assert len(sup.get("/api/catalogue-versions").get_json()) == 2
    # a version may not start in the past
    past = text.replace('version: "2026.1"', 'version: "2026.2"').replace("effective_from: 2026-01-01",
                                                                          "effective_from: 2026-02-01")
    r = admin.post("/api/catalogue-versions", json={"source_text": past})
    assert r.status_code == 422 and "effective_from" in r.get_json()["errors"]


def test_bad_policy_file_names_the_line(versions_synced, make_user, signed_in):
    admin = signed_in(make_user("admin"))
    r = admin.post("/api/policy-versions", json={"source_text": "version: \"2027.1\"\neffective_from: 2027-01-01\n"
                                                                "base_score: 100\nbonus_ceiling: -3\n"})
    assert r.status_code == 422
    assert "line" in r.get_json()["errors"]["source_text"][0]
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 1


def test_sync_is_idempotent(app, units):
    from app.credit.versions import sync_shipped

    assert sync_shipped() == {"catalogues": ["2026.1"], "policies": ["2026.1"]}
    assert sync_shipped() == {"catalogues": [], "policies": []}
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CatalogueVersion)) == 1


def test_pages_in_english(shop, supervisor, signed_in, ago):
    rec = _suspected(shop, "ZM11", quantity=12)
    s = signed_in(supervisor)
    page = s.get(f"/credit/records/{rec.id}?lang=en").get_data(as_text=True)
    assert "Confirm against the case decision" in page and "Cartons coded for another shop" in page
    queue = s.get("/credit/queue?lang=en").get_data(as_text=True)
    assert "1 awaiting a decision, oldest first." in queue
    detail = s.get(f"/retailers/{shop.id}?lang=en").get_data(as_text=True)
    assert "Credit grade" in detail and "Awaiting a decision" in detail
