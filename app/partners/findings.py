"""Findings pushed in by partners: one schema per finding type, each type a 社会 indicator of the
catalogue. A finding becomes a *suspected* credit record (app.credit.recording) carrying the partner's
document number and evidence; a supervisor confirms or dismisses it in the ordinary queue. The outcome
goes back to the partner: a notification row per decision (consumer of credit_record_events), kept
for the status API and delivered to the agreement's callback URL by the job runner."""
from __future__ import annotations

import hashlib
import json
import random
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.audit.services import record as audit
from app.common.db import dialect, insert_ignore
from app.common.errors import ServiceError
from app.common.time import utcnow
from app.common.validation import N_
from app.credit import recording
from app.credit.models import CreditRecord, CreditRecordEvent
from app.credit.streams import take_cursor
from app.extensions import db
from app.partners.models import PartnerAgreement, PartnerFinding, PartnerNotification
from app.partners.signing import now_timestamp, signature
from app.retailers.models import Retailer

CONSUMER = "partners"
TEXT = validate.Length(max=2000, error=N_("Too long."))
SHORT = validate.Length(min=1, max=128, error=N_("Between 1 and 128 characters."))


class AdminPenaltyDetails(Schema):
    """行政处罚 by the partner (market regulation): the 双公示 items of its decision."""
    violation_type = fields.Str(required=True, validate=SHORT, metadata={"description": "违法行为类型"})
    facts = fields.Str(required=True, validate=TEXT, metadata={"description": "违法事实"})
    legal_basis = fields.Str(required=True, validate=TEXT, metadata={"description": "处罚依据"})
    penalty_kind = fields.Str(required=True, validate=SHORT, metadata={"description": "处罚类别"})
    penalty_content = fields.Str(required=True, validate=TEXT, metadata={"description": "处罚内容"})
    amount = fields.Decimal(places=2, as_string=True, load_default=None, allow_none=True,
                            validate=validate.Range(min=0, max=10**9, error=N_("Out of range.")),
                            metadata={"description": "罚没金额 (yuan)"})
    decided_on = fields.Date(required=True, metadata={"description": "决定日期"})
    authority = fields.Str(required=True, validate=SHORT, metadata={"description": "处罚机关"})


class ComplaintDetails(Schema):
    """A consumer complaint found true (consumer association, market regulation)."""
    summary = fields.Str(required=True, validate=TEXT)
    upheld_on = fields.Date(required=True)


class ListingDetails(Schema):
    """A listing by another authority: serious dishonesty (court, credit office) or abnormal operation."""
    listing_authority = fields.Str(required=True, validate=SHORT)
    listed_on = fields.Date(required=True)
    reason = fields.Str(required=True, validate=TEXT)


class HonourDetails(Schema):
    """An integrity honour given by a government body or trade association."""
    award_name = fields.Str(required=True, validate=SHORT)
    awarded_by = fields.Str(required=True, validate=SHORT)
    awarded_on = fields.Date(required=True)


# finding type -> (indicator code of the catalogue, schema of its details)
FINDING_TYPES: dict[str, tuple[str, type[Schema]]] = {
    "admin_penalty": ("SH01", AdminPenaltyDetails),
    "consumer_complaint": ("SH02", ComplaintDetails),
    "serious_dishonesty": ("SH03", ListingDetails),
    "abnormal_operation": ("SH04", ListingDetails),
    "honour": ("SH52", HonourDetails),
}


def agreement_of(partner) -> PartnerAgreement | None:
    return db.session.scalars(select(PartnerAgreement).where(PartnerAgreement.user_id == partner.id)).first()


def _refuse_type(finding_type):
    raise ServiceError({"finding_type": [_("Your agreement does not cover findings of this type.")]}, status=403)


