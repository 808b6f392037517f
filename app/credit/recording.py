"""Credit records (信用记录): every change of a record goes through this module. It checks, changes,
writes a CreditRecordEvent and an audit entry, and recomputes the live grade of every licence the change
reaches (the retailer's own and, through the operator 经营者, the operator's other licences), all in the
caller's transaction. The caller (view, command, other service) commits once."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import scoring
from app.audit.services import lock_chain
from app.audit.services import record as audit
from app.common import bilingual
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.credit import facts, penalty, versions
from app.credit.grading import baseline, baseline_reach, engine_input, recompute_reach
from app.credit.models import COUNTING, SOURCES, CreditRecord, CreditRecordEvent
from app.extensions import db
from app.retailers.models import Retailer

EVIDENCE_KINDS = ("photo", "document", "text")
# Sources whose records may be entered directly as confirmed (a decision already exists).
DIRECT_CONFIRM_SOURCES = ("marketer", "supervisor", "partner", "import", "system")
MAX_TEXT = 2000
MAX_EVIDENCE = 20  # evidence items on one record
# The sources each role's entries may carry (app.credit.entry.source_for picks the one for an entry path).
SOURCES_BY_ROLE = {"admin": ("supervisor", "import", "system"), "supervisor": ("supervisor", "import"),
                   "marketer": ("marketer", "import"), "inspector": ("inspection",), "partner": ("partner",)}

# Bonuses that only a decision makes: a published group rating (YX52-YX54), a published model-retailer
# decision (YX55), a commitment kept a full year (ZM51). No person enters them by hand; the deciding
# service passes ``from_decision=True``.
DECISION_ONLY = {"YX52": "group", "YX53": "group", "YX54": "group", "YX55": "model", "ZM51": "commitment"}

_AUDITED = ("status", "disputed", "case_number", "decided_on", "dismissed_reason", "repaired_on")


def snapshot(rec: CreditRecord) -> dict:
    out = {name: getattr(rec, name) for name in _AUDITED}
    if rec.penalty_kinds:
        out.update(penalty_kinds=list(rec.penalty_kinds), penalty_content=rec.penalty_content,
                   penalty_amount=penalty.amount_text(rec.penalty_amount) or None)
    return out


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
    if role == "marketer" and source not in ("marketer", "import"):
        return {"source": [_("Account managers enter records as account managers only.")]}
    if role != "inspector" and source not in SOURCES_BY_ROLE[role]:  # (inspectors: their own message below)
        # e.g. a supervisor cannot pass a record off as a partner's finding or an inspection's
        return {"source": [_("The source of a record follows from who enters it and how; it cannot be chosen.")]}
    if indicator is None:
        return {}
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
                    today=None, cats=None, from_decision=False, penalty_kinds=None, penalty_content=None,
                    penalty_amount=None):
    """Check a new record. Returns (errors, catalogue, indicator); errors maps field -> messages."""
    today = today or local_today()
    errors: dict[str, list[str]] = {}
    if penalty_kinds or penalty_content or penalty_amount not in (None, ""):
        if status != "confirmed":
            errors["penalty_kinds"] = [_("A suspected record has no decision yet: give the penalty when "
                                         "confirming it.")]
        else:
            errors.update(penalty.clean(penalty_kinds, penalty_content, penalty_amount)[1])
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
                                        code=code, unit=bilingual.pick(indicator.quantity_unit))]
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
    elif evidence is not None and len(evidence) > MAX_EVIDENCE:
        errors["evidence"] = [_("At most 20 evidence items.")]
    for field, messages in _permission_errors(actor, retailer, indicator, source=source, status=status).items():
        errors.setdefault(field, []).extend(messages)
    if actor is not None and not from_decision and code in DECISION_ONLY:
        errors.setdefault("indicator_code", []).append(_decision_only_message(code))
    return errors, catalogue, indicator


def _decision_only_message(code):
    kind = DECISION_ONLY[code]
    if kind == "group":
        return _("%(code)s is given only by a published star rating of an integrity mutual-aid group; "
                 "it cannot be entered by hand.", code=code)
    if kind == "model":
        return _("%(code)s is given only by a published model-retailer decision; it cannot be entered by hand.",
                 code=code)
    return _("%(code)s is given only when a signed credit commitment has been kept a full year; "
             "it cannot be entered by hand.", code=code)


def _evidence_ok(evidence) -> bool:
    if evidence is None:
        return True
    if not isinstance(evidence, (list, tuple)):
        return False
    for item in evidence:
        if not isinstance(item, dict) or item.get("kind") not in EVIDENCE_KINDS or not str(item.get("ref") or ""):
            return False
    return True


def _event(rec, action, from_status, to_status, actor, *, note=None, case_number=None, decided_on=None):
    event = CreditRecordEvent(record_id=rec.id, at=utcnow(), actor_id=getattr(actor, "id", None), action=action,
                              from_status=from_status, to_status=to_status, case_number=case_number,
                              decided_on=decided_on, note=note)
    db.session.add(event)
    return event


def _by_client_uuid(client_uuid):
    return db.session.scalars(select(CreditRecord).where(CreditRecord.client_uuid == client_uuid)).first()


def _retry(existing, retailer, indicator_code):
    if existing.retailer_id != retailer.id or existing.indicator_code != (indicator_code or "").strip().upper():
        raise ServiceError({"client_uuid": [_("This capture was already saved for another record.")]}, status=409)
    return existing


def create_record(retailer, indicator_code, *, occurred_on, source, actor, quantity=None, description="",
                  evidence=(), lat=None, lng=None, inspection_id=None, client_uuid=None, status="suspected",
                  case_number=None, decided_on=None, partner_ref=None, recompute: bool = True,
                  from_decision: bool = False, penalty_kinds=None, penalty_content=None,
                  penalty_amount=None) -> CreditRecord:
    """Record a fact about a retailer: suspected (to be confirmed by a supervisor) or, for sources
    that bring a decision (marketer, import, partner, supervisor, system), confirmed at once.

    ``client_uuid`` makes offline captures and API retries idempotent: sending the same key again
    returns the record already made. A fact already recorded (app.credit.facts) raises
    ``facts.DuplicateFact`` (409): the unique index decides, inside a SAVEPOINT, so a race cannot
    insert it twice. With ``recompute=False`` the caller recomputes the grades itself (bulk)."""
    lock_chain()  # credit writers queue on the audit chain first, then lock grades and rows: never a cycle
    if client_uuid:
        existing = _by_client_uuid(client_uuid)
        if existing is not None:
            return _retry(existing, retailer, indicator_code)
    errors, catalogue, indicator = validate_record(
        retailer, indicator_code, occurred_on=occurred_on, source=source, actor=actor, quantity=quantity,
        status=status, case_number=case_number, decided_on=decided_on, lat=lat, lng=lng, description=description,
        evidence=evidence, from_decision=from_decision, penalty_kinds=penalty_kinds,
        penalty_content=penalty_content, penalty_amount=penalty_amount)
    if errors:
        raise ServiceError(errors)
    confirmed = status == "confirmed"
    details = penalty.clean(penalty_kinds, penalty_content, penalty_amount)[0] if confirmed else {}
    if confirmed and recompute:
        baseline(retailer)
    rec = CreditRecord(
        retailer_id=retailer.id, operator_id=retailer.operator_id, indicator_code=indicator.code,
        catalogue_version=catalogue.version, dimension=indicator.dimension, quantity=quantity,
        nominal_points=indicator.points_for(quantity), occurred_on=occurred_on, recorded_at=utcnow(),
        recorded_by_id=getattr(actor, "id", None), source=source, status=status, disputed=False,
        case_number=(case_number or "").strip() or None, decided_on=decided_on if confirmed else None,
        description=(description or "").strip(), evidence=[dict(e) for e in (evidence or ())], lat=lat, lng=lng,
        inspection_id=inspection_id, partner_ref=partner_ref, client_uuid=client_uuid or None, **details)
    try:
        with db.session.begin_nested():
            db.session.add(rec)
            db.session.flush()
    except IntegrityError:
        if client_uuid and (existing := _by_client_uuid(client_uuid)) is not None:
            return _retry(existing, retailer, indicator_code)  # the same retry raced in: answer with its record
        existing = facts.holder(retailer.id, indicator.code, occurred_on, case_number)
        if existing is None:
            raise
        raise facts.DuplicateFact(existing) from None
    facts.mark_made(rec)
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
    """Re-read the record under a row lock (PostgreSQL), so two deciders cannot both act on it; the audit
    chain's lock first (the order every credit writer takes its locks in)."""
    lock_chain()
    db.session.refresh(rec, with_for_update=True)


