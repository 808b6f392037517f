"""Credit records (信用记录) and live grades.

Every change of a record goes through this module: it checks, changes, writes a CreditRecordEvent
and an audit entry, and recomputes the live grade of every licence the change reaches (the
retailer's own and, through the operator 经营者, the operator's other licences), all in the
caller's transaction. The caller (view, command, other service) commits once.

Live grades: ``RetailerGrade`` holds the engine's result for a date and ``valid_until`` (the engine's
``next_change``, cut at the next catalogue or policy version). ``current_grade`` recomputes a
missing or lapsed grade on read, so the grade shown is always the grade for today; a
``GradeChange`` event is written whenever a stored grade changes (never for the first grade of a
licence, and never when only the score moves).
"""
from collections import defaultdict
from dataclasses import asdict
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

import scoring
from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.credit import versions
from app.credit.models import SOURCES, CreditRecord, CreditRecordEvent, GradeChange, RetailerGrade
from app.extensions import db
from app.retailers.models import Retailer

COUNTING = ("confirmed", "repaired")  # statuses the engine sees
EVIDENCE_KINDS = ("photo", "document", "text")
# Sources whose records may be entered directly as confirmed (a decision already exists).
DIRECT_CONFIRM_SOURCES = ("marketer", "supervisor", "partner", "import", "system")
MAX_TEXT = 2000

_AUDITED = ("status", "disputed", "case_number", "decided_on", "dismissed_reason", "repaired_on")


def snapshot(rec: CreditRecord) -> dict:
    return {name: getattr(rec, name) for name in _AUDITED}


# ---- who may record what ------------------------------------------------------------------------

def in_scope(actor, retailer: Retailer) -> bool:
    """County staff reach their county's retailers; city-level staff and admins every retailer."""
    if actor is None or actor.role == "admin":
        return True
    if actor.role in ("supervisor", "inspector", "marketer"):
        return actor.is_city_level or retailer.unit_id == actor.unit_id
    return actor.role == "partner"


def _permission_errors(actor, retailer, indicator, *, source, status) -> dict:
    """What this actor may not record here (empty dict: allowed). None is the system (CLI, demo)."""
    if actor is None:
        return {}
    role = actor.role
    if role in ("retailer",) or role not in ("admin", "supervisor", "inspector", "marketer", "partner"):
        return {"indicator_code": [_("You may not enter credit records.")]}
    if not in_scope(actor, retailer):
        return {"retailer_id": [_("You may only enter records for retailers of your own county.")]}
    if indicator is None:
        return {}
    if role == "marketer" and source not in ("marketer", "import"):
        return {"source": [_("Account managers enter records as account managers only.")]}
    if role == "marketer" and indicator.dimension != "marketing":
        return {"indicator_code": [_("Account managers may enter marketing (营销) indicators only.")]}
    if role == "inspector" and (source != "inspection" or status != "suspected"):
        return {"source": [_("Inspectors enter suspected violations found on inspection only.")]}
    if role == "partner" and indicator.dimension != "social":
        return {"indicator_code": [_("Partners enter third-party (社会) indicators only.")]}
    return {}


def needs_case_number(indicator) -> bool:
    """A monopoly (专卖) deduction rests on a case decision with its number."""
    return indicator.dimension == "monopoly" and not indicator.is_bonus


def _date_errors(errors, field, value, today, *, not_before=None, before_message=None):
    if value is None:
        return
    if value > today:
        errors.setdefault(field, []).append(_("The date cannot be in the future."))
    elif not_before is not None and value < not_before:
        errors.setdefault(field, []).append(
            before_message or _("The decision date cannot be before the date it happened."))


