"""Sign-in, sessions, partner tokens and account management. Every change writes an audit entry.

Nothing here commits: the request boundary (app.common.boundary) or the command commits once."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from app.audit.services import record
from app.auth import throttle
from app.auth.models import ROLES, UNIT_ROLES, ApiToken, User, UserSession
from app.auth.security_log import log_login
from app.common.errors import ServiceError
from app.common.time import utcnow
from app.extensions import db
from app.org.models import OrgUnit

MIN_PASSWORD_LENGTH = 8
# A real hash to compare against when the account does not exist, so timing does not tell.
_DUMMY_HASH = None


# Accounts reached with an API token: partner authorities and the ordering system.
TOKEN_ROLES = ("partner", "ordering")

def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt (werkzeug's default)


def check_password_rules(password: str, *, username: str | None = None) -> str | None:
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        return str(_l("Password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if password.isdigit() or password.isalpha():
        return str(_l("Password must mix letters and digits or symbols."))
    if username and username.lower() in password.lower():
        return str(_l("Password must not contain the user name."))
    return None


# ---- sign-in --------------------------------------------------------------------------------

@dataclass
class LoginResult:
    ok: bool
    user: User | None = None
    error: str | None = None  # message for the person signing in
    reason: str | None = None  # for the log


def authenticate(username: str, password: str) -> LoginResult:
    """Check credentials with throttling; log the attempt (security log, its own transaction); on
    success start a session, which the request boundary commits."""
    global _DUMMY_HASH
    ip = request.remote_addr or "unknown"
    username = (username or "").strip()
    generic = str(_l("Wrong user name or password."))
    if throttle.is_throttled(username, ip):
        log_login(username, ip, False, "throttled")
        return LoginResult(False, error=str(_l("Too many failed attempts. Please wait a few minutes and try again.")),
                           reason="throttled")
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH, password or "")
        result = LoginResult(False, error=generic, reason="unknown_user")
    elif not check_password_hash(user.password_hash, password or ""):
        result = LoginResult(False, error=generic, reason="bad_password")
    elif not user.is_enabled:
        result = LoginResult(False, error=str(_l("This account is disabled. Please contact the administrator.")),
                             reason="disabled")
    else:
        result = LoginResult(True, user=user, reason="ok")
    log_login(username, ip, result.ok, result.reason)
    if not result.ok:
        throttle.record_failure(username, ip)
        return result
    throttle.reset(username, ip)
    start_session(user)
    return result


def _idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def start_session(user: User):
    """Renew the session at sign-in: clear the old cookie content and issue a fresh server-side row
    (the user's sessions that have expired from inactivity are deleted on the way)."""
    session.clear()
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.last_seen_at < utcnow() - _idle_limit()))
    token = secrets.token_urlsafe(32)
    row = UserSession(token_hash=_sha256(token), user_id=user.id, ip=request.remote_addr,
                      user_agent=(request.user_agent.string or "")[:256])
    db.session.add(row)
    db.session.flush()
    row.token = token
    user.current_session = row
    session.permanent = True
    login_user(user)


def load_session_user(token: str) -> User | None:
    """Flask-Login user loader: the cookie's token must match a live server-side session.

    A session idle for longer than SESSION_IDLE_MINUTES is refused (its row is deleted at the user's
    next sign-in); a live one is marked as seen, at most once a minute (the request boundary commits)."""
    if not token:
        return None
    # One query for the session, its user and the user's unit (every access rule reads the unit).
    row = db.session.scalars(select(UserSession).where(UserSession.token_hash == _sha256(token))
                             .options(joinedload(UserSession.user).joinedload(User.unit))).first()
    if row is None:
        return None
    now = utcnow()
    if now - row.last_seen_at > _idle_limit():
        return None
    user = row.user
    if user is None or not user.is_enabled:
        return None
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
    row.token = token
    user.current_session = row
    return user


def end_session(user: User | None):
    """Sign out: delete the server-side session so the cookie is worthless even if kept (the request
    boundary commits)."""
    if user is not None and user.is_authenticated and user.current_session is not None:
        db.session.execute(delete(UserSession).where(UserSession.id == user.current_session.id))
    logout_user()
    session.clear()


def end_all_sessions(user: User):
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


# ---- partner tokens -------------------------------------------------------------------------

