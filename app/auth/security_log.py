"""The security log (ASVS V16.3): refused accesses, CSRF failures, bad tokens and every sign-in attempt,
as database rows (UTC) and lines of the app logger.

The rows are written in their own short transaction, on a separate session and connection, never in
the caller's unit of work: logging a refusal neither commits nor rolls back what the request did, and a
logged refusal survives the request's rollback. Inside a request the rows are written when the
request ends (after its unit of work has committed or rolled back, so SQLite's single writer is
free); outside a request (command line) at once."""
import logging

from flask import g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from app.auth.models import LoginAttempt, SecurityEvent
from app.common.time import utcnow
from app.extensions import db

logger = logging.getLogger("credit.security")


def _request_facts():
    if not has_request_context():
        return None, None, None
    return request.remote_addr, request.method, request.full_path[:512]


def log_event(kind: str, *, detail: str | None = None, user=None):
    """A refused access or another security event (kind: forbidden, out_of_scope, unauthenticated,
    csrf, bad_token, no_rule)."""
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    ip, method, path = _request_facts()
    logger.warning("security event %s user=%s ip=%s %s %s %s", kind, getattr(user, "username", None),
                   ip, method, path, detail or "")
    _write(SecurityEvent, dict(at=utcnow(), kind=kind, user_id=getattr(user, "id", None), ip=ip, method=method,
                               path=path, detail=detail))


def log_login(username: str, ip: str | None, success: bool, reason: str):
    """A sign-in attempt (reason: ok, bad_password, unknown_user, disabled, throttled)."""
    if not success:
        logger.warning("failed sign-in user=%s ip=%s reason=%s", (username or "")[:64], ip, reason)
    _write(LoginAttempt, dict(at=utcnow(), username=(username or "")[:64], ip=ip, success=success, reason=reason))


def write_after(model, values):
    """Another access-bookkeeping row (e.g. a partner's read) written like the security log: after the
    request, in its own short transaction; at once outside a request."""
    _write(model, values)


def _write(model, values):
    if has_request_context():
        g.setdefault("security_rows", []).append((model, values))
    else:
        _store([(model, values)])


def _store(rows):
    """Write the rows in one short transaction of their own. A failure is logged, never raised: the
    log lines above are kept, and logging must not fail the request or the command."""
    try:
        with Session(bind=db.engine) as session, session.begin():
            session.add_all(model(**values) for model, values in rows)
    except Exception:  # noqa: BLE001
        logger.exception("could not store %d security log rows", len(rows))


def flush(_exc=None):
    """At the end of a request: write what it logged (teardown_request)."""
    if not has_app_context():
        return
    rows = g.pop("security_rows", None)
    if rows:
        _store(rows)


def init_app(app):
    app.teardown_request(flush)

