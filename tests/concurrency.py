"""Firing many requests at once against the app: threads with their own clients and database sessions.

On PostgreSQL ``fire`` starts every call together (a barrier) from its own thread; the database sees
real concurrent transactions. On SQLite it runs them one after another: SQLite serialises writers
itself, and threads there meet "database is locked" from the driver's lock upgrade, not from the
application; the answers must still be the same (one record, the rest refused)."""
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

from app.auth.models import UserSession
from app.auth.services import _sha256
from app.extensions import db
from tests.conftest import TEST_DB, Session


def fire(n, fn):
    """fn(i) for i in range(n): all at once on PostgreSQL, one by one on SQLite. Results in order.
    ``fn`` runs in a thread without the test's app context: give it plain values, not ORM objects."""
    db.session.commit()  # the test's own transaction must hold no lock the requests wait for
    if TEST_DB != "postgresql":
        return [fn(i) for i in range(n)]
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait(timeout=120)
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def session_for(app, user) -> Session:
    """A signed-in client for ``user`` without the password round trip (a server-side session row)."""
    raw = secrets.token_urlsafe(16)
    db.session.add(UserSession(token_hash=_sha256(raw), user_id=user.id))
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = raw
        sess["_fresh"] = True
    s = Session(client)
    s.csrf()
    return s


def sessions_for(app, user, n) -> list[Session]:
    return [session_for(app, user) for _ in range(n)]