def validate_record(retailer, indicator_code, *, occurred_on, source, actor, quantity=None, status="suspected",
                    case_number=None, decided_on=None, lat=None, lng=None, description="", evidence=(),
                    today=None, cats=None):
    """Check a new record. Returns (errors, catalogue, indicator); errors maps field -> messages."""
    today = today or local_today()
    errors: dict[str, list[str]] = {}
    catalogue = indicator = None
    if source not in SOURCES:
        errors["source"] = [_("Unknown source.")]
    if status not in ("suspected", "confirmed"):
        errors["status"] = [_("A new record is either suspected or confirmed.")]
    if occurred_on is None:
        errors["occurred_on"] = [_("Missing data for required field.")]
    else:
        _date_errors(errors, "occurred_on", occurred_on, today)
        catalogue = versions.catalogue_on(occurred_on, cats)
        if catalogue is None:
            errors["occurred_on"] = [_("No indicator catalogue was in force on %(day)s.", day=occurred_on.isoformat())]
    code = (indicator_code or "").strip().upper()
    if not code:
        errors["indicator_code"] = [_("Missing data for required field.")]
    elif catalogue is not None:
        if code not in catalogue:
            errors["indicator_code"] = [_("Indicator %(code)s is not in catalogue %(version)s (in force on %(day)s).",
                                          code=code, version=catalogue.version, day=occurred_on.isoformat())]
        else:
            indicator = catalogue.indicator(code)
    if indicator is not None:
        if indicator.banded:
            if quantity is None:
                errors["quantity"] = [_("Indicator %(code)s is counted by quantity (%(unit)s): give the quantity.",
                                        code=code, unit=indicator.quantity_unit)]
            elif quantity < 1:
                errors["quantity"] = [_("The quantity must be at least 1.")]
            else:
                try:
                    indicator.points_for(quantity)
                except ValueError:
                    errors["quantity"] = [_("The quantity is outside every band of this indicator.")]
        elif quantity is not None:
            errors["quantity"] = [_("This indicator takes no quantity.")]
    if status == "suspected":
        if decided_on is not None or case_number:
            errors["decided_on"] = [_("A suspected record has no decision yet: confirm it later.")]
    elif status == "confirmed":
        if source == "inspection":
            errors["status"] = [_("A finding on inspection starts as suspected; a supervisor confirms it.")]
        elif source not in DIRECT_CONFIRM_SOURCES and source in SOURCES:
            errors["status"] = [_("Records from this source cannot be entered as confirmed.")]
        if decided_on is None:
            errors["decided_on"] = [_("A confirmed record needs its decision date.")]
        else:
            _date_errors(errors, "decided_on", decided_on, today, not_before=occurred_on)
        if indicator is not None and needs_case_number(indicator) and not (case_number or "").strip():
            errors["case_number"] = [_("A case number is required.")]
    if case_number is not None and len(case_number.strip()) > 64:
        errors["case_number"] = [_("Too long.")]
    if (lat is None) != (lng is None):
        errors["lat"] = [_("Give both latitude and longitude, or neither.")]
    if description and len(description) > MAX_TEXT:
        errors["description"] = [_("Too long.")]
    if not _evidence_ok(evidence):
        errors["evidence"] = [_("Evidence is a list of items with a kind (photo, document or text) and a reference.")]
    for field, messages in _permission_errors(actor, retailer, indicator, source=source, status=status).items():
        errors.setdefault(field, []).extend(messages)
    return errors, catalogue, indicator


def _evidence_ok(evidence) -> bool:
    if evidence is None:
        return True
    if not isinstance(evidence, (list, tuple)):
        return False
    for item in evidence:
        if not isinstance(item, dict) or item.get("kind") not in EVIDENCE_KINDS or not str(item.get("ref") or ""):
            return False
    return True


# ---- records ------------------------------------------------------------------------------------

def _event(rec, action, from_status, to_status, actor, *, note=None, case_number=None, decided_on=None):
    event = CreditRecordEvent(record_id=rec.id, at=utcnow(), actor_id=getattr(actor, "id", None), action=action,
                              from_status=from_status, to_status=to_status, case_number=case_number,
                              decided_on=decided_on, note=note)
    db.session.add(event)
    return event


