"""The audit chain anchored outside the database: deleting the last entries, deleting all of them, or
re-hashing the whole table with the key is detected by `flask audit verify` against the anchors; the
anchor file is a hash chain of its own and its head is public; key rotation keeps old entries verifiable."""
import json
import secrets
import sqlite3

import pytest
from sqlalchemy import create_engine, select, text

from app import create_app
from app.audit import anchor
from app.audit.models import AuditEntry
from app.audit.services import GENESIS, _key, compute_hash, key_id, record, verify
from app.extensions import db
from tests.conftest import PG_ADMIN_URL, TEST_DB


@pytest.fixture
def anchors_at(app, tmp_path):
    """Each test anchors into its own file (the instance directory is shared by the whole run)."""
    before = app.config.get("AUDIT_ANCHOR_PATH")
    path = tmp_path / "anchors.jsonl"
    app.config["AUDIT_ANCHOR_PATH"] = str(path)
    yield path
    app.config["AUDIT_ANCHOR_PATH"] = before


def entries(n, start=0):
    for i in range(start, start + n):
        record("test.event", "thing", i, after={"n": i, "名": "王小明"})
    db.session.commit()


def _raw(sql, **params):
    """Change the table the way someone with database access would (the PostgreSQL trigger bypassed)."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET session_replication_role = replica"))
        conn.execute(text(sql), params)
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET session_replication_role = DEFAULT"))
    db.session.expire_all()


def rechain(from_seq, change):
    """Rewrite every entry from ``from_seq`` on and re-hash the chain consistently with the key: the chain
    alone then verifies (what someone with the database and the key can do)."""
    rows = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    prev = GENESIS
    for e in rows:
        if e.seq >= from_seq:
            change(e)
            e.prev_hash = prev
            e.entry_hash = compute_hash(e, prev)
            _raw("UPDATE audit_entries SET action = :a, after = :after, prev_hash = :p, entry_hash = :h WHERE id = :id",
                 a=e.action, after=json.dumps(e.after, ensure_ascii=False), p=e.prev_hash, h=e.entry_hash, id=e.id)
        prev = e.entry_hash


def test_anchor_lines_form_their_own_chain_and_the_head_is_public(app, anchors_at, client):
    entries(3)
    out = app.test_cli_runner().invoke(args=["audit", "anchor", "--note", "每日锚定"])
    assert out.exit_code == 0 and "anchor 1: seq 3" in out.output, out.output
    entries(2, start=3)
    second = anchor.write_anchor()
    lines = [json.loads(x) for x in anchors_at.read_text(encoding="utf-8").splitlines()]
    assert [x["n"] for x in lines] == [1, 2] and [x["seq"] for x in lines] == [3, 5]
    assert lines[0]["prev"] == GENESIS and lines[1]["prev"] == lines[0]["line_hash"]
    assert lines[0]["note"] == "每日锚定" and lines[0]["key_id"] == key_id(_key())
    head = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert second.entry_hash == head.entry_hash
    pub = client.get("/api/public/audit-anchor").get_json()
    assert pub["latest"]["seq"] == 5 and pub["latest"]["entry_hash"] == head.entry_hash and pub["intact"]
    assert pub["count"] == 2 and [r["n"] for r in pub["recent"]] == [2, 1]
    page = client.get("/public/audit-anchor").get_data(as_text=True)
    assert head.entry_hash in page and "审计记录锚点" in page
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 0 and "matches 2 anchors (latest: seq 5" in out.output


def test_deleting_the_last_entry_of_a_copy_is_detected(app, anchors_at, tmp_path):
    """Copy the database, delete the last row in the copy: `audit verify` on the copy fails, naming why."""
    entries(5)
    anchor.write_anchor()
    url = _copy_database(app, tmp_path)
    try:
        copy = create_app("testing", SQLALCHEMY_DATABASE_URI=url, AUDIT_ANCHOR_PATH=str(anchors_at))
        with copy.app_context():
            runner = copy.test_cli_runner()
            assert runner.invoke(args=["audit", "verify"]).exit_code == 0
            _raw("DELETE FROM audit_entries WHERE seq = 5")
            assert verify(use_anchors=False).ok  # the chain alone cannot see a shortened tail
            out = runner.invoke(args=["audit", "verify"])
            assert out.exit_code == 1
            assert "chain ends at seq 4 but anchor 1" in out.output and "recorded seq 5" in out.output
            assert "deleted from the end" in out.output
            _raw("DELETE FROM audit_entries")
            out = runner.invoke(args=["audit", "verify"])
            assert out.exit_code == 1 and "chain ends at seq 0 but anchor 1" in out.output
            db.session.remove()
            db.engine.dispose()
    finally:
        _drop_copy(url)
    assert verify().ok  # the original is untouched


def test_rechaining_with_the_key_is_detected(app, anchors_at):
    entries(5)
    anchor.write_anchor()
    entries(2, start=5)

    def forge(e):
        if e.seq == 2:
            e.action = "test.forged"

    rechain(2, forge)
    assert verify(use_anchors=False).ok  # consistent: the key recomputed every hash
    result = verify()
    assert not result.ok and result.broken_seq == 5
    assert "does not match anchor 1" in result.problem and "re-hashed" in result.problem
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 1 and "seq 5" in out.output


def test_a_chain_that_does_not_verify_is_not_anchored(app, anchors_at):
    entries(3)
    _raw("UPDATE audit_entries SET action = 'x' WHERE seq = 2")
    out = app.test_cli_runner().invoke(args=["audit", "anchor"])
    assert out.exit_code == 1 and "is not anchored" in out.output
    assert not anchors_at.exists() or anchors_at.read_text() == ""


def test_an_altered_anchor_file_is_detected(app, anchors_at, client):
    entries(3)
    anchor.write_anchor()
    entries(1, start=3)
    anchor.write_anchor()
    lines = anchors_at.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["seq"] = 2  # someone "moves" the first anchor back
    anchors_at.write_text(json.dumps(first) + "\n" + lines[1] + "\n", encoding="utf-8")
    result = verify()
    assert not result.ok and "anchor file is not intact" in result.problem and "anchor 1 was altered" in result.problem
    assert client.get("/api/public/audit-anchor").get_json()["intact"] is False
    anchors_at.write_text(lines[1] + "\n", encoding="utf-8")  # the first line removed
    assert "anchor 1 is numbered 2" in verify().problem


def test_without_an_anchor_verify_warns(app, anchors_at):
    entries(2)
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 0 and "no anchor written yet" in out.output


def test_key_rotation_keeps_old_entries_verifiable_and_a_retired_key_cannot_write(app, anchors_at):
    old_key = app.config.get("AUDIT_HMAC_KEY")
    old = (old_key or ("audit:" + app.config["SECRET_KEY"]))
    new = "rotated-" + secrets.token_hex(16)
    entries(3)
    before = anchor.write_anchor("before key rotation")
    try:
        app.config["AUDIT_HMAC_OLD_KEYS"], app.config["AUDIT_HMAC_KEY"] = old, new
        entries(2, start=3)
        after = anchor.write_anchor("first anchor under the new key")
        assert before.key_id == key_id(old.encode()) and after.key_id == key_id(new.encode()) != before.key_id
        result = verify()
        assert result.ok and result.checked == 5 and result.anchors == 2
        # without the retired key the old entries cannot be verified
        app.config["AUDIT_HMAC_OLD_KEYS"] = ""
        assert not verify().ok and verify().broken_seq == 1
        app.config["AUDIT_HMAC_OLD_KEYS"] = old
        # an entry written with the retired key after the switch (a leaked old key) is refused
        app.config["AUDIT_HMAC_KEY"] = old
        entries(1, start=5)
        app.config["AUDIT_HMAC_KEY"] = new
        result = verify()
        assert not result.ok and result.broken_seq == 6 and "altered" in result.problem
    finally:
        app.config["AUDIT_HMAC_OLD_KEYS"], app.config["AUDIT_HMAC_KEY"] = "", old_key


# ---- a copy of the test database -------------------------------------------------------------------

def _copy_database(app, tmp_path) -> str:
    url = str(db.engine.url.render_as_string(hide_password=False))
    db.session.remove()
    db.engine.dispose()
    if TEST_DB == "sqlite":
        source = db.engine.url.database
        target = str(tmp_path / "copy.sqlite3")
        src, dst = sqlite3.connect(source), sqlite3.connect(target)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        return f"sqlite:///{target}"
    name = db.engine.url.database
    copy = f"{name}_copy_{secrets.token_hex(3)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + copy


def _drop_copy(url):
    if url.startswith("sqlite"):
        return  # a file in the test's tmp_path
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()
