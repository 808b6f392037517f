"""Database idioms both engines need, written once: insert-or-ignore on a unique key, and taking a
row for one worker only (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite, whose single
writer serialises transactions, a no-op write takes the write lock first so the read that follows
sees the last committed state)."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def dialect() -> str:
    return db.session.get_bind().dialect.name


def insert_ignore(model, rows, conflict: list[str], returning=None):
    """INSERT the rows; a row whose ``conflict`` columns clash with an existing one is skipped
    (``ON CONFLICT DO NOTHING``). Returns the RETURNING rows of those inserted (list) when asked."""
    if isinstance(rows, dict):
        rows = [rows]
    if not rows:
        return []
    ins = (postgresql.insert if dialect() == "postgresql" else sqlite.insert)(model)
    stmt = ins.on_conflict_do_nothing(index_elements=conflict)
    if returning is None:
        db.session.execute(stmt, rows)
        return []
    stmt = stmt.returning(*returning)
    if len(rows) == 1:
        return list(db.session.execute(stmt.values(**rows[0])).all())
    return list(db.session.execute(stmt, rows).all())


def claim_one(model, *where):
    """The row matching ``where``, locked for this transaction, or None when another worker holds it
    (PostgreSQL: FOR UPDATE SKIP LOCKED). On SQLite the transaction first takes the database's write
    lock (waiting for another writer to commit), so two workers never read the same cursor value."""
    if dialect() == "sqlite":
        pk = model.__mapper__.primary_key[0]
        db.session.execute(update(model).where(*where).values({pk.key: pk}))
        return db.session.scalars(select(model).where(*where).execution_options(populate_existing=True)).first()
    return db.session.scalars(select(model).where(*where).with_for_update(skip_locked=True)
                              .execution_options(populate_existing=True)).first()


def refresh_statistics() -> None:
    """After a bulk load (the demo city): give the query planner row counts and, on PostgreSQL, the
    visibility map (``VACUUM ANALYZE``, outside a transaction) so that counts over an index need not
    visit the table. Without it a freshly loaded database plans its first hours of queries as if
    its tables were empty, until autovacuum gets round to them."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