def create_record(retailer, indicator_code, *, occurred_on, source, actor, quantity=None, description="",
                  evidence=(), lat=None, lng=None, inspection_id=None, client_uuid=None, status="suspected",
                  case_number=None, decided_on=None, partner_ref=None, recompute: bool = True) -> CreditRecord:
    """Record a fact about a retailer: suspected (to be confirmed by a supervisor) or, for sources
    that bring a decision (marketer, import, partner, supervisor, system), confirmed at once.

    ``client_uuid`` makes offline captures idempotent: sending the same capture again returns the
    record already made. With ``recompute=False`` the caller recomputes the grades itself (bulk)."""
    if client_uuid:
        existing = db.session.scalars(select(CreditRecord).where(CreditRecord.client_uuid == client_uuid)).first()
        if existing is not None:
            if existing.retailer_id != retailer.id or existing.indicator_code != (indicator_code or "").upper():
                raise ServiceError({"client_uuid": [_("This capture was already saved for another record.")]},
                                   status=409)
            return existing
    errors, catalogue, indicator = validate_record(
        retailer, indicator_code, occurred_on=occurred_on, source=source, actor=actor, quantity=quantity,
        status=status, case_number=case_number, decided_on=decided_on, lat=lat, lng=lng, description=description,
        evidence=evidence)
    if errors:
        raise ServiceError(errors)
    confirmed = status == "confirmed"
    if confirmed and recompute:
        baseline(retailer)
    rec = CreditRecord(
        retailer_id=retailer.id, operator_id=retailer.operator_id, indicator_code=indicator.code,
        catalogue_version=catalogue.version, dimension=indicator.dimension, quantity=quantity,
        nominal_points=indicator.points_for(quantity), occurred_on=occurred_on, recorded_at=utcnow(),
        recorded_by_id=getattr(actor, "id", None), source=source, status=status, disputed=False,
        case_number=(case_number or "").strip() or None, decided_on=decided_on if confirmed else None,
        description=(description or "").strip(), evidence=[dict(e) for e in (evidence or ())], lat=lat, lng=lng,
        inspection_id=inspection_id, partner_ref=partner_ref, client_uuid=client_uuid or None)
    db.session.add(rec)
    db.session.flush()
    _event(rec, "create", None, status, actor, case_number=rec.case_number, decided_on=rec.decided_on,
           note=rec.description or None)
    audit("credit_record.create", "credit_record", rec.id, actor=actor, after={
        "retailer_id": rec.retailer_id, "indicator_code": rec.indicator_code,
        "catalogue_version": rec.catalogue_version, "quantity": rec.quantity, "nominal_points": rec.nominal_points,
        "occurred_on": rec.occurred_on, "source": rec.source, **snapshot(rec)})
    if confirmed and recompute:
        recompute_reach(rec, "record.create")
    return rec


def _lock(rec: CreditRecord):
    """Re-read the record under a row lock (PostgreSQL), so two deciders cannot both act on it."""
    db.session.refresh(rec, with_for_update=True)


def _conflict(message):
    return ServiceError({"status": [message]}, status=409)


def _status_name(status):
    return {"suspected": _("suspected"), "confirmed": _("confirmed"), "dismissed": _("dismissed"),
            "repaired": _("repaired")}.get(status, status)


def confirm(rec: CreditRecord, case_number, decided_on, actor) -> CreditRecord:
    """Suspected → confirmed against a case decision (case number and decision date)."""
    _lock(rec)
    if rec.status == "confirmed":
        raise _conflict(_("This record was already confirmed (case %(case)s, decided on %(day)s).",
                          case=rec.case_number or "-", day=rec.decided_on.isoformat() if rec.decided_on else "-"))
    if rec.status != "suspected":
        raise _conflict(_("Only a suspected record can be confirmed; this one is %(status)s.",
                          status=_status_name(rec.status)))
    errors = {}
    case_number = (case_number or "").strip()
    if not case_number:
        errors["case_number"] = [_("A case number is required.")]
    elif len(case_number) > 64:
        errors["case_number"] = [_("Too long.")]
    if decided_on is None:
        errors["decided_on"] = [_("The decision date is required.")]
    else:
        _date_errors(errors, "decided_on", decided_on, local_today(), not_before=rec.occurred_on)
    if errors:
        raise ServiceError(errors)
    _check_decider(actor, rec)
    reach = baseline_reach(rec)
    before = snapshot(rec)
    rec.status, rec.case_number, rec.decided_on = "confirmed", case_number, decided_on
    db.session.flush()
    _event(rec, "confirm", "suspected", "confirmed", actor, case_number=case_number, decided_on=decided_on)
    audit("credit_record.confirm", "credit_record", rec.id, before=before, after=snapshot(rec), actor=actor)
    recompute_reach(rec, "record.confirm", reach)
    return rec