# The record's description is data written in the partner's terms (the 双公示 items' names), not UI text.
DETAIL_NAMES = {"violation_type": "违法行为类型", "facts": "违法事实", "legal_basis": "处罚依据", "penalty_kind": "处罚类别",
                "penalty_content": "处罚内容", "amount": "罚没金额（元）", "decided_on": "决定日期", "authority": "处罚机关",
                "summary": "投诉内容", "upheld_on": "查实日期", "listing_authority": "列入机关", "listed_on": "列入日期",
                "reason": "事由", "award_name": "荣誉名称", "awarded_by": "授予单位", "awarded_on": "授予日期"}


def _description(finding_type, details) -> str:
    parts = [f"{DETAIL_NAMES.get(name, name)}：{value}" for name, value in details.items() if value not in (None, "")]
    return "；".join(parts)[:recording.MAX_TEXT]


def _same(existing: PartnerFinding, body_sha256: str) -> PartnerFinding:
    if existing.body_sha256 != body_sha256:
        raise ServiceError({"Idempotency-Key": [_("This key was already used for another request.")]}, status=409,
                           details={"finding_id": existing.id})
    return existing


def _by_key(partner_id, key):
    return db.session.scalars(select(PartnerFinding).where(PartnerFinding.partner_id == partner_id,
                                                           PartnerFinding.idempotency_key == key)).first()


def _by_document(partner_id, document_no):
    return db.session.scalars(select(PartnerFinding).where(PartnerFinding.partner_id == partner_id,
                                                           PartnerFinding.document_no == document_no)).first()


def push(partner, token, data: dict, *, key: str, body: bytes) -> tuple[PartnerFinding, bool]:
    """Receive a finding. Returns (finding, created). The same Idempotency-Key with the same body answers
    the first finding again (created False); with another body, 409. A document number already sent
    under another key is a 409 naming that finding."""
    body_sha256 = hashlib.sha256(body).hexdigest()
    existing = _by_key(partner.id, key)
    if existing is not None:
        return _same(existing, body_sha256), False
    agreement = agreement_of(partner)
    finding_type = data["finding_type"]
    if agreement is None or not agreement.active or finding_type not in (agreement.finding_types or []):
        _refuse_type(finding_type)
    indicator_code, schema = FINDING_TYPES[finding_type]
    errors = {}
    try:
        details = schema().load(data.get("details") or {})
    except ValidationError as exc:
        details = None
        errors["details"] = exc.messages
    retailer = db.session.scalars(select(Retailer).where(Retailer.licence_no == data["licence_no"])).first()
    if retailer is None:
        errors["licence_no"] = [_("No retailer holds this licence number.")]
    if errors:
        raise ServiceError(errors)
    document_no = data["document_no"].strip()
    if (other := _by_document(partner.id, document_no)) is not None:
        raise ServiceError({"document_no": [_("A finding with this document number was already sent.")]},
                           status=409, details={"finding_id": other.id})
    rec = recording.create_record(
        retailer, indicator_code, occurred_on=data["occurred_on"], source="partner", actor=partner,
        status="suspected", description=_description(finding_type, details), evidence=data.get("evidence") or [],
        partner_ref=document_no)
    finding = PartnerFinding(partner_id=partner.id, token_id=getattr(token, "id", None), idempotency_key=key,
                             body_sha256=body_sha256, finding_type=finding_type, document_no=document_no,
                             retailer_id=retailer.id, record_id=rec.id, received_at=utcnow(),
                             payload=json.loads(json.dumps(details, default=str)))
    try:
        with db.session.begin_nested():
            db.session.add(finding)
            db.session.flush()
    except IntegrityError:
        # the same key or document raced in from a second request: the unique keys decided
        if (existing := _by_key(partner.id, key)) is not None:
            raise ServiceError({"Idempotency-Key": [_("This request is being processed; try again.")]},
                               status=409, details={"finding_id": existing.id}) from None
        raise ServiceError({"document_no": [_("A finding with this document number was already sent.")]},
                           status=409) from None
    audit("partner_finding.receive", "partner_finding", finding.id, actor=partner, after={
        "finding_type": finding_type, "document_no": document_no, "licence_no": retailer.licence_no,
        "record_id": rec.id, "idempotency_key": key})
    return finding, True


