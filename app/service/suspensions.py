"""Supply suspensions are decisions, never side effects: a published run proposes them, the publishing
marketing supervisor decides them (legal basis, reasons, period), the retailer is told with the way to
object (21 days; answered within 10 working days), and they end by themselves when the grade recovers
or the period runs out (the daily job), by an upheld objection, or by a review with reasons."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.common.validation import N_
from app.common.workdays import add_working_days
from app.extensions import db
from app.notices import services as notices
from app.retailers.models import Retailer
from app.service import policy as service_policy
from app.service.models import ServiceRow, ServiceRun, SupplySuspension

MIN_TEXT = 10


def decide_from_run(run: ServiceRun, actor, today: dt.date) -> int:
    """Create the suspensions the run proposes (one per licence and cause: the database keeps it
    unique), point the rows' reasons at them, and tell the retailers."""
    from app.service.runs import cycle_start

    pol = service_policy.in_force(cycle_start(run.cycle))
    rows = list(db.session.scalars(select(ServiceRow).where(ServiceRow.run_id == run.id,
                                                            ServiceRow.proposal.is_not(None))))
    made = 0
    for row in rows:
        p = row.proposal
        kind = p["kind"]
        cause = f"grade:{run.cycle}" if kind == "grade" else f"record:{p['record_id']}"
        # why: the grade and the records behind the decision (the proposal's own line is the decision itself)
        reasons = [r for r in row.reasons if r["code"] in ("grade", "circulation")]
        suspension = SupplySuspension(
            retailer_id=row.retailer_id, unit_id=row.unit_id, kind=kind, cause_key=cause,
            record_id=p.get("record_id"), run_id=run.id, grade=row.grade, quantity=p.get("quantity"),
            legal_basis=pol.legal_basis[kind], reasons=reasons, starts_on=cycle_start(run.cycle),
            ends_on=dt.date.fromisoformat(p["until"]) if p.get("until") else None, status="active",
            decided_by_id=actor.id, objection_until=today + dt.timedelta(days=pol.objection_days))
        try:
            with db.session.begin_nested():
                db.session.add(suspension)
                db.session.flush()
        except Exception:  # noqa: BLE001  (the same cause decided already: the unique key holds)
            continue
        row.reasons = [({"code": "suspended_" + kind, "params": {"suspension_id": suspension.id,
                                                                   "until": p.get("until")}}
                        if r["code"] == "suspend_" + kind else r) for r in row.reasons]
        audit("supply_suspension.decide", "SupplySuspension", suspension.id, after={
            "retailer": row.retailer_id, "kind": kind, "cause": cause, "record": suspension.record_id,
            "starts_on": suspension.starts_on, "ends_on": suspension.ends_on, "run": run.id}, actor=actor)
        _tell_decided(suspension)
        made += 1
    db.session.flush()
    return made


def _tell_decided(s: SupplySuspension):
    retailer = db.session.get(Retailer, s.retailer_id)
    if s.kind == "grade":
        body = N_("Your credit grade is %(g)s: supply is suspended from %(start)s until the grade recovers, pending "
                  "review. You may object until %(until)s on the service page.")
    else:
        body = N_("Confirmed cartons coded for another area or diverted orders (%(q)s cartons): supply is "
                  "suspended from %(start)s to %(end)s. You may object until %(until)s on the service page.")
    notices.notify_retailer(retailer, "supply_suspended", N_("Supply suspended: decision %(id)s"), body,
                            link=f"/me/service/{s.retailer_id}", dedupe_key=f"suspend:{s.id}", id=s.id, g=s.grade,
                            q=s.quantity or "", start=s.starts_on.isoformat(),
                            end=s.ends_on.isoformat() if s.ends_on else "", until=s.objection_until.isoformat())


def lift(s: SupplySuspension, reason: str, *, actor=None, note: str | None = None, today: dt.date | None = None):
    if s.status != "active":
        raise ServiceError({"suspension": [_("This suspension has ended already.")]}, status=409)
    today = today or local_today()
    s.status, s.lifted_on, s.lifted_at = "lifted", today, utcnow()
    s.lifted_by_id, s.lift_reason, s.lift_note = getattr(actor, "id", None), reason, note
    db.session.flush()
    audit("supply_suspension.lift", "SupplySuspension", s.id, after={"reason": reason, "note": note,
                                                                     "lifted_on": today}, actor=actor)
    retailer = db.session.get(Retailer, s.retailer_id)
    notices.notify_retailer(retailer, "supply_lifted", N_("Supply suspension %(id)s lifted"),
                            N_("Supply resumes with the next ordering cycle. Reason: %(r)s"),
                            link=f"/me/service/{s.retailer_id}", dedupe_key=f"lift:{s.id}", id=s.id,
                            r=_(LIFT_REASONS[reason]) if reason in LIFT_REASONS else reason)


LIFT_REASONS = {"grade_recovered": N_("the credit grade has recovered"), "period_ended": N_("the period has ended"),
                "objection": N_("your objection was upheld"), "review": N_("lifted on review")}