def dismiss(rec: CreditRecord, reason, actor) -> CreditRecord:
    """Suspected → dismissed (not proven); or confirmed → dismissed when an objection is upheld."""
    _lock(rec)
    reason = (reason or "").strip()
    if rec.status == "dismissed":
        raise _conflict(_("This record was already dismissed."))
    if rec.status not in ("suspected", "confirmed"):
        raise _conflict(_("A %(status)s record cannot be dismissed.", status=_status_name(rec.status)))
    if not reason:
        raise ServiceError({"reason": [_("Please give the reason for dismissing.")]})
    if len(reason) > MAX_TEXT:
        raise ServiceError({"reason": [_("Too long.")]})
    _check_decider(actor, rec)
    counted = rec.status == "confirmed"
    reach = baseline_reach(rec) if counted else None
    before = snapshot(rec)
    from_status = rec.status
    rec.status, rec.dismissed_reason = "dismissed", reason
    db.session.flush()
    _event(rec, "dismiss", from_status, "dismissed", actor, note=reason)
    audit("credit_record.dismiss", "credit_record", rec.id, before=before, after=snapshot(rec), actor=actor)
    if counted:
        recompute_reach(rec, "record.dismiss", reach)
    return rec


def mark_disputed(rec: CreditRecord, disputed: bool, actor, note=None) -> CreditRecord:
    """Open (True) or close (False) an objection (异议) on a record. The record keeps counting."""
    _lock(rec)
    disputed = bool(disputed)
    if rec.status == "dismissed":
        raise _conflict(_("A dismissed record cannot be disputed."))
    if rec.disputed == disputed:
        raise _conflict(_("This record is already marked as disputed.") if disputed
                        else _("This record is not marked as disputed."))
    before = snapshot(rec)
    rec.disputed = disputed
    db.session.flush()
    _event(rec, "dispute" if disputed else "dispute_closed", rec.status, rec.status, actor, note=note)
    audit("credit_record.dispute" if disputed else "credit_record.dispute_closed", "credit_record", rec.id,
          before=before, after={**snapshot(rec), "note": note}, actor=actor)
    if rec.status in COUNTING:
        recompute_reach(rec, "record.dispute")
    return rec


def repair(rec: CreditRecord, repaired_on, actor, note=None) -> CreditRecord:
    """Confirmed → repaired (信用修复 approved): the record stops counting from ``repaired_on``. Once only.

    The record's own conditions are checked with the engine (repairable indicator, minimum period
    passed, still counting); the applicant's conditions (penalty fulfilled, fresh commitment,
    training) are the repair request's to check."""
    _lock(rec)
    if rec.status == "repaired" or rec.repaired_on is not None:
        raise _conflict(_("This record was already repaired once; a record is repaired at most once."))
    if rec.status != "confirmed":
        raise _conflict(_("Only a confirmed record can be repaired; this one is %(status)s.",
                          status=_status_name(rec.status)))
    if repaired_on is None:
        raise ServiceError({"repaired_on": [_("The repair decision date is required.")]})
    errors = {}
    _date_errors(errors, "repaired_on", repaired_on, local_today(), not_before=rec.decided_on,
                 before_message=_("The repair cannot be before the record's decision date."))
    if errors:
        raise ServiceError(errors)
    cats = versions.catalogues()
    eligibility = scoring.repair_eligibility(
        _input(rec), as_of=repaired_on, catalogues=cats, policy=versions.policy_on(repaired_on),
        already_repaired=False, penalty_fulfilled=True, commitment_signed=True, training_done=True)
    if not eligibility.eligible:
        zh = _locale_is_zh()
        raise ServiceError({"repaired_on": [r.message_zh if zh else r.message_en for r in eligibility.reasons]})
    reach = baseline_reach(rec)
    before = snapshot(rec)
    rec.status, rec.repaired_on = "repaired", repaired_on
    db.session.flush()
    _event(rec, "repair", "confirmed", "repaired", actor, note=note, decided_on=repaired_on)
    audit("credit_record.repair", "credit_record", rec.id, before=before, after={**snapshot(rec), "note": note},
          actor=actor)
    recompute_reach(rec, "record.repair", reach)
    return rec


def _locale_is_zh() -> bool:
    try:
        from flask_babel import get_locale

        return str(get_locale() or "zh").startswith("zh")
    except Exception:  # noqa: BLE001 - outside a request
        return True


def _check_decider(actor, rec):
    """Confirming and dismissing: admins, and supervisors for retailers in their scope."""
    if actor is None or actor.role == "admin":
        return
    if actor.role != "supervisor" or not in_scope(actor, rec.retailer):
        raise ServiceError({"status": [_("You may not decide on this record.")]}, status=403)


