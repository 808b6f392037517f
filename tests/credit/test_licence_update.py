"""Editing a licence's issue date or its operator changes what the engine reads: the live grades it
touches are recomputed in the same request, with GradeChange events."""
from datetime import date

from sqlalchemy import select

from app.credit import grading, recording
from app.credit.models import GradeChange, RetailerGrade
from app.extensions import db
from tests.conftest import _valid_id
from tests.credit.test_grades import CASE


def _patch(s, retailer, body):
    etag = s.get(f"/api/retailers/{retailer.id}").headers["ETag"]
    return s.patch(f"/api/retailers/{retailer.id}", json=body, headers={"If-Match": etag})


def _grade(retailer):
    db.session.expire_all()
    return db.session.get(RetailerGrade, retailer.id).grade


def test_moving_a_licence_to_a_vetoed_operator_and_back_recomputes_at_once(make_retailer, versions_synced,
                                                                          make_user, signed_in, ago):
    person, other = _valid_id(901), _valid_id(902)
    vetoed = make_retailer(operator_id=person, shop_name="甲店")
    shop = make_retailer(operator_id=other, shop_name="乙店")
    for r in (vetoed, shop):
        grading.ensure_current(r)
    recording.create_record(vetoed, "ZM01", occurred_on=ago(12), source="supervisor", actor=None,
                           status="confirmed", decided_on=ago(2), case_number=CASE)
    db.session.commit()
    assert (_grade(vetoed), _grade(shop)) == ("D", "A")
    s = signed_in(make_user("supervisor"))
    assert _patch(s, shop, {"operator_id_number": person, "operator_name": "王小明"}).status_code == 200
    assert _grade(shop) == "D"  # the veto reaches every licence of the same operator
    assert _patch(s, shop, {"operator_id_number": other, "operator_name": "王小明"}).status_code == 200
    assert _grade(shop) == "A"
    moves = [(g.from_grade, g.to_grade, g.cause) for g in db.session.scalars(
        select(GradeChange).where(GradeChange.retailer_id == shop.id).order_by(GradeChange.id))]
    assert moves == [("A", "D", "licence_update"), ("D", "A", "licence_update")]


def test_a_later_issue_date_brings_the_new_licence_cap(make_retailer, versions_synced, make_user, signed_in,
                                                      today, ago):
    shop = make_retailer(licence_issued_on=date(2020, 1, 1))
    recording.create_record(shop, "SH51", occurred_on=ago(20), source="supervisor", actor=None,
                           status="confirmed", decided_on=ago(10))
    db.session.commit()
    assert grading.current_grade(shop).score >= 110 and _grade(shop) == "AA"
    s = signed_in(make_user("supervisor"))
    assert _patch(s, shop, {"licence_issued_on": ago(30).isoformat()}).status_code == 200
    row = db.session.get(RetailerGrade, shop.id)
    assert (row.grade, row.rule_kind) == ("A", "new_licence")  # capped while the licence is new
    assert _patch(s, shop, {"tier": 11}).status_code == 200  # an edit the engine does not read: no event
    assert db.session.scalars(select(GradeChange.cause).where(GradeChange.retailer_id == shop.id)
                              .order_by(GradeChange.id)).all() == ["record.create", "licence_update"]


def test_an_operator_change_is_audited(make_retailer, make_user, signed_in, versions_synced):
    from app.audit.models import AuditEntry

    shop = make_retailer(operator_id=_valid_id(903))
    old_operator = shop.operator_id
    s = signed_in(make_user("supervisor"))
    assert _patch(s, shop, {"operator_id_number": _valid_id(904), "operator_name": "李四"}).status_code == 200
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retailer.update")).one()
    assert entry.before["operator_id"] == old_operator != entry.after["operator_id"]
