"""Notices (信息告知): written in the recipient's language (insert-or-ignore on a de-duplication key),
counted unread, marked read; SMS queued in the outbox with them (app.notices.sms delivers); the
"notices" consumer of GradeChange and credit-record events, run by the job runner."""
from __future__ import annotations

from flask_babel import force_locale, gettext as _
from sqlalchemy import func, or_, select, update

from app.audit.services import record as audit
from app.auth.models import User, user_retailers
from app.common.db import insert_ignore
from app.common.time import utcnow
from app.common.validation import N_
from app.credit.models import GradeChange
from app.credit.streams import take_cursor
from app.extensions import db
from app.notices.models import Notice
from app.org.models import OrgUnit
from app.retailers.models import Retailer

CONSUMER = "notices"
STREAM = "grade_changes"


SMS_KINDS = {"grade_changed", "repair_decided", "objection_answered", "commitment_renewal", "interview",
             "rectification", "official_grade", "licence_expiry", "supply_suspended", "supply_lifted"}
SMS_PREFIX = "【烟草专卖信用】"


# ---- writing notices ----------------------------------------------------------------------------

def write_notices(rows: list[dict], phones: dict | None = None) -> list[int]:
    """Insert notices in bulk; a row whose (user, dedupe_key) exists already is skipped (insert-or-
    ignore, enforced by the database). For each notice inserted whose kind is told by SMS and whose
    retailer has a phone in ``phones`` (retailer_id -> phone), an SMS is queued in the outbox, in the
    same transaction. Returns the ids of the notices inserted."""
    if not rows:
        return []
    now = utcnow()
    for row in rows:
        row.setdefault("created_at", now)
        row.setdefault("body", "")
        row.setdefault("link", None)
        row.setdefault("retailer_id", None)
        row.setdefault("dedupe_key", None)
        row.setdefault("read_at", None)
    keyed = [r for r in rows if r["dedupe_key"] is not None]
    plain = [r for r in rows if r["dedupe_key"] is None]
    inserted = []
    for start in range(0, len(keyed), 1000):
        inserted += insert_ignore(Notice, keyed[start:start + 1000], ["user_id", "dedupe_key"],
                                  returning=[Notice.id, Notice.kind, Notice.retailer_id, Notice.title])
    for row in plain:
        notice = Notice(**row)
        db.session.add(notice)
        db.session.flush()
        inserted.append((notice.id, notice.kind, notice.retailer_id, notice.title))
    if phones:
        from app.notices.sms import queue_many

        queue_many([(nid, phones[rid], f"{SMS_PREFIX}{title}") for nid, kind, rid, title in inserted
                    if kind in SMS_KINDS and phones.get(rid)])
    return [nid for nid, *_rest in inserted]


def notify(user: User, kind: str, title_msg: str, body_msg: str = "", *, link: str | None = None,
           retailer_id: int | None = None, dedupe_key: str | None = None, sms_phone: str | None = None,
           **params) -> Notice | None:
    """One notice to one user, in the user's language. ``title_msg``/``body_msg`` are English msgids
    (already marked for extraction) with %(name)s params. Same dedupe_key: no second notice (None)."""
    with force_locale(user.locale or "zh_Hans_CN"):
        title = _(title_msg, **params)
        body = _(body_msg, **params) if body_msg else ""
    ids = write_notices([{"user_id": user.id, "retailer_id": retailer_id, "kind": kind, "title": title,
                          "body": body, "link": link, "dedupe_key": dedupe_key}],
                        {retailer_id: sms_phone} if sms_phone else None)
    return db.session.get(Notice, ids[0]) if ids else None


def retailer_accounts(retailer_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(user_retailers, user_retailers.c.user_id == User.id).where(
        user_retailers.c.retailer_id == retailer_id, User.is_enabled.is_(True))))


