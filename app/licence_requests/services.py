"""Licence change and renewal requests (许可证变更/延续申请): submission by the retailer, decision by
a county supervisor, each one transaction with its audit entry and notices.

The green channel (绿色通道): a request from a licence graded AA or AAA at submission is flagged
(``green_channel``), comes first in the supervisors' queue and is due in fewer working days
(GREEN_DECIDE_WORKING_DAYS instead of DECIDE_WORKING_DAYS, app.common.workdays). Approving a renewal
moves the licence's expiry to the validity asked for; approving a change records the decision (the
registration itself is amended on the retailer's page)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.common.validation import N_
from app.common.workdays import add_working_days
from app.credit import grading
from app.extensions import db
from app.licence_requests.models import KINDS, MAX_CHANGES, MAX_REASON, LicenceRequest
from app.notices import services as notices
from app.retailers.models import Retailer
from app.trust.models import TRUSTED_GRADES

DECIDE_WORKING_DAYS = 20        # 行政许可: a decision within 20 working days
GREEN_DECIDE_WORKING_DAYS = 10  # 绿色通道: AA/AAA licences are decided within 10
MAX_RENEWAL_YEARS = 5           # a licence is renewed for at most 5 years past its current expiry
MIN_CHANGES = 5


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def open_request(retailer_id: int, kind: str) -> LicenceRequest | None:
    return db.session.scalars(select(LicenceRequest).where(LicenceRequest.retailer_id == retailer_id,
                                                           LicenceRequest.kind == kind,
                                                           LicenceRequest.status == "submitted")).first()


def submit(retailer: Retailer, user, *, kind: str, changes: str = "", requested_until=None,
           today: date | None = None) -> LicenceRequest:
    """``requested_until``: a date or its ISO text (renewal only). Errors are field by field."""
    today = today or local_today()
    kind = (kind or "").strip()
    changes = (changes or "").strip()
    errors: dict = {}
    until = None
    if kind not in KINDS:
        errors["kind"] = [_("Choose a change or a renewal.")]
    elif kind == "change":
        if len(changes) < MIN_CHANGES:
            errors["changes"] = [_("Please say what is to change (at least %(n)d characters).", n=MIN_CHANGES)]
        elif len(changes) > MAX_CHANGES:
            errors["changes"] = [_("At most %(n)d characters.", n=MAX_CHANGES)]
    else:
        if isinstance(requested_until, date):
            until = requested_until
        elif str(requested_until or "").strip():
            try:
                until = date.fromisoformat(str(requested_until).strip())
            except ValueError:
                errors["requested_until"] = [_("Not a valid date.")]
        else:
            errors["requested_until"] = [_("Please give the validity you ask for.")]
        if until is not None:
            latest = _plus_years(retailer.licence_expires_on, MAX_RENEWAL_YEARS)
            if until <= retailer.licence_expires_on:
                errors["requested_until"] = [_("Must be after the licence's current expiry (%(d)s).",
                                               d=retailer.licence_expires_on.isoformat())]
            elif until > latest:
                errors["requested_until"] = [_("At most %(n)d years after the current expiry (by %(d)s).",
                                               n=MAX_RENEWAL_YEARS, d=latest.isoformat())]
    if errors:
        raise ServiceError(errors)
    # one open request per licence and kind: the licence's row is locked while checking (PostgreSQL)
    db.session.execute(select(Retailer.id).where(Retailer.id == retailer.id).with_for_update())
    if open_request(retailer.id, kind) is not None:
        raise ServiceError({"kind": [_("A request of this kind is already waiting for a decision.")]}, status=409)
    grade = grading.current_grade(retailer, today).grade
    green = grade in TRUSTED_GRADES
    due = add_working_days(today, GREEN_DECIDE_WORKING_DAYS if green else DECIDE_WORKING_DAYS)
    req = LicenceRequest(retailer_id=retailer.id, kind=kind, changes=changes if kind == "change" else None,
                         requested_until=until if kind == "renewal" else None, grade=grade, green_channel=green,
                         status="submitted", submitted_at=utcnow(), submitted_on=today, submitted_by_id=user.id,
                         decide_due=due)
    try:
        with db.session.begin_nested():  # two submissions at once: the partial unique index refuses the second
            db.session.add(req)
            db.session.flush()
    except IntegrityError:
        raise ServiceError({"kind": [_("A request of this kind is already waiting for a decision.")]},
                           status=409) from None
    audit("licence_request.submit", "LicenceRequest", req.id, actor=user,
          after={"retailer_id": retailer.id, "kind": kind, "changes": req.changes,
                 "requested_until": until.isoformat() if until else None, "grade": grade, "green_channel": green,
                 "decide_due": due.isoformat()})
    notices.notify_supervisors(retailer, "licence_request",
                               N_("Green channel licence request: %(shop)s") if green
                               else N_("New licence request: %(shop)s"),
                               N_("Decide by %(d)s."), link=f"/supervise/licence-requests/{req.id}",
                               shop=retailer.shop_name, d=due.isoformat())
    return req


def decide(req: LicenceRequest, actor, *, approve: bool, reason: str) -> LicenceRequest:
    db.session.refresh(req, with_for_update=True)
    reason = (reason or "").strip()
    if req.status != "submitted":
        raise ServiceError({"action": [_("This request was already decided.")]}, status=409)
    if not approve and not reason:
        raise ServiceError({"reason": [_("Please give the reason for the rejection.")]})
    if len(reason) > MAX_REASON:
        raise ServiceError({"reason": [_("At most %(n)d characters.", n=MAX_REASON)]})
    retailer = req.retailer
    before = {"status": req.status, "licence_expires_on": retailer.licence_expires_on.isoformat()}
    req.status = "approved" if approve else "rejected"
    req.decided_by_id, req.decided_at, req.reason = actor.id, utcnow(), reason or None
    if approve and req.kind == "renewal":
        retailer.licence_expires_on = req.requested_until
    db.session.flush()
    audit("licence_request.decide", "LicenceRequest", req.id, actor=actor, before=before,
          after={"status": req.status, "reason": req.reason,
                 "licence_expires_on": retailer.licence_expires_on.isoformat()})
    if approve:
        notices.notify_retailer(retailer, "licence_request", N_("Your licence request was approved"),
                                N_("Reason: %(r)s") if reason else "", link=f"/me/licence-requests/{retailer.id}",
                                r=reason)
    else:
        notices.notify_retailer(retailer, "licence_request", N_("Your licence request was rejected"),
                                N_("Reason: %(r)s"), link=f"/me/licence-requests/{retailer.id}", r=reason)
    return req
