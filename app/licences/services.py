"""Licence services: expiry notices to retailers (run daily) and licence-verification tasks.

Every change of state is audited here, in the caller's transaction (the caller commits)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.common.validation import N_
from app.extensions import db
from app.licences.models import CANCEL_OUTCOMES, CHECK_OUTCOMES, LicenceCheck
from app.retailers.models import Retailer

# ---- expiry notices -------------------------------------------------------------------------------

# (stage, the notice applies while days_left is in [low, high])
EXPIRY_STAGES = (("60", 31, 60), ("30", 1, 30), ("0", -7, 0))


def expiry_stage(days_left: int) -> str | None:
    """Which notice is due for a licence with ``days_left`` to its expiry: 60 days ahead, 30 days
    ahead, or on the day (still sent up to a week late if the daily run missed the day)."""
    for stage, low, high in EXPIRY_STAGES:
        if low <= days_left <= high:
            return stage
    return None


def send_expiry_notices(today: date | None = None) -> int:
    """Tell retailers whose licence expires in 60 days, in 30 days, or today (每日运行). One notice per
    licence, expiry date and stage (dedupe key), so a run repeated the same day, or on the next days,
    sends nothing twice; a renewed licence (a new expiry date) is told again when its time comes.
    Returns the number of licences told."""
    from app.notices.services import notify, retailer_accounts

    today = today or local_today()
    rows = db.session.scalars(select(Retailer).where(
        Retailer.status != "cancelled", Retailer.licence_expires_on >= today - timedelta(days=7),
        Retailer.licence_expires_on <= today + timedelta(days=60)).order_by(Retailer.id))
    told = 0
    for retailer in rows:
        days_left = (retailer.licence_expires_on - today).days
        stage = expiry_stage(days_left)
        if stage is None:
            continue
        key = f"licence:{retailer.id}:{retailer.licence_expires_on.isoformat()}:{stage}"
        d = retailer.licence_expires_on.isoformat()
        if stage == "0" and days_left == 0:
            title, body = N_("Your tobacco retail licence %(no)s expires today"), N_(
                "Apply for renewal at the county bureau at once: selling cigarettes without a valid licence is "
                "against the law.")
        elif stage == "0":
            title, body = N_("Your tobacco retail licence %(no)s expired on %(d)s"), N_(
                "Apply for renewal at the county bureau at once: selling cigarettes without a valid licence is "
                "against the law.")
        else:
            title, body = N_("Your tobacco retail licence %(no)s expires on %(d)s"), N_(
                "Apply for renewal at the county bureau before then (in %(n)d days).")
        sent = [notify(user, "licence_expiry", title, body, link="/", retailer_id=retailer.id, dedupe_key=key,
                       sms_phone=retailer.phone, no=retailer.licence_no, d=d, n=days_left)
                for user in retailer_accounts(retailer.id)]
        if any(sent):
            told += 1
    db.session.flush()
    if told:
        audit("licence.expiry_notices", "licence", None, after={"date": today, "licences": told}, actor=None)
    return told


# ---- licence-verification tasks (虚假户 check) ----------------------------------------------------------

def not_found_window() -> int:
    return int(current_app.config.get("LICENCE_CHECK_WINDOW_DAYS", 90))


def not_found_threshold() -> int:
    return int(current_app.config.get("LICENCE_CHECK_NOT_FOUND", 2))


def note_not_found(inspection, actor) -> LicenceCheck | None:
    """After an inspection found no shop at the address (outcome not_found): when this is the
    second time within 90 days, open a licence-verification task for the county supervisor (once:
    while one is open, nothing more). Visits already weighed by a closed task do not count again."""
    if inspection.outcome != "not_found":
        return None
    from app.inspections.models import Inspection

    if db.session.scalar(select(LicenceCheck.id).where(LicenceCheck.retailer_id == inspection.retailer_id,
                                                       LicenceCheck.status == "open")) is not None:
        return None
    since = inspection.occurred_on - timedelta(days=not_found_window())
    last_closed = db.session.scalars(select(LicenceCheck).where(
        LicenceCheck.retailer_id == inspection.retailer_id, LicenceCheck.status == "closed")
        .order_by(LicenceCheck.id.desc())).first()
    stmt = select(Inspection.id).where(Inspection.retailer_id == inspection.retailer_id,
                                       Inspection.outcome == "not_found", Inspection.occurred_on >= since,
                                       Inspection.occurred_on <= inspection.occurred_on)
    if last_closed is not None and last_closed.inspection_ids:
        stmt = stmt.where(Inspection.id > max(last_closed.inspection_ids))
    ids = list(db.session.scalars(stmt.order_by(Inspection.occurred_on, Inspection.id)))
    if len(ids) < not_found_threshold():
        return None
    check = LicenceCheck(retailer_id=inspection.retailer_id, unit_id=inspection.unit_id, reason="not_found_repeatedly",
                         status="open", inspection_ids=ids, opened_on=inspection.occurred_on, opened_at=utcnow())
    try:
        with db.session.begin_nested():  # another capture may have opened it a moment ago
            db.session.add(check)
            db.session.flush()
    except IntegrityError:
        return None
    audit("licence_check.open", "LicenceCheck", check.id, actor=actor, after={
        "retailer_id": check.retailer_id, "reason": check.reason, "inspection_ids": ids})
    from app.notices.services import notify_supervisors

    retailer = db.session.get(Retailer, check.retailer_id)
    notify_supervisors(retailer, "licence_check", N_("Licence check: no shop found twice at %(shop)s (%(no)s)"),
                       N_("Inspectors found no shop at the registered address %(n)d times within %(days)d days. "
                          "Verify the licence (虚假户 check)."),
                       link=f"/licence-checks/{check.id}", dedupe_key=f"licence_check:{check.id}",
                       shop=retailer.shop_name, no=retailer.licence_no, n=len(ids), days=not_found_window())
    return check


def close_check(check: LicenceCheck, actor, outcome: str, note: str) -> LicenceCheck:
    """The supervisor's finding closes the task, with a reason; audited."""
    errors = {}
    if check.status != "open":
        errors["status"] = [_("This check is already closed.")]
    if outcome not in CHECK_OUTCOMES:
        errors["outcome"] = [_("Choose what you found.")]
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("Say what was found and on what evidence.")]
    elif len(note) > 2000:
        errors["note"] = [_("Too long.")]
    if errors:
        raise ServiceError(errors)
    check.status, check.outcome, check.note = "closed", outcome, note
    check.closed_at, check.closed_by_id = utcnow(), actor.id
    if outcome in CANCEL_OUTCOMES:  # the shop is gone: the licence is proposed for cancellation
        check.cancellation = "proposed"
    db.session.flush()
    audit("licence_check.close", "LicenceCheck", check.id, actor=actor, before={"status": "open"},
          after={"status": "closed", "outcome": outcome, "note": note, "cancellation": check.cancellation})
    return check


