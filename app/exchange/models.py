"""What the platform should have (items, each with the state last acknowledged), the batches sent
(files, HTTP delivery with retries) and the reconciliation reports."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.common.time import utcnow
from app.extensions import db

ITEM_KINDS = ("penalty", "list")
BATCH_STATUSES = ("pending", "sending", "sent", "dead", "files_only")


class ExchangeItem(db.Model):
    """One published item the platform should hold (a 双公示 penalty, a list entry), keyed
    ``penalty:<record id>`` or ``list:<entry id>``: its desired state (published or withdrawn), the
    state the platform last acknowledged, and the data last built for it."""

    __tablename__ = "exchange_items"
    __table_args__ = (Index("ix_exchange_items_pending", "desired", "acknowledged"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(48), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    retailer_id: Mapped[int] = mapped_column(Integer, index=True)
    desired: Mapped[str] = mapped_column(String(12))  # published, withdrawn
    acknowledged: Mapped[str | None] = mapped_column(String(12))  # what the platform confirmed
    payload: Mapped[dict] = mapped_column(JSON)
    changed_on: Mapped[date] = mapped_column(Date)  # the day desired last changed
    batch_id: Mapped[int | None] = mapped_column(Integer)  # the last batch that carried it
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ExchangeBatch(db.Model):
    """One delivery: the files written under the instance folder (CSV and JSON with a manifest of
    SHA-256 checksums) and the HTTP delivery of the same content, retried with backoff."""

    __tablename__ = "exchange_batches"
    __table_args__ = (Index("ix_exchange_batches_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    grades_run_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    item_states: Mapped[dict] = mapped_column(JSON, default=dict)  # item id -> state carried
    folder: Mapped[str] = mapped_column(String(512))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class ExchangeReconciliation(db.Model):
    """What the platform reported holding against what it should hold, at one moment."""

    __tablename__ = "exchange_reconciliations"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(12))  # platform (its inventory) or local (acknowledgements)
    expected: Mapped[int] = mapped_column(Integer)
    matching: Mapped[int] = mapped_column(Integer)
    missing: Mapped[list] = mapped_column(JSON, default=list)  # keys the platform should show but does not
    extra: Mapped[list] = mapped_column(JSON, default=list)  # keys it shows but should have withdrawn
    error: Mapped[str | None] = mapped_column(Text)
