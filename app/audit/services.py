"""Writing and verifying the hash-chained audit trail.

Every service that changes state calls :func:`record` before the caller commits, so the entry
lands in the same transaction as the change (or not at all).

:func:`verify` walks the chain and checks it against the anchors written outside the database
(app.audit.anchor): the chain alone shows altered, reordered or missing entries in the middle, the
anchors show a shortened chain (the last rows or all rows deleted) and a chain re-hashed from start
to end with the key (the anchored hash of the anchored entry no longer matches).

Key rotation (docs/audit.md): entries keep the key they were written with. ``AUDIT_HMAC_OLD_KEYS``
lists retired keys, oldest first, for verification only; a chain may move from an older key to a
newer one, never back (so a retired, perhaps leaked, key cannot write entries after the switch)."""
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_request_context, request
from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.common.time import utcnow
from app.extensions import db

GENESIS = "0" * 64
CHAIN_LOCK = 7340211  # the advisory lock that serialises writers of the chain (PostgreSQL)


def _key() -> bytes:
    key = current_app.config.get("AUDIT_HMAC_KEY") or ("audit:" + current_app.config["SECRET_KEY"])
    return key.encode()


def key_id(key: bytes) -> str:
    """A public fingerprint of a key (what anchors record); it does not reveal the key."""
    return hmac.new(key, b"credit-audit-key-id", hashlib.sha256).hexdigest()[:16]


def key_ring() -> list[tuple[str, bytes]]:
    """(key id, key) of every key the chain may use, oldest first: the retired keys, then the current."""
    old = current_app.config.get("AUDIT_HMAC_OLD_KEYS") or ""
    keys = [k.strip().encode() for k in (old.split(",") if isinstance(old, str) else old) if k and k.strip()]
    keys.append(_key())
    ring, seen = [], set()
    for key in keys:
        if key not in seen:
            seen.add(key)
            ring.append((key_id(key), key))
    return ring


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


def compute_hash(entry: AuditEntry, prev_hash: str, key: bytes | None = None) -> str:
    payload = json.dumps(_content(entry), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key or _key(), (prev_hash + "|" + payload).encode(), hashlib.sha256).hexdigest()