def notify_retailer(retailer: Retailer, kind: str, title_msg: str, body_msg: str = "", *, link=None,
                    dedupe_key=None, **params):
    for user in retailer_accounts(retailer.id):
        notify(user, kind, title_msg, body_msg, link=link, retailer_id=retailer.id, dedupe_key=dedupe_key,
               sms_phone=retailer.phone, **params)


def county_supervisors(retailer: Retailer) -> list[User]:
    """Supervisors of the retailer's county, and the city-level ones."""
    city_units = select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))
    return list(db.session.scalars(select(User).where(
        User.role == "supervisor", User.is_enabled.is_(True),
        or_(User.unit_id == retailer.unit_id, User.unit_id.in_(city_units)))))


def notify_supervisors(retailer: Retailer, kind: str, title_msg: str, body_msg: str = "", *, link=None,
                       dedupe_key=None, **params):
    for user in county_supervisors(retailer):
        notify(user, kind, title_msg, body_msg, link=link, retailer_id=retailer.id, dedupe_key=dedupe_key,
               **params)


# ---- reading --------------------------------------------------------------------------------------

def unread_count(user) -> int:
    return db.session.scalar(select(func.count(Notice.id)).where(Notice.user_id == user.id,
                                                                 Notice.read_at.is_(None))) or 0


def mark_read(notice: Notice, user):
    if notice.read_at is None:
        notice.read_at = utcnow()
        db.session.flush()


def mark_all_read(user):
    db.session.execute(update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
                       .values(read_at=utcnow()))


# ---- the "notices" consumer of GradeChange events -----------------------------------------------------

def consume_record_events(limit: int = 1000) -> int:
    """Tell retailers of records newly confirmed against them (stream credit_record_events). The caller
    commits; the cursor is held for this transaction (another worker holding it: 0)."""
    from app.credit.models import CreditRecord, CreditRecordEvent

    cursor = take_cursor(CONSUMER, "credit_record_events")
    if cursor is None:
        return 0
    events = list(db.session.scalars(select(CreditRecordEvent).where(CreditRecordEvent.id > cursor.last_id)
                                     .order_by(CreditRecordEvent.id).limit(limit)))
    for ev in events:
        cursor.last_id = ev.id
        if ev.to_status != "confirmed" or ev.action not in ("create", "confirm"):
            continue
        rec = db.session.get(CreditRecord, ev.record_id)
        retailer = db.session.get(Retailer, rec.retailer_id) if rec else None
        if retailer is None or rec.status != "confirmed":  # dismissed or repaired before we got to it
            continue
        from app.repair.credit_link import indicator

        try:
            ind = indicator(rec)
            name, points = ind.name_zh, rec.nominal_points
        except KeyError:
            name, points = rec.indicator_code, rec.nominal_points
        notify_retailer(retailer, "new_record", N_("A credit record was added: %(name)s (%(points)+d)"),
                        N_("You may object within 21 days if it is wrong."), link=f"/me/credit/{retailer.id}",
                        dedupe_key=f"rec:{rec.id}", name=name, points=points)
    db.session.flush()
    return len(events)


def consume(limit: int = 1000) -> int:
    """Both consumers: new records and grade changes."""
    return consume_record_events(limit) + consume_grade_changes(limit)


def _accounts_of(retailer_ids) -> dict[int, list[tuple[int, str | None]]]:
    """retailer_id -> [(user_id, locale)] of its enabled accounts (one query per thousand licences)."""
    out: dict[int, list] = {}
    ids = sorted(retailer_ids)
    for start in range(0, len(ids), 1000):
        for rid, uid, locale in db.session.execute(
                select(user_retailers.c.retailer_id, User.id, User.locale)
                .join(User, User.id == user_retailers.c.user_id)
                .where(user_retailers.c.retailer_id.in_(ids[start:start + 1000]), User.is_enabled.is_(True))
                .order_by(user_retailers.c.retailer_id, User.id)):
            out.setdefault(rid, []).append((uid, locale))
    return out