def load_token_user(raw: str) -> User | None:
    if not raw:
        return None
    token = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == _sha256(raw))).first()
    if token is None or token.revoked_at is not None:
        return None
    user = token.user
    if not user.is_enabled or user.role not in TOKEN_ROLES:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now  # committed with the request's unit of work
    user.via_token = True
    user.current_token = token
    return user


def create_token(partner: User, name: str, *, actor=None) -> tuple[ApiToken, str]:
    if partner.role not in TOKEN_ROLES:
        raise ServiceError({"user_id": [str(_l("API tokens are issued to partner and ordering-system accounts only."))]})
    name = (name or "").strip()
    if not name:
        raise ServiceError({"name": [str(_l("Please give the token a name."))]})
    raw = "crd_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=partner.id, name=name[:64], prefix=raw[:12], token_hash=_sha256(raw),
                     created_by_id=getattr(actor, "id", None), signing_secret="sig_" + secrets.token_urlsafe(32))
    db.session.add(token)
    db.session.flush()
    record("token.create", "api_token", token.id, after={"user": partner.username, "name": token.name,
                                                       "prefix": token.prefix}, actor=actor)
    return token, raw


def revoke_token(token: ApiToken, *, actor=None):
    if token.revoked_at is not None:
        raise ServiceError({"token": [str(_l("This token is already revoked."))]}, status=409)
    token.revoked_at = utcnow()
    record("token.revoke", "api_token", token.id, before={"revoked_at": None},
           after={"revoked_at": token.revoked_at}, actor=actor)


# ---- account management ---------------------------------------------------------------------

def _snapshot(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "unit": user.unit.code if user.unit else None, "enabled": user.is_enabled,
            "must_change_password": user.must_change_password,
            "retailers": [r.licence_no for r in user.retailers], "enforcement_cert_no": user.enforcement_cert_no}


OFFICER_ROLES = ("inspector", "supervisor")


def _check_cert_no(value, role, errors: dict, user: User | None = None) -> str | None:
    """An enforcement officer's certificate number (执法证号): optional, for inspectors and supervisors
    only; letters, digits, Chinese and "-", 4 to 32 characters; unique."""
    value = (value or "").strip().replace(" ", "")
    if not value:
        return None
    if role not in OFFICER_ROLES:
        errors.setdefault("enforcement_cert_no", []).append(
            str(_l("Only enforcement officers (inspectors, supervisors) hold an enforcement certificate.")))
        return None
    if not (4 <= len(value) <= 32 and all(c.isalnum() or c == "-" for c in value)):
        errors.setdefault("enforcement_cert_no", []).append(
            str(_l("Certificate number: 4 to 32 letters, digits or dashes, as printed on the certificate.")))
        return None
    taken = db.session.scalar(select(User.id).where(User.enforcement_cert_no == value))
    if taken is not None and (user is None or taken != user.id):
        errors.setdefault("enforcement_cert_no", []).append(str(_l("This certificate number belongs to another "
                                                                   "account.")))
    return value


def _check_role_unit(role, unit: OrgUnit | None, errors: dict):
    if role not in ROLES:
        errors.setdefault("role", []).append(str(_l("Unknown role.")))
    elif role in UNIT_ROLES and unit is None:
        errors.setdefault("unit", []).append(str(_l("This role needs an org unit.")))
    elif role in ("inspector", "marketer") and unit is not None and unit.is_city:
        errors.setdefault("unit", []).append(str(_l("Inspectors and marketers belong to a county unit.")))
    elif role not in UNIT_ROLES and unit is not None:
        errors.setdefault("unit", []).append(str(_l("This role does not belong to an org unit.")))


MAX_LICENCES = 100  # licences one retailer account may hold (the API schema says the same)


def _check_licence_count(retailers, errors):
    if retailers is not None and len(list(retailers)) > MAX_LICENCES:
        errors.setdefault("retailers", []).append(str(_l("At most 100 licences per account.")))