# ---- engine inputs and live grades ---------------------------------------------------------------

def _input(row, via_operator=False) -> scoring.RecordInput:
    return scoring.RecordInput(id=row.id, indicator_code=row.indicator_code, catalogue_version=row.catalogue_version,
                               decided_on=row.decided_on, quantity=row.quantity, repaired_on=row.repaired_on,
                               via_operator=via_operator)


_INPUT_COLUMNS = (CreditRecord.id, CreditRecord.retailer_id, CreditRecord.operator_id, CreditRecord.indicator_code,
                  CreditRecord.catalogue_version, CreditRecord.decided_on, CreditRecord.quantity,
                  CreditRecord.repaired_on)


def engine_inputs(retailer_id: int, as_of: date) -> list[scoring.RecordInput]:
    """The engine's inputs for one licence on a date: its own confirmed and repaired records, and
    (via_operator=True) those of the operator's other licences, whose veto or penalty cap reach it."""
    operator_id = db.session.scalar(select(Retailer.operator_id).where(Retailer.id == retailer_id))
    reach = CreditRecord.retailer_id == retailer_id
    if operator_id is not None:
        reach = or_(reach, CreditRecord.operator_id == operator_id)
    rows = db.session.execute(select(*_INPUT_COLUMNS).where(
        CreditRecord.status.in_(COUNTING), CreditRecord.decided_on.is_not(None), CreditRecord.decided_on <= as_of,
        reach).order_by(CreditRecord.id)).all()
    return [_input(r, via_operator=r.retailer_id != retailer_id) for r in rows]


def engine_inputs_many(retailers, as_of: date) -> dict[int, list[scoring.RecordInput]]:
    """``engine_inputs`` for many licences at once (two queries per thousand licences)."""
    out: dict[int, list] = {r.id: [] for r in retailers}
    items = list(retailers)
    for start in range(0, len(items), 1000):
        chunk = items[start:start + 1000]
        ids = [r.id for r in chunk]
        ops = sorted({r.operator_id for r in chunk if r.operator_id is not None})
        rows = db.session.execute(select(*_INPUT_COLUMNS).where(
            CreditRecord.status.in_(COUNTING), CreditRecord.decided_on.is_not(None),
            CreditRecord.decided_on <= as_of,
            or_(CreditRecord.retailer_id.in_(ids), CreditRecord.operator_id.in_(ops) if ops else False))
            .order_by(CreditRecord.id)).all()
        by_retailer, by_operator = defaultdict(list), defaultdict(list)
        for row in rows:
            by_retailer[row.retailer_id].append(row)
            by_operator[row.operator_id].append(row)
        for r in chunk:
            own = by_retailer.get(r.id, [])
            via = [row for row in by_operator.get(r.operator_id, []) if row.retailer_id != r.id]
            out[r.id] = [_input(row, via_operator=row.retailer_id != r.id)
                         for row in sorted(own + via, key=lambda x: x.id)]
    return out


def compute_for(retailer, as_of: date, *, cats=None, pols=None, inputs=None) -> scoring.ScoreResult:
    """The engine's result for one licence on a date (licensed_on = the licence's issue date)."""
    cats = cats if cats is not None else versions.catalogues()
    pols = pols if pols is not None else versions.policies()
    if inputs is None:
        inputs = engine_inputs(retailer.id, as_of)
    return scoring.compute(inputs, as_of=as_of, catalogues=cats, policy=versions.policy_on(as_of, pols),
                           licensed_on=retailer.licence_issued_on)


def _valid_until(result, cut):
    candidates = [d for d in (result.next_change, cut) if d is not None]
    return min(candidates) if candidates else None


def grade_values(retailer_id, result, cut) -> dict:
    rule = result.rule
    return {
        "retailer_id": retailer_id, "score": result.score, "grade": result.grade, "score_grade": result.score_grade,
        "monopoly": result.subtotals.get("monopoly", 0), "marketing": result.subtotals.get("marketing", 0),
        "social": result.subtotals.get("social", 0), "rule_kind": rule.kind if rule else None,
        "rule_record_id": rule.record_id if rule and isinstance(rule.record_id, int) else None,
        "rule_until": rule.until if rule else None, "as_of": result.as_of,
        "valid_until": _valid_until(result, cut), "policy_version": result.policy_version, "computed_at": utcnow(),
    }


