"""Integrity mutual-aid groups: one group per licence at a time (database), a round, a panel's rating
with a notice period and objections, publication making each member's bonus record linked to the
decision, withdrawal dismissing them through their history, and the loss of stars after a member's
serious violation; marketers cannot type the bonuses by hand."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.common.errors import ServiceError
from app.credit import grading, recording
from app.credit.models import CreditRecord, CreditRecordEvent
from app.extensions import db
from app.groups import awards, services
from app.groups.models import GroupMembership, GroupRatingBonus

DAY = date(2026, 6, 1)
FULL = {"compliance": 40, "mutual_supervision": 28, "participation": 27}  # 95: five stars


@pytest.fixture
def world(app, clock, make_retailer, make_user, units):
    clock(DAY)
    shops = [make_retailer(shop_name=f"互助便利店{i}", licence_issued_on=date(2024, 1, 1)) for i in range(3)]
    sup = make_user("supervisor")
    marketer = make_user("marketer")
    group = services.create_group(sup, name="健康路诚信互助小组", unit_id=units["320812"].id, area="健康路",
                                  manager="健康路商会")
    for s in shops:
        services.add_member(group, s.licence_no, sup, joined_on=DAY - timedelta(days=200))
    rnd = services.open_round(make_user("supervisor", city=True), label="2026H1", kind="half", period_start=date(2026, 1, 1),
                              period_end=date(2026, 6, 30))
    db.session.commit()
    return {"shops": shops, "sup": sup, "marketer": marketer, "group": group, "round": rnd}


def _rate(w, scores=FULL, day=DAY):
    return services.rate(w["round"], w["group"], w["sup"], scores=scores, evidence="互查记录12份，培训签到表",
                         panel="市信用办、市场监管局、消保委、烟草专卖局", today=day)


def test_a_licence_is_in_one_group_at_a_time(world, units):
    other = services.create_group(world["sup"], name="另一小组", unit_id=units["320812"].id, area="淮海路")
    db.session.commit()
    with pytest.raises(ServiceError) as exc:
        services.add_member(other, world["shops"][0].licence_no, world["sup"])
    assert exc.value.status == 409 and "健康路诚信互助小组" in str(exc.value.errors)
    db.session.rollback()
    m = services.open_membership(world["shops"][0].id)
    services.remove_member(m, world["sup"], reason="迁出本街道")
    services.add_member(other, world["shops"][0].licence_no, world["sup"])
    db.session.commit()
    history = db.session.scalars(select(GroupMembership).where(
        GroupMembership.retailer_id == world["shops"][0].id).order_by(GroupMembership.id)).all()
    assert [h.left_on is not None for h in history] == [True, False]


def test_the_database_refuses_a_second_open_membership(world, units):
    other = services.create_group(world["sup"], name="另一小组", unit_id=units["320812"].id, area="淮海路")
    db.session.flush()
    db.session.add(GroupMembership(group_id=other.id, retailer_id=world["shops"][1].id, joined_on=DAY))
    with pytest.raises(Exception):
        db.session.flush()
    db.session.rollback()


def test_rating_published_after_notice_gives_each_member_a_linked_bonus(world, clock, make_user, signed_in):
    rating = _rate(world)
    assert rating.stars == 5 and rating.status == "notice" and rating.notice_until == DAY + timedelta(days=7)
    db.session.commit()
    with pytest.raises(ServiceError):  # still in its notice period
        services.publish(rating, world["sup"], today=DAY + timedelta(days=7))
    db.session.rollback()
    before = grading.current_grade(world["shops"][0]).score
    clock(DAY + timedelta(days=8))
    services.publish(rating, world["sup"])
    db.session.commit()
    bonuses = db.session.scalars(select(GroupRatingBonus).where(GroupRatingBonus.rating_id == rating.id)).all()
    assert len(bonuses) == 3
    rec = bonuses[0].record
    assert (rec.indicator_code, rec.status, rec.case_number, rec.decided_on) == (
        "YX54", "confirmed", rating.decision_no, DAY + timedelta(days=8))
    assert services.bonus_of(rec.id)[1].id == rating.id
    assert grading.current_grade(world["shops"][0]).score == before + 8
    owner = signed_in(make_user("retailer", retailers=[world["shops"][0]]))
    page = owner.get(f"/me/credit/{world['shops'][0].id}").get_data(as_text=True)
    assert 'data-testid="bonus-decision"' in page and rating.decision_no in page
    staff = signed_in(world["marketer"]).get(f"/credit/records/{rec.id}").get_data(as_text=True)
    assert 'data-testid="record-decision"' in staff and f"/group-ratings/{rating.id}" in staff


def test_an_open_objection_holds_publication_and_an_upheld_one_withdraws(world, clock):
    rating = _rate(world)
    obj = services.raise_objection(rating, world["sup"], raised_by="相邻商户", reason="组内有商户未参加互查",
                                   today=DAY + timedelta(days=2))
    db.session.commit()
    assert services.publish_due(DAY + timedelta(days=9)) == {"ratings_published": 0, "ratings_withdrawn": 0}
    services.answer_objection(obj, world["sup"], upheld=True, answer="经核实属实，重新评定", today=DAY + timedelta(days=9))
    db.session.commit()
    assert rating.status == "withdrawn"
    again = _rate(world, {"compliance": 35, "mutual_supervision": 25, "participation": 20}, DAY + timedelta(days=9))
    assert again.stars == 4
    db.session.commit()


def test_withdrawal_dismisses_the_bonuses_through_their_history(world, clock):
    rating = _rate(world)
    db.session.commit()
    clock(DAY + timedelta(days=8))
    services.publish_due()
    db.session.commit()
    assert rating.status == "published"
    services.withdraw(rating, world["sup"], reason="评星材料不实")
    db.session.commit()
    recs = [b.record for b in rating.bonuses]
    assert {r.status for r in recs} == {"dismissed"}
    events = db.session.scalars(select(CreditRecordEvent).where(CreditRecordEvent.record_id == recs[0].id)
                                .order_by(CreditRecordEvent.id)).all()
    assert [e.action for e in events] == ["create", "dismiss"] and "评星材料不实" in events[-1].note
    assert db.session.get(CreditRecord, recs[0].id) is not None


def _serious(shop, day):
    return recording.create_record(shop, "ZM03", occurred_on=day - timedelta(days=5), source="system", actor=None,
                                   status="confirmed", decided_on=day, case_number=f"清烟专罚〔2026〕第{day.day}号")


def test_a_members_serious_violation_takes_the_stars_at_the_next_round(world):
    _serious(world["shops"][1], DAY - timedelta(days=30))
    rating = _rate(world)
    assert rating.total == 95 and rating.stars == 0


def test_at_once_policy_withdraws_a_published_rating(world, clock, units):
    world["round"].violation_effect = "at_once"
    rating = _rate(world)
    db.session.commit()
    clock(DAY + timedelta(days=8))
    services.publish_due()
    db.session.commit()
    clock(DAY + timedelta(days=20))
    _serious(world["shops"][2], DAY + timedelta(days=20))
    db.session.commit()
    assert services.publish_due()["ratings_withdrawn"] == 1
    db.session.commit()
    assert rating.status == "withdrawn" and {b.record.status for b in rating.bonuses} == {"ended"}
    assert {b.record.repaired_on for b in rating.bonuses} == {DAY + timedelta(days=20)}  # counted until then


def test_marketers_cannot_type_group_or_model_bonuses(world):
    for code in ("YX52", "YX53", "YX54", "YX55"):
        errors, _cat, _ind = recording.validate_record(world["shops"][0], code, occurred_on=DAY, source="marketer",
                                                       actor=world["marketer"], status="confirmed", decided_on=DAY)
        assert any("不能手工录入" in m or "cannot be entered by hand" in m for m in errors["indicator_code"]), code


def test_model_retailer_nominated_reviewed_published_gets_yx55(world, clock):
    rating = _rate(world)
    db.session.commit()
    clock(DAY + timedelta(days=8))
    services.publish_due()
    award = awards.nominate(world["marketer"], kind="shop", licence_no=world["shops"][0].licence_no,
                            practice="带头亮证经营，组织组内互查", by_group_id=world["group"].id)
    db.session.commit()
    awards.review(award, world["sup"], approve=True, note="材料齐全，同意公示")
    db.session.commit()
    clock(DAY + timedelta(days=16))
    assert awards.publish_due() == 1
    db.session.commit()
    assert award.status == "published" and award.record.indicator_code == "YX55"
    assert award.record.case_number == award.decision_no
    assert rating.stars == 5
    with pytest.raises(ServiceError):  # once per year
        awards.nominate(world["marketer"], kind="shop", licence_no=world["shops"][0].licence_no, practice="再次")


def test_a_later_rating_supersedes_the_earlier_one_without_double_counting(world, clock, make_user):
    first = _rate(world)
    db.session.commit()
    clock(DAY + timedelta(days=8))
    services.publish_due()
    db.session.commit()
    base = grading.current_grade(world["shops"][0]).score
    second_round = services.open_round(make_user("supervisor", city=True), label="2026H2", kind="half",
                                       period_start=date(2026, 7, 1), period_end=date(2026, 12, 31))
    later = DAY + timedelta(days=190)
    clock(later)
    second = services.rate(second_round, world["group"], world["sup"], today=later, evidence="下半年互查记录",
                           panel="联合评定组", scores={"compliance": 35, "mutual_supervision": 25, "participation": 20})
    db.session.commit()
    clock(later + timedelta(days=8))
    services.publish_due()
    db.session.commit()
    assert (first.status, second.status, second.stars) == ("superseded", "published", 4)
    old = first.bonuses[0].record
    assert old.status == "ended" and old.repaired_on == later + timedelta(days=8)
    assert [e.action for e in old.events] == ["create", "end"]
    assert grading.current_grade(world["shops"][0]).score == base - 8 + 5  # YX54 ended, YX53 counts


def test_the_daily_job_publishes_due_ratings_and_awards(world, clock):
    from tests.background import run_jobs

    rating = _rate(world)
    clock(DAY + timedelta(days=8))
    out = run_jobs("groups.daily")["groups.daily"]
    assert out == {"ratings_published": 1, "ratings_withdrawn": 0, "awards_published": 0}
    assert db.session.get(type(rating), rating.id).status == "published"


def test_hand_typed_group_bonus_is_refused_by_the_page_and_the_api(world, signed_in):
    marketer = signed_in(world["marketer"])
    r = marketer.post("/credit/records/new", data={
        "licence_no": world["shops"][0].licence_no, "indicator_code": "YX54", "occurred_on": "2026-05-20",
        "status": "confirmed", "decided_on": "2026-05-21", "description": "五星小组", "csrf_token": marketer._csrf})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "不能手工录入" in page and "五星小组" in page  # the input is kept
    r = marketer.post("/api/credit-records", json={"retailer_id": world["shops"][0].id, "indicator_code": "YX55",
                                                   "occurred_on": "2026-05-20", "description": "示范户"})
    assert r.status_code == 422 and "indicator_code" in r.get_json()["errors"]
    assert db.session.scalar(select(CreditRecord.id).where(CreditRecord.indicator_code.in_(("YX54", "YX55")))) is None


def test_dissolving_a_group_closes_every_membership(world, signed_in):
    sup = signed_in(world["sup"])
    r = sup.post(f"/groups/{world['group'].id}/dissolve", data={"reason": "", "csrf_token": sup._csrf})
    assert r.status_code == 422
    r = sup.post(f"/groups/{world['group'].id}/dissolve", data={"reason": "商户拆迁，小组解散", "csrf_token": sup._csrf})
    assert r.status_code == 302
    db.session.expire_all()
    assert world["group"].status == "dissolved"
    assert all(m.left_on == DAY and m.left_reason == "商户拆迁，小组解散" for m in world["group"].memberships)
    assert services.open_membership(world["shops"][0].id) is None


def test_public_api_lists_rated_groups_and_models_with_masked_names(world, clock, client):
    _rate(world)
    world["group"].leader_id = world["shops"][0].id
    db.session.commit()
    clock(DAY + timedelta(days=8))
    services.publish_due()
    db.session.commit()
    body = client.get("/api/public/groups").get_json()
    assert len(body) == 1 and body[0]["stars"] == 5 and body[0]["members"] == 3
    assert body[0]["leader"] == "王**" and body[0]["group"] == "健康路诚信互助小组"
    assert client.get("/api/public/models").get_json() == []
    assert client.get("/api/public/groups?page_size=100000").status_code == 422
