"""Writing and verifying the hash-chained audit trail.

Every service that changes state calls :func:`record` before the caller commits, so the entry
lands in the same transaction as the change (or not at all)."""
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_request_context, request
from sqlalchemy import select, text

from app.audit.models import AuditEntry
from app.common.time import utcnow
from app.extensions import db

GENESIS = "0" * 64


def _key() -> bytes:
    key = current_app.config.get("AUDIT_HMAC_KEY") or ("audit:" + current_app.config["SECRET_KEY"])
    return key.encode()


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _content(entry: AuditEntry) -> dict:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "before": entry.before,
        "after": entry.after,
        "ip": entry.ip,
    }


def compute_hash(entry: AuditEntry, prev_hash: str) -> str:
    payload = json.dumps(_content(entry), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_key(), (prev_hash + "|" + payload).encode(), hashlib.sha256).hexdigest()


def _lock_chain():
    """Serialise writers of the chain for the rest of the transaction."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(7340211)"))


def record(action: str, target_type: str, target_id=None, *, before=None, after=None, actor=None) -> AuditEntry:
    """Append an audit entry in the current transaction (the caller commits)."""
    if actor is None:
        from flask_login import current_user

        actor = current_user if has_request_context() and current_user.is_authenticated else None
    _lock_chain()
    last = db.session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = utcnow()
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None) if actor is not None else "system",
        actor_role=getattr(actor, "role", None) if actor is not None else "system",
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before=_jsonable(before),
        after=_jsonable(after),
        ip=(request.remote_addr if has_request_context() else None),
        prev_hash=prev_hash,
    )
    entry.entry_hash = compute_hash(entry, prev_hash)
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None


def verify() -> VerifyResult:
    """Walk the chain in order; report the first broken link (altered, reordered or missing entry)."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    # Stream in order of the primary key, the order of insertion.
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=1000)):
        if entry.seq != expected_seq:
            problem = (
                f"entry id {entry.id} has seq {entry.seq}, expected {expected_seq}: "
                "an entry is missing or the order was changed"
            )
            return VerifyResult(False, checked, prev_hash, expected_seq, problem)
        if entry.prev_hash != prev_hash:
            return VerifyResult(False, checked, prev_hash, entry.seq,
                                f"entry seq {entry.seq} does not link to the previous entry's hash")
        if not hmac.compare_digest(compute_hash(entry, prev_hash), entry.entry_hash):
            return VerifyResult(False, checked, prev_hash, entry.seq,
                                f"entry seq {entry.seq} was altered: its content does not match its hash")
        prev_hash = entry.entry_hash
        expected_seq += 1
        checked += 1
    return VerifyResult(True, checked, prev_hash)