def decide_cancellation(check: LicenceCheck, actor, decision: str, note: str,
                        note_field: str = "cancellation_note") -> LicenceCheck:
    """A supervisor decides a proposed cancellation: ``cancel`` sets the licence's status to cancelled,
    ``keep`` leaves it; with the reason. Audited (the licence's change too)."""
    errors = {}
    if check.cancellation != "proposed":
        raise ServiceError({"decision": [_("No cancellation is proposed for this licence.")]}, status=409)
    if decision not in ("cancel", "keep"):
        errors["decision"] = [_("Choose whether to cancel the licence.")]
    note = (note or "").strip()
    if not note:
        errors[note_field] = [_("Give the reason and the decision's reference.")]
    elif len(note) > 2000:
        errors[note_field] = [_("Too long.")]
    if errors:
        raise ServiceError(errors)
    check.cancellation = "cancelled" if decision == "cancel" else "kept"
    check.cancellation_note, check.cancellation_decided_at = note, utcnow()
    check.cancellation_decided_by_id = actor.id
    if decision == "cancel":
        retailer = db.session.get(Retailer, check.retailer_id)
        before = retailer.status
        retailer.status = "cancelled"
        audit("retailer.cancel", "Retailer", retailer.id, actor=actor, before={"status": before},
              after={"status": "cancelled", "licence_check_id": check.id, "note": note})
    db.session.flush()
    audit("licence_check.cancellation", "LicenceCheck", check.id, actor=actor, before={"cancellation": "proposed"},
          after={"cancellation": check.cancellation, "note": note})
    return check


def list_query(user, args: dict):
    from app.auth import policy
    from app.org.models import OrgUnit

    stmt = policy.scope(user, "licence_checks.read", select(LicenceCheck), LicenceCheck)
    if args.get("status"):
        stmt = stmt.where(LicenceCheck.status == args["status"])
    if args.get("unit"):
        stmt = stmt.where(LicenceCheck.unit_id.in_(select(OrgUnit.id).where(OrgUnit.code == args["unit"])))
    return stmt.order_by(LicenceCheck.status.desc(), LicenceCheck.opened_on.desc(), LicenceCheck.id.desc())


def count_open(user) -> int:
    from sqlalchemy import func

    from app.auth import policy

    stmt = policy.scope(user, "licence_checks.read", select(func.count(LicenceCheck.id)), LicenceCheck)
    return db.session.scalar(stmt.where(LicenceCheck.status == "open")) or 0