def _lock_chain():
    """Serialise writers of the chain for the rest of the transaction."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})"))


def lock_chain():
    """Take the chain's lock now, before rows that racing writers may also insert (a credit fact): every
    writer then waits for the chain before the row, never the other way round, so two transactions
    inserting the same rows in a different order queue instead of deadlocking. Held until commit."""
    _lock_chain()


def record(action: str, target_type: str, target_id=None, *, before=None, after=None, actor=None,
           at_commit: bool = False) -> AuditEntry:
    """Append an audit entry in the current transaction (the caller commits).

    With ``at_commit=True`` the entry joins the chain when the transaction commits (its ``seq``,
    ``at`` and hashes are set then, in the same transaction): the chain's lock is taken right before
    the commit instead of now, so writers are serialised only for the few statements that append to
    the chain, not for the rest of their work (answering the request included). Use it when nothing
    reads the entry before the commit; a rollback drops it with everything else."""
    if actor is None:
        from flask_login import current_user

        actor = current_user if has_request_context() and current_user.is_authenticated else None
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None) if actor is not None else "system",
        actor_role=getattr(actor, "role", None) if actor is not None else "system",
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before=_jsonable(before),
        after=_jsonable(after),
        ip=(request.remote_addr if has_request_context() else None),
    )
    if at_commit:
        db.session.connection()  # the entry belongs to the transaction under way (begun here if not yet)
        db.session.info.setdefault(_AT_COMMIT, []).append(entry)
        return entry
    _append(db.session, [entry])
    return entry


_AT_COMMIT = "audit_entries_at_commit"


def _append(session, entries: list[AuditEntry]):
    """Chain ``entries`` after the last entry, under the chain's lock (held until the commit)."""
    if session.get_bind().dialect.name == "postgresql":
        last = _locked_head_postgresql(session)
    else:  # SQLite: one writer at a time anyway
        last = session.execute(
            select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    rows = []
    for entry in entries:
        entry.seq, entry.at, entry.prev_hash = seq, utcnow(), prev_hash
        entry.entry_hash = compute_hash(entry, prev_hash)
        rows.append({column: getattr(entry, column) for column in _ROW})
        seq, prev_hash = seq + 1, entry.entry_hash
    # One INSERT of the rows, not the session's unit of work (a request's one entry cost as much as the
    # rest of its commit). The entries stay in the caller's hands, complete but not attached to the
    # session: an entry is never changed once written, and readers query the table.
    session.execute(insert(AuditEntry), rows)


_ROW = [column.key for column in AuditEntry.__table__.columns if column.key != "id"]


def _locked_head_postgresql(session):
    """Take the chain's lock and read the head in one round trip: two statements in one simple query.
    Each statement of a simple query takes its own snapshot (READ COMMITTED), so the head is read
    after the lock is granted and includes the entry of the writer that held it."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK}); "
                       "SELECT seq, entry_hash FROM audit_entries ORDER BY seq DESC LIMIT 1")
        cursor.nextset()
        return cursor.fetchone()
    finally:
        cursor.close()


@event.listens_for(Session, "before_commit")
def _chain_at_commit(session):
    """Entries recorded with ``at_commit=True`` join the chain now: everything else of the transaction
    is flushed first, so the chain's lock is held for the append and the commit only."""
    entries = session.info.pop(_AT_COMMIT, None)
    if entries:
        session.flush()
        _append(session, entries)


@event.listens_for(Session, "after_transaction_end")
def _drop_at_commit(session, transaction):
    if transaction.parent is None and not transaction.nested:  # rolled back (a commit took them already)
        session.info.pop(_AT_COMMIT, None)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None
    head_seq: int = 0
    anchors: int = 0  # anchor lines checked
    anchored_seq: int | None = None  # the latest anchor's sequence number
    anchored_at: str | None = None
    warning: str | None = None  # e.g. no anchor yet: a shortened chain would not be noticed


def head() -> tuple[int, str]:
    """(sequence number, entry hash) of the chain's last entry; (0, GENESIS) for an empty chain."""
    last = db.session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (last[0], last[1]) if last else (0, GENESIS)


def verify(*, use_anchors: bool = True) -> VerifyResult:
    """Walk the chain in order; report the first broken link (altered, reordered or missing entry), then
    check it against every anchor written outside the database (deleted tail, re-chained table)."""
    ring = key_ring()
    anchors, anchor_problem = [], None
    if use_anchors:
        from app.audit import anchor

        try:
            anchors = anchor.read_anchors()
            anchor_problem = anchor.check_chain(anchors)
        except anchor.AnchorFileError as exc:
            anchor_problem = str(exc)
    if anchor_problem:
        return VerifyResult(False, 0, GENESIS, None, f"the anchor file is not intact: {anchor_problem}",
                            anchors=len(anchors))
    wanted = {a.seq: a for a in anchors if a.seq > 0}
    found = {}  # anchored seq -> (entry hash, key id)
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    epoch = 0  # index in the key ring of the key the chain is at: it moves to newer keys only
    # Stream in order of the primary key, the order of insertion.
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=1000)):
        if entry.seq != expected_seq:
            problem = (
                f"entry id {entry.id} has seq {entry.seq}, expected {expected_seq}: "
                "an entry is missing or the order was changed"
            )
            return VerifyResult(False, checked, prev_hash, expected_seq, problem, head_seq=expected_seq - 1)
        if entry.prev_hash != prev_hash:
            return VerifyResult(False, checked, prev_hash, entry.seq,
                                f"entry seq {entry.seq} does not link to the previous entry's hash",
                                head_seq=expected_seq - 1)
        for k in range(epoch, len(ring)):
            if hmac.compare_digest(compute_hash(entry, prev_hash, ring[k][1]), entry.entry_hash):
                epoch = k
                break
        else:
            return VerifyResult(False, checked, prev_hash, entry.seq,
                                f"entry seq {entry.seq} was altered: its content does not match its hash",
                                head_seq=expected_seq - 1)
        if entry.seq in wanted:
            found[entry.seq] = (entry.entry_hash, ring[epoch][0])
        prev_hash = entry.entry_hash
        expected_seq += 1
        checked += 1
    result = VerifyResult(True, checked, prev_hash, head_seq=checked, anchors=len(anchors))
    if not use_anchors:
        return result
    if not anchors:
        result.warning = ("no anchor written yet (flask audit anchor): deleting the last entries would not be "
                          "noticed")
        return result
    latest = anchors[-1]
    result.anchored_seq, result.anchored_at = latest.seq, latest.at
    for a in anchors:
        if a.seq > checked:
            result.ok, result.broken_seq = False, checked + 1
            result.problem = (f"the chain ends at seq {checked} but anchor {a.n} of {a.at} recorded seq {a.seq} "
                              f"with hash {a.entry_hash[:16]}: entries were deleted from the end of the table")
            return result
        if a.seq == 0:
            continue
        entry_hash, used_key = found[a.seq]
        if not hmac.compare_digest(entry_hash, a.entry_hash):
            result.ok, result.broken_seq = False, a.seq
            result.problem = (f"entry seq {a.seq} does not match anchor {a.n} of {a.at} (anchored hash "
                              f"{a.entry_hash[:16]}, table {entry_hash[:16]}): the chain was rewritten and "
                              "re-hashed since it was anchored")
            return result
        if a.key_id and a.key_id != used_key:
            result.ok, result.broken_seq = False, a.seq
            result.problem = (f"entry seq {a.seq} verifies under key {used_key}, but anchor {a.n} recorded key "
                              f"{a.key_id}: the chain was rewritten with another key")
            return result
    if latest.seq < checked:
        result.warning = (f"{checked - latest.seq} entries after the latest anchor ({latest.at}) are protected by "
                          "the chain and the key only until the next anchor")
    return result