def store_grade(retailer_id: int, result, cause: str, record_id=None, *, cut="auto") -> RetailerGrade:
    """Write a result as the retailer's live grade; a GradeChange event when the grade changes."""
    if cut == "auto":
        cut = versions.next_effective_after(result.as_of)
    values = grade_values(retailer_id, result, cut)
    row = db.session.get(RetailerGrade, retailer_id, with_for_update=True, populate_existing=True)
    old = (row.grade, row.score) if row is not None else None
    if row is None:
        row = RetailerGrade(**values)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # another transaction wrote it first: update that one
            row = db.session.get(RetailerGrade, retailer_id, with_for_update=True, populate_existing=True)
            old = (row.grade, row.score)
    if old is not None:
        for key, value in values.items():
            setattr(row, key, value)
        if old[0] != result.grade:
            db.session.add(GradeChange(retailer_id=retailer_id, at=utcnow(), as_of=result.as_of, from_grade=old[0],
                                       to_grade=result.grade, from_score=old[1], to_score=result.score, cause=cause,
                                       record_id=record_id))
    db.session.flush()
    return row


def recompute(retailer, cause: str, record_id=None, as_of: date | None = None) -> RetailerGrade:
    """Recompute one licence's live grade now (or as of a date) and store it."""
    as_of = as_of or local_today()
    return store_grade(retailer.id, compute_for(retailer, as_of), cause, record_id)


def _stale(row, today) -> bool:
    return row is None or row.as_of > today or (row.valid_until is not None and row.valid_until <= today)


def current_grade(retailer, today: date | None = None) -> RetailerGrade:
    """The live grade for today: recomputed first when missing or lapsed (``valid_until <= today``)."""
    today = today or local_today()
    row = db.session.get(RetailerGrade, retailer.id)
    if _stale(row, today):
        row = recompute(retailer, "initial" if row is None else "lapse", as_of=today)
    return row


def baseline(retailer, today=None):
    """Make sure the licence has a live grade for today before a change, so the change's effect
    is a GradeChange from the grade it really had."""
    current_grade(retailer, today)


def reach_of(rec: CreditRecord) -> list[Retailer]:
    """The licences a record's change reaches: its own and every licence of the same operator."""
    return list(db.session.scalars(select(Retailer).where(
        or_(Retailer.id == rec.retailer_id, Retailer.operator_id == rec.operator_id)).order_by(Retailer.id)))


def baseline_reach(rec: CreditRecord) -> list[Retailer]:
    reach = reach_of(rec)
    for retailer in reach:
        baseline(retailer)
    return reach


def recompute_reach(rec: CreditRecord, cause: str, reach=None, as_of=None):
    for retailer in reach if reach is not None else reach_of(rec):
        recompute(retailer, cause, record_id=rec.id, as_of=as_of)


def recompute_many(retailers, cause: str, as_of: date | None = None, record_id=None) -> int:
    """Recompute and store many live grades in one pass (records read in bulk). Returns how many
    grades changed."""
    as_of = as_of or local_today()
    cats, pols = versions.catalogues(), versions.policies()
    cut = versions.next_effective_after(as_of)
    retailers = list(retailers)
    changed = 0
    for start in range(0, len(retailers), 1000):
        chunk = retailers[start:start + 1000]
        inputs = engine_inputs_many(chunk, as_of)
        rows = {g.retailer_id: g for g in db.session.scalars(
            select(RetailerGrade).where(RetailerGrade.retailer_id.in_([r.id for r in chunk])))}
        for retailer in chunk:
            result = compute_for(retailer, as_of, cats=cats, pols=pols, inputs=inputs[retailer.id])
            values = grade_values(retailer.id, result, cut)
            row = rows.get(retailer.id)
            if row is None:
                db.session.add(RetailerGrade(**values))
                continue
            if row.grade != result.grade:
                changed += 1
                db.session.add(GradeChange(retailer_id=retailer.id, at=utcnow(), as_of=as_of, from_grade=row.grade,
                                           to_grade=result.grade, from_score=row.score, to_score=result.score,
                                           cause=cause, record_id=record_id))
            for key, value in values.items():
                setattr(row, key, value)
        db.session.flush()
    return changed


