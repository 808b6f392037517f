"""Abnormal visit outcomes and the licence check (虚假户): closed / not found / moved close the planned
visit with that outcome (never "missed", and the shop's inspection cycle is not restarted); the
second "not found" within 90 days opens one licence check for the county supervisor (audited,
notified, de-duplicated), which the supervisor closes with a finding."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.licences.models import LicenceCheck
from app.notices.models import Notice
from app.scheduling.models import Visit
from tests.conftest import COUNTY, OTHER_COUNTY
from tests.inspections.conftest import capture, field as field_  # noqa: F401 - fixture

DAY = date(2026, 11, 2)


@pytest.fixture
def field(field_, signed_in):
    field_.sign_in = signed_in
    return field_


def _not_found(f, clock, day, outcome="not_found", **over):
    """An inspection on ``day`` that found no shop (signed in again: the clock jumped)."""
    clock(day, 11)
    f.session = f.sign_in(f.inspector)
    body = capture(f.shop, f.second, outcome=outcome, outcome_note="门牌号处为空置门面，周边商户称从未见过该店",
                   **over)
    response = f.session.post("/api/inspections", json=body)
    assert response.status_code == 201, response.get_json()
    db.session.expire_all()
    return response.get_json()["id"]


def _checks():
    db.session.expire_all()
    return list(db.session.scalars(select(LicenceCheck).order_by(LicenceCheck.id)))


def _visit(f, day, status="approved"):
    v = Visit(retailer_id=f.shop.id, unit_id=f.shop.unit_id, kind="due", status=status, due_on=day, planned_on=day,
              officer_a_id=f.inspector.id, officer_b_id=f.second.id, route_order=1, reasons=[])
    db.session.add(v)
    db.session.commit()
    return v.id


@pytest.mark.parametrize("outcome", ["closed", "not_found", "moved", "not_trading"])
def test_an_abnormal_outcome_closes_the_planned_visit_with_that_outcome(field, clock, outcome):
    from app.scheduling.inputs import last_visits

    visit_id = _visit(field, DAY)
    _not_found(field, clock, DAY, outcome=outcome, visit_id=visit_id)
    visit = db.session.get(Visit, visit_id)
    assert visit.status == "done" and visit.outcome == outcome and visit.inspection_id is not None
    # ... and the shop still counts as not inspected for its cycle.
    assert field.shop.id not in last_visits(field.shop.unit_id)
    # The day list says what happened, in Chinese.
    field.session.client.get("/logout")
    from tests.conftest import Session

    inspector = Session(field.session.client.application.test_client())
    assert inspector.login(field.inspector.username).status_code == 302
    page = inspector.get(f"/visits?date={DAY.isoformat()}").get_data(as_text=True)
    label = {"closed": "店铺关门", "not_found": "查无此店", "moved": "已搬迁", "not_trading": "未经营卷烟"}[outcome]
    assert label in page and "逾期" not in page


def test_two_not_found_within_90_days_open_one_licence_check(field, clock, make_user):
    county_sup = make_user("supervisor", COUNTY, username="sup_here")
    other_sup = make_user("supervisor", OTHER_COUNTY, username="sup_there")
    first = _not_found(field, clock, DAY)
    assert _checks() == []
    second = _not_found(field, clock, DAY + timedelta(days=40))
    checks = _checks()
    assert len(checks) == 1
    check = checks[0]
    assert check.status == "open" and check.inspection_ids == [first, second] and check.unit_id == field.shop.unit_id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "licence_check.open")).one()
    assert entry.target_id == str(check.id) and entry.actor_id == field.inspector.id
    told = {n.user_id for n in db.session.scalars(select(Notice).where(Notice.kind == "licence_check"))}
    assert county_sup.id in told and other_sup.id not in told
    # A third "not found" while the check is open adds nothing.
    _not_found(field, clock, DAY + timedelta(days=50))
    assert len(_checks()) == 1
    assert db.session.scalar(select(func.count()).select_from(Notice).where(Notice.kind == "licence_check")) == 1


def test_not_found_visits_more_than_90_days_apart_open_nothing(field, clock):
    _not_found(field, clock, DAY)
    _not_found(field, clock, DAY + timedelta(days=91))
    assert _checks() == []
    _not_found(field, clock, DAY + timedelta(days=100))  # 9 days after the second: now two within 90
    assert len(_checks()) == 1


def test_a_closed_check_is_not_reopened_by_the_visits_it_weighed(field, clock, make_user, signed_in):
    sup = make_user("supervisor", COUNTY, username="sup_close")
    _not_found(field, clock, DAY)
    _not_found(field, clock, DAY + timedelta(days=10))
    check = _checks()[0]
    s = signed_in(sup)
    # Refused: no outcome, no note; the form comes back with what was typed and the errors.
    refused = s.post(f"/licence-checks/{check.id}", data={"outcome": "", "note": "  "})
    assert refused.status_code == 422
    assert "请选择核查结果" in refused.get_data(as_text=True)
    refused = s.post(f"/licence-checks/{check.id}", data={"outcome": "trading", "note": ""})
    assert refused.status_code == 422 and 'value="trading" checked' in refused.get_data(as_text=True)
    assert _checks()[0].status == "open"
    done = s.post(f"/licence-checks/{check.id}", data={"outcome": "trading", "note": "店铺仍在经营，门头已更换为新店名"})
    assert done.status_code == 302
    check = _checks()[0]
    assert check.status == "closed" and check.outcome == "trading" and check.closed_by_id == sup.id
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "licence_check.close")).one()
    again = s.post(f"/api/licence-checks/{check.id}/close", json={"outcome": "moved", "note": "x"})
    assert again.status_code == 422
    # One more "not found": the two weighed by the closed check do not count again.
    third = _not_found(field, clock, DAY + timedelta(days=20))
    assert len(_checks()) == 1
    fourth = _not_found(field, clock, DAY + timedelta(days=30))
    checks = _checks()
    assert len(checks) == 2 and checks[1].inspection_ids == [third, fourth] and checks[1].status == "open"


def test_supervisors_see_their_countys_checks(field, clock, make_user, signed_in):
    _not_found(field, clock, DAY)
    _not_found(field, clock, DAY + timedelta(days=5))
    check = _checks()[0]
    here = signed_in(make_user("supervisor", COUNTY, username="sup_list"))
    page = here.get("/licence-checks?status=open")
    assert page.status_code == 200 and field.shop.shop_name in page.get_data(as_text=True)
    api = here.get("/api/licence-checks?status=open").get_json()
    assert [c["id"] for c in api] == [check.id] and api[0]["inspection_ids"] == check.inspection_ids
    home = here.get("/").get_data(as_text=True)
    assert "待核查的许可证（两次查无此店）：1 件" in home
    there = signed_in(make_user("supervisor", OTHER_COUNTY, username="sup_far"))
    assert there.get(f"/licence-checks/{check.id}").status_code == 404
    assert field.shop.shop_name not in there.get("/licence-checks").get_data(as_text=True)
    assert there.get("/api/licence-checks").get_json() == []