def _conflict(message):
    return ServiceError({"status": [message]}, status=409)


def _status_name(status):
    return {"suspected": _("suspected"), "confirmed": _("confirmed"), "dismissed": _("dismissed"),
            "repaired": _("repaired"), "ended": _("ended early")}.get(status, status)


def confirm(rec: CreditRecord, case_number, decided_on, actor, *, penalty_kinds=None, penalty_content=None,
            penalty_amount=None) -> CreditRecord:
    """Suspected → confirmed against a case decision (case number and decision date), with the penalty
    decided if it is given (kinds, content, amount: app.credit.penalty)."""
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
    details, penalty_errors = penalty.clean(penalty_kinds, penalty_content, penalty_amount)
    errors.update(penalty_errors)
    if errors:
        raise ServiceError(errors)
    _check_decider(actor, rec)
    reach = baseline_reach(rec)
    before = snapshot(rec)
    try:
        with db.session.begin_nested():  # the case number completes the fact's identity: it may be taken
            rec.status, rec.case_number, rec.decided_on = "confirmed", case_number, decided_on
            rec.penalty_kinds, rec.penalty_content = details["penalty_kinds"], details["penalty_content"]
            rec.penalty_amount = details["penalty_amount"]
            db.session.flush()
    except IntegrityError:
        db.session.refresh(rec)
        existing = facts.holder(rec.retailer_id, rec.indicator_code, rec.occurred_on, case_number, exclude_id=rec.id)
        if existing is None:
            raise
        raise facts.DuplicateFact(existing, field="case_number") from None
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
        engine_input(rec), as_of=repaired_on, catalogues=cats, policy=versions.policy_on(repaired_on),
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


