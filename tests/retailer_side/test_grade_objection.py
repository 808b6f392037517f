"""An objection against a grade (not one record): upholding it names the records found wrong, which
are dismissed, and the grade is recomputed at once; a published quarter resting on them is flagged
for a superseding run. Upholding without naming a record is refused and changes nothing."""
from sqlalchemy import select

from app.credit.models import CreditRecord
from app.extensions import db
from app.notices.models import Notice
from app.repair.models import Objection
from tests.retailer_side.conftest import days_ago
from tests.retailer_side.test_repair_flow import grade_of

ZH = {"Accept-Language": "zh-CN"}


def _object(owner, retailer):
    r = owner.post(f"/me/objection/{retailer.id}", data={"reasons": "我认为本季度等级评定有误，请复核。",
                                                         "csrf_token": owner._csrf}, content_type="multipart/form-data")
    assert r.status_code == 302
    return db.session.scalars(select(Objection)).one()


def test_upholding_a_grade_objection_dismisses_the_ticked_records(shop, make_record, signed_in):
    retailer = shop["retailer"]
    wrong = make_record(retailer, "ZM04", days_ago(5))  # -10
    right = make_record(retailer, "YX51", days_ago(8))  # bonus +2
    assert grade_of(retailer) == ("B", 92)
    owner = signed_in(shop["owner"])
    obj = _object(owner, retailer)
    sup = signed_in(shop["sup"])
    page = sup.get(f"/supervise/objections/{obj.id}", headers=ZH).get_data(as_text=True)
    assert f'value="{wrong.id}"' in page and f'value="{right.id}"' in page
    # Upholding without a record: refused field by field, the answer typed is kept, nothing changes.
    r = sup.post(f"/supervise/objections/{obj.id}", headers=ZH, data={
        "decision": "uphold", "answer": "经复核，部分记录有误。", "csrf_token": sup._csrf})
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "请勾选经核实有误的记录" in text and "经复核，部分记录有误。" in text
    # A record that does not count in this grade is refused too.
    r = sup.post(f"/supervise/objections/{obj.id}", headers=ZH, data={
        "decision": "uphold", "answer": "经复核，部分记录有误。", "dismiss": "999999", "csrf_token": sup._csrf})
    assert r.status_code == 422
    db.session.expire_all()
    assert db.session.get(Objection, obj.id).status == "open"
    assert grade_of(retailer) == ("B", 92)
    r = sup.post(f"/supervise/objections/{obj.id}", data={
        "decision": "uphold", "answer": "经复核，许可证记录有误，予以撤销。", "dismiss": str(wrong.id),
        "csrf_token": sup._csrf})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Objection, obj.id).status == "upheld"
    assert db.session.get(CreditRecord, wrong.id).status == "dismissed"
    assert db.session.get(CreditRecord, right.id).status == "confirmed"
    assert grade_of(retailer) == ("A", 102)
    told = db.session.scalars(select(Notice).where(Notice.user_id == shop["owner"].id,
                                                   Notice.kind == "objection_answered")).one()
    assert "A" in told.body and "102" in told.body


def test_a_published_quarter_resting_on_a_dismissed_record_is_flagged(shop, make_record, signed_in, make_user):
    import datetime as dt

    from app.evaluation import services as evaluation

    retailer = shop["retailer"]
    from app.common.time import local_today

    today = local_today()
    quarter_end = evaluation.parse_quarter(f"{today.year}Q{(today.month - 1) // 3 + 1}")[1] - dt.timedelta(days=1)
    q = f"{quarter_end.year}Q{(quarter_end.month - 1) // 3 + 1}"
    wrong = make_record(retailer, "ZM04", quarter_end - dt.timedelta(days=3))
    admin = make_user("admin")
    run = evaluation.run(q, admin)
    evaluation.review(run, admin)
    evaluation.publish(run, admin)
    db.session.commit()
    owner = signed_in(shop["owner"])
    obj = _object(owner, retailer)
    sup = signed_in(shop["sup"])
    assert sup.post(f"/supervise/objections/{obj.id}", data={
        "decision": "uphold", "answer": "记录有误，予以撤销。", "dismiss": str(wrong.id),
        "csrf_token": sup._csrf}).status_code == 302
    flags = db.session.scalars(select(Notice).where(Notice.user_id == shop["sup"].id,
                                                    Notice.link == f"/evaluations/{run.id}")).all()
    assert len(flags) == 1 and q in flags[0].title
