"""Signed requests from partners (and signed callbacks to them): HMAC-SHA256 with the token's signing
secret over ``<X-Timestamp>.<Idempotency-Key>.<body>``, the timestamp within ±5 minutes of our clock.
A replayed request carries its Idempotency-Key, which is inside the signature: it can only ever repeat
the same finding, which is answered with what was made the first time."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask_babel import gettext as _

from app.common.errors import ServiceError
from app.common.time import utcnow

MAX_SKEW_SECONDS = 300
_EPOCH = datetime(1970, 1, 1)


def signature(secret: str, timestamp: str, key: str, body: bytes) -> str:
    message = f"{timestamp}.{key}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(token, *, timestamp: str, key: str, sig: str, body: bytes) -> None:
    """Refuse (401) a request whose signature or timestamp does not hold."""
    if token is None or not token.signing_secret:
        raise ServiceError({"X-Signature": [_("This token has no signing secret: ask the bureau for a new token.")]},
                           status=401)
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        raise ServiceError({"X-Timestamp": [_("The timestamp must be whole seconds since 1970 (UTC).")]},
                           status=401) from None
    now = int(now_timestamp())
    if abs(now - ts) > MAX_SKEW_SECONDS:
        raise ServiceError({"X-Timestamp": [_("The timestamp is more than 5 minutes away from our clock.")]},
                           status=401)
    expected = signature(token.signing_secret, str(timestamp), key, body)
    if not hmac.compare_digest(expected, (sig or "").strip()):
        raise ServiceError({"X-Signature": [_("The signature does not match the request.")]}, status=401)


def now_timestamp() -> str:
    """Seconds since 1970 (UTC), read from the one clock."""
    return str(int((utcnow() - _EPOCH).total_seconds()))
