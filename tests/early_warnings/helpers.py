"""Facts that raise early warnings, written straight into the tables the signals read."""
import secrets
from datetime import datetime, timedelta

from app.credit.models import CreditRecord, RetailerGrade
from app.extensions import db
from app.inspections.models import Inspection, InspectionCheck, RectificationItem


def set_score(shop, score, grade, monopoly):
    from app.credit.grading import recompute

    row = db.session.get(RetailerGrade, shop.id) or recompute(shop, "test")
    row.score, row.grade, row.score_grade, row.monopoly = score, grade, grade, monopoly
    db.session.commit()


def visit(shop, inspector, second, day, outcome="inspected", failed=0):
    i = Inspection(client_uuid=secrets.token_hex(16)[:36], content_hash="0" * 64, retailer_id=shop.id,
                   unit_id=shop.unit_id, inspector_id=inspector.id, second_officer_id=second.id, outcome=outcome,
                   started_at=datetime(day.year, day.month, day.day, 2), occurred_on=day, geofence="inside",
                   geofence_radius_m=150, signature_status="not_applicable")
    db.session.add(i)
    db.session.flush()
    for n in range(failed):
        db.session.add(InspectionCheck(inspection_id=i.id, position=n, item_code=f"C{n}", label="明码标价",
                                       result="fail"))
    db.session.commit()
    return i


def suspected_record(shop, day, points=-3):
    rec = CreditRecord(retailer_id=shop.id, operator_id=shop.operator_id, indicator_code="ZM01",
                       catalogue_version="2026.1", dimension="monopoly", nominal_points=points, occurred_on=day,
                       source="inspection", status="suspected", description="未明码标价")
    db.session.add(rec)
    db.session.commit()
    return rec


def overdue_item(shop, inspection, deadline):
    item = RectificationItem(inspection_id=inspection.id, retailer_id=shop.id, description="补挂许可证",
                             deadline=deadline, status="open")
    db.session.add(item)
    db.session.commit()
    return item


def days_before(day, n):
    return day - timedelta(days=n)