def _phones_of(retailer_ids) -> dict[int, str | None]:
    ids = sorted(retailer_ids)
    out = {}
    for start in range(0, len(ids), 1000):
        out.update(dict(db.session.execute(select(Retailer.id, Retailer.phone)
                                           .where(Retailer.id.in_(ids[start:start + 1000]))).all()))
    return out


def consume_grade_changes(limit: int = 1000) -> int:
    """Tell retailers of grade changes not yet told, a batch of up to ``limit`` events at a time: the
    accounts and phones read in bulk, the notices (and their SMS) written in bulk, insert-or-ignore on
    "grade:<event id>". The caller commits; another worker holding the cursor: 0."""
    cursor = take_cursor(CONSUMER, STREAM)
    if cursor is None:
        return 0
    events = list(db.session.execute(select(GradeChange.id, GradeChange.retailer_id, GradeChange.from_grade,
                                            GradeChange.to_grade, GradeChange.to_score)
                                     .where(GradeChange.id > cursor.last_id).order_by(GradeChange.id).limit(limit)))
    if not events:
        return 0
    told = [e for e in events if e.from_grade is not None and e.from_grade != e.to_grade]
    accounts = _accounts_of({e.retailer_id for e in told})
    phones = _phones_of({e.retailer_id for e in told if e.retailer_id in accounts})
    texts: dict = {}
    rows = []
    for e in told:
        for user_id, locale in accounts.get(e.retailer_id, []):
            locale = locale or "zh_Hans_CN"
            key = (locale, e.from_grade, e.to_grade, e.to_score)
            if key not in texts:
                with force_locale(locale):
                    texts[key] = (_("Your credit grade changed from %(a)s to %(b)s", a=e.from_grade, b=e.to_grade),
                                  _("Score %(s)s. Open the credit page to see why.", s=e.to_score))
            title, body = texts[key]
            rows.append({"user_id": user_id, "retailer_id": e.retailer_id, "kind": "grade_changed", "title": title,
                         "body": body, "link": f"/me/credit/{e.retailer_id}", "dedupe_key": f"grade:{e.id}"})
    write_notices(rows, phones)
    cursor.last_id = events[-1].id
    db.session.flush()
    audit("notices.consume", "EventCursor", f"{CONSUMER}/{STREAM}", after={"last_id": cursor.last_id,
                                                                          "events": len(events)}, actor=None)
    return len(events)


# ---- warning interviews and rectification deadlines (told by scheduling and inspections) ----------------

def notify_interview(visit, *, scheduled: bool = False):
    """A warning interview (警示约谈) is a visit the retailer must be told of (unlike a random check):
    once when the task is created (with its deadline), and again when an approved plan fixes the day."""
    retailer = db.session.get(Retailer, visit.retailer_id)
    if retailer is None:
        return
    if scheduled:
        notify_retailer(retailer, "interview", N_("Warning interview (警示约谈) scheduled for %(d)s"),
                        N_("Two officers will hold the interview at your shop that day. Please be there."),
                        link=f"/me/credit/{retailer.id}", dedupe_key=f"interview:{visit.id}:{visit.planned_on}",
                        d=visit.planned_on.isoformat())
    else:
        notify_retailer(retailer, "interview", N_("A warning interview (警示约谈) will be held by %(d)s"),
                        N_("Your credit grade fell to B or lower. You will be told the day of the interview."),
                        link=f"/me/credit/{retailer.id}", dedupe_key=f"interview:{visit.id}",
                        d=visit.due_on.isoformat())


def notify_rectification(item):
    """A rectification (整改) ordered during an inspection: what, and by when."""
    retailer = db.session.get(Retailer, item.retailer_id)
    if retailer is None:
        return
    notify_retailer(retailer, "rectification", N_("Rectification ordered: correct it by %(d)s"),
                    N_("%(what)s. Officers will check it; not correcting it in time is a credit record."),
                    link=f"/me/credit/{retailer.id}", dedupe_key=f"rect:{item.id}", d=item.deadline.isoformat(),
                    what=item.description)