def compute_grade_rows(retailers, as_of: date) -> list[dict]:
    """Live-grade rows (RetailerGrade values) for many licences, computed with the engine and the
    records read in bulk; for bulk loading where no live grade exists yet (the demo city)."""
    cats, pols = versions.catalogues(), versions.policies()
    cut = versions.next_effective_after(as_of)
    retailers = list(retailers)
    out = []
    for start in range(0, len(retailers), 1000):
        chunk = retailers[start:start + 1000]
        inputs = engine_inputs_many(chunk, as_of)
        for retailer in chunk:
            result = compute_for(retailer, as_of, cats=cats, pols=pols, inputs=inputs[retailer.id])
            out.append(grade_values(retailer.id, result, cut))
    return out


def refresh_subset(retailers, today: date | None = None) -> int:
    """Recompute, among these licences, the grades that are missing or lapsed (a baseline before a
    bulk change). Returns how many were recomputed."""
    today = today or local_today()
    retailers = list(retailers)
    rows = {}
    ids = [r.id for r in retailers]
    for start in range(0, len(ids), 1000):
        rows.update({g.retailer_id: g for g in db.session.scalars(
            select(RetailerGrade).where(RetailerGrade.retailer_id.in_(ids[start:start + 1000])))})
    stale = [r for r in retailers if _stale(rows.get(r.id), today)]
    recompute_many(stale, "lapse", as_of=today)
    return len(stale)


def refresh_due(today: date | None = None) -> tuple[int, int]:
    """Recompute every missing or lapsed live grade in one pass (the nightly job). Returns
    (recomputed, changed)."""
    today = today or local_today()
    stale = select(Retailer).outerjoin(RetailerGrade, RetailerGrade.retailer_id == Retailer.id).where(or_(
        RetailerGrade.retailer_id.is_(None), RetailerGrade.valid_until <= today, RetailerGrade.as_of > today))
    retailers = list(db.session.scalars(stale.order_by(Retailer.id)))
    changed = recompute_many(retailers, "lapse", as_of=today)
    return len(retailers), changed


# ---- explanation ------------------------------------------------------------------------------

def explain(retailer, as_of: date | None = None) -> dict:
    """The live grade with its reasons: score, subtotals, grade, the rule, every contributing record
    (indicator names, points, counts until) and the measures the policy attaches to the grade."""
    today = as_of or local_today()
    cats, pols = versions.catalogues(), versions.policies()
    policy = versions.policy_on(today, pols)
    result = compute_for(retailer, today, cats=cats, pols=pols)
    row = db.session.get(RetailerGrade, retailer.id)
    if as_of is None and _stale(row, today):
        row = store_grade(retailer.id, result, "initial" if row is None else "lapse")
    ids = [c.record_id for c in result.contributions]
    records = {r.id: r for r in db.session.scalars(select(CreditRecord).where(CreditRecord.id.in_(ids)))} if ids else {}
    licences = dict(db.session.execute(select(Retailer.id, Retailer.licence_no).where(
        Retailer.id.in_(sorted({r.retailer_id for r in records.values()})))).all()) if records else {}
    contributions = []
    for c in result.contributions:
        indicator = cats[c.catalogue_version_applied].indicator(c.indicator_code)
        rec = records.get(c.record_id)
        contributions.append({
            "record_id": c.record_id, "indicator_code": c.indicator_code, "name_zh": indicator.name_zh,
            "name_en": indicator.name_en, "dimension": c.dimension, "severity": c.severity, "points": c.points,
            "nominal_points": c.nominal_points, "counts_until": c.counts_until,
            "catalogue_version": c.catalogue_version_applied, "via_operator": c.via_operator, "capped": c.capped,
            "note": c.note, "occurred_on": rec.occurred_on if rec else None,
            "decided_on": rec.decided_on if rec else None, "case_number": rec.case_number if rec else None,
            "licence_no": licences.get(rec.retailer_id) if rec else None,
            "disputed": bool(rec.disputed) if rec else False,
        })
    rule = None
    if result.rule is not None:
        r = result.rule
        rule = {"kind": r.kind, "record_id": r.record_id, "indicator_code": r.indicator_code, "until": r.until,
                "grade": r.grade}
        if r.indicator_code:
            for c in contributions:
                if c["record_id"] == r.record_id:
                    rule.update(name_zh=c["name_zh"], name_en=c["name_en"], via_operator=c["via_operator"])
    measures = asdict(policy.measures_for(result.grade))
    measures["lists"] = list(measures["lists"])
    return {
        "retailer_id": retailer.id, "licence_no": retailer.licence_no, "shop_name": retailer.shop_name,
        "as_of": result.as_of, "policy_version": result.policy_version, "base": result.base, "score": result.score,
        "subtotals": dict(result.subtotals), "score_grade": result.score_grade, "grade": result.grade, "rule": rule,
        "contributions": contributions, "measures": measures, "next_change": result.next_change,
        "valid_until": row.valid_until if row is not None and as_of is None else result.next_change,
        "computed_at": row.computed_at if row is not None and as_of is None else None,
    }


