"""Model groups and model retailers (示范小组、示范户): nomination (by an account manager, a supervisor or
a group), review, a notice period, publication (a model retailer receives the YX55 bonus record,
decided that day, its case number the decision's number) and withdrawal (the record is dismissed
through its status history). The caller commits."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.services import lock_chain
from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import local_today
from app.credit import grading, recording
from app.extensions import db
from app.groups.models import MODEL_CODE, GroupRating, IntegrityGroup, ModelAward
from app.groups.services import DEFAULT_NOTICE_DAYS, _check_county, _text, open_membership, serious_violations
from app.retailers.models import Retailer

MIN_GROUP_STARS = 4  # a model group, and a model retailer's group, hold a published rating of 4 or 5 stars


def _rated(group_id) -> GroupRating | None:
    return db.session.scalars(select(GroupRating).where(GroupRating.group_id == group_id,
                                                        GroupRating.status == "published")
                              .order_by(GroupRating.published_on.desc())).first()


def nominate(actor, *, kind, practice, group_id=None, licence_no=None, by_group_id=None,
             today: date | None = None) -> ModelAward:
    """Nominate a group or a retailer. Conditions: a group holds a published rating of at least
    MIN_GROUP_STARS; a retailer belongs to such a group, its live grade is A or better, and it has no
    serious violation in the last year."""
    today = today or local_today()
    errors: dict = {}
    practice = _text(errors, "practice", practice)
    group = retailer = None
    if kind == "group":
        group = db.session.get(IntegrityGroup, group_id) if group_id else None
        if group is None:
            errors["group_id"] = [_("Choose a group.")]
        else:
            rating = _rated(group.id)
            if rating is None or rating.stars < MIN_GROUP_STARS:
                errors["group_id"] = [_("A model group must hold a published rating of four or five stars.")]
            unit_id = group.unit_id
    elif kind == "shop":
        retailer = db.session.scalars(select(Retailer).where(Retailer.licence_no == (licence_no or "").strip())).first()
        if retailer is None:
            errors["licence_no"] = [_("No licence with this number.")]
        else:
            unit_id = retailer.unit_id
            m = open_membership(retailer.id)
            rating = _rated(m.group_id) if m else None
            if rating is None or rating.stars < MIN_GROUP_STARS:
                errors["licence_no"] = [_("A model retailer must belong to a group rated four or five stars.")]
            elif any(r.retailer_id == retailer.id
                     for r in serious_violations(m.group, today - timedelta(days=365), today)):
                errors["licence_no"] = [_("This retailer has a serious violation in the last year.")]
            elif grading.current_grade(retailer).grade not in ("AAA", "AA", "A"):
                errors["licence_no"] = [_("A model retailer's grade must be A or better.")]
    else:
        errors["kind"] = [_("Must be one of the allowed values.")]
    by_group = None
    if by_group_id:
        by_group = db.session.get(IntegrityGroup, by_group_id)
        if by_group is None:
            errors["by_group_id"] = [_("Choose a group.")]
    if errors:
        raise ServiceError(errors)
    _check_county(actor, unit_id, field="kind")
    award = ModelAward(kind=kind, year=today.year, group_id=group.id if group else None,
                       retailer_id=retailer.id if retailer else None, unit_id=unit_id, practice=practice,
                       nominated_by_id=getattr(actor, "id", None), nominated_by_group_id=by_group_id or None,
                       nominated_on=today, status="nominated")
    try:
        with db.session.begin_nested():
            db.session.add(award)
            db.session.flush()
    except IntegrityError:
        raise ServiceError({"kind": [_("This nomination already exists for this year.")]}, status=409) from None
    audit("model.nominate", "ModelAward", award.id, actor=actor,
          after={"kind": kind, "group_id": award.group_id, "retailer_id": award.retailer_id, "practice": practice,
                 "by_group_id": award.nominated_by_group_id})
    return award


def review(award: ModelAward, actor, *, approve: bool, note, today: date | None = None) -> ModelAward:
    """A supervisor approves (the notice period starts) or rejects, with reasons."""
    today = today or local_today()
    _check_county(actor, award.unit_id, field="note")
    errors: dict = {}
    note = _text(errors, "note", note)
    if award.status != "nominated":
        raise ServiceError({"note": [_("This nomination was already reviewed.")]}, status=409)
    if errors:
        raise ServiceError(errors)
    award.review_note, award.reviewed_by_id, award.reviewed_on = note, getattr(actor, "id", None), today
    if approve:
        award.status = "approved"
        award.notice_until = today + timedelta(days=DEFAULT_NOTICE_DAYS)
        award.decision_no = f"示范评选〔{award.year}〕{award.id}号"
    else:
        award.status = "rejected"
    db.session.flush()
    audit("model.review", "ModelAward", award.id, actor=actor,
          after={"status": award.status, "note": note, "notice_until": award.notice_until})
    return award


def publish(award: ModelAward, actor, today: date | None = None) -> ModelAward:
    lock_chain()
    db.session.refresh(award, with_for_update=True)
    today = today or local_today()
    _check_county(actor, award.unit_id, field="note")
    if award.status != "approved":
        raise ServiceError({"note": [_("Only an approved nomination can be published.")]}, status=409)
    if today <= award.notice_until:
        raise ServiceError({"note": [_("The notice period runs until %(day)s.", day=award.notice_until.isoformat())]},
                           status=409)
    award.status, award.published_on, award.published_by_id = "published", today, getattr(actor, "id", None)
    if award.kind == "shop":
        rec = recording.create_record(
            award.retailer, MODEL_CODE, occurred_on=today, source="supervisor" if actor is not None else "system",
            actor=actor, status="confirmed", decided_on=today, case_number=award.decision_no,
            description=f"评为诚信示范户（{award.decision_no}）", from_decision=True)
        award.record_id = rec.id
    db.session.flush()
    audit("model.publish", "ModelAward", award.id, actor=actor,
          after={"published_on": today, "record_id": award.record_id})
    return award


def withdraw(award: ModelAward, actor, *, reason, today: date | None = None) -> ModelAward:
    today = today or local_today()
    _check_county(actor, award.unit_id, field="reason")
    errors: dict = {}
    reason = _text(errors, "reason", reason)
    if award.status not in ("approved", "published"):
        raise ServiceError({"reason": [_("Only an approved or published award can be withdrawn.")]}, status=409)
    if errors:
        raise ServiceError(errors)
    before = {"status": award.status}
    award.status, award.withdrawn_on, award.withdrawn_reason = "withdrawn", today, reason
    db.session.flush()
    if award.record is not None and award.record.status == "confirmed":
        recording.dismiss(award.record, f"{award.decision_no} 撤销：{reason}", actor)
    audit("model.withdraw", "ModelAward", award.id, actor=actor, before=before,
          after={"status": "withdrawn", "reason": reason})
    return award


def publish_due(today: date | None = None) -> int:
    today = today or local_today()
    due = list(db.session.scalars(select(ModelAward).where(ModelAward.status == "approved",
                                                           ModelAward.notice_until < today).order_by(ModelAward.id)))
    for award in due:
        publish(award, None, today)
    return len(due)


def public_awards():
    return (select(ModelAward).where(ModelAward.status == "published")
            .order_by(ModelAward.published_on.desc(), ModelAward.id.desc()))
