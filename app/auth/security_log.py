"""Logging of refused accesses and security events (ASVS V16.3): database row + app logger."""
import logging

from flask import has_request_context, request
from flask_login import current_user

from app.auth.models import SecurityEvent
from app.extensions import db

logger = logging.getLogger("credit.security")


def log_event(kind: str, *, detail: str | None = None, user=None):
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    ip = request.remote_addr if has_request_context() else None
    method = request.method if has_request_context() else None
    path = request.full_path[:512] if has_request_context() else None
    logger.warning("security event %s user=%s ip=%s %s %s %s", kind, getattr(user, "username", None),
                   ip, method, path, detail or "")
    # Refusals happen before a view changes anything, so the session holds no pending work;
    # the event is committed on its own and survives the error response.
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.rollback()
    db.session.add(SecurityEvent(kind=kind, user_id=getattr(user, "id", None), ip=ip, method=method,
                                 path=path, detail=detail))
    db.session.commit()
