"""Credit repair requests and objections: eligibility, submission, acceptance, decision, answers;
every step timed against working-day deadlines (app.common.workdays, rules in rules.yaml)."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import get_locale, gettext as _
from sqlalchemy import select

from app.audit.services import record as audit
from app.commitments import services as commitments
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.common.validation import N_
from app.common.workdays import add_working_days, deadline_note, unofficial_years, working_days_between
from app.credit.models import CreditRecord
from app.extensions import db
from app.notices import services as notices
from app.repair import credit_link
from app.repair.evidence import save_uploads
from app.repair.models import Objection, RepairRequest, TrainingCompletion
from app.repair.rules import rules, training_module
from app.retailers.models import Retailer

OPEN_REPAIR = ("submitted", "accepted", "more_info")


# ---- training --------------------------------------------------------------------------------------

def training_done(user, today: date | None = None) -> TrainingCompletion | None:
    today = today or local_today()
    since = today - timedelta(days=rules()["repair"]["training_valid_days"])
    return db.session.scalars(select(TrainingCompletion).where(
        TrainingCompletion.user_id == user.id, TrainingCompletion.module_version == training_module()["version"],
        TrainingCompletion.completed_on > since).order_by(TrainingCompletion.id.desc())).first()


def complete_training(user, answers: dict) -> TrainingCompletion:
    module = training_module()
    questions = module["questions"]
    correct = sum(1 for q in questions if str(answers.get(q["id"], "")) == str(q["answer"]))
    if correct < module["pass_mark"]:
        raise ServiceError({"answers": [_("%(c)d of %(n)d answers are right; %(p)d are needed. Please read the "
                                          "material again and retry.", c=correct, n=len(questions),
                                          p=module["pass_mark"])]})
    t = TrainingCompletion(user_id=user.id, module_version=module["version"], correct=correct, total=len(questions),
                           completed_on=local_today())
    db.session.add(t)
    db.session.flush()
    audit("repair.training", "TrainingCompletion", t.id, after={"correct": correct, "total": len(questions)},
          actor=user)
    return t


# ---- eligibility --------------------------------------------------------------------------------------

def already_repaired(record: CreditRecord) -> bool:
    if record.repaired_on is not None or record.status == "repaired":
        return True
    return db.session.scalar(select(RepairRequest.id).where(RepairRequest.record_id == record.id,
                                                            RepairRequest.status == "approved")) is not None


def eligibility(record: CreditRecord, user, *, penalty_fulfilled: bool = True, as_of: date | None = None):
    """scoring.repair_eligibility with what the system knows. Before submission the penalty is the
    retailer's own declaration (asked for on the form), so the preview assumes it."""
    from scoring import repair_eligibility

    as_of = as_of or local_today()
    if record.status not in ("confirmed", "repaired") or record.decided_on is None:
        return None
    fresh = commitments.active(record.retailer, as_of)
    return repair_eligibility(
        credit_link.record_input(record), as_of=as_of, catalogues=credit_link.catalogues(),
        policy=credit_link.policy_on(as_of), already_repaired=already_repaired(record),
        penalty_fulfilled=penalty_fulfilled,
        commitment_signed=fresh is not None and fresh.signed_on >= record.decided_on,
        training_done=training_done(user, as_of) is not None)


def reason_text(reason) -> str:
    return reason.message_en if not str(get_locale()).startswith("zh") else reason.message_zh


# ---- deadlines --------------------------------------------------------------------------------------

def deadline_state(due: date, today: date | None = None, warn: int | None = None) -> str:
    """"overdue", "due_soon" (within the warning period, in working days) or "ok"."""
    today = today or local_today()
    if today > due:
        return "overdue"
    if warn is not None and working_days_between(today, due) <= warn:
        return "due_soon"
    return "ok"


def repair_deadline(req: RepairRequest, today: date | None = None):
    """(which, due date, state) of an open request's next deadline; None once decided."""
    if req.status not in OPEN_REPAIR:
        return None
    warn = rules()["repair"]["warn_working_days_before"]
    if req.accepted_at is None:
        return "accept", req.accept_due, deadline_state(req.accept_due, today, warn)
    return "decide", req.decide_due, deadline_state(req.decide_due, today, warn)