def lift_due(today: dt.date | None = None) -> dict:
    """The daily job: lift every suspension whose period has ended or whose grade (for a grade
    suspension) is no longer one that suspends under the policy in force."""
    from app.credit import grading

    today = today or local_today()
    pol = service_policy.in_force(today)
    suspending = {g for g, rule in pol.grades.items() if rule.suspend}
    lifted = {"period_ended": 0, "grade_recovered": 0}
    active = list(db.session.scalars(select(SupplySuspension).where(SupplySuspension.status == "active")
                                     .order_by(SupplySuspension.id)))
    for s in active:
        if s.ends_on is not None and s.ends_on <= today:
            lift(s, "period_ended", today=today)
            lifted["period_ended"] += 1
        elif s.kind == "grade":
            grade = grading.current_grade(db.session.get(Retailer, s.retailer_id), today).grade
            if grade not in suspending:
                lift(s, "grade_recovered", note=grade, today=today)
                lifted["grade_recovered"] += 1
    return lifted


def object_to(s: SupplySuspension, user, text: str, today: dt.date | None = None) -> SupplySuspension:
    """The retailer objects to a suspension (within the window; one objection per decision)."""
    today = today or local_today()
    text = (text or "").strip()
    errors = {}
    if s.objection_status is not None:
        errors["objection"] = [_("An objection to this decision was made already.")]
    elif today > s.objection_until:
        errors["objection"] = [_("Objections must be raised by %(d)s.", d=s.objection_until.isoformat())]
    if len(text) < MIN_TEXT:
        errors["reasons"] = [_("Please give your reasons (at least 10 characters).")]
    elif len(text) > 4000:
        errors["reasons"] = [_("Too long.")]
    if errors:
        raise ServiceError(errors)
    pol = service_policy.in_force(today)
    s.objection_status, s.objection_text, s.objected_at, s.objected_by_id = "open", text, utcnow(), user.id
    s.answer_due = add_working_days(today, pol.answer_working_days)
    db.session.flush()
    audit("supply_suspension.object", "SupplySuspension", s.id, after={"answer_due": s.answer_due}, actor=user)
    _tell_marketing(s)
    return s


def _tell_marketing(s: SupplySuspension):
    from app.auth.models import User
    from app.org.models import OrgUnit

    retailer = db.session.get(Retailer, s.retailer_id)
    city = select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))
    for user in db.session.scalars(select(User).where(User.role == "mkt_supervisor", User.is_enabled.is_(True),
                                                      (User.unit_id == retailer.unit_id) | User.unit_id.in_(city))):
        notices.notify(user, "objection_submitted", N_("Objection to supply suspension %(id)s: %(shop)s"),
                       N_("Answer by %(d)s."), link=f"/service/suspensions/{s.id}", retailer_id=s.retailer_id,
                       dedupe_key=f"susp-ob:{s.id}", id=s.id, shop=retailer.shop_name, d=s.answer_due.isoformat())


def answer(s: SupplySuspension, actor, *, upheld: bool, text: str, today: dt.date | None = None):
    if s.objection_status != "open":
        raise ServiceError({"answer": [_("There is no open objection to answer.")]}, status=409)
    text = (text or "").strip()
    if not text:
        raise ServiceError({"answer": [_("Please write the answer.")]})
    s.objection_status = "upheld" if upheld else "rejected"
    s.answer, s.answered_at, s.answered_by_id = text, utcnow(), actor.id
    db.session.flush()
    audit("supply_suspension.answer", "SupplySuspension", s.id, after={"status": s.objection_status,
                                                                       "answer": text}, actor=actor)
    retailer = db.session.get(Retailer, s.retailer_id)
    if upheld:
        if s.status == "active":
            lift(s, "objection", actor=actor, note=text, today=today)
        notices.notify_retailer(retailer, "objection_answered", N_("Your objection was upheld"),
                                N_("Answer: %(a)s"), link=f"/me/service/{s.retailer_id}",
                                dedupe_key=f"susp-ans:{s.id}", a=text)
    else:
        notices.notify_retailer(retailer, "objection_answered", N_("Your objection was not upheld"),
                                N_("Answer: %(a)s"), link=f"/me/service/{s.retailer_id}",
                                dedupe_key=f"susp-ans:{s.id}", a=text)
    return s


def review_lift(s: SupplySuspension, actor, note: str, today: dt.date | None = None):
    """A marketing supervisor lifts a suspension on review (e.g. the case was reconsidered), with reasons."""
    note = (note or "").strip()
    if len(note) < MIN_TEXT:
        raise ServiceError({"note": [_("Please give your reasons (at least 10 characters).")]})
    lift(s, "review", actor=actor, note=note, today=today)
    return s


def list_query(user, args: dict):
    """Supply suspensions in the user's scope for the list page and its export: ``state`` "active" (the
    default), "lifted", or "objected" (an objection open), newest first."""
    from sqlalchemy import select

    from app.auth import policy

    state = args.get("state") if args.get("state") in ("active", "lifted", "objected") else "active"
    stmt = policy.scope(user, "service.read", select(SupplySuspension), SupplySuspension)
    if state == "objected":
        stmt = stmt.where(SupplySuspension.objection_status == "open")
    else:
        stmt = stmt.where(SupplySuspension.status == state)
    return stmt.order_by(SupplySuspension.id.desc())
