"""Integrity mutual-aid groups (诚信互助小组): groups and members, rating rounds, the joint panel's
ratings with a notice period and objections, publication (which makes each member's bonus record),
withdrawal (which dismisses them through their status history) and the loss of stars after a
member's serious violation. Every change is audited; the caller commits."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.audit.services import lock_chain
from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import local_today
from app.credit import recording, versions
from app.credit.models import CreditRecord
from app.extensions import db
from app.groups.models import (
    STAR_CODES,
    GroupMembership,
    GroupRating,
    GroupRatingBonus,
    IntegrityGroup,
    RatingObjection,
    RatingRound,
)
from app.retailers.models import Retailer

MAX_TEXT = 2000
DEFAULT_NOTICE_DAYS = 7  # publication waits this many days for objections unless the round says otherwise
# The published criteria of a round unless the round gives its own (points each).
DEFAULT_CRITERIA = [
    {"key": "compliance", "name": "成员守法经营（无违法违规记录）", "max": 40},
    {"key": "mutual_supervision", "name": "组内互查互纠、信息共享", "max": 30},
    {"key": "participation", "name": "参加培训及行业活动", "max": 30},
]
DEFAULT_THRESHOLDS = {"3": 60, "4": 75, "5": 90}
SERIOUS = ("serious", "veto")


def _text(errors, field, value, *, required=True):
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_("Please fill this in."))
    elif len(value) > MAX_TEXT:
        errors.setdefault(field, []).append(_("Too long."))
    return value


def _in_county(actor, unit_id) -> bool:
    return actor is None or actor.is_city_level or actor.unit_id == unit_id


def _check_county(actor, unit_id, field="group"):
    if not _in_county(actor, unit_id):
        raise ServiceError({field: [_("You may only manage groups of your own county.")]}, status=403)


# ---- groups and members ---------------------------------------------------------------------------

def create_group(actor, *, name, unit_id, area, manager=None, founded_on=None) -> IntegrityGroup:
    errors: dict = {}
    name = _text(errors, "name", name)
    area = _text(errors, "area", area)
    manager = (manager or "").strip() or None
    if name and len(name) > 64:
        errors["name"] = [_("Too long.")]
    if area and len(area) > 128:
        errors["area"] = [_("Too long.")]
    if manager and len(manager) > 128:
        errors["manager"] = [_("Too long.")]
    if unit_id is None:
        errors["unit"] = [_("Missing data for required field.")]
    elif not _in_county(actor, unit_id):
        errors["unit"] = [_("You may only manage groups of your own county.")]
    if errors:
        raise ServiceError(errors)
    group = IntegrityGroup(name=name, unit_id=unit_id, area=area, manager=manager, status="active",
                           founded_on=founded_on or local_today(), created_by_id=getattr(actor, "id", None))
    try:
        with db.session.begin_nested():
            db.session.add(group)
            db.session.flush()
    except IntegrityError:
        raise ServiceError({"name": [_("A group with this name exists.")]}, status=409) from None
    audit("group.create", "IntegrityGroup", group.id, actor=actor,
          after={"name": name, "unit_id": unit_id, "area": area, "manager": manager})
    return group


def open_membership(retailer_id) -> GroupMembership | None:
    return db.session.scalars(select(GroupMembership).where(GroupMembership.retailer_id == retailer_id,
                                                            GroupMembership.left_on.is_(None))).first()


def members(group: IntegrityGroup, day: date | None = None) -> list[GroupMembership]:
    """Memberships in force on ``day`` (today: the open ones)."""
    day = day or local_today()
    return list(db.session.scalars(select(GroupMembership).where(
        GroupMembership.group_id == group.id, GroupMembership.joined_on <= day,
        or_(GroupMembership.left_on.is_(None), GroupMembership.left_on > day)).order_by(GroupMembership.id)))


def add_member(group: IntegrityGroup, licence_no: str, actor, *, joined_on=None) -> GroupMembership:
    """A licence joins the group. A licence is in one group at a time: the open-membership index
    decides, inside a SAVEPOINT; the answer names the group that holds it (409)."""
    _check_county(actor, group.unit_id)
    if group.status != "active":
        raise ServiceError({"group": [_("This group was dissolved.")]}, status=409)
    licence_no = (licence_no or "").strip()
    retailer = db.session.scalars(select(Retailer).where(Retailer.licence_no == licence_no)).first()
    if retailer is None:
        raise ServiceError({"licence_no": [_("No licence with this number.")]})
    if retailer.unit_id != group.unit_id:
        raise ServiceError({"licence_no": [_("The licence belongs to another county than the group.")]})
    if retailer.status == "cancelled":
        raise ServiceError({"licence_no": [_("This licence is cancelled.")]})
    joined_on = joined_on or local_today()
    m = GroupMembership(group_id=group.id, retailer_id=retailer.id, joined_on=joined_on,
                        added_by_id=getattr(actor, "id", None))
    try:
        with db.session.begin_nested():
            db.session.add(m)
            db.session.flush()
    except IntegrityError:
        held = open_membership(retailer.id)
        if held is None:
            raise
        raise ServiceError({"licence_no": [_("This licence is already a member of the group %(name)s; it must "
                                             "leave that group first.", name=held.group.name)]},
                           status=409, details={"group_id": held.group_id}) from None
    audit("group.member.join", "IntegrityGroup", group.id, actor=actor,
          after={"retailer_id": retailer.id, "joined_on": joined_on})
    return m


def remove_member(m: GroupMembership, actor, *, reason, left_on=None) -> GroupMembership:
    _check_county(actor, m.group.unit_id)
    errors: dict = {}
    reason = _text(errors, "reason", reason)
    if m.left_on is not None:
        raise ServiceError({"membership": [_("This member already left the group.")]}, status=409)
    left_on = left_on or local_today()
    if left_on < m.joined_on:
        errors["left_on"] = [_("A member cannot leave before joining.")]
    if errors:
        raise ServiceError(errors)
    m.left_on, m.left_reason, m.removed_by_id = left_on, reason, getattr(actor, "id", None)
    if m.group.leader_id == m.retailer_id:
        m.group.leader_id = None
    db.session.flush()
    audit("group.member.leave", "IntegrityGroup", m.group_id, actor=actor,
          after={"retailer_id": m.retailer_id, "left_on": left_on, "reason": reason})
    return m


def dissolve(group: IntegrityGroup, actor, *, reason, today: date | None = None) -> IntegrityGroup:
    """The group ends: every member leaves that day (their history kept). Its published rating stays a
    decision of its day: the bonuses it made count until they lapse."""
    _check_county(actor, group.unit_id)
    today = today or local_today()
    errors: dict = {}
    reason = _text(errors, "reason", reason)
    if group.status != "active":
        raise ServiceError({"reason": [_("This group was dissolved.")]}, status=409)
    if errors:
        raise ServiceError(errors)
    left = []
    for m in members(group, today):
        m.left_on, m.left_reason, m.removed_by_id = today, reason, getattr(actor, "id", None)
        left.append(m.retailer_id)
    group.status, group.leader_id = "dissolved", None
    db.session.flush()
    audit("group.dissolve", "IntegrityGroup", group.id, actor=actor, after={"reason": reason, "members_left": left})
    return group


def set_leader(group: IntegrityGroup, retailer_id: int, actor) -> IntegrityGroup:
    _check_county(actor, group.unit_id)
    m = open_membership(retailer_id)
    if m is None or m.group_id != group.id:
        raise ServiceError({"leader": [_("The leader must be a member of the group.")]})
    before = {"leader_id": group.leader_id}
    group.leader_id = retailer_id
    db.session.flush()
    audit("group.leader", "IntegrityGroup", group.id, actor=actor, before=before, after={"leader_id": retailer_id})
    return group


# ---- rounds ---------------------------------------------------------------------------------------

def open_round(actor, *, label, kind, period_start, period_end, notice_days=None, violation_effect="next_round",
               criteria=None, thresholds=None) -> RatingRound:
    if actor is not None and not actor.is_city_level:
        raise ServiceError({"label": [_("Rating rounds are opened at city level.")]}, status=403)
    errors: dict = {}
    label = (label or "").strip()
    if not label:
        errors["label"] = [_("Please fill this in.")]
    elif len(label) > 32:
        errors["label"] = [_("Too long.")]
    if kind not in ("year", "half"):
        errors["kind"] = [_("Must be one of the allowed values.")]
    if violation_effect not in ("next_round", "at_once"):
        errors["violation_effect"] = [_("Must be one of the allowed values.")]
    if period_start is None or period_end is None or period_end < period_start:
        errors["period_end"] = [_("The period must end after it starts.")]
    notice_days = DEFAULT_NOTICE_DAYS if notice_days is None else notice_days
    if not 1 <= notice_days <= 60:
        errors["notice_days"] = [_("Between 1 and 60 days.")]
    criteria = criteria or DEFAULT_CRITERIA
    thresholds = thresholds or DEFAULT_THRESHOLDS
    if errors:
        raise ServiceError(errors)
    rnd = RatingRound(label=label, kind=kind, period_start=period_start, period_end=period_end,
                      criteria=criteria, thresholds=thresholds, notice_days=notice_days,
                      violation_effect=violation_effect, created_by_id=getattr(actor, "id", None))
    try:
        with db.session.begin_nested():
            db.session.add(rnd)
            db.session.flush()
    except IntegrityError:
        raise ServiceError({"label": [_("A round with this name exists.")]}, status=409) from None
    audit("group.round.open", "RatingRound", rnd.id, actor=actor,
          after={"label": label, "kind": kind, "period_start": period_start, "period_end": period_end,
                 "criteria": criteria, "thresholds": thresholds, "notice_days": notice_days,
                 "violation_effect": violation_effect})
    return rnd


def stars_for(total: int, thresholds: dict) -> int:
    for stars in (5, 4, 3):
        if total >= int(thresholds[str(stars)]):
            return stars
    return 0


def serious_violations(group: IntegrityGroup, start: date, end: date) -> list[CreditRecord]:
    """Confirmed (or later repaired) serious or veto records decided in [start, end] of licences that
    were members of the group on the decision date."""
    cats = versions.catalogues()
    rows = db.session.execute(
        select(CreditRecord, GroupMembership).join(GroupMembership, GroupMembership.retailer_id == CreditRecord.retailer_id)
        .where(GroupMembership.group_id == group.id, CreditRecord.status.in_(("confirmed", "repaired")),
               CreditRecord.decided_on >= start, CreditRecord.decided_on <= end,
               CreditRecord.decided_on >= GroupMembership.joined_on,
               or_(GroupMembership.left_on.is_(None), CreditRecord.decided_on < GroupMembership.left_on))
        .order_by(CreditRecord.decided_on, CreditRecord.id)).all()
    out = []
    for rec, _m in rows:
        cat = cats.get(rec.catalogue_version)
        if cat is not None and rec.indicator_code in cat and cat.indicator(rec.indicator_code).severity in SERIOUS:
            out.append(rec)
    return out


def _last_published(group_id, before_round_id=None) -> GroupRating | None:
    stmt = select(GroupRating).where(GroupRating.group_id == group_id, GroupRating.status == "published")
    if before_round_id is not None:
        stmt = stmt.where(GroupRating.round_id != before_round_id)
    return db.session.scalars(stmt.order_by(GroupRating.published_on.desc(), GroupRating.id.desc())).first()


def rate(rnd: RatingRound, group: IntegrityGroup, actor, *, scores: dict, evidence, panel,
         today: date | None = None) -> GroupRating:
    """The joint panel scores a group on the round's criteria. A member's serious violation in the
    period (or since the group's last published rating) means no stars, whatever the score."""
    _check_county(actor, group.unit_id)
    today = today or local_today()
    errors: dict = {}
    evidence = _text(errors, "evidence", evidence)
    panel = _text(errors, "panel", panel)
    clean = {}
    for c in rnd.criteria:
        value = (scores or {}).get(c["key"])
        if value is None:
            errors[f"score_{c['key']}"] = [_("Missing data for required field.")]
        elif not isinstance(value, int) or not 0 <= value <= int(c["max"]):
            errors[f"score_{c['key']}"] = [_("Between 0 and %(n)d points.", n=int(c["max"]))]
        else:
            clean[c["key"]] = value
    if group.status != "active":
        errors["group"] = [_("This group was dissolved.")]
    if today < rnd.period_start:
        errors["round"] = [_("This round's period has not started yet.")]
    if not members(group, today):
        errors["group"] = [_("The group has no members.")]
    if errors:
        raise ServiceError(errors)
    total = sum(clean.values())
    stars = stars_for(total, rnd.thresholds)
    previous = _last_published(group.id)
    since = min(rnd.period_start, previous.decided_on) if previous else rnd.period_start
    lost = serious_violations(group, since, today)
    if lost and stars:
        stars = 0
    lock_chain()
    n = db.session.scalar(select(func.count(GroupRating.id)).where(GroupRating.round_id == rnd.id,
                                                                   GroupRating.group_id == group.id)) or 0
    rating = GroupRating(round_id=rnd.id, group_id=group.id, unit_id=group.unit_id,
                         decision_no=f"互助评星〔{rnd.label}〕{group.id}-{n + 1}号", scores=clean, total=total,
                         stars=stars, evidence=evidence, panel=panel, status="notice", decided_on=today,
                         decided_by_id=getattr(actor, "id", None),
                         notice_until=today + timedelta(days=rnd.notice_days))
    try:
        with db.session.begin_nested():
            db.session.add(rating)
            db.session.flush()
    except IntegrityError:
        raise ServiceError({"group": [_("This group already has a rating in this round; withdraw it first.")]},
                           status=409) from None
    audit("group.rating.decide", "GroupRating", rating.id, actor=actor,
          after={"round": rnd.label, "group_id": group.id, "scores": clean, "total": total, "stars": stars,
                 "serious_violations": [r.id for r in lost], "notice_until": rating.notice_until,
                 "decision_no": rating.decision_no})
    return rating


# ---- objections, publication, withdrawal -----------------------------------------------------------

def raise_objection(rating: GroupRating, actor, *, raised_by, reason, today: date | None = None) -> RatingObjection:
    today = today or local_today()
    errors: dict = {}
    raised_by = _text(errors, "raised_by", raised_by)
    reason = _text(errors, "reason", reason)
    if len(raised_by) > 128:
        errors["raised_by"] = [_("Too long.")]
    if rating.status != "notice" or today > rating.notice_until:
        errors["reason"] = [_("Objections are taken only during the notice period.")]
    if errors:
        raise ServiceError(errors, status=409 if rating.status != "notice" else 422)
    obj = RatingObjection(rating_id=rating.id, raised_by=raised_by, reason=reason, raised_on=today,
                          recorded_by_id=getattr(actor, "id", None), status="open")
    db.session.add(obj)
    db.session.flush()
    audit("group.rating.objection", "GroupRating", rating.id, actor=actor,
          after={"objection": obj.id, "raised_by": raised_by, "reason": reason})
    return obj


def answer_objection(obj: RatingObjection, actor, *, upheld: bool, answer, today: date | None = None):
    """Rejected: the rating may be published. Upheld: the rating is withdrawn; the panel rates again."""
    _check_county(actor, obj.rating.unit_id)
    today = today or local_today()
    errors: dict = {}
    answer = _text(errors, "answer", answer)
    if obj.status != "open":
        raise ServiceError({"answer": [_("This objection was already answered.")]}, status=409)
    if errors:
        raise ServiceError(errors)
    obj.status = "upheld" if upheld else "rejected"
    obj.answer, obj.answered_by_id, obj.answered_on = answer, getattr(actor, "id", None), today
    db.session.flush()
    audit("group.rating.objection.answer", "GroupRating", obj.rating_id, actor=actor,
          after={"objection": obj.id, "status": obj.status, "answer": answer})
    if upheld and obj.rating.status == "notice":
        withdraw(obj.rating, actor, reason=_("Objection upheld: %(answer)s", answer=answer), today=today)
    return obj


def publish(rating: GroupRating, actor, today: date | None = None) -> GroupRating:
    """Publish a rating whose notice period is over and whose objections are answered; every member
    on the day receives the bonus record of the stars (YX52-YX54), decided that day, whose case
    number is the rating's decision number. An earlier published rating of the group is superseded:
    its bonus records still counting end that day (status "ended", the note naming this decision), so a
    member never holds two star bonuses of one group at once."""
    lock_chain()
    db.session.refresh(rating, with_for_update=True)
    _check_county(actor, rating.unit_id)
    today = today or local_today()
    if rating.status != "notice":
        raise ServiceError({"rating": [_("This rating is not waiting for publication.")]}, status=409)
    if today <= rating.notice_until:
        raise ServiceError({"rating": [_("The notice period runs until %(day)s.", day=rating.notice_until.isoformat())]},
                           status=409)
    if any(o.status == "open" for o in rating.objections):
        raise ServiceError({"rating": [_("An objection is still open: answer it first.")]}, status=409)
    for old in db.session.scalars(select(GroupRating).where(GroupRating.group_id == rating.group_id,
                                                            GroupRating.status == "published",
                                                            GroupRating.id != rating.id)).all():
        old.status = "superseded"
        ended = _end_bonuses(old, today, f"由 {rating.decision_no} 取代", actor)
        audit("group.rating.supersede", "GroupRating", old.id, actor=actor,
              after={"by": rating.id, "ended_records": ended})
    rating.status, rating.published_on, rating.published_by_id = "published", today, getattr(actor, "id", None)
    db.session.flush()
    made = []
    if rating.stars:
        code = STAR_CODES[rating.stars]
        name = rating.group.name
        for m in members(rating.group, today):
            rec = recording.create_record(
                m.retailer, code, occurred_on=today, source="supervisor" if actor is not None else "system",
                actor=actor, status="confirmed", decided_on=today, case_number=rating.decision_no,
                description=f"所在诚信互助小组「{name}」评为{rating.stars}星（{rating.decision_no}）",
                from_decision=True)
            db.session.add(GroupRatingBonus(rating_id=rating.id, retailer_id=m.retailer_id, record_id=rec.id))
            made.append(rec.id)
        db.session.flush()
    audit("group.rating.publish", "GroupRating", rating.id, actor=actor,
          after={"published_on": today, "stars": rating.stars, "records": made})
    return rating


def _still_counting(rec, day) -> bool:
    import scoring

    cat = versions.catalogues()[rec.catalogue_version]
    months = cat.indicator(rec.indicator_code).counts_months_under(versions.policy_on(rec.decided_on))
    return rec.decided_on <= day < scoring.add_months(rec.decided_on, months)


def _end_bonuses(rating, day, note, actor) -> list[int]:
    ended = []
    for bonus in rating.bonuses:
        rec = bonus.record
        if rec.status == "confirmed" and _still_counting(rec, day):
            recording.end(rec, max(day, rec.decided_on), actor if _may_decide(actor) else None, note)
            ended.append(rec.id)
    return ended


def withdraw(rating: GroupRating, actor, *, reason, today: date | None = None, end_on: date | None = None
             ) -> GroupRating:
    """Take a rating back (before or after publication), through the bonus records' status history,
    never deleting: without ``end_on`` the rating is void and its bonus records are dismissed; with
    ``end_on`` (a member's serious violation) the stars counted until then and the records end that day."""
    today = today or local_today()
    errors: dict = {}
    reason = _text(errors, "reason", reason)
    if errors:
        raise ServiceError(errors)
    if rating.status in ("withdrawn", "superseded"):
        raise ServiceError({"reason": [_("This rating was already withdrawn.")]}, status=409)
    before = {"status": rating.status}
    rating.status, rating.withdrawn_on, rating.withdrawn_reason = "withdrawn", today, reason
    rating.withdrawn_by_id = getattr(actor, "id", None)
    db.session.flush()
    changed = []
    if end_on is not None:
        changed = _end_bonuses(rating, end_on, f"{rating.decision_no} 摘星：{reason}", actor)
    else:
        for bonus in rating.bonuses:
            rec = bonus.record
            if rec.status == "confirmed":
                recording.dismiss(rec, f"{rating.decision_no} 撤销：{reason}", actor if _may_decide(actor) else None)
                changed.append(rec.id)
    audit("group.rating.withdraw", "GroupRating", rating.id, actor=actor, before=before,
          after={"status": "withdrawn", "reason": reason, "end_on": end_on,
                 "ended" if end_on else "dismissed": changed})
    return rating


def _may_decide(actor) -> bool:
    return actor is None or actor.role in ("admin", "supervisor")


def publish_due(today: date | None = None) -> dict:
    """Daily: publish every rating whose notice period ended with no open objection; then, for
    rounds whose rule is "at once", withdraw published ratings whose group has a member with a
    serious violation decided since the rating."""
    today = today or local_today()
    due = list(db.session.scalars(select(GroupRating).where(GroupRating.status == "notice",
                                                            GroupRating.notice_until < today)
                                  .order_by(GroupRating.id)))
    published = 0
    for rating in due:
        if any(o.status == "open" for o in rating.objections):
            continue
        publish(rating, None, today)
        published += 1
    taken = sweep_violations(today)
    return {"ratings_published": published, "ratings_withdrawn": taken}


def sweep_violations(today: date | None = None) -> int:
    today = today or local_today()
    taken = 0
    rows = db.session.scalars(select(GroupRating).join(RatingRound, RatingRound.id == GroupRating.round_id)
                              .where(GroupRating.status == "published", GroupRating.stars > 0,
                                     RatingRound.violation_effect == "at_once").order_by(GroupRating.id)).all()
    for rating in rows:
        lost = serious_violations(rating.group, rating.decided_on, today)
        if lost:
            withdraw(rating, None, today=today, end_on=max(lost[0].decided_on, rating.published_on),
                     reason=f"小组成员严重失信（信用记录 {', '.join(str(r.id) for r in lost)}），按评星规则即时摘星")
            taken += 1
    return taken


def public_ratings():
    """Published ratings with stars, newest first (for the public list)."""
    return (select(GroupRating).join(IntegrityGroup, IntegrityGroup.id == GroupRating.group_id)
            .where(GroupRating.status == "published", GroupRating.stars > 0)
            .order_by(GroupRating.published_on.desc(), GroupRating.stars.desc(), GroupRating.id.desc()))


def bonus_of(record_id: int):
    """The decision behind a bonus record: ("group", rating) or ("model", award) or None."""
    from app.groups.models import ModelAward

    link = db.session.scalars(select(GroupRatingBonus).where(GroupRatingBonus.record_id == record_id)).first()
    if link is not None:
        return "group", link.rating
    award = db.session.scalars(select(ModelAward).where(ModelAward.record_id == record_id)).first()
    if award is not None:
        return "model", award
    return None


def decisions_for(record_ids) -> dict:
    """For bonus records among ``record_ids``: the decision behind each, {record_id: {"kind", "decision_no",
    "name", "stars"}} ("group": a group rating, "model": a model-retailer decision)."""
    from app.groups.models import ModelAward

    ids = [i for i in record_ids if i is not None]
    if not ids:
        return {}
    out = {}
    for link, rating, group in db.session.execute(
            select(GroupRatingBonus, GroupRating, IntegrityGroup)
            .join(GroupRating, GroupRating.id == GroupRatingBonus.rating_id)
            .join(IntegrityGroup, IntegrityGroup.id == GroupRating.group_id)
            .where(GroupRatingBonus.record_id.in_(ids))):
        out[link.record_id] = {"kind": "group", "decision_no": rating.decision_no, "name": group.name,
                               "stars": rating.stars, "status": rating.status}
    for award in db.session.scalars(select(ModelAward).where(ModelAward.record_id.in_(ids))):
        out[award.record_id] = {"kind": "model", "decision_no": award.decision_no, "name": "", "stars": 0,
                                "status": award.status}
    return out


def decision_of(record_id: int) -> dict | None:
    """The decision behind one bonus record, for its page: {"kind", "id", "decision_no", "label"}."""
    found = bonus_of(record_id)
    if found is None:
        return None
    kind, obj = found
    if kind == "group":
        return {"kind": kind, "id": obj.id, "decision_no": obj.decision_no,
                "label": _("the group %(g)s rated %(n)d stars", g=obj.group.name, n=obj.stars)}
    return {"kind": kind, "id": obj.id, "decision_no": obj.decision_no, "label": _("named a model retailer")}


def list_query(user, args: dict):
    """The groups in the user's scope, by county then name; ``q`` matches the name or the area. The list
    page and its Excel export."""
    from app.auth import policy

    stmt = policy.scope(user, "groups.read", select(IntegrityGroup), IntegrityGroup)
    q = (args.get("q") or "").strip()[:64]
    if q:
        stmt = stmt.where(IntegrityGroup.name.contains(q) | IntegrityGroup.area.contains(q))
    return stmt.order_by(IntegrityGroup.unit_id, IntegrityGroup.name)


def member_counts(group_ids) -> dict:
    """Current members per group."""
    from sqlalchemy import func

    if not group_ids:
        return {}
    return dict(db.session.execute(select(GroupMembership.group_id, func.count(GroupMembership.id)).where(
        GroupMembership.group_id.in_(list(group_ids)), GroupMembership.left_on.is_(None))
        .group_by(GroupMembership.group_id)).all())


def awards_query(user, args: dict):
    """Model-group and model-retailer awards in the user's scope, newest first, optionally of one
    ``status``. The list page and its Excel export."""
    from app.auth import policy
    from app.groups.models import ModelAward

    stmt = policy.scope(user, "groups.read", select(ModelAward), ModelAward)
    if args.get("status"):
        stmt = stmt.where(ModelAward.status == args["status"])
    return stmt.order_by(ModelAward.id.desc())