def objection_deadline(obj: Objection, today: date | None = None):
    if obj.status != "open":
        return None
    return "answer", obj.answer_due, deadline_state(obj.answer_due, today,
                                                    rules()["objection"]["warn_working_days_before"])


def repair_deadline_note(req: RepairRequest) -> str:
    """The plain sentence an open request's deadlines carry while they reach a year without an official
    holiday schedule (counted Monday to Friday), else ""."""
    if req.status not in OPEN_REPAIR:
        return ""
    return deadline_note(req.submitted_on, max(req.accept_due, req.decide_due))


def objection_deadline_note(obj: Objection) -> str:
    return deadline_note(obj.submitted_on, obj.answer_due) if obj.status == "open" else ""


def recompute_deadlines(year: int, actor=None) -> int:
    """After a year's official schedule was entered or corrected: the open requests and objections whose
    count of working days crosses that year are counted again from their submission day by the rules.
    A deadline is never moved before the day of the change (what was not late does not become late).
    Each change audited; returns how many moved."""
    today = local_today()
    first, last = date(year - 1, 12, 1), date(year, 12, 31)
    r = rules()
    moved = 0
    for req in db.session.scalars(select(RepairRequest).where(RepairRequest.status.in_(OPEN_REPAIR),
                                                              RepairRequest.decide_due >= first,
                                                              RepairRequest.submitted_on <= last)
                                  .order_by(RepairRequest.id)):
        before = {"accept_due": req.accept_due.isoformat(), "decide_due": req.decide_due.isoformat()}
        if req.accepted_at is None:
            req.accept_due = max(add_working_days(req.submitted_on, r["repair"]["accept_within_working_days"]),
                                 min(req.accept_due, today))
        req.decide_due = max(add_working_days(req.submitted_on, r["repair"]["decide_within_working_days"]),
                             min(req.decide_due, today))
        after = {"accept_due": req.accept_due.isoformat(), "decide_due": req.decide_due.isoformat()}
        if after != before:
            moved += 1
            audit("repair.deadline.recount", "RepairRequest", req.id, before=before,
                  after={**after, "calendar_year": year}, actor=actor)
    for obj in db.session.scalars(select(Objection).where(Objection.status == "open", Objection.answer_due >= first,
                                                          Objection.submitted_on <= last).order_by(Objection.id)):
        before = obj.answer_due
        obj.answer_due = max(add_working_days(obj.submitted_on, r["objection"]["answer_within_working_days"]),
                             min(obj.answer_due, today))
        if obj.answer_due != before:
            moved += 1
            audit("objection.deadline.recount", "Objection", obj.id, before={"answer_due": before.isoformat()},
                  after={"answer_due": obj.answer_due.isoformat(), "calendar_year": year}, actor=actor)
    db.session.flush()
    return moved


# ---- repair requests ------------------------------------------------------------------------------------

def _own_record(retailer: Retailer, record_id) -> CreditRecord:
    record = db.session.get(CreditRecord, record_id) if record_id else None
    if record is None or record.retailer_id != retailer.id:
        raise ServiceError({"record": [_("No such record on this licence.")]}, status=404)
    return record


