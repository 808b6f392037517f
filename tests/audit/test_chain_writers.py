"""Concurrent writers of the audit chain: entries appended at once and entries appended at commit
(``record(..., at_commit=True)``) form one unbroken chain; a rolled-back entry leaves no trace."""
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.audit.services import record, verify
from app.extensions import db
from tests.concurrency import fire


def test_writers_at_once_and_at_commit_form_one_chain(app):
    def write(i):
        with app.app_context():
            record("test.writer", "thing", i, after={"i": i}, at_commit=i % 2 == 0)
            record("test.writer.second", "thing", i, at_commit=i % 3 == 0)
            db.session.commit()
            return True

    assert all(fire(12, write))
    seqs = list(db.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
    assert seqs == list(range(1, 25))
    result = verify()
    assert result.ok and result.checked == 24, result.problem
    # each transaction's two entries are in the chain; the deferred one got its time under the lock
    at = list(db.session.scalars(select(AuditEntry.at).order_by(AuditEntry.seq)))
    assert at == sorted(at)


def test_entry_at_commit_is_dropped_with_a_rollback(app):
    entry = record("test.rolled_back", "thing", 1, at_commit=True)
    assert entry.seq is None  # not in the chain before the commit
    db.session.rollback()
    record("test.kept", "thing", 2, at_commit=True)
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEntry.action)))
    assert actions == ["test.kept"]
    assert db.session.scalar(select(func.max(AuditEntry.seq))) == 1 and verify().ok
