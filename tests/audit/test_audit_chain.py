"""The audit chain detects tampering: changed content, changed order, deleted entries."""
import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from app.audit.models import AuditEntry
from app.audit.services import record, verify
from app.extensions import db


@pytest.fixture
def chain(app):
    for i in range(5):
        record("test.event", "thing", i, before={"n": i}, after={"n": i + 1, "名": "王小明"})
    db.session.commit()
    return [e.id for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def _tamper(sql, **params):
    """Bypass the application's protections the way an attacker with database access would."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET session_replication_role = replica"))
        conn.execute(text(sql), params)
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET session_replication_role = DEFAULT"))
    db.session.expire_all()


def _cli(app, *args):
    return CliRunner().invoke(app.cli, ["audit", "verify", *args], obj=None, catch_exceptions=False) if False else \
        app.test_cli_runner().invoke(args=["audit", "verify", *args])


def test_intact_chain_verifies(app, chain):
    result = verify()
    assert result.ok and result.checked == 5
    out = _cli(app)
    assert out.exit_code == 0 and "audit chain OK: 5 entries" in out.output


def test_changed_content_is_detected(app, chain):
    _tamper("UPDATE audit_entries SET action = 'test.other' WHERE id = :id", id=chain[2])
    result = verify()
    assert not result.ok and result.broken_seq == 3 and "altered" in result.problem
    out = _cli(app)
    assert out.exit_code == 1 and "seq 3" in out.output


def test_changed_json_is_detected(app, chain):
    entry = db.session.get(AuditEntry, chain[1])
    before = dict(entry.after)
    before["n"] = 99
    import json

    _tamper("UPDATE audit_entries SET after = :after WHERE id = :id", id=chain[1], after=json.dumps(before))
    assert verify().broken_seq == 2


def test_deleted_entry_is_detected(app, chain):
    _tamper("DELETE FROM audit_entries WHERE id = :id", id=chain[3])
    result = verify()
    assert not result.ok and result.broken_seq == 4 and "missing" in result.problem


def test_reordered_entries_are_detected(app, chain):
    # Swap the sequence numbers of two entries (through a free value to respect the unique index).
    _tamper("UPDATE audit_entries SET seq = 1000 WHERE id = :id", id=chain[1])
    _tamper("UPDATE audit_entries SET seq = 2 WHERE id = :id", id=chain[2])
    _tamper("UPDATE audit_entries SET seq = 3 WHERE id = :id", id=chain[1])
    result = verify()
    assert not result.ok and result.broken_seq == 2


def test_rehashed_entry_without_key_is_detected(app, chain):
    """Recomputing a plain SHA-256 is not enough: the hash is an HMAC with the server's key."""
    import hashlib

    fake = hashlib.sha256(b"forged").hexdigest()
    _tamper("UPDATE audit_entries SET action = 'x', entry_hash = :h WHERE id = :id", id=chain[4], h=fake)
    assert verify().broken_seq == 5


def test_postgresql_refuses_update_and_delete(app, chain):
    if db.engine.dialect.name != "postgresql":
        # SQLite has no roles or triggers here; the chain itself still detects tampering (tests above).
        assert db.engine.dialect.name == "sqlite"
        return
    from sqlalchemy.exc import DBAPIError

    db.session.rollback()  # release this session's read locks: TRUNCATE waits for them otherwise
    for sql in ("UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries", "TRUNCATE audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(sql))
    assert verify().ok


def test_entry_written_in_same_transaction_as_change(app, make_user, signed_in):
    """A refused change leaves no audit entry; an accepted one leaves exactly one."""
    admin = make_user("admin")
    s = signed_in(admin)
    count = db.session.scalar(select(db.func.count(AuditEntry.id)))
    bad = s.post("/api/users", json={"username": "x y", "display_name": "", "role": "inspector",
                                     "password": "short"})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) >= {"username", "display_name", "password", "unit"}
    assert db.session.scalar(select(db.func.count(AuditEntry.id))) == count
    ok = s.post("/api/users", json={"username": "xy", "display_name": "新人", "role": "inspector",
                                    "unit": "320812", "password": "Good-pass-1"})
    assert ok.status_code == 201
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry.action == "user.create" and entry.actor_name == admin.username and entry.actor_role == "admin"
    assert entry.after["username"] == "xy" and "password_hash" not in entry.after and "Good-pass-1" not in str(entry.after)
    assert verify().ok