def submit_repair(retailer: Retailer, user, *, record_id, statement: str, penalty_fulfilled: bool, files=(),
                  today: date | None = None) -> RepairRequest:
    today = today or local_today()
    record = _own_record(retailer, record_id)
    errors = {}
    statement = (statement or "").strip()
    if len(statement) < 10:
        errors["statement"] = [_("Please describe how the failing was corrected (at least 10 characters).")]
    if db.session.scalar(select(RepairRequest.id).where(RepairRequest.record_id == record.id,
                                                        RepairRequest.status.in_(OPEN_REPAIR))):
        errors["record"] = [_("A repair request for this record is already open.")]
    result = eligibility(record, user, penalty_fulfilled=penalty_fulfilled, as_of=today)
    if result is None:
        errors["record"] = [_("This record cannot be repaired.")]
    elif not result.eligible:
        errors["eligibility"] = [reason_text(r) for r in result.reasons]
    if not [f for f in files if f and f.filename]:
        errors["evidence"] = [_("Please add at least one photo or document as evidence.")]
    if errors:
        raise ServiceError(errors)
    evidence = save_uploads(files, retailer, user)
    r = rules()["repair"]
    req = RepairRequest(retailer_id=retailer.id, record_id=record.id, statement=statement,
                        penalty_fulfilled=penalty_fulfilled, commitment_id=commitments.active(retailer, today).id,
                        training_id=training_done(user, today).id, evidence_ids=[e.id for e in evidence],
                        eligibility=result.to_dict(), submitted_on=today, submitted_by_id=user.id,
                        accept_due=add_working_days(today, r["accept_within_working_days"]),
                        decide_due=add_working_days(today, r["decide_within_working_days"]))
    db.session.add(req)
    db.session.flush()
    audit("repair.submit", "RepairRequest", req.id, after={"record": record.id, "decide_due": req.decide_due,
                                                           "evidence": req.evidence_ids}, actor=user)
    years = unofficial_years(today, req.decide_due)
    notices.notify_supervisors(retailer, "repair_submitted", N_("New credit repair request: %(shop)s"),
                               N_("Accept by %(a)s, decide by %(d)s. The official holiday schedule for %(years)s "
                                  "has not been entered yet: the deadline is counted Monday to Friday.") if years
                               else N_("Accept by %(a)s, decide by %(d)s."), link=f"/supervise/repairs/{req.id}",
                               shop=retailer.shop_name, a=req.accept_due.isoformat(), d=req.decide_due.isoformat(),
                               years="、".join(str(y) for y in years))
    return req


def supplement_repair(req: RepairRequest, user, *, statement: str, files=()) -> RepairRequest:
    if req.status != "more_info":
        raise ServiceError({"status": [_("Nothing more was asked for.")]}, status=409)
    evidence = save_uploads(files, req.retailer, user)
    statement = (statement or "").strip()
    if not statement and not evidence:
        raise ServiceError({"statement": [_("Please add an explanation or a file.")]})
    if statement:
        req.statement = f"{req.statement}\n\n[{local_today().isoformat()}] {statement}"
    req.evidence_ids = list(req.evidence_ids or []) + [e.id for e in evidence]
    req.status = "accepted" if req.accepted_at else "submitted"
    audit("repair.supplement", "RepairRequest", req.id, after={"evidence": req.evidence_ids}, actor=user)
    notices.notify_supervisors(req.retailer, "repair_submitted", N_("More information for repair request %(id)s"),
                               link=f"/supervise/repairs/{req.id}", id=req.id)
    db.session.flush()
    return req


def _check_open(req, allowed):
    if req.status not in allowed:
        raise ServiceError({"status": [_("This request is already decided.")]}, status=409)


def accept_repair(req: RepairRequest, actor) -> RepairRequest:
    _check_open(req, ("submitted", "more_info"))
    if req.accepted_at is not None and req.status != "more_info":
        raise ServiceError({"status": [_("Already accepted.")]}, status=409)
    req.status, req.accepted_at, req.accepted_by_id = "accepted", req.accepted_at or utcnow(), actor.id
    audit("repair.accept", "RepairRequest", req.id, after={"status": "accepted"}, actor=actor)
    notices.notify_retailer(req.retailer, "repair_update", N_("Your credit repair request was accepted"),
                            N_("A decision will be made by %(d)s."), link=f"/me/requests/{req.retailer_id}",
                            d=req.decide_due.isoformat())
    db.session.flush()
    return req


def request_more(req: RepairRequest, actor, note: str) -> RepairRequest:
    _check_open(req, ("submitted", "accepted"))
    note = (note or "").strip()
    if not note:
        raise ServiceError({"reason": [_("Please say what is needed.")]})
    req.status, req.more_info_note, req.more_info_at = "more_info", note, utcnow()
    audit("repair.more_info", "RepairRequest", req.id, after={"note": note}, actor=actor)
    notices.notify_retailer(req.retailer, "repair_update", N_("More information is needed for your repair request"),
                            "%(note)s", link=f"/me/requests/{req.retailer_id}", note=note)
    db.session.flush()
    return req


