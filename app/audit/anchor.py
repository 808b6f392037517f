"""Anchors of the audit chain outside the database (``flask audit anchor``, meant to run daily).

The hash chain in ``audit_entries`` shows an entry altered, reordered or removed from the middle. It
cannot show that the last entries, or all of them, were deleted, nor a table re-hashed from start to end
by someone holding the key: the chain is still consistent. An anchor records the chain's head (sequence
number, entry hash, the key's public id, the time) in a file outside the database, append-only, one JSON
line per anchor; each line carries the SHA-256 of its content and of the previous line, so the file is
a chain of its own that anyone can check without a key. The latest anchor is also published
(``/public/audit-anchor``, ``GET /api/public/audit-anchor``), so copies exist outside the server.

``flask audit verify`` (app.audit.services.verify) then checks the table against every anchor: an
anchored sequence number beyond the table's end means rows were deleted; an anchored hash that differs
from the table's means the chain was rewritten. What was written after the latest anchor is protected
by the chain and the key only, until the next anchor (docs/audit.md).

The file lives at ``AUDIT_ANCHOR_PATH`` (default ``<instance>/audit-anchors.jsonl``); copy it off the
server too (a records office, write-once storage)."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import asdict, dataclass

from flask import current_app

from app.common.time import utcnow

GENESIS = "0" * 64
FIELDS = ("n", "at", "seq", "entry_hash", "key_id", "note", "prev")


class AnchorFileError(Exception):
    """The anchor file cannot be read as anchors (a broken line)."""


class ChainBroken(Exception):
    """The audit chain does not verify: it is not anchored (anchoring would bless it)."""


@dataclass
class Anchor:
    n: int  # 1, 2, 3, ... in the file
    at: str  # UTC, ISO 8601 with Z
    seq: int  # the chain's head when anchored (0: empty chain)
    entry_hash: str  # that entry's hash (GENESIS for an empty chain)
    key_id: str  # public id of the key that hashed it (app.audit.services.key_id)
    note: str
    prev: str  # the previous line's line_hash (GENESIS for the first)
    line_hash: str = ""

    def content(self) -> dict:
        return {name: getattr(self, name) for name in FIELDS}

    def computed_hash(self) -> str:
        return line_hash(self.content())

    def to_dict(self) -> dict:
        return asdict(self)


def line_hash(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def anchor_path() -> str:
    return current_app.config.get("AUDIT_ANCHOR_PATH") or os.path.join(current_app.instance_path,
                                                                       "audit-anchors.jsonl")


def read_anchors(path: str | None = None) -> list[Anchor]:
    path = path or anchor_path()
    if not os.path.exists(path):
        return []
    out = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                out.append(Anchor(**{name: data[name] for name in (*FIELDS, "line_hash")}))
            except (ValueError, KeyError, TypeError) as exc:
                raise AnchorFileError(f"line {number} of {path} is not an anchor ({exc})") from None
    return out


def check_chain(anchors: list[Anchor]) -> str | None:
    """What is wrong with the anchor file's own chain, or None."""
    prev = GENESIS
    for k, a in enumerate(anchors, start=1):
        if a.n != k:
            return f"anchor {k} is numbered {a.n}: a line was removed or inserted"
        if a.prev != prev:
            return f"anchor {a.n} does not link to the line before it"
        if a.computed_hash() != a.line_hash:
            return f"anchor {a.n} was altered: its content does not match its hash"
        if k > 1 and a.seq < anchors[k - 2].seq:
            return f"anchor {a.n} records seq {a.seq}, before the previous anchor's {anchors[k - 2].seq}"
        prev = a.line_hash
    return None


def latest(path: str | None = None) -> Anchor | None:
    anchors = read_anchors(path)
    return anchors[-1] if anchors else None


def write_anchor(note: str = "", *, verify_first: bool = True) -> Anchor:
    """Verify the chain (against the anchors so far) and append its head as a new anchor line. Refuses
    (ChainBroken) to anchor a chain that does not verify. Nothing in the database changes."""
    from app.audit.services import head, key_id, _key, verify

    if verify_first:
        result = verify()
        if not result.ok:
            raise ChainBroken(f"the audit chain does not verify, so it is not anchored: {result.problem}")
    seq, entry_hash = head()
    path = anchor_path()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "r+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # two writers at once: one after the other
        try:
            fh.seek(0)
            previous = [json.loads(line) for line in fh if line.strip()]
            last = previous[-1] if previous else None
            a = Anchor(n=(last["n"] + 1) if last else 1, at=utcnow().isoformat(timespec="seconds") + "Z", seq=seq,
                       entry_hash=entry_hash, key_id=key_id(_key()), note=(note or "").strip()[:200],
                       prev=last["line_hash"] if last else GENESIS)
            a.line_hash = a.computed_hash()
            fh.seek(0, os.SEEK_END)
            fh.write(json.dumps(a.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return a


def public_view(limit: int = 10) -> dict:
    """The latest anchor and the few before it, as published (no key, nothing from the database)."""
    try:
        anchors = read_anchors()
        problem = check_chain(anchors)
    except AnchorFileError as exc:
        anchors, problem = [], str(exc)
    recent = [a.to_dict() for a in reversed(anchors[-limit:])]
    return {"latest": recent[0] if recent else None, "recent": recent, "count": len(anchors),
            "intact": problem is None, "scheme": "sha256(json(n, at, seq, entry_hash, key_id, note, prev))"}


__all__ = ["Anchor", "write_anchor", "read_anchors", "check_chain", "latest", "public_view", "anchor_path",
           "AnchorFileError", "ChainBroken"]
