"""The supervisors' inbox of repair requests (信用修复) and objections (异议): one query each, within the
user's scope, with the page's filters (``show`` open or all, ``unit`` a county's code, ``due`` soon or
overdue as the dashboard counts them), in the page's order (绿色通道 first, then by deadline). The inbox
page and its Excel exports call these."""
from __future__ import annotations

from sqlalchemy import case, select

from app.auth import policy
from app.common.time import local_today
from app.repair.models import Objection, RepairRequest
from app.repair.services import OPEN_REPAIR
from app.retailers.models import Retailer


def _filtered(user, args: dict):
    show = args.get("show") or "open"
    due = args.get("due") if args.get("due") in ("soon", "overdue") else ""
    unit = (args.get("unit") or "").strip()[:6]
    stmt = policy.scope(user, "repairs.decide", select(RepairRequest), RepairRequest)
    ostmt = policy.scope(user, "repairs.decide", select(Objection), Objection)
    if show == "open" or due:
        stmt = stmt.where(RepairRequest.status.in_(OPEN_REPAIR))
        ostmt = ostmt.where(Objection.status == "open")
    if unit:
        from app.org.models import OrgUnit

        in_unit = select(Retailer.id).join(OrgUnit, OrgUnit.id == Retailer.unit_id).where(OrgUnit.code == unit)
        stmt = stmt.where(RepairRequest.retailer_id.in_(in_unit))
        ostmt = ostmt.where(Objection.retailer_id.in_(in_unit))
    if due:
        stmt, ostmt = _due_filter(stmt, ostmt, due)
    return stmt, ostmt


def _due_filter(stmt, ostmt, due: str):
    """Open requests whose next deadline (acceptance, then decision) and open objections whose answer
    is due within 3 working days ("soon") or has passed ("overdue"), as the dashboard counts them."""
    from app.common.workdays import add_working_days
    from app.dashboard.refresh import SOON_WORKING_DAYS

    today = local_today()
    nxt = case((RepairRequest.accepted_at.is_(None), RepairRequest.accept_due), else_=RepairRequest.decide_due)
    if due == "overdue":
        return stmt.where(nxt < today), ostmt.where(Objection.answer_due < today)
    until = add_working_days(today, SOON_WORKING_DAYS)
    return (stmt.where(nxt >= today, nxt <= until),
            ostmt.where(Objection.answer_due >= today, Objection.answer_due <= until))


def repairs_query(user, args: dict):
    """The inbox's repair requests: AA/AAA retailers' first (绿色通道), then by decision deadline."""
    from app.trust.services import green_first

    stmt, _o = _filtered(user, args)
    return stmt.order_by(green_first(RepairRequest.retailer_id), RepairRequest.decide_due, RepairRequest.id)


def objections_query(user, args: dict):
    """The inbox's objections: AA/AAA retailers' first (绿色通道), then by answer deadline."""
    from app.trust.services import green_first

    _r, ostmt = _filtered(user, args)
    return ostmt.order_by(green_first(Objection.retailer_id), Objection.answer_due, Objection.id)