def approve_repair(req: RepairRequest, actor, reason: str, today: date | None = None) -> RepairRequest:
    _check_open(req, OPEN_REPAIR)
    today = today or local_today()
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"reason": [_("Please give the reasons for the decision.")]})
    record = req.record
    if already_repaired(record):
        raise ServiceError({"record": [_("The record was already repaired once.")]}, status=409)
    req.status, req.decided_at, req.decided_on, req.decided_by_id = "approved", utcnow(), today, actor.id
    req.decision_reason = reason
    if req.accepted_at is None:
        req.accepted_at, req.accepted_by_id = utcnow(), actor.id
    credit_link.repair(record, today, actor, f"repair request {req.id}: {reason}")
    db.session.flush()
    audit("repair.approve", "RepairRequest", req.id, after={"record": record.id, "repaired_on": today,
                                                            "reason": reason}, actor=actor)
    grade, score = credit_link.current_grade(req.retailer)
    notices.notify_retailer(req.retailer, "repair_decided", N_("Your credit repair request was approved"),
                            N_("The record no longer counts from %(d)s. Your grade is now %(g)s (%(s)s points). "
                               "Reasons: %(r)s"), link=f"/me/requests/{req.retailer_id}",
                            d=today.isoformat(), g=grade, s=score, r=reason)
    return req  # the grade change is told by the notices consumer (job runner) after commit


def refuse_repair(req: RepairRequest, actor, reason: str, today: date | None = None) -> RepairRequest:
    _check_open(req, OPEN_REPAIR)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"reason": [_("Please give the reasons for the decision.")]})
    req.status, req.decided_at, req.decided_on, req.decided_by_id = ("refused", utcnow(), today or local_today(),
                                                                    actor.id)
    req.decision_reason = reason
    audit("repair.refuse", "RepairRequest", req.id, after={"reason": reason}, actor=actor)
    notices.notify_retailer(req.retailer, "repair_decided", N_("Your credit repair request was refused"),
                            N_("Reasons: %(r)s"), link=f"/me/requests/{req.retailer_id}", r=reason)
    db.session.flush()
    return req


# ---- objections --------------------------------------------------------------------------------------------

def told_on(record: CreditRecord) -> date:
    """When the retailer was told of a record: its decision date (the notice goes out then)."""
    return record.decided_on or record.occurred_on


def grade_told_on_for(retailer: Retailer) -> date | None:
    """When the retailer was last told of its grade: the latest live-grade change or published
    quarterly grade (the day of the notice / publication)."""
    from sqlalchemy import func

    from app.credit.models import GradeChange
    from app.evaluation.models import EvaluationRow, EvaluationRun
    from app.common.time import to_local

    days = []
    changed = db.session.scalar(select(func.max(GradeChange.at)).where(GradeChange.retailer_id == retailer.id))
    if changed is not None:
        days.append(to_local(changed).date())
    published = db.session.scalar(select(func.max(EvaluationRun.published_at)).join(
        EvaluationRow, EvaluationRow.run_id == EvaluationRun.id).where(
        EvaluationRow.retailer_id == retailer.id, EvaluationRun.status == "published"))
    if published is not None:
        days.append(to_local(published).date())
    return max(days) if days else None


def objection_window_closes(record: CreditRecord) -> date:
    return told_on(record) + timedelta(days=rules()["objection"]["within_days"])


def submit_objection(retailer: Retailer, user, *, record_id=None, grade_told_on: date | None = None,
                     reasons: str, files=(), today: date | None = None) -> Objection:
    today = today or local_today()
    errors = {}
    record = _own_record(retailer, record_id) if record_id else None
    reasons = (reasons or "").strip()
    if len(reasons) < 10:
        errors["reasons"] = [_("Please give your reasons (at least 10 characters).")]
    days = rules()["objection"]["within_days"]
    if record is not None:
        told = told_on(record)
        if record.status not in ("suspected", "confirmed"):
            errors["record"] = [_("This record cannot be disputed.")]
        if db.session.scalar(select(Objection.id).where(Objection.record_id == record.id,
                                                        Objection.status == "open")):
            errors["record"] = [_("An objection to this record is already open.")]
    else:
        told = grade_told_on or grade_told_on_for(retailer) or today
    if today > told + timedelta(days=days):
        errors["told_on"] = [_("Objections must be raised within %(n)d days of being told (by %(d)s).", n=days,
                               d=(told + timedelta(days=days)).isoformat())]
    if errors:
        raise ServiceError(errors)
    evidence = save_uploads(files, retailer, user)
    grade = None if record is not None else credit_link.current_grade(retailer)[0]
    obj = Objection(retailer_id=retailer.id, record_id=record.id if record else None, grade=grade, told_on=told,
                    reasons=reasons, evidence_ids=[e.id for e in evidence], submitted_on=today,
                    submitted_by_id=user.id,
                    answer_due=add_working_days(today, rules()["objection"]["answer_within_working_days"]))
    db.session.add(obj)
    db.session.flush()
    if record is not None:
        credit_link.mark_disputed(record, True, user, f"objection {obj.id}")
    audit("objection.submit", "Objection", obj.id, after={"record": obj.record_id, "grade": grade,
                                                          "answer_due": obj.answer_due}, actor=user)
    years = unofficial_years(today, obj.answer_due)
    notices.notify_supervisors(retailer, "objection_submitted", N_("New objection: %(shop)s"),
                               N_("Answer by %(d)s. The official holiday schedule for %(years)s has not been "
                                  "entered yet: the deadline is counted Monday to Friday.") if years
                               else N_("Answer by %(d)s."), link=f"/supervise/objections/{obj.id}",
                               shop=retailer.shop_name, d=obj.answer_due.isoformat(),
                               years="、".join(str(y) for y in years))
    return obj


