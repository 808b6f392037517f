"""Repair and objection flows through the pages: grade raised at once on approval, left on refusal;
an upheld objection dismisses the record; another licence is never reachable."""
import io
from datetime import timedelta

from sqlalchemy import select

from app.common.time import local_today
from app.common.workdays import add_working_days
from app.credit.models import CreditRecord, GradeChange, RetailerGrade
from app.extensions import db
from app.notices.models import Notice
from app.repair import credit_link
from app.repair.models import Objection, RepairRequest
from tests.background import run_jobs
from tests.retailer_side.conftest import days_ago, jpeg_bytes
from tests.retailer_side.helpers import prepare


def grade_of(retailer):
    """The live grade, committed at once: a test holding the grade row's lock would block the
    request that recomputes it (PostgreSQL row locks)."""
    result = credit_link.current_grade(retailer)
    db.session.commit()
    return result


def _submit(s, retailer_id, record_id, **extra):
    data = {"statement": "已补办许可证变更，整改到位，罚款已缴清。", "penalty_fulfilled": "1",
            "evidence": (io.BytesIO(jpeg_bytes()), "photo.jpg"), "csrf_token": s._csrf, **extra}
    return s.post(f"/me/repair/{retailer_id}/{record_id}", data=data, content_type="multipart/form-data")


def test_approval_raises_the_grade_at_once_and_tells_the_retailer(shop, make_record, signed_in):
    retailer = shop["retailer"]
    rec = make_record(retailer, "ZM04", days_ago(150))  # general, -10: repairable after 3 months
    make_record(retailer, "ZM08", days_ago(10))  # minor, -3: lapses by itself
    assert grade_of(retailer) == ("B", 87)
    owner = signed_in(shop["owner"])
    page = owner.get(f"/me/credit/{retailer.id}").get_data(as_text=True)
    assert "B" in page and "87" in page
    # not yet eligible: commitment and training missing, each named
    page = owner.get(f"/me/repair/{retailer.id}/{rec.id}").get_data(as_text=True)
    assert "尚未作出新的信用承诺" in page and "尚未完成信用修复培训" in page
    assert _submit(owner, retailer.id, rec.id).status_code == 422
    prepare(owner, retailer.id)
    page = owner.get(f"/me/repair/{retailer.id}/{rec.id}").get_data(as_text=True)
    assert 'data-testid="eligible"' in page
    r = _submit(owner, retailer.id, rec.id)
    assert r.status_code == 302, r.data[:800]
    req = db.session.scalars(select(RepairRequest)).one()
    assert req.accept_due == add_working_days(req.submitted_on, 3)
    assert req.decide_due == add_working_days(req.submitted_on, 10)
    assert len(req.evidence_ids) == 1
    # the supervisor sees it in the inbox, with its evidence, and approves
    sup = signed_in(shop["sup"])
    inbox = sup.get("/supervise/inbox").get_data(as_text=True)
    assert retailer.shop_name in inbox
    detail = sup.get(f"/supervise/repairs/{req.id}").get_data(as_text=True)
    assert f"/evidence/{req.evidence_ids[0]}" in detail
    assert sup.get(f"/evidence/{req.evidence_ids[0]}").status_code == 200
    r = sup.post(f"/supervise/repairs/{req.id}", data={"action": "accept", "csrf_token": sup._csrf})
    assert r.status_code == 302
    before = {c.id: c for c in db.session.scalars(select(CreditRecord))}
    r = sup.post(f"/supervise/repairs/{req.id}", data={"action": "approve", "reason": "整改到位，材料齐全。",
                                                       "csrf_token": sup._csrf})
    assert r.status_code == 302
    db.session.expire_all()
    rec = db.session.get(CreditRecord, rec.id)
    assert rec.status == "repaired" and rec.repaired_on == local_today()
    assert grade_of(retailer) == ("B", 97)  # the minor -3 still counts
    # approval lowers nothing: every other record is unchanged
    for other in db.session.scalars(select(CreditRecord).where(CreditRecord.id != rec.id)):
        assert other.status == before[other.id].status
    live = db.session.get(RetailerGrade, retailer.id)
    assert (live.grade, live.score) == ("B", 97)  # stored at once, in the approving transaction
    titles = [n.title for n in db.session.scalars(select(Notice).where(Notice.user_id == shop["owner"].id))]
    assert any("批准" in t for t in titles), titles
    page = owner.get(f"/me/requests/{retailer.id}").get_data(as_text=True)
    assert "整改到位，材料齐全。" in page
    # repaired once: never again
    assert _submit(owner, retailer.id, rec.id).status_code == 422