# ---- queries ------------------------------------------------------------------------------------

def list_query(user, args: dict, *, action="credit.read"):
    from app.auth import policy

    stmt = policy.scope(user, action, select(CreditRecord), CreditRecord)
    if args.get("status"):
        stmt = stmt.where(CreditRecord.status == args["status"])
    if args.get("retailer_id"):
        stmt = stmt.where(CreditRecord.retailer_id == args["retailer_id"])
    if args.get("licence_no"):
        stmt = stmt.where(CreditRecord.retailer_id.in_(
            select(Retailer.id).where(Retailer.licence_no == args["licence_no"])))
    if args.get("indicator_code"):
        stmt = stmt.where(CreditRecord.indicator_code == args["indicator_code"].upper())
    for name in ("dimension", "source"):
        if args.get(name):
            stmt = stmt.where(getattr(CreditRecord, name) == args[name])
    if "disputed" in args:
        stmt = stmt.where(CreditRecord.disputed == args["disputed"])
    if args.get("occurred_from"):
        stmt = stmt.where(CreditRecord.occurred_on >= args["occurred_from"])
    if args.get("occurred_to"):
        stmt = stmt.where(CreditRecord.occurred_on <= args["occurred_to"])
    if args.get("decided_from"):
        stmt = stmt.where(CreditRecord.decided_on >= args["decided_from"])
    if args.get("decided_to"):
        stmt = stmt.where(CreditRecord.decided_on <= args["decided_to"])
    order = {"-recorded_at": (CreditRecord.recorded_at.desc(), CreditRecord.id.desc()),
             "recorded_at": (CreditRecord.recorded_at, CreditRecord.id),
             "-occurred_on": (CreditRecord.occurred_on.desc(), CreditRecord.id.desc()),
             "occurred_on": (CreditRecord.occurred_on, CreditRecord.id)}[args.get("sort") or "-recorded_at"]
    return stmt.order_by(*order)


def queue_query(user):
    """Suspected violations awaiting a decision, oldest first (by date found, then by entry)."""
    from app.auth import policy

    return (policy.scope(user, "credit.decide", select(CreditRecord), CreditRecord)
            .where(CreditRecord.status == "suspected")
            .order_by(CreditRecord.occurred_on, CreditRecord.recorded_at, CreditRecord.id))


def count_suspected(user) -> int:
    from app.auth import policy

    stmt = policy.scope(user, "credit.decide", select(func.count(CreditRecord.id)), CreditRecord)
    return db.session.scalar(stmt.where(CreditRecord.status == "suspected")) or 0


def indicator_names(code: str, version: str) -> tuple[str, str]:
    cats = versions.catalogues()
    catalogue = cats.get(version)
    if catalogue is None or code not in catalogue:
        return code, code
    indicator = catalogue.indicator(code)
    return indicator.name_zh, indicator.name_en


def duplicate_of(retailer_id, indicator_code, occurred_on):
    """An existing, not dismissed record of the same fact (licence, indicator, date), if any."""
    return db.session.scalar(select(CreditRecord.id).where(
        CreditRecord.retailer_id == retailer_id, CreditRecord.indicator_code == indicator_code,
        CreditRecord.occurred_on == occurred_on, CreditRecord.status != "dismissed").limit(1))


__all__ = ["create_record", "confirm", "dismiss", "mark_disputed", "repair", "engine_inputs", "compute_for",
           "recompute", "current_grade", "refresh_due", "explain", "engine_inputs_many", "recompute_many",
           "store_grade", "validate_record"]
