"""Credit commitments: versioned text, signature stored, public listing masked, renewal reminder,
breach and full-year bonus as credit records through the credit service."""
from datetime import timedelta

from sqlalchemy import select

from app.commitments import services
from app.commitments.models import Commitment, CommitmentText
from app.common.time import local_today
from app.credit.models import CreditRecord
from app.extensions import db
from app.notices.models import Notice, SmsOutbox
from tests.retailer_side.helpers import signature_data_url


def test_sign_store_and_list_publicly(shop, signed_in, client):
    owner = signed_in(shop["owner"])
    page = owner.get(f"/me/commitment/{shop['retailer'].id}").get_data(as_text=True)
    assert "信用承诺书" in page and "signature-pad" in page
    r = owner.post(f"/me/commitment/{shop['retailer'].id}", data={"signer_name": "王小明", "signature": "",
                                                                  "csrf_token": owner._csrf})
    assert r.status_code == 422  # no tick, no signature
    r = owner.post(f"/me/commitment/{shop['retailer'].id}", data={"agreed": "1", "signer_name": "王小明",
                                                                  "signature": signature_data_url(),
                                                                  "csrf_token": owner._csrf})
    assert r.status_code == 302
    c = db.session.scalars(select(Commitment)).one()
    assert c.signature_png.startswith(b"\x89PNG") and c.text_version == 1
    assert c.expires_on == c.signed_on + timedelta(days=365)
    public = client.get("/public/commitments").get_data(as_text=True)
    assert shop["retailer"].licence_no in public and "王**" in public and "王小明" not in public


def test_admin_publishes_a_new_version_and_old_copies_keep_theirs(shop, make_user, signed_in):
    owner = signed_in(shop["owner"])
    owner.post(f"/me/commitment/{shop['retailer'].id}", data={"agreed": "1", "signer_name": "王小明",
                                                              "signature": signature_data_url(),
                                                              "csrf_token": owner._csrf})
    admin = signed_in(make_user("admin"))
    r = admin.post("/admin/commitment-text", data={"title": "信用承诺书（2027版）",
                                                   "body": "本人承诺依法诚信经营，自觉接受监督，违反承诺愿承担信用后果。",
                                                   "csrf_token": admin._csrf})
    assert r.status_code == 302
    assert [t.version for t in db.session.scalars(select(CommitmentText).order_by(CommitmentText.version))] == [1, 2]
    assert db.session.scalars(select(Commitment)).one().text_version == 1
    # signing against an outdated text is refused
    r = owner.post(f"/me/commitment/{shop['retailer'].id}", data={"agreed": "1", "signer_name": "王小明",
                                                                  "text_id": 1, "signature": signature_data_url(),
                                                                  "csrf_token": owner._csrf})
    assert r.status_code == 422


def test_breach_is_a_credit_record_and_full_year_earns_the_bonus(shop, make_retailer, make_user):
    retailer = shop["retailer"]
    today = local_today()
    c = services.sign(retailer, shop["owner"], agreed=True, signature=signature_data_url(), signer_name="王小明",
                      today=today - timedelta(days=366))
    db.session.commit()
    # renewal reminder (once), with an SMS recorded by the default adapter
    assert services.remind_due(today) == 1
    assert services.remind_due(today) == 0
    db.session.commit()
    assert db.session.scalars(select(Notice).where(Notice.kind == "commitment_renewal")).one()
    assert db.session.scalars(select(SmsOutbox)).one().phone == retailer.phone
    # kept a full year: the bonus record, confirmed, through the credit service
    assert services.award(today) == 1
    db.session.commit()
    bonus = db.session.scalars(select(CreditRecord).where(CreditRecord.indicator_code == "ZM51")).one()
    assert bonus.status == "confirmed" and bonus.nominal_points == 5
    assert db.session.get(Commitment, c.id).status == "kept"
    assert services.award(today) == 0
    # a breach of a new commitment: a ZM14 record
    other = make_retailer(shop_name="守信超市")
    owner2 = make_user("retailer", retailers=[other])
    c2 = services.sign(other, owner2, agreed=True, signature=signature_data_url(), signer_name="李四")
    db.session.commit()
    services.breach(c2, shop["sup"], "承诺不销售假烟，检查发现违规。", case_number="淮烟罚〔2026〕1号")
    db.session.commit()
    rec = db.session.scalars(select(CreditRecord).where(CreditRecord.indicator_code == "ZM14")).one()
    assert rec.retailer_id == other.id and rec.status == "confirmed"
    assert db.session.get(Commitment, c2.id).status == "broken"


def test_new_records_and_grade_changes_become_notices(shop, make_record):
    from app.notices import services as notices
    from app.repair import credit_link

    retailer = shop["retailer"]
    credit_link.current_grade(retailer)  # the live grade before the record: A 100
    credit_link.create_confirmed_record(retailer, "ZM04", occurred_on=local_today() - timedelta(days=3),
                                        actor=shop["sup"], source="supervisor", description="异地经营",
                                        case_number="淮烟罚〔2026〕2号")
    db.session.commit()
    assert notices.consume() >= 2
    assert notices.consume() == 0  # the cursor remembers
    db.session.commit()
    titles = [n.title for n in db.session.scalars(select(Notice).where(Notice.user_id == shop["owner"].id))]
    assert "新增一条信用记录：超越许可范围或异地经营卷烟（-10 分）" in titles
    assert "您的信用等级由 A 变为 B" in titles
    assert notices.unread_count(shop["owner"]) == 2
    # grade-change notices go out by SMS through the default (recording) adapter
    assert any("等级" in m.text for m in db.session.scalars(select(SmsOutbox)))
