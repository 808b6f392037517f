"""Red and black list entries: proposals after each published quarterly evaluation (the job runner),
supervisor review, the public notice period (公示期) with the retailer's objection, taking effect and
publication, exit on repair, dismissal, expiry or (red) no longer meeting the criteria. Every step is
an event and an audit entry; an exit withdraws the listing from the public page, from partners' reads
and (app.exchange) from the local credit platform."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.common.validation import N_
from app.common.workdays import add_working_days
from app.credit import versions
from app.credit.models import CreditRecord, CreditRecordEvent
from app.credit.streams import take_cursor
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from app.lists import policy
from app.lists.models import ACTIVE, PUBLIC, ListEntry, ListEntryEvent, ListObjection
from app.retailers.models import Retailer

CONSUMER = "lists"
MAX_TEXT = 2000


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    y += day.year
    m += 1
    import calendar

    return date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def _snapshot(e: ListEntry) -> dict:
    return {"kind": e.kind, "status": e.status, "criterion": e.criterion, "basis_record_id": e.basis_record_id,
            "notice_until": e.notice_until, "effective_on": e.effective_on, "expires_on": e.expires_on,
            "exit_reason": e.exit_reason, "exited_on": e.exited_on}


def _event(e: ListEntry, action, from_status, actor, note=None):
    db.session.add(ListEntryEvent(entry_id=e.id, at=utcnow(), actor_id=getattr(actor, "id", None), action=action,
                                  from_status=from_status, to_status=e.status, note=note))


def _move(e: ListEntry, to_status, action, actor, note=None):
    before = _snapshot(e)
    from_status = e.status
    e.status = to_status
    db.session.flush()
    _event(e, action, from_status, actor, note)
    audit(f"list_entry.{action}", "list_entry", e.id, before=before, after=_snapshot(e), actor=actor)


# What the retailer is told, per step and list (whole sentences: a list's name inside a sentence would
# not be translated for the reader).
TELL = {
    "notice": {"red": (N_("You are proposed for the red list: it is publicly noticed until %(until)s."),
                       N_("You may object in the app before the notice period ends.")),
               "black": (N_("You are proposed for the black list: it is publicly noticed until %(until)s."),
                         N_("You may object in the app before the notice period ends."))},
    "effective": {"red": (N_("You are on the red list from today."), ""),
                  "black": (N_("You are on the black list from today."), "")},
    "exit": {"red": (N_("You are off the red list; the listing is withdrawn from publication."), ""),
             "black": (N_("You are off the black list; the listing is withdrawn from publication."), "")},
    "cancelled": {"red": (N_("Your objection was upheld: the red list entry is cancelled."), ""),
                  "black": (N_("Your objection was upheld: the black list entry is cancelled."), "")},
    "objection_rejected": {"red": (N_("Your objection to the red list entry was rejected."), ""),
                           "black": (N_("Your objection to the black list entry was rejected."), "")},
}


def _tell(e: ListEntry, key: str):
    from app.notices.services import notify_retailer

    title, body = TELL[key][e.kind]
    notify_retailer(e.retailer, f"list_{key}", title, body, link=f"/me/lists/{e.id}", dedupe_key=f"list:{e.id}:{key}",
                    until=e.notice_until.isoformat() if e.notice_until else "")


def _share(e: ListEntry, event: str, today: date):
    """Tell every partner whose agreement covers this list that the entry took effect (listed) or was
    withdrawn (撤销): a notification row each, delivered to its callback URL by the job runner."""
    from app.common.db import insert_ignore
    from app.partners.models import PartnerAgreement, PartnerNotification
    from app.retailers.schemas import mask_name

    now = utcnow()
    payload = {"type": "list_entry", "entry_id": e.id, "list": e.kind, "event": event,
               "licence_no": e.retailer.licence_no, "shop_name": e.retailer.shop_name,
               "operator_name": mask_name(e.retailer.operator_name),
               "effective_on": e.effective_on.isoformat() if e.effective_on else None,
               "expires_on": e.expires_on.isoformat() if e.expires_on else None,
               "withdrawn_on": today.isoformat() if event == "withdrawn" else None,
               "reason": e.exit_reason if event == "withdrawn" else None}
    rows = [{"partner_id": a.user_id, "finding_id": None, "list_entry_id": e.id, "event": event, "payload": payload,
             "send_key": f"list:{e.id}:{event}:{a.user_id}", "status": "pending" if a.callback_url else "no_callback",
             "attempts": 0, "next_attempt_at": now, "created_at": now}
            for a in db.session.scalars(select(PartnerAgreement).where(PartnerAgreement.active.is_(True)))
            if e.kind in (a.lists or [])]
    insert_ignore(PartnerNotification, rows, ["send_key"])


# ---- criteria ------------------------------------------------------------------------------------------

def policy_at(day: date, pols=None):
    """The grade policy in force on ``day``; before the first version, the first version (a record
    decided before the platform's first policy is measured by it)."""
    pols = pols or versions.policies()
    try:
        return versions.policy_on(day, pols)
    except LookupError:
        return min(pols.values(), key=lambda p: p.effective_from)


def counts_months(rec: CreditRecord, cats=None, pols=None) -> int:
    """How many months a confirmed record counts: its indicator's period, else its severity's."""
    cats = cats or versions.catalogues()
    cat = cats.get(rec.catalogue_version) or versions.catalogue_for(rec.occurred_on, cats)
    return cat.indicator(rec.indicator_code).counts_months_under(policy_at(rec.decided_on, pols))


def _counts_until(rec: CreditRecord, cats=None, pols=None) -> date | None:
    """The last day a confirmed record counts (by its indicator's severity under the grade policy)."""
    if rec.decided_on is None:
        return None
    return add_months(rec.decided_on, counts_months(rec, cats, pols))


def negative_in_force(retailer_ids, as_of: date) -> dict[int, list[CreditRecord]]:
    """Confirmed deductions still counting on ``as_of``, per retailer."""
    out: dict[int, list[CreditRecord]] = {}
    ids = list(retailer_ids)
    cats, pols = versions.catalogues(), versions.policies()
    for start in range(0, len(ids), 900):
        for rec in db.session.scalars(select(CreditRecord).where(
                CreditRecord.retailer_id.in_(ids[start:start + 900]), CreditRecord.status == "confirmed",
                CreditRecord.nominal_points < 0, CreditRecord.decided_on <= as_of)):
            until = _counts_until(rec, cats, pols)
            if until is None or until > as_of:
                out.setdefault(rec.retailer_id, []).append(rec)
    return out


def black_basis(rows, as_of: date, rules: dict) -> dict[int, tuple[str, int | None]]:
    """retailer_id -> (criterion, basis record id) for the rows meeting a black-list criterion."""
    out = {}
    ids = [r.retailer_id for r in rows]
    in_force = negative_in_force(ids, as_of)
    for r in rows:
        if rules.get("veto") and r.rule_kind == "veto":
            out[r.retailer_id] = ("black_veto", r.rule_record_id)
            continue
        for rec in sorted(in_force.get(r.retailer_id, []), key=lambda x: x.nominal_points):
            if rec.indicator_code in (rules.get("refused_codes") or []):
                out[r.retailer_id] = ("black_refused", rec.id)
                break
            if -rec.nominal_points >= int(rules.get("serious_min_points", 20)):
                out[r.retailer_id] = ("black_serious", rec.id)
                break
    return out


def red_qualifying(run: EvaluationRun, rules: dict) -> set[int]:
    """Retailers with the red grade in this run and the previous consecutive published runs, and no
    negative record in force at the run's date."""
    n = int(rules.get("consecutive_quarters", 2))
    runs = list(db.session.scalars(select(EvaluationRun).where(
        EvaluationRun.status == "published",
        EvaluationRun.quarter <= run.quarter).order_by(EvaluationRun.quarter.desc()).limit(n)))
    if len(runs) < n or runs[0].id != run.id:
        return set()
    ids = None
    for r in runs:
        got = set(db.session.scalars(select(EvaluationRow.retailer_id).where(EvaluationRow.run_id == r.id,
                                                                              EvaluationRow.grade == rules["grade"])))
        ids = got if ids is None else ids & got
    bad = negative_in_force(ids or [], run.as_of)
    return {rid for rid in (ids or set()) if rid not in bad}


# ---- proposals (the job runner, after each published evaluation) ----------------------------------------

def _active(retailer_id, kind) -> ListEntry | None:
    return db.session.scalars(select(ListEntry).where(ListEntry.retailer_id == retailer_id, ListEntry.kind == kind,
                                                      ListEntry.status.in_(ACTIVE))).first()


def _propose(retailer: Retailer, kind, criterion, version, *, basis=None, run_id=None) -> ListEntry | None:
    e = ListEntry(kind=kind, retailer_id=retailer.id, unit_id=retailer.unit_id, status="proposed",
                  policy_version=version, criterion=criterion, basis_record_id=basis, run_id=run_id,
                  proposed_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(e)
            db.session.flush()
    except IntegrityError:
        return None  # an active entry exists already (unique index): nothing to propose
    _event(e, "propose", None, None)
    audit("list_entry.propose", "list_entry", e.id, after=_snapshot(e), actor=None)
    from app.notices.services import notify_supervisors

    notify_supervisors(retailer, "list_proposal", PROPOSED[kind], link=f"/lists/entries/{e.id}",
                       dedupe_key=f"list-proposal:{e.id}", shop=retailer.shop_name)
    return e


PROPOSED = {"red": N_("A red list proposal to review: %(shop)s"),
            "black": N_("A black list proposal to review: %(shop)s")}


def propose_for_run(run: EvaluationRun) -> dict:
    """Proposals of entries (red and black) and of red exits after ``run`` was published."""
    version, body = policy.in_force(run.as_of)
    rows = list(db.session.scalars(select(EvaluationRow).where(EvaluationRow.run_id == run.id,
                                                               EvaluationRow.grade.in_(("D", "C", "B", "A", "AA",
                                                                                        "AAA")))))
    counts = {"red": 0, "black": 0, "exit": 0}
    retailers = {r.id: r for r in db.session.scalars(select(Retailer).where(Retailer.status != "cancelled"))}
    black = black_basis([r for r in rows if r.retailer_id in retailers], run.as_of, body["black"])
    for rid, (criterion, basis) in sorted(black.items()):
        if _active(rid, "black") is None and _propose(retailers[rid], "black", criterion, version, basis=basis,
                                                      run_id=run.id):
            counts["black"] += 1
    red = red_qualifying(run, body["red"]) - set(black)
    for rid in sorted(red):
        if rid in retailers and _active(rid, "red") is None and _propose(retailers[rid], "red", "red_grade", version,
                                                                         run_id=run.id):
            counts["red"] += 1
    for e in db.session.scalars(select(ListEntry).where(ListEntry.kind == "red", ListEntry.status == "effective",
                                                        ListEntry.exit_proposed_at.is_(None))):
        if e.retailer_id not in red:
            e.exit_proposed_at, e.exit_reason = utcnow(), "no_longer_meets"
            db.session.flush()
            _event(e, "propose_exit", e.status, None, note="no_longer_meets")
            audit("list_entry.propose_exit", "list_entry", e.id, after=_snapshot(e), actor=None)
            counts["exit"] += 1
    return counts


def propose_after_evaluations() -> dict:
    """Each newly published run, once (cursor on evaluation_runs)."""
    cursor = take_cursor(CONSUMER, "evaluation_runs")
    if cursor is None:
        return {}
    policy.ensure_stored()
    total = {"runs": 0, "red": 0, "black": 0, "exit": 0}
    for run in db.session.scalars(select(EvaluationRun).where(EvaluationRun.id > cursor.last_id,
                                                              EvaluationRun.status == "published")
                                  .order_by(EvaluationRun.id)):
        for k, v in propose_for_run(run).items():
            total[k] += v
        total["runs"] += 1
        cursor.last_id = run.id
    return total


# ---- supervisor review ------------------------------------------------------------------------------------

def _note(note, *, required=False, field="note"):
    note = (note or "").strip()
    if required and not note:
        raise ServiceError({field: [_("Please give the reason.")]})
    if len(note) > MAX_TEXT:
        raise ServiceError({field: [_("Too long.")]})
    return note or None


def _lock(e: ListEntry):
    from app.audit.services import lock_chain

    lock_chain()
    db.session.refresh(e, with_for_update=True)


def review(e: ListEntry, approve: bool, note, actor, today: date | None = None) -> ListEntry:
    """Approve a proposal (its notice period starts today) or reject it (with the reason)."""
    _lock(e)
    if e.status != "proposed":
        raise ServiceError({"status": [_("Only a proposed entry can be reviewed.")]}, status=409)
    today = today or local_today()
    note = _note(note, required=not approve)
    e.reviewed_at, e.reviewed_by_id, e.review_note = utcnow(), actor.id, note
    if not approve:
        _move(e, "rejected", "reject", actor, note)
        return e
    _version, body = policy.in_force(today)
    e.notice_from, e.notice_until = today, today + timedelta(days=int(body["notice_days"]))
    _move(e, "notice", "approve", actor, note)
    _tell(e, "notice")
    return e


def confirm_exit(e: ListEntry, note, actor, today: date | None = None) -> ListEntry:
    """A supervisor takes an entry off its list (a proposed exit, or at any time with the reason)."""
    _lock(e)
    if e.status != "effective":
        raise ServiceError({"status": [_("Only an effective entry can be taken off the list.")]}, status=409)
    note = _note(note, required=e.exit_proposed_at is None)
    return _exit(e, e.exit_reason or "decision", actor, today or local_today(), note)


def _exit(e: ListEntry, reason, actor, today, note=None) -> ListEntry:
    e.exit_reason, e.exited_on, e.exited_by_id = reason, today, getattr(actor, "id", None)
    _move(e, "exited", "exit", actor, note or reason)
    _share(e, "withdrawn", today)
    _tell(e, "exit")
    return e


# ---- objection (the retailer, during the notice period) ----------------------------------------------

def object_to(e: ListEntry, reasons, actor, today: date | None = None) -> ListObjection:
    today = today or local_today()
    _lock(e)
    if e.status != "notice" or (e.notice_until and today > e.notice_until):
        raise ServiceError({"reasons": [_("Objections are possible only during the notice period.")]}, status=409)
    reasons = _note(reasons, required=True, field="reasons")
    _version, body = policy.in_force(today)
    o = ListObjection(entry_id=e.id, retailer_id=e.retailer_id, status="open", reasons=reasons,
                      submitted_at=utcnow(), submitted_by_id=actor.id,
                      answer_due=add_working_days(today, int(body["objection_answer_working_days"])))
    try:
        with db.session.begin_nested():
            db.session.add(o)
            db.session.flush()
    except IntegrityError:
        raise ServiceError({"reasons": [_("An objection to this entry is already open.")]}, status=409) from None
    _event(e, "objection", e.status, actor, reasons)
    audit("list_objection.submit", "list_objection", o.id, after={"entry_id": e.id, "reasons": reasons}, actor=actor)
    from app.notices.services import notify_supervisors

    notify_supervisors(e.retailer, "list_objection", N_("A retailer objects to a list entry"),
                       link=f"/lists/entries/{e.id}", dedupe_key=f"list-objection:{o.id}")
    return o


def answer(o: ListObjection, uphold: bool, text, actor) -> ListObjection:
    """Uphold (the entry is cancelled and never takes effect) or reject (the entry goes on)."""
    e = o.entry
    _lock(e)
    db.session.refresh(o, with_for_update=True)
    if o.status != "open":
        raise ServiceError({"answer": [_("This objection was already answered.")]}, status=409)
    text = _note(text, required=True, field="answer")
    o.status, o.answer, o.answered_at, o.answered_by_id = ("upheld" if uphold else "rejected"), text, utcnow(), actor.id
    db.session.flush()
    audit("list_objection.answer", "list_objection", o.id, after={"status": o.status, "answer": text}, actor=actor)
    if uphold:
        _move(e, "cancelled", "cancel", actor, text)
        _tell(e, "cancelled")
    else:
        _event(e, "objection_rejected", e.status, actor, text)
        _tell(e, "objection_rejected")
    return o


def open_objection(e: ListEntry) -> ListObjection | None:
    return next((o for o in e.objections if o.status == "open"), None)


# ---- the daily job: notice periods end, entries expire, records repaired ------------------------------

def take_effect_due(today: date) -> int:
    n = 0
    for e in list(db.session.scalars(select(ListEntry).where(ListEntry.status == "notice",
                                                             ListEntry.notice_until < today))):
        if open_objection(e) is not None:
            continue  # waits for the answer
        _version, body = policy.in_force(today)
        months = int(body[e.kind]["valid_months"])
        e.effective_on = today
        e.expires_on = add_months(today, months)
        if e.kind == "black" and e.basis_record is not None:
            until = _counts_until(e.basis_record)
            if until is not None and until < e.expires_on:
                e.expires_on = max(until, today + timedelta(days=1))
        _move(e, "effective", "take_effect", None)
        _share(e, "listed", today)
        _tell(e, "effective")
        n += 1
    return n


def expire_due(today: date) -> int:
    n = 0
    for e in list(db.session.scalars(select(ListEntry).where(ListEntry.status == "effective",
                                                             ListEntry.expires_on <= today))):
        _exit(e, "expiry", None, today)
        n += 1
    return n


def withdraw_for_records(limit: int = 1000) -> int:
    """A black entry whose basis record was repaired or dismissed exits at once (consumer of
    credit_record_events); a proposal or an entry in notice on such a record is rejected or cancelled."""
    cursor = take_cursor(CONSUMER, "credit_record_events")
    if cursor is None:
        return 0
    events = list(db.session.scalars(select(CreditRecordEvent).where(CreditRecordEvent.id > cursor.last_id)
                                     .order_by(CreditRecordEvent.id).limit(limit)))
    if not events:
        return 0
    cursor.last_id = events[-1].id
    ids = {ev.record_id: ev.action for ev in events if ev.action in ("repair", "dismiss")}
    if ids:
        today = local_today()
        for e in list(db.session.scalars(select(ListEntry).where(ListEntry.basis_record_id.in_(ids),
                                                                 ListEntry.status.in_(ACTIVE)))):
            reason = "repair" if ids[e.basis_record_id] == "repair" else "dismissed"
            if e.status == "effective":
                _exit(e, reason, None, today)
            elif e.status == "notice":
                e.exit_reason = reason
                _move(e, "cancelled", "cancel", None, reason)
            else:
                e.review_note = reason
                _move(e, "rejected", "reject", None, reason)
    return len(events)


def warn_overdue_objections(today: date) -> int:
    """Supervisors are told once of each objection not answered by its due date."""
    from app.notices.services import notify_supervisors

    n = 0
    for o in db.session.scalars(select(ListObjection).where(ListObjection.status == "open",
                                                            ListObjection.answer_due < today)):
        notify_supervisors(o.entry.retailer, "list_objection_overdue",
                           N_("A list objection is overdue: %(shop)s (due %(due)s)"),
                           link=f"/lists/entries/{o.entry_id}", dedupe_key=f"list-objection:{o.id}:overdue",
                           shop=o.entry.retailer.shop_name, due=o.answer_due.isoformat())
        n += 1
    return n


def daily(today: date | None = None) -> dict:
    today = today or local_today()
    out = propose_after_evaluations()
    while withdraw_for_records():
        pass
    out.update(effective=take_effect_due(today), expired=expire_due(today),
               overdue_objections=warn_overdue_objections(today))
    return out


# ---- reading --------------------------------------------------------------------------------------------

def public_entries_of(retailer_id) -> list[ListEntry]:
    return list(db.session.scalars(select(ListEntry).where(ListEntry.retailer_id == retailer_id,
                                                           ListEntry.status.in_(PUBLIC)).order_by(ListEntry.id)))


def public_query(kind=None, status=None):
    stmt = select(ListEntry).where(ListEntry.status.in_(PUBLIC))
    if kind in ("red", "black"):
        stmt = stmt.where(ListEntry.kind == kind)
    if status in PUBLIC:
        stmt = stmt.where(ListEntry.status == status)
    return stmt.order_by(ListEntry.status.desc(), ListEntry.id.desc())


def measures_for(kind: str, today: date | None = None, partner=None) -> list[dict]:
    """The joint measures of a list: the bureau's (policy) and each partner's (agreements); for a partner,
    the bureau's and its own."""
    from app.partners.models import PartnerAgreement

    _version, body = policy.in_force(today or local_today())
    out = [{"by": _("Tobacco monopoly bureau"), "text": m.get("zh"), "text_en": m.get("en")}
           for m in body.get("measures", {}).get(kind, [])]
    stmt = select(PartnerAgreement).where(PartnerAgreement.active.is_(True)).order_by(PartnerAgreement.id)
    if partner is not None:
        stmt = stmt.where(PartnerAgreement.user_id == partner.id)
    for a in db.session.scalars(stmt):
        for text in (a.measures or {}).get(kind, []):
            out.append({"by": a.organisation, "text": text, "text_en": None})
    return out


def public_view(e: ListEntry, partner=None) -> dict:
    from app.retailers.schemas import mask_name

    from app.scheduling.queries import mask_name as mask_shop

    # the public sees an operator's name inside a shop name masked too; a partner reads the register's name
    shop = e.retailer.shop_name if partner is not None else mask_shop(e.retailer.shop_name, e.retailer.operator_name)
    return {"id": e.id, "kind": e.kind, "status": e.status, "criterion": e.criterion,
            "licence_no": e.retailer.licence_no, "shop_name": shop,
            "operator_name": mask_name(e.retailer.operator_name),
            "unit_name": e.unit.name if e.unit else None, "notice_from": e.notice_from, "notice_until": e.notice_until,
            "effective_on": e.effective_on, "expires_on": e.expires_on,
            "measures": measures_for(e.kind, partner=partner) if partner is not None else None}


def supervise_query(user, args: dict):
    from app.auth import policy as access

    stmt = access.scope(user, "lists.read", select(ListEntry), ListEntry)
    if args.get("status"):
        stmt = stmt.where(ListEntry.status == args["status"])
    if args.get("kind"):
        stmt = stmt.where(ListEntry.kind == args["kind"])
    return stmt.order_by(ListEntry.id.desc())


def counts_by_status(user) -> dict[str, int]:
    from app.auth import policy as access

    stmt = access.scope(user, "lists.read", select(ListEntry.status, func.count(ListEntry.id)), ListEntry)
    return dict(db.session.execute(stmt.group_by(ListEntry.status)).all())