STATUS_OF_RECORD = {"suspected": "pending", "confirmed": "confirmed", "dismissed": "dismissed",
                    "repaired": "repaired"}


def status_of(finding: PartnerFinding) -> str:
    return STATUS_OF_RECORD.get(finding.record.status, finding.record.status)


def notifications_of(finding_id) -> list[PartnerNotification]:
    return list(db.session.scalars(select(PartnerNotification).where(PartnerNotification.finding_id == finding_id)
                                   .order_by(PartnerNotification.id)))


# ---- the outcome back to the partner (consumer of credit_record_events) ------------------------------

EVENTS = {"confirm": "confirmed", "dismiss": "dismissed", "repair": "repaired"}


def _outcome_payload(finding, rec, ev) -> dict:
    return {"finding_id": finding.id, "document_no": finding.document_no, "finding_type": finding.finding_type,
            "status": EVENTS[ev.action], "case_number": rec.case_number,
            "decided_on": ev.decided_on.isoformat() if ev.decided_on else None,
            "reason": ev.note if ev.action == "dismiss" else None,
            "at": ev.at.isoformat() + "Z" if ev.at else None}


def consume_outcomes(limit: int = 1000) -> int:
    """Make an outcome notification for each decision on a partner's finding. The caller commits."""
    cursor = take_cursor(CONSUMER, "credit_record_events")
    if cursor is None:
        return 0
    events = list(db.session.scalars(select(CreditRecordEvent).where(CreditRecordEvent.id > cursor.last_id)
                                     .order_by(CreditRecordEvent.id).limit(limit)))
    if not events:
        return 0
    cursor.last_id = events[-1].id
    decided = [ev for ev in events if ev.action in EVENTS]
    if not decided:
        return len(events)
    findings = {f.record_id: f for f in db.session.scalars(
        select(PartnerFinding).where(PartnerFinding.record_id.in_({ev.record_id for ev in decided})))}
    callbacks = {}
    rows = []
    now = utcnow()
    for ev in decided:
        finding = findings.get(ev.record_id)
        if finding is None:
            continue
        if finding.partner_id not in callbacks:
            agreement = db.session.scalars(select(PartnerAgreement)
                                           .where(PartnerAgreement.user_id == finding.partner_id)).first()
            callbacks[finding.partner_id] = agreement.callback_url if agreement and agreement.active else None
        rec = db.session.get(CreditRecord, ev.record_id)
        rows.append({"partner_id": finding.partner_id, "finding_id": finding.id, "event": EVENTS[ev.action],
                     "payload": _outcome_payload(finding, rec, ev), "send_key": f"finding:{finding.id}:{ev.id}",
                     "status": "pending" if callbacks[finding.partner_id] else "no_callback", "attempts": 0,
                     "next_attempt_at": now, "created_at": now})
    insert_ignore(PartnerNotification, rows, ["send_key"])
    db.session.flush()
    return len(events)


def retry(n: PartnerNotification, actor) -> PartnerNotification:
    """A dead notification goes back to the queue with its attempts reset (admin). Audited."""
    if n.status != "dead":
        raise ServiceError({"status": [_("Only a failed notification can be retried.")]}, status=409)
    n.status, n.attempts, n.next_attempt_at, n.claimed_at = "pending", 0, utcnow(), None
    db.session.flush()
    audit("partner_notification.retry", "partner_notification", n.id, before={"status": "dead"},
          after={"status": "pending"}, actor=actor)
    return n


def notification_counts() -> dict[str, int]:
    from sqlalchemy import func

    return dict(db.session.execute(select(PartnerNotification.status, func.count(PartnerNotification.id))
                                   .group_by(PartnerNotification.status)).all())


def _cfg(name, default):
    return int(current_app.config.get(name, default))


def backoff_seconds(attempts: int) -> float:
    base, cap = _cfg("PARTNER_RETRY_BASE_SECONDS", 60), _cfg("PARTNER_RETRY_MAX_SECONDS", 6 * 3600)
    return min(cap, base * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)


