"""Event streams (grade_changes, credit_record_events) and their consumers' cursors.

A consumer takes its cursor with :func:`take_cursor` at the start of a transaction: on PostgreSQL the
row is locked ``FOR UPDATE SKIP LOCKED`` (a second worker gets None and leaves the batch to the first);
on SQLite the transaction takes the write lock first, so the second worker waits and then reads the
advanced cursor. The cursor moves in the same transaction as the effects, so a batch is done once."""
from __future__ import annotations

from sqlalchemy import select

from app.common.db import claim_one, insert_ignore
from app.credit.models import EventCursor
from app.extensions import db


def take_cursor(consumer: str, stream: str) -> EventCursor | None:
    """This consumer's cursor on ``stream``, held until the transaction ends; None if another worker
    holds it (PostgreSQL). Made at 0 on first use."""
    where = (EventCursor.consumer == consumer, EventCursor.stream == stream)
    cursor = claim_one(EventCursor, *where)
    if cursor is None and db.session.scalar(select(EventCursor.last_id).where(*where)) is None:
        insert_ignore(EventCursor, {"consumer": consumer, "stream": stream, "last_id": 0}, ["consumer", "stream"])
        cursor = claim_one(EventCursor, *where)
    return cursor
