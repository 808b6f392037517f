"""SMS through an outbox. Messages are queued (``pending``) in the business transaction that decides
to tell someone; the worker delivers them after commit (:func:`deliver_due`):

1. claim: a due message is moved to ``sending`` by an UPDATE that only succeeds for one worker (on
   PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED``); the claim is committed;
2. send: the gateway adapter is called outside any transaction with the message's ``send_key``, the
   idempotency key the gateway keeps, so a retry after a crash or a lost answer never sends twice;
3. mark: ``sent`` with the provider's reference, or back to ``pending`` with the error and the next
   attempt after an exponential backoff (``SMS_RETRY_BASE_SECONDS`` × 2^(attempts-1), at most
   ``SMS_RETRY_MAX_SECONDS``, with jitter), or ``dead`` after ``SMS_MAX_ATTEMPTS``.

A claim older than ``SMS_CLAIM_TIMEOUT_SECONDS`` (the worker died while sending) is due again. An
admin lists the outbox by state and retries or discards a message (audited)."""
from __future__ import annotations

import importlib
import logging
import random
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, or_, select, update

from app.audit.services import record as audit
from app.common.db import dialect, insert_ignore
from app.common.errors import ServiceError
from app.common.time import utcnow
from app.extensions import db
from app.notices.models import SmsOutbox

log = logging.getLogger("app.sms")


class SmsError(Exception):
    """The gateway refused or could not be reached; the message is retried."""


class RecordingSms:
    """The default adapter: sends nothing and logs what it would have sent. Idempotent by key."""

    name = "recording"

    def send(self, phone: str, text: str, key: str) -> str:
        log.info("SMS %s to %s: %s", key, mask_phone(phone), text)
        return f"rec-{key}"


def sms_adapter():
    """config SMS_ADAPTER = "module:Class" picks a real gateway (its ``send(phone, text, key)`` returns
    the provider's reference or raises SmsError); the default only records."""
    spec = current_app.config.get("SMS_ADAPTER")
    if not spec:
        return RecordingSms()
    module, _sep, cls = spec.partition(":")
    return getattr(importlib.import_module(module), cls)()


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


# ---- queueing (in the business transaction) ---------------------------------------------------------------

def queue(phone: str, text: str, *, notice_id: int | None = None, key: str | None = None):
    queue_many([(notice_id, phone, text)], keys=[key] if key else None)


def queue_many(items, keys=None):
    """Queue (notice_id, phone, text) messages; the send key is "notice:<id>" (or the given one), unique,
    so queueing the same notice's SMS twice queues it once."""
    now = utcnow()
    rows = []
    for i, (notice_id, phone, text) in enumerate(items):
        key = keys[i] if keys else f"notice:{notice_id}"
        rows.append({"notice_id": notice_id, "phone": phone, "text": text, "status": "pending", "send_key": key,
                     "attempts": 0, "next_attempt_at": now, "created_at": now, "updated_at": now})
    for start in range(0, len(rows), 1000):
        insert_ignore(SmsOutbox, rows[start:start + 1000], ["send_key"])
    if rows:
        from app.jobs.tasks import kick_sms

        kick_sms()  # delivered by the worker once this transaction commits


# ---- delivery (the worker) --------------------------------------------------------------------------------

def _cfg(name, default):
    return int(current_app.config.get(name, default))


def backoff_seconds(attempts: int) -> float:
    base, cap = _cfg("SMS_RETRY_BASE_SECONDS", 30), _cfg("SMS_RETRY_MAX_SECONDS", 3600)
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.8, 1.2)


def _due_ids(now, limit):
    stale = now - timedelta(seconds=_cfg("SMS_CLAIM_TIMEOUT_SECONDS", 600))
    stmt = (select(SmsOutbox.id).where(or_(
        (SmsOutbox.status == "pending") & (SmsOutbox.next_attempt_at <= now),
        (SmsOutbox.status == "sending") & (SmsOutbox.claimed_at < stale)))
        .order_by(SmsOutbox.next_attempt_at, SmsOutbox.id).limit(limit))
    if dialect() == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(db.session.scalars(stmt))