def create_user(*, username, display_name, role, password, unit: OrgUnit | None = None, retailers=(),
                must_change_password=True, actor=None, password_hash: str | None = None,
                enforcement_cert_no: str | None = None) -> User:
    errors: dict = {}
    cert = _check_cert_no(enforcement_cert_no, role, errors)
    username = (username or "").strip()
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
        errors.setdefault("username", []).append(
            str(_l("User name: letters, digits, dot, dash or underscore, at most 64.")))
    elif db.session.scalars(select(User).where(User.username == username)).first() is not None:
        errors.setdefault("username", []).append(str(_l("This user name is taken.")))
    if not (display_name or "").strip():
        errors.setdefault("display_name", []).append(str(_l("Please enter a name.")))
    _check_role_unit(role, unit, errors)
    if role == "retailer" and not retailers:
        errors.setdefault("retailers", []).append(str(_l("A retailer account must be linked to a licence.")))
    _check_licence_count(retailers, errors)
    if password_hash is None:
        problem = check_password_rules(password, username=username)
        if problem:
            errors.setdefault("password", []).append(problem)
    if errors:
        raise ServiceError(errors)
    user = User(username=username, display_name=display_name.strip(), role=role, unit=unit,
                password_hash=password_hash or hash_password(password), must_change_password=must_change_password,
                is_enabled=True, enforcement_cert_no=cert)
    user.retailers = list(retailers)
    db.session.add(user)
    db.session.flush()
    record("user.create", "user", user.id, after=_snapshot(user), actor=actor)
    return user


def update_user(user: User, *, role=None, unit=..., display_name=None, retailers=None, actor=None,
                enforcement_cert_no=...) -> User:
    before = _snapshot(user)
    new_role = role or user.role
    new_unit = user.unit if unit is ... else unit
    errors: dict = {}
    cert = _check_cert_no(user.enforcement_cert_no if enforcement_cert_no is ... else enforcement_cert_no,
                          new_role, errors, user)
    _check_role_unit(new_role, new_unit, errors)
    if new_role == "retailer" and not (retailers if retailers is not None else user.retailers):
        errors.setdefault("retailers", []).append(str(_l("A retailer account must be linked to a licence.")))
    _check_licence_count(retailers, errors)
    if display_name is not None and not display_name.strip():
        errors.setdefault("display_name", []).append(str(_l("Please enter a name.")))
    if errors:
        raise ServiceError(errors)
    changed_scope = new_role != user.role or new_unit is not user.unit
    user.role = new_role
    user.unit = new_unit
    if display_name is not None:
        user.display_name = display_name.strip()
    if retailers is not None:
        user.retailers = list(retailers)
    user.enforcement_cert_no = cert
    if new_role != "retailer":
        user.retailers = []
    if changed_scope:
        end_all_sessions(user)  # new rights take effect at the next sign-in
    db.session.flush()
    record("user.update", "user", user.id, before=before, after=_snapshot(user), actor=actor)
    return user


def set_enabled(user: User, enabled: bool, *, actor=None) -> User:
    if actor is not None and actor.id == user.id and not enabled:
        raise ServiceError({"user": [str(_l("You cannot disable your own account."))]}, status=409)
    before = _snapshot(user)
    user.is_enabled = enabled
    if not enabled:
        end_all_sessions(user)  # ends every session of this user at once
    db.session.flush()
    record("user.enable" if enabled else "user.disable", "user", user.id, before=before, after=_snapshot(user),
           actor=actor)
    return user


def reset_password(user: User, *, actor=None, new_password: str | None = None) -> str:
    """Set a temporary password; the user must change it at next sign-in. Returns it (shown once)."""
    temp = new_password or (secrets.token_urlsafe(6) + "9a")
    problem = check_password_rules(temp, username=user.username)
    if problem:
        raise ServiceError({"password": [problem]})
    user.password_hash = hash_password(temp)
    user.must_change_password = True
    end_all_sessions(user)
    db.session.flush()
    record("user.reset_password", "user", user.id, after={"must_change_password": True}, actor=actor)
    return temp


def set_locale(user: User, lang: str) -> None:
    """Remember the user's interface language."""
    if user.locale == lang:
        return
    before = user.locale
    user.locale = lang
    record("user.set_locale", "user", user.id, before={"locale": before}, after={"locale": lang}, actor=user)


def change_own_password(user: User, current: str, new: str, confirm: str) -> None:
    errors: dict = {}
    if not check_password_hash(user.password_hash, current or ""):
        errors["current_password"] = [str(_l("The current password is wrong."))]
    problem = check_password_rules(new, username=user.username)
    if problem:
        errors["new_password"] = [problem]
    elif new == current:
        errors["new_password"] = [str(_l("The new password must differ from the current one."))]
    if new != confirm:
        errors["confirm_password"] = [str(_l("The two passwords do not match."))]
    if errors:
        raise ServiceError(errors)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    # End the user's other sessions; keep this one.
    keep = user.current_session.id if user.current_session is not None else -1
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.id != keep))
    record("user.change_password", "user", user.id, actor=user)