def test_approval_raises_b_to_a(shop, make_record, signed_in):
    retailer = shop["retailer"]
    rec = make_record(retailer, "ZM04", days_ago(150))
    assert grade_of(retailer) == ("B", 90)
    owner = signed_in(shop["owner"])
    prepare(owner, retailer.id)
    assert _submit(owner, retailer.id, rec.id).status_code == 302
    req = db.session.scalars(select(RepairRequest)).one()
    sup = signed_in(shop["sup"])
    sup.post(f"/supervise/repairs/{req.id}", data={"action": "approve", "reason": "同意修复。", "csrf_token": sup._csrf})
    db.session.expire_all()
    assert grade_of(retailer) == ("A", 100)
    change = db.session.scalars(select(GradeChange).order_by(GradeChange.id.desc())).first()
    assert (change.from_grade, change.to_grade, change.cause) == ("B", "A", "record.repair")
    run_jobs("notices.consume")  # the worker tells the retailer of the grade change after the decision commits
    titles = [n.title for n in db.session.scalars(select(Notice).where(Notice.user_id == shop["owner"].id))]
    assert "您的信用等级由 B 变为 A" in titles, titles
    page = owner.get(f"/me/credit/{retailer.id}").get_data(as_text=True)
    assert 'data-testid="current-grade">A<' in page


def test_refusal_leaves_the_grade(shop, make_record, signed_in):
    retailer = shop["retailer"]
    rec = make_record(retailer, "ZM04", days_ago(150))
    owner = signed_in(shop["owner"])
    prepare(owner, retailer.id)
    assert _submit(owner, retailer.id, rec.id).status_code == 302
    req = db.session.scalars(select(RepairRequest)).one()
    sup = signed_in(shop["sup"])
    r = sup.post(f"/supervise/repairs/{req.id}", data={"action": "refuse", "reason": "", "csrf_token": sup._csrf})
    assert r.status_code == 422  # reasons are required
    r = sup.post(f"/supervise/repairs/{req.id}", data={"action": "refuse", "reason": "罚款尚未缴纳。",
                                                       "csrf_token": sup._csrf})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(RepairRequest, req.id).status == "refused"
    assert db.session.get(CreditRecord, rec.id).status == "confirmed"
    assert grade_of(retailer) == ("B", 90)
    page = owner.get(f"/me/requests/{retailer.id}").get_data(as_text=True)
    assert "罚款尚未缴纳。" in page


def test_more_information_then_supplement(shop, make_record, signed_in):
    retailer = shop["retailer"]
    rec = make_record(retailer, "ZM04", days_ago(150))
    owner = signed_in(shop["owner"])
    prepare(owner, retailer.id)
    _submit(owner, retailer.id, rec.id)
    req = db.session.scalars(select(RepairRequest)).one()
    sup = signed_in(shop["sup"])
    sup.post(f"/supervise/repairs/{req.id}", data={"action": "more", "reason": "请补充缴款凭证。", "csrf_token": sup._csrf})
    db.session.expire_all()
    assert db.session.get(RepairRequest, req.id).status == "more_info"
    r = owner.post(f"/me/requests/{retailer.id}/{req.id}/supplement",
                   data={"statement": "补充缴款凭证。", "evidence": (io.BytesIO(jpeg_bytes((0, 0, 200))), "r.jpg"),
                         "csrf_token": owner._csrf}, content_type="multipart/form-data")
    assert r.status_code == 302
    db.session.expire_all()
    req = db.session.get(RepairRequest, req.id)
    assert req.status == "submitted" and len(req.evidence_ids) == 2


