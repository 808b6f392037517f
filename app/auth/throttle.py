"""Login throttling keyed by account and by address (ASVS V6.1.1, V6.3.1).

Three moving windows, all temporary, none permanent:
- account + address: tight (default 5 per 15 minutes): stops guessing from one place;
- account alone: looser (20 per hour): stops a spread-out attack on one account;
- address alone: 50 per hour: stops one address from spraying many accounts.
Only failures count. The counters live in the limiter's storage: Redis in production (REDIS_URL),
shared by every gunicorn worker, so the limits hold whichever worker takes a request; the address is
the client's as the trusted proxies report it (TRUSTED_PROXY_HOPS), never a spoofable header otherwise. An attacker can at worst make an account wait for the window to pass; it
can never lock a user out for good, and a user signing in from their own address is blocked by
someone else's failures only once the looser account-wide window is full.
"""
from flask import current_app
from limits import parse

from app.extensions import limiter


def _limits():
    cfg = current_app.config
    return [
        ("acct_addr", parse(cfg["LOGIN_LIMIT_ACCOUNT_ADDRESS"])),
        ("acct", parse(cfg["LOGIN_LIMIT_ACCOUNT"])),
        ("addr", parse(cfg["LOGIN_LIMIT_ADDRESS"])),
    ]


def _keys(username: str, ip: str):
    """Bucket identifiers, under RATELIMIT_KEY_PREFIX (one Redis may serve several deployments)."""
    account = (username or "").strip().lower()
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "credit"
    return {"acct_addr": (prefix, "login", account, ip), "acct": (prefix, "login", account),
            "addr": (prefix, "login-ip", ip)}


def is_throttled(username: str, ip: str) -> bool:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return False
    keys = _keys(username, ip)
    return any(not limiter.limiter.test(limit, *keys[name]) for name, limit in _limits())


def record_failure(username: str, ip: str):
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    keys = _keys(username, ip)
    for name, limit in _limits():
        limiter.limiter.hit(limit, *keys[name])


def reset(username: str, ip: str):
    """After a successful sign-in from this address, forget its failures for this account."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    keys = _keys(username, ip)
    for name, limit in _limits():
        if name == "acct_addr":
            limiter.limiter.clear(limit, *keys[name])