def end(rec: CreditRecord, end_on, actor, note) -> CreditRecord:
    """Confirmed bonus → ended: the decision behind it was replaced by a later one (a group's new star
    rating) or taken back from a date on (a member's serious violation); it counted until ``end_on``
    and stops counting from that date, like a repaired record. The history keeps both steps."""
    _lock(rec)
    if rec.status != "confirmed":
        raise _conflict(_("Only a confirmed record can be ended; this one is %(status)s.",
                          status=_status_name(rec.status)))
    cats = versions.catalogues()
    if not cats[rec.catalogue_version].indicator(rec.indicator_code).is_bonus:
        raise ServiceError({"status": [_("Only a bonus can be ended early.")]})
    note = (note or "").strip()
    if not note:
        raise ServiceError({"note": [_("Please give the reason.")]})
    if end_on is None or (rec.decided_on is not None and end_on < rec.decided_on):
        raise ServiceError({"end_on": [_("The end cannot be before the record's decision date.")]})
    reach = baseline_reach(rec)
    before = snapshot(rec)
    rec.status, rec.repaired_on = "ended", end_on
    db.session.flush()
    _event(rec, "end", "confirmed", "ended", actor, note=note, decided_on=end_on)
    audit("credit_record.end", "credit_record", rec.id, before=before, after={**snapshot(rec), "note": note},
          actor=actor)
    recompute_reach(rec, "record.end", reach)
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