def _claim(limit) -> list[int]:
    now = utcnow()
    stale = now - timedelta(seconds=600)
    due_stmt = (select(PartnerNotification.id).where(or_(
        (PartnerNotification.status == "pending") & (PartnerNotification.next_attempt_at <= now),
        (PartnerNotification.status == "sending") & (PartnerNotification.claimed_at < stale)))
        .order_by(PartnerNotification.next_attempt_at, PartnerNotification.id).limit(limit))
    if dialect() == "postgresql":
        due_stmt = due_stmt.with_for_update(skip_locked=True)
    due = list(db.session.scalars(due_stmt))
    if not due:
        db.session.commit()
        return []
    mine = list(db.session.scalars(update(PartnerNotification).where(
        PartnerNotification.id.in_(due), or_(PartnerNotification.status == "pending",
                                             (PartnerNotification.status == "sending")
                                             & (PartnerNotification.claimed_at < stale)))
        .values(status="sending", claimed_at=now, attempts=PartnerNotification.attempts + 1)
        .returning(PartnerNotification.id).execution_options(synchronize_session=False)))
    db.session.commit()
    return mine


def _post(url, secret, key, payload) -> None:
    import requests

    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    ts = now_timestamp()
    headers = {"Content-Type": "application/json", "Idempotency-Key": key, "X-Timestamp": ts}
    if secret:
        headers["X-Signature"] = signature(secret, ts, key, body)
    response = requests.post(url, data=body, headers=headers, timeout=_cfg("PARTNER_CALLBACK_TIMEOUT", 10))
    if response.status_code >= 300:
        raise RuntimeError(f"HTTP {response.status_code}")


def _secret_of(partner_id):
    from app.auth.models import ApiToken

    return db.session.scalar(select(ApiToken.signing_secret).where(
        ApiToken.user_id == partner_id, ApiToken.revoked_at.is_(None), ApiToken.signing_secret.is_not(None))
        .order_by(ApiToken.id.desc()).limit(1))


def deliver_due(limit: int = 100) -> dict:
    """Send due outcome notifications to the partners' callback URLs (signed with the partner's newest
    signing secret), outside any transaction; retried with backoff, dead after PARTNER_MAX_ATTEMPTS."""
    max_attempts = _cfg("PARTNER_MAX_ATTEMPTS", 8)
    counts = {"sent": 0, "retry": 0, "dead": 0}
    while True:
        ids = _claim(limit)
        if not ids:
            return counts
        work = []
        for n in db.session.scalars(select(PartnerNotification).where(PartnerNotification.id.in_(ids))):
            agreement = db.session.scalars(select(PartnerAgreement)
                                           .where(PartnerAgreement.user_id == n.partner_id)).first()
            work.append((n.id, n.attempts, n.send_key, n.payload, agreement.callback_url if agreement else None,
                         _secret_of(n.partner_id)))
        db.session.commit()
        sent, failed = [], []
        for nid, attempts, key, payload, url, secret in work:
            if not url:
                failed.append((nid, attempts, "no callback URL", True))
                continue
            try:
                _post(url, secret, key, payload)
                sent.append(nid)
            except Exception as exc:  # noqa: BLE001  (any failure is retried, then dead-lettered)
                failed.append((nid, attempts, str(exc)[:500], False))
        now = utcnow()
        if sent:
            t = PartnerNotification.__table__
            db.session.execute(update(t).where(t.c.id == bindparam("nid"), t.c.status == "sending")
                               .values(status="sent", sent_at=now, claimed_at=None, last_error=None),
                               [{"nid": nid} for nid in sent])
        for nid, attempts, error, final in failed:
            dead = final or attempts >= max_attempts
            db.session.execute(update(PartnerNotification).where(PartnerNotification.id == nid,
                                                                 PartnerNotification.status == "sending")
                               .values(status="dead" if dead else "pending", last_error=error, claimed_at=None,
                                       next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts))))
            counts["dead" if dead else "retry"] += 1
        counts["sent"] += len(sent)
        db.session.commit()