def test_upheld_objection_dismisses_the_record(shop, make_record, signed_in):
    retailer = shop["retailer"]
    rec = make_record(retailer, "ZM04", days_ago(5))
    assert grade_of(retailer) == ("B", 90)
    owner = signed_in(shop["owner"])
    r = owner.post(f"/me/objection/{retailer.id}", data={"record": rec.id, "reasons": "检查当天店铺未营业，记录有误。",
                                                         "csrf_token": owner._csrf},
                   content_type="multipart/form-data")
    assert r.status_code == 302, r.data[:600]
    db.session.expire_all()
    obj = db.session.scalars(select(Objection)).one()
    assert db.session.get(CreditRecord, rec.id).disputed is True
    assert obj.answer_due == add_working_days(obj.submitted_on, 10)
    sup = signed_in(shop["sup"])
    r = sup.post(f"/supervise/objections/{obj.id}", data={"decision": "uphold", "answer": "经核实，记录有误，予以撤销。",
                                                           "csrf_token": sup._csrf})
    assert r.status_code == 302
    db.session.expire_all()
    rec = db.session.get(CreditRecord, rec.id)
    assert rec.status == "dismissed" and rec.disputed is False
    assert grade_of(retailer) == ("A", 100)
    page = owner.get(f"/me/requests/{retailer.id}").get_data(as_text=True)
    assert "经核实，记录有误，予以撤销。" in page


def test_rejected_objection_keeps_the_record(shop, make_record, signed_in):
    retailer = shop["retailer"]
    rec = make_record(retailer, "ZM04", days_ago(5))
    owner = signed_in(shop["owner"])
    owner.post(f"/me/objection/{retailer.id}", data={"record": rec.id, "reasons": "我认为处罚过重，请复核。",
                                                     "csrf_token": owner._csrf}, content_type="multipart/form-data")
    obj = db.session.scalars(select(Objection)).one()
    sup = signed_in(shop["sup"])
    sup.post(f"/supervise/objections/{obj.id}", data={"decision": "reject", "answer": "证据确凿，维持原记录。",
                                                      "csrf_token": sup._csrf})
    db.session.expire_all()
    rec = db.session.get(CreditRecord, rec.id)
    assert rec.status == "confirmed" and rec.disputed is False
    assert grade_of(retailer) == ("B", 90)


def test_objection_after_21_days_is_refused(shop, make_record, signed_in):
    retailer = shop["retailer"]
    rec = make_record(retailer, "ZM04", days_ago(22))
    owner = signed_in(shop["owner"])
    r = owner.post(f"/me/objection/{retailer.id}", data={"record": rec.id, "reasons": "记录有误，请复核处理。",
                                                         "csrf_token": owner._csrf}, content_type="multipart/form-data")
    assert r.status_code == 422
    assert "21" in r.get_data(as_text=True)
    rec21 = make_record(retailer, "ZM09", days_ago(21))
    r = owner.post(f"/me/objection/{retailer.id}", data={"record": rec21.id, "reasons": "记录有误，请复核处理。",
                                                         "csrf_token": owner._csrf}, content_type="multipart/form-data")
    assert r.status_code == 302


