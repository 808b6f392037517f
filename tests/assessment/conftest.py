"""A small city for the assessment figures, written straight into the tables the figures read: two
counties, three inspectors, visits, suspected findings confirmed after known delays, repairs and
objections answered on time, late or not at all, warnings closed and open. Clock: December 2026;
the period assessed is November 2026."""
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from app.extensions import db
from tests.conftest import COUNTY, OTHER_COUNTY

TODAY = date(2026, 12, 3)


@dataclass
class City:
    a: object  # OrgUnit (清江浦区)
    b: object  # OrgUnit (盱眙县)
    i1: object
    i2: object
    j1: object
    shop_a: object
    shop_b: object
    sup_city: object
    sup_a: object
    sup_b: object


def _record(shop, code, occurred, recorded_at, confirmed_at, recorded_by, cat):
    from app.credit.models import CreditRecord, CreditRecordEvent

    ind = cat.indicator(code)
    rec = CreditRecord(retailer_id=shop.id, operator_id=shop.operator_id, indicator_code=code,
                       catalogue_version=cat.version, dimension=ind.dimension, nominal_points=ind.points_for(None),
                       occurred_on=occurred, recorded_at=recorded_at, recorded_by_id=recorded_by.id,
                       source="inspection", status="confirmed" if confirmed_at else "suspected",
                       decided_on=confirmed_at.date() if confirmed_at else None, description="测试", evidence=[])
    db.session.add(rec)
    db.session.flush()
    db.session.add(CreditRecordEvent(record_id=rec.id, at=recorded_at, action="create", to_status="suspected"))
    if confirmed_at:
        db.session.add(CreditRecordEvent(record_id=rec.id, at=confirmed_at, action="confirm",
                                         from_status="suspected", to_status="confirmed"))
    return rec


@pytest.fixture
def city(app, units, make_user, make_retailer, clock):
    from app.repair.models import Objection, RepairRequest
    from app.scheduling.models import Visit
    from app.warnings.models import EarlyWarning
    from scoring import available_catalogues, catalogue_for

    clock(TODAY)
    a, b = units[COUNTY], units[OTHER_COUNTY]
    i1, i2 = make_user("inspector"), make_user("inspector")
    i1.display_name, i2.display_name = "甲检查员", "乙检查员"
    j1 = make_user("inspector", OTHER_COUNTY)
    j1.display_name = "丙检查员"
    shop_a = make_retailer()
    shop_b = make_retailer(county=OTHER_COUNTY)

    def visit(shop, unit, day, status, pair):
        db.session.add(Visit(retailer_id=shop.id, unit_id=unit.id, kind="due", status=status, due_on=day,
                             planned_on=day, officer_a_id=pair[0].id, officer_b_id=pair[1].id if pair[1] else None,
                             done_on=day if status == "done" else None))

    nov = date(2026, 11, 10)
    for status in ("done", "done", "missed", "planned", "cancelled"):
        visit(shop_a, a, nov, status, (i1, i2))
    visit(shop_a, a, date(2026, 10, 31), "done", (i1, i2))  # October: not in the period
    for status in ("done", "done", "missed"):
        visit(shop_b, b, nov, status, (j1, None))

    cat = catalogue_for(date(2026, 11, 1), available_catalogues())
    codes = [c for c in ("ZM01", "ZM02", "ZM03", "ZM04", "ZM05", "ZM06") if _has(cat, c)]
    found = datetime(2026, 11, 2, 2, 0)
    for n, delay in enumerate((1, 3, 10)):  # days from the finding to the confirmation
        _record(shop_a, codes[n], date(2026, 11, 1 + n), found, found.replace(day=2 + delay), i1, cat)
    # confirmed in October: not in the period; still suspected: not counted
    _record(shop_a, codes[3], date(2026, 10, 1), datetime(2026, 10, 1, 2), datetime(2026, 10, 5, 2), i1, cat)
    _record(shop_a, codes[4], date(2026, 11, 20), datetime(2026, 11, 20, 2), None, i1, cat)
    rec = _record(shop_b, codes[0], date(2026, 11, 3), datetime(2026, 11, 3, 2), datetime(2026, 11, 5, 2), j1, cat)
    db.session.flush()

    def repair(decided_on, due):
        db.session.add(RepairRequest(retailer_id=shop_a.id, record_id=rec.id, status="approved" if decided_on else "accepted",
                                     statement="已整改", submitted_on=date(2026, 11, 1), accept_due=date(2026, 11, 4),
                                     decide_due=due, decided_on=decided_on, eligibility={}))
    repair(date(2026, 11, 10), date(2026, 11, 12))  # on time
    repair(date(2026, 11, 20), date(2026, 11, 15))  # late
    repair(None, date(2026, 11, 25))  # overdue at the month's end
    repair(None, date(2026, 12, 5))  # not due yet: not counted

    def objection(answered_at, due):
        db.session.add(Objection(retailer_id=shop_b.id, record_id=rec.id, told_on=date(2026, 10, 25),
                                 status="rejected" if answered_at else "open", reasons="有误",
                                 submitted_on=date(2026, 10, 26), answer_due=due, answered_at=answered_at))
    objection(datetime(2026, 11, 3, 1, 0), date(2026, 11, 5))  # on time
    # 20:00 UTC on the 5th is 04:00 on the 6th in 淮安: one day late
    objection(datetime(2026, 11, 5, 20, 0), date(2026, 11, 5))

    def warning(raised_on, closed_at, owner, n):
        db.session.add(EarlyWarning(retailer_id=shop_a.id, unit_id=a.id, kind="suspected",
                                    status="closed" if closed_at else "open",
                                    open_key=None if closed_at else f"t{n}", raised_on=raised_on, owner_id=owner.id,
                                    closed_at=closed_at, facts={}))
    warning(date(2026, 11, 1), datetime(2026, 11, 10, 3), i1, 1)  # closed in the period
    warning(date(2026, 10, 20), None, i1, 2)  # still open
    warning(date(2026, 12, 2), None, i1, 3)  # raised after the period
    db.session.commit()
    return City(a, b, i1, i2, j1, shop_a, shop_b, make_user("supervisor", city=True), make_user("supervisor"),
                make_user("supervisor", OTHER_COUNTY))


def _has(cat, code):
    try:
        cat.indicator(code)
    except KeyError:
        return False
    return True
