"""The access policy: one place that decides who may do what to which object.

Every endpoint declares the action it performs with :func:`requires`; the request guard
(:mod:`app.auth.guard`) refuses any endpoint that declared nothing (deny by default) and checks
the role-level rule before the view runs. Views then load objects through :func:`get_or_404`
and list them through :func:`scope`, so object-level rules (county, own licences) are applied by
the query itself: another county's object simply is not found (404).
"""
from dataclasses import dataclass

from flask import abort
from sqlalchemy import false, select, true

from app.extensions import db


@dataclass(frozen=True)
class Rule:
    roles: frozenset  # roles allowed; empty with public=True means anyone
    public: bool = False  # no sign-in needed
    token: bool = False  # reached with a partner API token (Authorization: Bearer), never a session
    # while True, a user who must change the password may still use it
    allowed_before_password_change: bool = False


STAFF = frozenset({"admin", "supervisor", "inspector", "marketer"})
ALL_SIGNED_IN = frozenset({"admin", "supervisor", "inspector", "marketer", "retailer", "partner"})

# Action name -> rule. The whole role-level policy, at a glance.
ACTIONS: dict[str, Rule] = {
    "public": Rule(frozenset(), public=True, allowed_before_password_change=True),
    "session": Rule(ALL_SIGNED_IN, allowed_before_password_change=True),
    "home": Rule(ALL_SIGNED_IN),
    "retailers.read": Rule(STAFF),
    "retailers.write": Rule(frozenset({"admin", "supervisor"})),
    "users.manage": Rule(frozenset({"admin"})),
    "tokens.manage": Rule(frozenset({"admin"})),
    "audit.read": Rule(frozenset({"admin"})),
    "me.retailers": Rule(frozenset({"retailer"})),
    "partner.api": Rule(frozenset({"partner"}), token=True),
}

_ENDPOINT_ACTIONS: dict[str, str] = {}


def requires(action: str):
    """Declare the action a view performs. Unknown action names fail at import time."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}; add it to app.auth.policy.ACTIONS")

    def decorator(view):
        view._policy_action = action
        return view

    return decorator


def action_for_view(view) -> str | None:
    view = getattr(view, "view_class", view)
    action = getattr(view, "_policy_action", None)
    if action is None:
        # flask-smorest wraps views: look through functools.wraps chains.
        inner = getattr(view, "__wrapped__", None)
        while inner is not None and action is None:
            action = getattr(inner, "_policy_action", None)
            inner = getattr(inner, "__wrapped__", None)
    return action


def register_endpoints(app):
    """Record every endpoint's declared action; refuse to start if one declared nothing."""
    missing = []
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            _ENDPOINT_ACTIONS[endpoint] = "public"
            continue
        action = action_for_view(view)
        if action is None:
            missing.append(endpoint)
        else:
            _ENDPOINT_ACTIONS[endpoint] = action
    if missing:
        raise RuntimeError(f"endpoints without an access rule (app.auth.policy.requires): {sorted(missing)}")
    app.extensions["policy_endpoints"] = dict(_ENDPOINT_ACTIONS)


def endpoint_action(app, endpoint: str) -> str | None:
    return app.extensions.get("policy_endpoints", {}).get(endpoint)


def role_allows(user, action: str, *, via_token: bool) -> bool:
    rule = ACTIONS[action]
    if rule.public:
        return True
    if user is None or not user.is_authenticated:
        return False
    if rule.token != via_token:
        return False
    return user.role in rule.roles


# ---- object level -------------------------------------------------------------------------

def _retailer_clause(user, action):
    from app.auth.models import user_retailers
    from app.retailers.models import Retailer

    if user.role == "admin":
        return true()
    if user.role in ("supervisor", "inspector", "marketer"):
        if action == "retailers.write" and user.role != "supervisor":
            return false()
        if user.is_city_level:
            return true()
        return Retailer.unit_id == user.unit_id
    if user.role == "retailer" and action == "me.retailers":
        return Retailer.id.in_(select(user_retailers.c.retailer_id).where(user_retailers.c.user_id == user.id))
    return false()


def _user_clause(user, action):
    from app.auth.models import User

    return true() if user.role == "admin" else User.id == user.id


def _token_clause(user, action):
    return true() if user.role == "admin" else false()


_CLAUSES = {"Retailer": _retailer_clause, "User": _user_clause, "ApiToken": _token_clause}


def clause(user, action: str, model):
    """The WHERE clause limiting ``model`` to what ``user`` may reach for ``action``."""
    if not role_allows(user, action, via_token=getattr(user, "via_token", False)):
        return false()
    fn = _CLAUSES.get(model.__name__)
    if fn is None:
        return false()  # deny by default: a model with no object rule is reachable by nobody
    return fn(user, action)


def scope(user, action: str, stmt, model):
    """Scope a SELECT over ``model`` to the objects ``user`` may reach."""
    return stmt.where(clause(user, action, model))


def can(user, action: str, obj) -> bool:
    """May ``user`` do ``action`` to this already loaded object?"""
    model = type(obj)
    stmt = select(model.id).where(model.id == obj.id, clause(user, action, model))
    return db.session.execute(stmt).first() is not None


def get_or_404(user, action: str, model, object_id, *, for_update=False):
    """Load one object through the policy: missing and out of scope both answer 404."""
    stmt = select(model).where(model.id == object_id, clause(user, action, model))
    obj = db.session.scalars(stmt).first()
    if obj is None:
        from app.auth.security_log import log_event

        if db.session.get(model, object_id) is not None:
            log_event("out_of_scope", detail=f"{model.__name__} {object_id} for {action}")
        abort(404)
    return obj