def test_a_retailer_cannot_reach_another_licence(shop, other_shop, make_record, signed_in):
    mine, theirs = shop["retailer"], other_shop["retailer"]
    their_rec = make_record(theirs, "ZM04", days_ago(150))
    my_rec = make_record(mine, "ZM04", days_ago(150))
    owner = signed_in(shop["owner"])
    for url in (f"/me/credit/{theirs.id}", f"/me/repair/{theirs.id}/{their_rec.id}", f"/me/commitment/{theirs.id}",
                f"/me/objection/{theirs.id}", f"/me/requests/{theirs.id}",
                f"/api/me/retailers/{theirs.id}/credit", f"/me/repair/{mine.id}/{their_rec.id}"):
        assert owner.get(url).status_code == 404, url
    assert owner.post(f"/me/report/{theirs.id}.pdf").status_code == 404
    r = owner.post(f"/me/objection/{mine.id}", data={"record": their_rec.id, "reasons": "别人的记录，试图异议。",
                                                     "csrf_token": owner._csrf})
    assert r.status_code == 404
    assert owner.get(f"/api/me/retailers/{mine.id}/credit").status_code == 200
    # the other county's supervisor cannot see or decide this county's request
    prepare(owner, mine.id)
    _submit(owner, mine.id, my_rec.id)
    req = db.session.scalars(select(RepairRequest)).one()
    from tests.conftest import OTHER_COUNTY

    from app.auth.models import User

    other_sup = User(username="sup_x", display_name="x", role="supervisor", password_hash=shop["sup"].password_hash,
                     unit_id=theirs.unit_id, is_enabled=True)
    db.session.add(other_sup)
    db.session.commit()
    assert OTHER_COUNTY
    from tests.conftest import Session

    s = Session(owner.client.application.test_client())
    s.login("sup_x")
    s.csrf()
    assert s.get(f"/supervise/repairs/{req.id}").status_code == 404
    assert s.get(f"/evidence/{req.evidence_ids[0]}").status_code == 404
    assert req.id not in [x["id"] for x in s.get("/api/repairs").get_json()]


def test_deadline_states_and_warnings(shop, make_record, signed_in):
    from app.repair import services

    retailer = shop["retailer"]
    rec = make_record(retailer, "ZM04", days_ago(150))
    owner = signed_in(shop["owner"])
    prepare(owner, retailer.id)
    _submit(owner, retailer.id, rec.id)
    req = db.session.scalars(select(RepairRequest)).one()
    assert services.repair_deadline(req, req.submitted_on)[2] == "ok"
    assert services.repair_deadline(req, req.accept_due)[2] == "due_soon"
    assert services.repair_deadline(req, req.accept_due + timedelta(days=1))[2] == "overdue"
    assert services.warn_deadlines(req.accept_due + timedelta(days=1)) == 1
    assert services.warn_deadlines(req.accept_due + timedelta(days=1)) == 1  # counted, but not repeated:
    db.session.commit()
    n = db.session.scalars(select(Notice).where(Notice.user_id == shop["sup"].id, Notice.kind == "deadline")).all()
    assert len(n) == 1
    sup = signed_in(shop["sup"])
    api = sup.get("/api/repairs").get_json()
    assert api[0]["deadline"]["step"] == "accept"


def test_a_retailer_with_several_licences_switches_between_them(make_retailer, make_user, make_record, signed_in):
    a = make_retailer(shop_name="华兴便利店")
    b = make_retailer(shop_name="华兴二店")
    make_record(b, "ZM04", days_ago(40))
    owner = signed_in(make_user("retailer", retailers=[a, b]))
    page = owner.get(f"/me/credit/{a.id}").get_data(as_text=True)
    assert 'data-testid="licence-switch"' in page and "华兴二店" in page
    assert owner.get(f"/api/me/retailers/{a.id}/credit").get_json()["grade"] == "A"
    other = owner.get(f"/api/me/retailers/{b.id}/credit").get_json()
    assert (other["grade"], other["score"]) == ("B", 90)
    assert other["records"][0]["counts_until"] is not None


def test_grade_objection_is_answered_without_touching_records(shop, make_record, signed_in):
    retailer = shop["retailer"]
    make_record(retailer, "ZM04", days_ago(5))
    owner = signed_in(shop["owner"])
    r = owner.post(f"/me/objection/{retailer.id}", data={"reasons": "我认为本季度等级评定有误，请复核。",
                                                         "csrf_token": owner._csrf}, content_type="multipart/form-data")
    assert r.status_code == 302
    obj = db.session.scalars(select(Objection)).one()
    assert obj.record_id is None and obj.grade == "B"
    sup = signed_in(shop["sup"])
    assert sup.get("/api/objections").get_json()[0]["deadline"]["step"] == "answer"
    sup.post(f"/supervise/objections/{obj.id}", data={"decision": "reject", "answer": "经复核，等级评定无误。",
                                                      "csrf_token": sup._csrf})
    db.session.expire_all()
    assert db.session.get(Objection, obj.id).status == "rejected"
    assert grade_of(retailer) == ("B", 90)
