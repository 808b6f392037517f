"""A small county world with one fact behind every dashboard figure, written straight into the tables."""
import re
import secrets
from datetime import date, datetime, timedelta

from app.common.workdays import add_working_days
from app.credit.models import CreditRecord
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from app.inspections.models import Inspection, InspectionViolation
from app.repair.models import Objection, RepairRequest
from app.scheduling.models import Visit
from app.warnings.models import EarlyWarning

DAY = date(2026, 11, 16)  # a Monday in 2026Q4


def published_run(quarter, as_of, rows):
    """rows: [(shop, grade, previous_grade)]"""
    run = EvaluationRun(quarter=quarter, as_of=as_of, status="published", retailer_count=len(rows),
                        published_at=datetime(as_of.year, as_of.month, as_of.day) + timedelta(days=5))
    db.session.add(run)
    db.session.flush()
    for shop, grade, previous in rows:
        db.session.add(EvaluationRow(run_id=run.id, retailer_id=shop.id, unit_id=shop.unit_id, score=100,
                                     monopoly=0, marketing=0, social=0, score_grade=grade, grade=grade,
                                     previous_grade=previous))
    db.session.commit()
    return run


def suspected(shop, days_ago):
    rec = CreditRecord(retailer_id=shop.id, operator_id=shop.operator_id, indicator_code="ZM01",
                       catalogue_version="2026.1", dimension="monopoly", nominal_points=-3,
                       occurred_on=DAY - timedelta(days=days_ago), source="inspection", status="suspected",
                       description="未明码标价")
    db.session.add(rec)
    db.session.commit()
    return rec


def visit(shop, kind, planned_on, status="approved", done_on=None):
    v = Visit(retailer_id=shop.id, unit_id=shop.unit_id, kind=kind, status=status, due_on=planned_on,
              planned_on=planned_on, done_on=done_on)
    db.session.add(v)
    db.session.commit()
    return v


def repair(shop, record, *, accept_due, decide_due, accepted=False):
    r = RepairRequest(retailer_id=shop.id, record_id=record.id, status="accepted" if accepted else "submitted",
                      statement="已整改", submitted_on=DAY - timedelta(days=5), accept_due=accept_due,
                      decide_due=decide_due, accepted_at=datetime(2026, 11, 10) if accepted else None)
    db.session.add(r)
    db.session.commit()
    return r


def objection(shop, answer_due, status="open"):
    o = Objection(retailer_id=shop.id, grade="B", told_on=DAY - timedelta(days=10), status=status, reasons="有误",
                  submitted_on=DAY - timedelta(days=8), answer_due=answer_due)
    db.session.add(o)
    db.session.commit()
    return o


def inspection(shop, inspector, second, day, codes=()):
    i = Inspection(client_uuid=secrets.token_hex(16), content_hash="0" * 64, retailer_id=shop.id,
                   unit_id=shop.unit_id, inspector_id=inspector.id, second_officer_id=second.id,
                   outcome="inspected", started_at=datetime(day.year, day.month, day.day, 2), occurred_on=day,
                   geofence="inside", geofence_radius_m=150, signature_status="not_applicable")
    db.session.add(i)
    db.session.flush()
    for n, code in enumerate(codes):
        db.session.add(InspectionViolation(inspection_id=i.id, position=n, indicator_code=code,
                                           catalogue_version="2026.1", indicator_name=code, description="违规"))
    db.session.commit()
    return i


def warning(shop, kind, status="open"):
    w = EarlyWarning(retailer_id=shop.id, unit_id=shop.unit_id, kind=kind, status=status,
                     open_key=f"{shop.id}:{kind}" if status == "open" else None, raised_on=DAY - timedelta(days=2),
                     facts={}, outcome=None if status == "open" else "resolved")
    db.session.add(w)
    db.session.commit()
    return w


def soon(n=1):
    """A day n working days after DAY (within the dashboard's 3 working days for n <= 3)."""
    return add_working_days(DAY, n)


HREF = re.compile(r'<a href="([^"]+)" xlink:href')


def card(html: str, card_id: str) -> str:
    start = html.index(f'data-testid="card-{card_id}"')
    end = html.find('data-testid="card-', start + 10)
    return html[start:end if end != -1 else len(html)]


def links(html: str, card_id: str) -> list[str]:
    from html import unescape

    return [unescape(h) for h in HREF.findall(card(html, card_id))]