def grade_records(retailer: Retailer) -> list[CreditRecord]:
    """The confirmed records that move a licence's grade today (its own, and through the operator
    link those of the operator's other licences): what a grade objection can find wrong."""
    result = credit_link.compute(retailer)
    ids = [c.record_id for c in result.contributions if isinstance(c.record_id, int)]
    if not ids:
        return []
    return list(db.session.scalars(select(CreditRecord).where(CreditRecord.id.in_(ids),
                                                              CreditRecord.status == "confirmed")
                                   .order_by(CreditRecord.decided_on, CreditRecord.id)))


def answer_objection(obj: Objection, actor, *, upheld: bool, answer: str, dismiss_ids=()) -> Objection:
    """Answer an objection. Upholding one against a record dismisses the record; upholding one
    against a grade names the records found wrong (``dismiss_ids``, among ``grade_records``), which
    are dismissed: the grade is computed from records, so that is how a grade is corrected. Either
    way the live grade is recomputed at once; if the licence's last published quarterly grade rested
    on a dismissed record, the supervisors are told to correct the quarter with a superseding run."""
    if obj.status != "open":
        raise ServiceError({"status": [_("This objection is already answered.")]}, status=409)
    answer = (answer or "").strip()
    errors = {}
    if not answer:
        errors["answer"] = [_("Please write the answer.")]
    dismissed = []
    if upheld and obj.record is None:
        allowed = {r.id: r for r in grade_records(obj.retailer)}
        chosen = []
        for raw in dismiss_ids or ():
            try:
                chosen.append(allowed[int(raw)])
            except (KeyError, TypeError, ValueError):
                errors["records"] = [_("Choose only records that count in this grade.")]
        if not chosen and "records" not in errors:
            errors["records"] = [_("Choose the records found wrong: the grade is computed from them.")]
        dismissed = list(dict.fromkeys(chosen))
    if errors:
        raise ServiceError(errors)
    obj.status, obj.answer, obj.answered_at, obj.answered_by_id = ("upheld" if upheld else "rejected", answer,
                                                                   utcnow(), actor.id)
    if obj.record is not None:
        if obj.record.disputed:
            credit_link.mark_disputed(obj.record, False, actor, f"objection {obj.id} {obj.status}")
        if upheld:
            dismissed = [obj.record]
    for rec in dismissed:
        credit_link.dismiss(rec, f"objection {obj.id} upheld: {answer}", actor)
    audit("objection.answer", "Objection", obj.id, after={"status": obj.status, "answer": answer,
                                                          "dismissed": [r.id for r in dismissed]}, actor=actor)
    db.session.flush()
    grade, score = credit_link.current_grade(obj.retailer)
    if upheld:
        notices.notify_retailer(obj.retailer, "objection_answered", N_("Your objection was upheld"),
                                N_("Your grade is now %(g)s (score %(s)s). Answer: %(a)s"),
                                link=f"/me/requests/{obj.retailer_id}", a=answer, g=grade, s=score)
    else:
        notices.notify_retailer(obj.retailer, "objection_answered", N_("Your objection was not upheld"),
                                N_("Answer: %(a)s"), link=f"/me/requests/{obj.retailer_id}", a=answer)
    if dismissed:
        _flag_published_quarter(obj, dismissed)
    return obj  # the grade change is told by the notices consumer (job runner) after commit


