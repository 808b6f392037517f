"""帮扶: the protected hardship flag. Set with the evidence seen and a review date, revoked with reasons,
each step audited; read only by marketing supervisors (the policy action "service.hardship")."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.extensions import db
from app.service.models import HardshipFlag

CATEGORIES = ("low_income", "disability", "illness", "disaster", "other")


def active_flag(retailer_id: int) -> HardshipFlag | None:
    return db.session.scalars(select(HardshipFlag).where(HardshipFlag.retailer_id == retailer_id,
                                                         HardshipFlag.revoked_at.is_(None))).first()


def set_flag(retailer, actor, *, category: str, evidence: str, review_on: dt.date, note: str = "",
             today: dt.date | None = None) -> HardshipFlag:
    today = today or local_today()
    errors = {}
    if category not in CATEGORIES:
        errors["category"] = [_("Choose the kind of hardship.")]
    evidence = (evidence or "").strip()
    if len(evidence) < 6:
        errors["evidence"] = [_("Describe the evidence seen (document, issuing office, date).")]
    elif len(evidence) > 1000:
        errors["evidence"] = [_("Too long.")]
    if review_on is None or review_on <= today or review_on > today + dt.timedelta(days=366):
        errors["review_on"] = [_("A review date within the next twelve months.")]
    if active_flag(retailer.id) is not None:
        errors["category"] = [_("This licence has a hardship flag in force: revoke it first to change it.")]
    if errors:
        raise ServiceError(errors)
    flag = HardshipFlag(retailer_id=retailer.id, unit_id=retailer.unit_id, category=category, evidence=evidence,
                        note=(note or "").strip()[:1000], review_on=review_on, set_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(flag)
            db.session.flush()
    except Exception:  # noqa: BLE001  (the partial unique index: one flag in force per licence)
        raise ServiceError({"category": [_("This licence has a hardship flag in force: revoke it first to "
                                           "change it.")]}, status=409) from None
    audit("hardship.set", "HardshipFlag", flag.id, after={"retailer": retailer.id, "category": category,
                                                         "review_on": review_on}, actor=actor)
    return flag


def revoke(flag: HardshipFlag, actor, reason: str) -> HardshipFlag:
    reason = (reason or "").strip()
    if flag.revoked_at is not None:
        raise ServiceError({"reason": [_("This flag is revoked already.")]}, status=409)
    if len(reason) < 4:
        raise ServiceError({"reason": [_("Please give the reason.")]})
    flag.revoked_at, flag.revoked_by_id, flag.revoke_reason = utcnow(), actor.id, reason[:1000]
    db.session.flush()
    audit("hardship.revoke", "HardshipFlag", flag.id, after={"reason": flag.revoke_reason}, actor=actor)
    return flag
