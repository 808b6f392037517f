"""Notices (信息告知): written in the recipient's language, counted unread, marked read; the SMS
adapter point; the "notices" consumer of GradeChange events."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import func, or_, select, update

from app.audit.services import record as audit
from app.auth.models import User, user_retailers
from app.common.time import utcnow
from app.common.validation import N_
from app.credit.models import EventCursor, GradeChange
from app.extensions import db
from app.notices.models import Notice, SmsOutbox
from app.org.models import OrgUnit
from app.retailers.models import Retailer

CONSUMER = "notices"
STREAM = "grade_changes"


# ---- SMS adapter point -------------------------------------------------------------------------

class RecordingSms:
    """The default SMS adapter: sends nothing, records what it would have sent (sms_outbox)."""

    name = "recording"

    def send(self, phone: str, text: str, notice_id: int | None = None):
        db.session.add(SmsOutbox(notice_id=notice_id, phone=phone, text=text, adapter=self.name, status="recorded"))


def sms_adapter():
    """config SMS_ADAPTER = "module:Class" picks a real gateway; the default only records."""
    spec = current_app.config.get("SMS_ADAPTER")
    if not spec:
        return RecordingSms()
    import importlib

    module, _sep, cls = spec.partition(":")
    return getattr(importlib.import_module(module), cls)()


SMS_KINDS = {"grade_changed", "repair_decided", "objection_answered", "commitment_renewal", "interview",
             "rectification"}


# ---- writing notices ----------------------------------------------------------------------------

def notify(user: User, kind: str, title_msg: str, body_msg: str = "", *, link: str | None = None,
           retailer_id: int | None = None, dedupe_key: str | None = None, sms_phone: str | None = None,
           **params) -> Notice | None:
    """One notice to one user, in the user's language. ``title_msg``/``body_msg`` are English msgids
    (already marked for extraction) with %(name)s params. Same dedupe_key: no second notice."""
    if dedupe_key is not None and db.session.scalar(
            select(Notice.id).where(Notice.user_id == user.id, Notice.dedupe_key == dedupe_key)) is not None:
        return None
    with force_locale(user.locale or "zh_Hans_CN"):
        title = _(title_msg, **params)
        body = _(body_msg, **params) if body_msg else ""
    notice = Notice(user_id=user.id, retailer_id=retailer_id, kind=kind, title=title, body=body, link=link,
                    dedupe_key=dedupe_key)
    db.session.add(notice)
    db.session.flush()
    if sms_phone and kind in SMS_KINDS:
        sms_adapter().send(sms_phone, f"【烟草专卖信用】{title}", notice.id)
    return notice


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
    """Tell retailers of records newly confirmed against them (stream credit_record_events)."""
    from app.credit.models import CreditRecord, CreditRecordEvent

    cursor = db.session.get(EventCursor, (CONSUMER, "credit_record_events"))
    if cursor is None:
        cursor = EventCursor(consumer=CONSUMER, stream="credit_record_events", last_id=0)
        db.session.add(cursor)
    events = list(db.session.scalars(select(CreditRecordEvent).where(CreditRecordEvent.id > cursor.last_id)
                                     .order_by(CreditRecordEvent.id).limit(limit)))
    for ev in events:
        cursor.last_id = ev.id
        if ev.to_status != "confirmed" or ev.action not in ("create", "confirm"):
            continue
        rec = db.session.get(CreditRecord, ev.record_id)
        retailer = db.session.get(Retailer, rec.retailer_id) if rec else None
        if retailer is None:
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


def consume_grade_changes(limit: int = 1000) -> int:
    """Tell retailers of grade changes not yet told; remembers the last event id (EventCursor)."""
    cursor = db.session.get(EventCursor, (CONSUMER, STREAM))
    if cursor is None:
        cursor = EventCursor(consumer=CONSUMER, stream=STREAM, last_id=0)
        db.session.add(cursor)
    events = list(db.session.scalars(select(GradeChange).where(GradeChange.id > cursor.last_id)
                                     .order_by(GradeChange.id).limit(limit)))
    for ev in events:
        retailer = db.session.get(Retailer, ev.retailer_id)
        if retailer is not None and ev.from_grade is not None and ev.from_grade != ev.to_grade:
            notify_retailer(retailer, "grade_changed", N_("Your credit grade changed from %(a)s to %(b)s"),
                            N_("Score %(s)s. Open the credit page to see why."),
                            link=f"/me/credit/{retailer.id}", dedupe_key=f"grade:{ev.id}",
                            a=ev.from_grade, b=ev.to_grade, s=ev.to_score)
        cursor.last_id = ev.id
    db.session.flush()
    if events:
        audit("notices.consume", "EventCursor", f"{CONSUMER}/{STREAM}", after={"last_id": cursor.last_id,
                                                                              "events": len(events)}, actor=None)
    return len(events)