def _flag_published_quarter(obj: Objection, dismissed: list[CreditRecord]) -> None:
    """A published run is never changed: if the licence's last published quarterly score, recomputed
    as of the quarter's last day without the dismissed records, comes out different, tell the
    supervisors to correct the quarter with a superseding run."""
    from app.evaluation.models import EvaluationRow, EvaluationRun

    found = db.session.execute(select(EvaluationRun, EvaluationRow).join(
        EvaluationRow, EvaluationRow.run_id == EvaluationRun.id).where(
        EvaluationRow.retailer_id == obj.retailer_id, EvaluationRun.status == "published")
        .order_by(EvaluationRun.as_of.desc(), EvaluationRun.id.desc())).first()
    if found is None:
        return
    run, row = found
    corrected = credit_link.compute(obj.retailer, run.as_of)
    if (corrected.score, corrected.grade) != (row.score, row.grade):
        notices.notify_supervisors(obj.retailer, "deadline",
                                   N_("Objection %(id)s upheld: correct the %(q)s grade of %(shop)s"),
                                   N_("The published grade counted a dismissed record. Supersede the run with "
                                      "the reason, so the corrected grade is published."),
                                   link=f"/evaluations/{run.id}", dedupe_key=f"ob:{obj.id}:quarter",
                                   id=obj.id, q=run.quarter, shop=obj.retailer.shop_name)


# ---- deadline warnings (daily job) -------------------------------------------------------------------------

def _state_body(state, start, due):
    """The warning's body: overdue or due soon, and, while the deadline reaches a year without an
    official holiday schedule, that it was counted Monday to Friday."""
    years = unofficial_years(start, due)
    if not years:
        return N_("Overdue") if state == "overdue" else N_("Due soon"), ""
    if state == "overdue":
        return N_("Overdue. The official holiday schedule for %(years)s has not been entered yet: the deadline "
                  "is counted Monday to Friday."), "、".join(str(y) for y in years)
    return N_("Due soon. The official holiday schedule for %(years)s has not been entered yet: the deadline "
              "is counted Monday to Friday."), "、".join(str(y) for y in years)


def warn_deadlines(today: date | None = None) -> int:
    """Notices to supervisors for repair requests, objections and licence requests due soon or overdue
    (once per state)."""
    today = today or local_today()
    sent = 0
    for req in db.session.scalars(select(RepairRequest).where(RepairRequest.status.in_(OPEN_REPAIR))):
        which, due, state = repair_deadline(req, today)
        if state != "ok":
            body, years = _state_body(state, req.submitted_on, due)
            notices.notify_supervisors(req.retailer, "deadline", N_("Repair request %(id)s: deadline %(d)s"), body,
                                       link=f"/supervise/repairs/{req.id}", dedupe_key=f"rr:{req.id}:{which}:{state}",
                                       id=req.id, d=due.isoformat(), years=years)
            sent += 1
    for obj in db.session.scalars(select(Objection).where(Objection.status == "open")):
        _which, due, state = objection_deadline(obj, today)
        if state != "ok":
            body, years = _state_body(state, obj.submitted_on, due)
            notices.notify_supervisors(obj.retailer, "deadline", N_("Objection %(id)s: deadline %(d)s"), body,
                                       link=f"/supervise/objections/{obj.id}", dedupe_key=f"ob:{obj.id}:{state}",
                                       id=obj.id, d=due.isoformat(), years=years)
            sent += 1
    from app.licence_requests.models import LicenceRequest

    warn = rules()["repair"]["warn_working_days_before"]
    for lr in db.session.scalars(select(LicenceRequest).where(LicenceRequest.status == "submitted")):
        state = deadline_state(lr.decide_due, today, warn)
        if state != "ok":
            body, years = _state_body(state, lr.submitted_on, lr.decide_due)
            notices.notify_supervisors(lr.retailer, "deadline", N_("Licence request %(id)s: deadline %(d)s"), body,
                                       link=f"/supervise/licence-requests/{lr.id}", dedupe_key=f"lr:{lr.id}:{state}",
                                       id=lr.id, d=lr.decide_due.isoformat(), years=years)
            sent += 1
    db.session.flush()
    return sent