def warn_rectifications(today=None, soon_days: int = 3) -> int:
    """Daily: tell retailers of open rectifications due within ``soon_days`` and of those past their
    deadline (once per item and state); tell the county's supervisors of the overdue ones."""
    from datetime import timedelta

    from app.common.time import local_today
    from app.inspections.models import RectificationItem

    today = today or local_today()
    sent = 0
    items = db.session.scalars(select(RectificationItem).where(
        RectificationItem.status == "open", RectificationItem.deadline <= today + timedelta(days=soon_days))
        .order_by(RectificationItem.id))
    for item in items:
        retailer = db.session.get(Retailer, item.retailer_id)
        if retailer is None:
            continue
        if item.deadline < today:
            notify_retailer(retailer, "rectification", N_("Rectification deadline passed (%(d)s)"),
                            N_("%(what)s. Correct it now and tell the officers."), link=f"/me/credit/{retailer.id}",
                            dedupe_key=f"rect:{item.id}:overdue", d=item.deadline.isoformat(), what=item.description)
            notify_supervisors(retailer, "deadline", N_("Rectification overdue at %(shop)s (deadline %(d)s)"),
                               N_("To correct: %(what)s"), link=f"/retailers/{retailer.id}",
                               dedupe_key=f"rect:{item.id}:overdue", shop=retailer.shop_name,
                               d=item.deadline.isoformat(), what=item.description)
        else:
            notify_retailer(retailer, "rectification", N_("Rectification due on %(d)s"),
                            N_("%(what)s. Correct it by the deadline."), link=f"/me/credit/{retailer.id}",
                            dedupe_key=f"rect:{item.id}:soon", d=item.deadline.isoformat(), what=item.description)
        sent += 1
    db.session.flush()
    return sent


# ---- the published quarterly grade (told to every retailer account of the run) -----------------------

def notify_official_grades(run) -> int:
    """On publication of a quarterly evaluation run, tell each retailer account its licence's official
    grade and until when it may object (the day of publication is the day it was told). A superseding
    run says the grade was corrected. Written in bulk: one query for the accounts, titles rendered
    once per language and grade."""
    from app.evaluation.models import EvaluationRow

    rows = db.session.execute(
        select(User.id, User.locale, Retailer.id, Retailer.phone, EvaluationRow.grade, EvaluationRow.score)
        .join(user_retailers, user_retailers.c.user_id == User.id)
        .join(Retailer, Retailer.id == user_retailers.c.retailer_id)
        .join(EvaluationRow, (EvaluationRow.retailer_id == Retailer.id) & (EvaluationRow.run_id == run.id))
        .where(User.is_enabled.is_(True)).order_by(User.id, Retailer.id)).all()
    if not rows:
        return 0
    title_msg = (N_("Your official credit grade for %(q)s was corrected: %(g)s") if run.supersedes_id else
                 N_("Your official credit grade for %(q)s: %(g)s"))
    body_msg = N_("Score %(s)s. If you think it is wrong, you may object until %(d)s.")
    closes = run.objection_closes_on.isoformat() if run.objection_closes_on else ""
    texts = {}
    notices = []
    for user_id, locale, retailer_id, phone, grade, score in rows:
        locale = locale or "zh_Hans_CN"
        if (locale, grade, score) not in texts:
            with force_locale(locale):
                texts[(locale, grade, score)] = (_(title_msg, q=run.quarter, g=grade),
                                                 _(body_msg, s=score, d=closes))
        title, body = texts[(locale, grade, score)]
        notices.append({"user_id": user_id, "retailer_id": retailer_id, "kind": "official_grade", "title": title,
                        "body": body, "link": f"/me/credit/{retailer_id}",
                        "dedupe_key": f"official:{run.id}:{retailer_id}"})
    # Written in bulk; the SMS are queued in the outbox and sent by the worker after the publication commits.
    write_notices(notices, {retailer_id: phone for _u, _l, retailer_id, phone, _g, _s in rows})
    db.session.flush()
    return len(notices)