def claim(limit: int = 100) -> list[int]:
    """Move due messages to ``sending`` for this worker and commit; returns their ids."""
    now = utcnow()
    stale = now - timedelta(seconds=_cfg("SMS_CLAIM_TIMEOUT_SECONDS", 600))
    due = _due_ids(now, limit)
    if not due:
        db.session.commit()
        return []
    # One UPDATE whose WHERE re-checks the state: a row another worker claimed meanwhile is not taken.
    mine = list(db.session.scalars(update(SmsOutbox).where(
        SmsOutbox.id.in_(due), or_(SmsOutbox.status == "pending",
                                   (SmsOutbox.status == "sending") & (SmsOutbox.claimed_at < stale)))
        .values(status="sending", claimed_at=now, attempts=SmsOutbox.attempts + 1, updated_at=now)
        .returning(SmsOutbox.id).execution_options(synchronize_session=False)))
    db.session.commit()
    return mine


def deliver_due(limit: int = 200) -> dict:
    """Claim due messages a batch at a time, send each through the adapter (no transaction open while
    the gateway is called), record the batch's outcomes in one transaction. Loops until nothing is due.
    Returns counts."""
    adapter = sms_adapter()
    name = getattr(adapter, "name", type(adapter).__name__)[:32]
    max_attempts = _cfg("SMS_MAX_ATTEMPTS", 5)
    counts = {"sent": 0, "retry": 0, "dead": 0}
    while True:
        ids = claim(limit)
        if not ids:
            return counts
        batch = db.session.execute(select(SmsOutbox.id, SmsOutbox.phone, SmsOutbox.text, SmsOutbox.send_key,
                                          SmsOutbox.attempts).where(SmsOutbox.id.in_(ids))).all()
        db.session.commit()  # no transaction is open while the gateway is called
        sent, failed = [], []
        for sid, phone, text, key, attempts in batch:
            try:
                sent.append((sid, str(adapter.send(phone, text, key) or "")[:64]))
            except Exception as exc:  # noqa: BLE001  (any gateway failure is retried, then dead-lettered)
                failed.append((sid, attempts, str(exc)[:500]))
        now = utcnow()
        if sent:
            t = SmsOutbox.__table__  # Core executemany: one statement for the batch
            db.session.execute(update(t).where(t.c.id == bindparam("sid"), t.c.status == "sending")
                               .values(status="sent", provider_ref=bindparam("ref"), sent_at=now, adapter=name,
                                       claimed_at=None, last_error=None, updated_at=now),
                               [{"sid": sid, "ref": ref} for sid, ref in sent])
        for sid, attempts, error in failed:
            dead = attempts >= max_attempts
            db.session.execute(update(SmsOutbox).where(SmsOutbox.id == sid, SmsOutbox.status == "sending")
                               .values(status="dead" if dead else "pending", last_error=error, claimed_at=None,
                                       updated_at=now,
                                       next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts))))
            counts["dead" if dead else "retry"] += 1
        counts["sent"] += len(sent)
        db.session.commit()


# ---- the admin's actions --------------------------------------------------------------------------------

def retry(msg: SmsOutbox, actor) -> SmsOutbox:
    """A dead (or discarded) message goes back to the queue with its attempts reset."""
    if msg.status not in ("dead", "discarded"):
        raise ServiceError({"status": [_("Only a dead or discarded message can be retried.")]}, status=409)
    before = {"status": msg.status, "attempts": msg.attempts}
    now = utcnow()
    msg.status, msg.attempts, msg.next_attempt_at, msg.updated_at, msg.claimed_at = "pending", 0, now, now, None
    db.session.flush()
    audit("sms.retry", "SmsOutbox", msg.id, before=before, after={"status": "pending"}, actor=actor)
    return msg


def discard(msg: SmsOutbox, actor) -> SmsOutbox:
    """A pending or dead message is given up (it stays listed, as discarded)."""
    if msg.status not in ("pending", "dead"):
        raise ServiceError({"status": [_("Only a pending or dead message can be discarded.")]}, status=409)
    before = {"status": msg.status}
    msg.status, msg.updated_at = "discarded", utcnow()
    db.session.flush()
    audit("sms.discard", "SmsOutbox", msg.id, before=before, after={"status": "discarded"}, actor=actor)
    return msg


def counts_by_state() -> dict[str, int]:
    return dict(db.session.execute(select(SmsOutbox.status, func.count(SmsOutbox.id))
                                   .group_by(SmsOutbox.status)).all())
