"""Trust supervision (信任监管) for AA and AAA retailers.

The remote self-check (非现场自查): the retailer answers a short checklist on its phone, proving each
item with a photo taken in the app, with the phone's position. The photos go through the same upload
checks and storage as an inspection's (app.storage). An inspector or supervisor of the county reviews
it: accepted, it stands for the routine visit of the cycle (the open routine visit is closed with the
outcome "self_check"; if none is open, a closed visit records it, so the cycle restarts); failed, an
on-site check is scheduled (app.scheduling.replan.schedule_onsite).

The green channel (绿色通道): AA/AAA retailers' requests are flagged and come first in the
supervisors' queues (``trusted_first``)."""
from __future__ import annotations

import uuid
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case, select

from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.credit import grading
from app.credit.models import RetailerGrade
from app.extensions import db
from app.inspections.services import distance_m
from app.scheduling.models import Visit
from app.storage import services as storage
from app.trust.models import ITEMS, TRUSTED_GRADES, SelfCheck, SelfCheckPhoto

MAX_NOTE = 2000
MAX_DISTANCE_M = 300  # a self-check taken farther than this from the registered shop is refused


def is_trusted(retailer) -> bool:
    return grading.current_grade(retailer).grade in TRUSTED_GRADES


def open_check(retailer_id) -> SelfCheck | None:
    return db.session.scalars(select(SelfCheck).where(SelfCheck.retailer_id == retailer_id,
                                                      SelfCheck.status == "submitted")).first()


def submit(retailer, user, *, client_uuid, answers: dict, photos: dict, lat, lng, accuracy=None,
           today: date | None = None) -> SelfCheck:
    """``photos`` maps each checklist item to the bytes of its photo. Idempotent by ``client_uuid``."""
    today = today or local_today()
    client_uuid = (client_uuid or "").strip().lower()
    if storage.UUID_RE.match(client_uuid):
        existing = db.session.scalars(select(SelfCheck).where(SelfCheck.client_uuid == client_uuid)).first()
        if existing is not None:
            if existing.retailer_id != retailer.id:
                raise ServiceError({"client_uuid": [_("This capture was already saved for another record.")]},
                                   status=409)
            return existing
    errors: dict = {}
    if not storage.UUID_RE.match(client_uuid):
        errors["client_uuid"] = [_("Not a valid UUID.")]
    grade = grading.current_grade(retailer).grade
    if grade not in TRUSTED_GRADES:
        raise ServiceError({"retailer": [_("Remote self-checks are for AA and AAA retailers only.")]}, status=403)
    if open_check(retailer.id) is not None:
        raise ServiceError({"retailer": [_("A self-check is already waiting for review.")]}, status=409)
    for item in ITEMS:
        if (answers or {}).get(item) is None:
            errors[item] = [_("Please answer this.")]
        if not (photos or {}).get(item):
            errors[f"photo_{item}"] = [_("Please take the photo.")]
    if lat is None or lng is None:
        errors["lat"] = [_("The phone's position is needed: allow location and try again.")]
    elif not (-90 <= lat <= 90 and -180 <= lng <= 180):
        errors["lat"] = [_("Not a valid position.")]
    distance = None
    if "lat" not in errors and retailer.lat is not None and retailer.lng is not None:
        distance = distance_m(lat, lng, retailer.lat, retailer.lng)
        if distance > MAX_DISTANCE_M:
            errors["lat"] = [_("The photos must be taken in the shop (you are %(m)d m away from its registered "
                               "address).", m=int(distance))]
    if errors:
        raise ServiceError(errors)
    check = SelfCheck(client_uuid=client_uuid, retailer_id=retailer.id, unit_id=retailer.unit_id, grade=grade,
                      answers={k: bool(answers[k]) for k in ITEMS}, lat=lat, lng=lng, accuracy_m=accuracy,
                      distance_m=distance, submitted_by_id=user.id, submitted_at=utcnow(), submitted_on=today,
                      status="submitted")
    db.session.add(check)
    db.session.flush()
    for item in ITEMS:
        try:
            stored, _created = storage.save(photos[item], kind="photo", client_uuid=str(uuid.uuid4()),
                                            capture_uuid=client_uuid, uploader=user)
        except ServiceError as exc:
            raise ServiceError({f"photo_{item}": [m for msgs in exc.errors.values() for m in msgs]},
                               status=exc.status) from None
        db.session.add(SelfCheckPhoto(self_check_id=check.id, item=item, file_id=stored.id))
    db.session.flush()
    audit("self_check.submit", "SelfCheck", check.id, actor=user,
          after={"retailer_id": retailer.id, "grade": grade, "answers": check.answers, "lat": lat, "lng": lng,
                 "distance_m": distance})
    return check


