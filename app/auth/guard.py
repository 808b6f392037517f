"""The request guard: every request runs identify → CSRF → access rule, before any view.

Modelled on SecureDrop's deny-by-default ``before_request`` and Indico's RH.process."""
from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app.auth import policy, services
from app.auth.security_log import log_event
from app.extensions import csrf, login_manager

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def guard():
    endpoint = request.endpoint
    if endpoint is None:
        return None  # 404/405 handled by Flask
    g.via_token = False
    raw = _bearer_token()
    if raw is not None:
        user = services.load_token_user(raw)
        if user is None:
            log_event("bad_token", detail="unknown or revoked token")
            abort(401)
        g.via_token = True
        login_manager._update_request_context_with_user(user)
    elif request.method not in SAFE_METHODS:
        try:
            csrf.protect()
        except CSRFError:
            log_event("csrf", detail="missing or invalid CSRF token")
            raise

    action = policy.endpoint_action(current_app, endpoint)
    if action is None:  # deny by default
        log_event("no_rule", detail=endpoint)
        abort(404)
    rule = policy.ACTIONS[action]
    if rule.public:
        return None
    if not current_user.is_authenticated:
        log_event("unauthenticated", detail=endpoint)
        if wants_json():
            abort(401)
        return redirect(url_for("pwa.login", next=request.full_path if request.method == "GET" else None))
    if current_user.must_change_password and not rule.allowed_before_password_change and not g.via_token:
        if wants_json():
            abort(403, description="password_change_required")
        return redirect(url_for("pwa.change_password"))
    if not policy.role_allows(current_user, action, via_token=g.via_token):
        log_event("forbidden", detail=f"{endpoint} needs {action}")
        abort(403)
    return None


def init_app(app):
    app.before_request(guard)

    @login_manager.user_loader
    def _load(token):
        return services.load_session_user(token)

    @login_manager.unauthorized_handler
    def _unauthorized():
        abort(401)