def _routine_visit(retailer_id) -> Visit | None:
    """The open routine visit of the shop's cycle (approved or missed; the nearest first)."""
    return db.session.scalars(select(Visit).where(Visit.retailer_id == retailer_id, Visit.kind == "due",
                                                  Visit.status.in_(("approved", "missed")))
                              .order_by(Visit.planned_on, Visit.id)).first()


def review(check: SelfCheck, actor, *, accept: bool, note, today: date | None = None) -> SelfCheck:
    from app.scheduling.replan import schedule_onsite
    from app.scheduling.visits import complete_visit

    today = today or local_today()
    db.session.refresh(check, with_for_update=True)
    note = (note or "").strip()
    if check.status != "submitted":
        raise ServiceError({"note": [_("This self-check was already reviewed.")]}, status=409)
    if not accept and not note:
        raise ServiceError({"note": [_("Please say what failed.")]})
    if len(note) > MAX_NOTE:
        raise ServiceError({"note": [_("Too long.")]})
    if accept and not all(check.answers.get(k) for k in ITEMS):
        raise ServiceError({"note": [_("A self-check with an item answered \"no\" cannot be accepted.")]})
    check.status = "accepted" if accept else "failed"
    check.reviewed_by_id, check.reviewed_at, check.review_note = actor.id, utcnow(), note or None
    if accept:
        visit = _routine_visit(check.retailer_id)
        if visit is not None:
            complete_visit(visit, actor, "self_check", done_on=today)
        else:  # no routine visit open: a closed one records the self-check, so the cycle restarts from it
            visit = Visit(retailer_id=check.retailer_id, unit_id=check.unit_id, kind="due", status="done",
                          due_on=today, planned_on=today, done_on=today, outcome="self_check",
                          reasons=[], note=f"self_check:{check.id}", updated_at=utcnow())
            db.session.add(visit)
            db.session.flush()
        check.visit_id = visit.id
    else:
        visit = schedule_onsite(check.retailer_id, dedupe_key=f"selfcheck:{check.id}", reason="self_check_failed",
                                today=today)
        check.visit_id = visit.id if visit is not None else None
    db.session.flush()
    audit("self_check.review", "SelfCheck", check.id, actor=actor,
          after={"status": check.status, "note": note, "visit_id": check.visit_id})
    return check


def green_first(retailer_id_column):
    """An ORDER BY term putting AA/AAA retailers' requests first (绿色通道): 0 for them, 1 for the rest.
    Put it before the queue's own order."""
    grade = (select(RetailerGrade.grade).where(RetailerGrade.retailer_id == retailer_id_column)
             .correlate_except(RetailerGrade).scalar_subquery())
    return case((grade.in_(TRUSTED_GRADES), 0), else_=1)


def trusted_ids(retailer_ids) -> set:
    ids = list({i for i in retailer_ids if i is not None})
    if not ids:
        return set()
    return set(db.session.scalars(select(RetailerGrade.retailer_id).where(
        RetailerGrade.retailer_id.in_(ids), RetailerGrade.grade.in_(TRUSTED_GRADES))))


def review_query(user, args: dict):
    """The self-checks a county inspector or supervisor reviews (their county), newest first; ``show``:
    "open" (waiting for review, the default) or anything else (all). The page and its export."""
    from app.auth import policy

    stmt = policy.scope(user, "trust.review", select(SelfCheck), SelfCheck)
    if args.get("show", "open") == "open":
        stmt = stmt.where(SelfCheck.status == "submitted")
    return stmt.order_by(SelfCheck.submitted_at.desc(), SelfCheck.id.desc())
