"""The access matrix: every endpoint of the URL map × every principal → the expected status.

A new endpoint that is not listed in ENDPOINTS fails ``test_every_endpoint_is_in_the_matrix``.
Principals include "other county" staff and "other retailer", and a partner by token and by session.
Each case runs on a fresh database so that a permitted change cannot mask the next case."""
import secrets
from datetime import date

import pytest
from flask import current_app

from app.auth.models import ApiToken, User, UserSession
from app.auth.services import _sha256
from app.extensions import db
from tests.conftest import COUNTY, OTHER_COUNTY, _valid_id

STAFF_IN = {"admin", "sup_city", "sup_county", "inspector", "marketer"}
STAFF_OTHER = {"sup_other", "inspector_other"}
STAFF = STAFF_IN | STAFF_OTHER
SESSION = STAFF | {"retailer", "retailer_other", "partner_session"}
PRINCIPALS = sorted(SESSION | {"anon", "partner_token"})

ALL = set(PRINCIPALS)


def retailer_body(w):
    return {"licence_no": f"{COUNTY}999001", "shop_name": "新开便利店", "operator_name": "李四",
            "operator_id_number": _valid_id(4242), "address": "淮安市清江浦区健康路1号", "unit": COUNTY,
            "market_type": "city", "business_format": "convenience", "licence_issued_on": "2025-01-01",
            "licence_expires_on": "2030-01-01", "tier": 8, "phone": "13900000000"}


# endpoint -> list of cases: (method, url(w), kwargs(w), {principal: status}, default status for the rest)
def E(method, url, expect, default=403, body=None, headers=None, form=None):
    return {"method": method, "url": url, "expect": expect, "default": default, "body": body,
            "headers": headers, "form": form}


def pages_need_login(expect):
    return {"anon": 302, "partner_token": 403, **expect}


def api_need_login(expect):
    return {"anon": 401, "partner_token": 403, **expect}


def every(status, *, except_=None):
    return {p: status for p in PRINCIPALS if p not in (except_ or {})} | (except_ or {})


ENDPOINTS = {
    # public
    "api-docs.openapi_json": [E("GET", lambda w: "/api/openapi.json", every(200))],
    "api-docs.openapi_swagger_ui": [E("GET", lambda w: "/api/docs", every(200))],
    "health.health": [E("GET", lambda w: "/api/health", every(200))],
    "auth.csrf_token": [E("GET", lambda w: "/api/csrf", every(200))],
    "pwa.manifest": [E("GET", lambda w: "/manifest.webmanifest", every(200))],
    "pwa.service_worker": [E("GET", lambda w: "/sw.js", every(200))],
    "pwa.offline": [E("GET", lambda w: "/offline", every(200))],
    "pwa.favicon": [E("GET", lambda w: "/favicon.ico", every(200))],
    "static": [E("GET", lambda w: "/static/css/app.css", every(200))],
    "pwa.login": [E("GET", lambda w: "/login", every(302, except_={"anon": 200})),
                  E("POST", lambda w: "/login", every(401), form={"username": "x", "password": "y"})],
    "pwa.set_language": [E("POST", lambda w: "/language", every(302), form={"lang": "en"})],
    # any signed-in session
    "pwa.logout": [E("POST", lambda w: "/logout", pages_need_login({p: 302 for p in SESSION}))],
    "pwa.change_password": [
        E("GET", lambda w: "/password", pages_need_login({p: 200 for p in SESSION})),
        E("POST", lambda w: "/password", pages_need_login({p: 422 for p in SESSION}), form={"current_password": "x"}),
    ],
    "auth.me": [E("GET", lambda w: "/api/me", api_need_login({p: 200 for p in SESSION}))],
    "pwa.home": [E("GET", lambda w: "/", pages_need_login({p: 200 for p in SESSION}))],
    # staff pages, scoped by county
    "pwa.retailer_search": [E("GET", lambda w: "/retailers?q=hxbl", pages_need_login({p: 200 for p in STAFF}))],
    "pwa.retailer_detail": [E("GET", lambda w: f"/retailers/{w['retailer']}",
                              pages_need_login({**{p: 200 for p in STAFF_IN}, **{p: 404 for p in STAFF_OTHER}}))],
    # admin pages
    "pwa.admin_users": [E("GET", lambda w: "/admin/users", pages_need_login({"admin": 200}))],
    "pwa.admin_user_new": [
        E("GET", lambda w: "/admin/users/new", pages_need_login({"admin": 200})),
        E("POST", lambda w: "/admin/users/new", pages_need_login({"admin": 422}), form={"username": ""}),
    ],
    "pwa.admin_user": [
        E("GET", lambda w: f"/admin/users/{w['target']}", pages_need_login({"admin": 200})),
        E("POST", lambda w: f"/admin/users/{w['target']}", pages_need_login({"admin": 302}),
          form={"display_name": "改名", "role": "inspector", "unit": COUNTY, "retailers": ""}),
    ],
    "pwa.admin_user_state": [E("POST", lambda w: f"/admin/users/{w['target']}/state",
                               pages_need_login({"admin": 302}), form={"action": "reset"})],
    "pwa.admin_token_new": [E("POST", lambda w: f"/admin/users/{w['partner']}/tokens",
                              pages_need_login({"admin": 302}), form={"name": "t"})],
    "pwa.admin_token_revoke": [E("POST", lambda w: f"/admin/tokens/{w['token']}/revoke",
                                 pages_need_login({"admin": 302}))],
    # retailers API
    "retailers.list_retailers": [E("GET", lambda w: "/api/retailers", api_need_login({p: 200 for p in STAFF}))],
    "retailers.search_retailers": [E("GET", lambda w: "/api/retailers/search?q=hxbl",
                                     api_need_login({p: 200 for p in STAFF}))],
    "retailers.get_retailer": [E("GET", lambda w: f"/api/retailers/{w['retailer']}",
                                 api_need_login({**{p: 200 for p in STAFF_IN}, **{p: 404 for p in STAFF_OTHER}}))],
    "retailers.create_retailer": [E("POST", lambda w: "/api/retailers",
                                    api_need_login({"admin": 201, "sup_city": 201, "sup_county": 201,
                                                    "sup_other": 422}), body=retailer_body)],
    "retailers.update_retailer": [E("PATCH", lambda w: f"/api/retailers/{w['retailer']}",
                                    api_need_login({"admin": 200, "sup_city": 200, "sup_county": 200,
                                                    "sup_other": 404}),
                                    body=lambda w: {"tier": 12}, headers={"If-Match": '"v1"'})],
    "retailers.my_retailers": [E("GET", lambda w: "/api/me/retailers",
                                 api_need_login({"retailer": 200, "retailer_other": 200}))],
    "retailers.my_retailer": [E("GET", lambda w: f"/api/me/retailers/{w['retailer']}",
                                api_need_login({"retailer": 200, "retailer_other": 404}))],
    # partner API: token only
    "partner.partner_retailer": [E("GET", lambda w: f"/api/partner/retailers/{w['licence_no']}",
                                   {"anon": 401, "partner_token": 200})],
    # accounts API: admin only
    "users.list_users": [E("GET", lambda w: "/api/users", api_need_login({"admin": 200}))],
    "users.create_user": [E("POST", lambda w: "/api/users", api_need_login({"admin": 201}),
                            body=lambda w: {"username": "new_user", "display_name": "新用户", "role": "inspector",
                                            "unit": COUNTY, "password": "Abcdef-123"})],
    "users.get_user": [E("GET", lambda w: f"/api/users/{w['target']}", api_need_login({"admin": 200}))],
    "users.update_user": [E("PATCH", lambda w: f"/api/users/{w['target']}", api_need_login({"admin": 200}),
                            body=lambda w: {"display_name": "新名字"})],
    "users.disable_user": [E("POST", lambda w: f"/api/users/{w['target']}/disable", api_need_login({"admin": 200}))],
    "users.enable_user": [E("POST", lambda w: f"/api/users/{w['target']}/enable", api_need_login({"admin": 200}))],
    "users.reset_password": [E("POST", lambda w: f"/api/users/{w['target']}/reset-password",
                               api_need_login({"admin": 200}))],
    "users.list_tokens": [E("GET", lambda w: f"/api/users/{w['partner']}/tokens", api_need_login({"admin": 200}))],
    "users.create_token": [E("POST", lambda w: f"/api/users/{w['partner']}/tokens", api_need_login({"admin": 201}),
                             body=lambda w: {"name": "交换"})],
    "users.revoke_token": [E("POST", lambda w: f"/api/tokens/{w['token']}/revoke", api_need_login({"admin": 200}))],
    # audit
    "audit.list_entries": [E("GET", lambda w: "/api/audit", api_need_login({"admin": 200}))],
    "audit.verify_chain": [E("GET", lambda w: "/api/audit/verify", api_need_login({"admin": 200}))],
}


def test_every_endpoint_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(ENDPOINTS)
    assert not missing, f"endpoints missing from the access matrix: {sorted(missing)}"
    stale = set(ENDPOINTS) - endpoints
    assert not stale, f"matrix lists endpoints that no longer exist: {sorted(stale)}"
    # every method of every rule is exercised
    for rule in app.url_map.iter_rules():
        methods = rule.methods - {"HEAD", "OPTIONS"}
        tested = {case["method"] for case in ENDPOINTS[rule.endpoint]}
        assert methods <= tested, f"{rule.endpoint}: methods {sorted(methods - tested)} not in the matrix"


def test_every_endpoint_declares_a_policy_action(app):
    from app.auth.policy import endpoint_action

    for rule in app.url_map.iter_rules():
        assert endpoint_action(app, rule.endpoint), rule.endpoint


def _world(make_user, make_retailer):
    owner_shop = make_retailer(county=COUNTY)
    other_shop = make_retailer(county=OTHER_COUNTY, shop_name="别家超市")
    w = {"retailer": owner_shop.id, "licence_no": owner_shop.licence_no}
    users = {
        "admin": make_user("admin"),
        "sup_city": make_user("supervisor", city=True),
        "sup_county": make_user("supervisor", COUNTY),
        "sup_other": make_user("supervisor", OTHER_COUNTY),
        "inspector": make_user("inspector", COUNTY),
        "inspector_other": make_user("inspector", OTHER_COUNTY),
        "marketer": make_user("marketer", COUNTY),
        "retailer": make_user("retailer", retailers=[owner_shop]),
        "retailer_other": make_user("retailer", retailers=[other_shop]),
        "partner_session": make_user("partner"),
    }
    target = make_user("inspector", COUNTY, username="target_user")
    partner = users["partner_session"]
    raw = "crd_" + secrets.token_urlsafe(16)
    token = ApiToken(user_id=partner.id, name="matrix", prefix=raw[:12], token_hash=_sha256(raw))
    db.session.add(token)
    db.session.commit()
    w.update(target=target.id, partner=partner.id, token=token.id, raw_token=raw, users=users)
    return w


def _client_for(app, principal, w):
    client = app.test_client()
    headers = {}
    if principal == "anon":
        return client, headers
    if principal == "partner_token":
        headers["Authorization"] = f"Bearer {w['raw_token']}"
        return client, headers
    user = w["users"][principal]
    raw = secrets.token_urlsafe(16)
    db.session.add(UserSession(token_hash=_sha256(raw), user_id=user.id))
    db.session.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = raw
        sess["_fresh"] = True
    return client, headers


CASES = [(endpoint, i, principal) for endpoint, cases in sorted(ENDPOINTS.items())
         for i in range(len(cases)) for principal in PRINCIPALS]


@pytest.mark.parametrize("endpoint,index,principal", CASES)
def test_access(app, make_user, make_retailer, endpoint, index, principal):
    case = ENDPOINTS[endpoint][index]
    w = _world(make_user, make_retailer)
    client, headers = _client_for(app, principal, w)
    if case["method"] not in ("GET", "HEAD") and principal != "partner_token":
        headers["X-CSRFToken"] = client.get("/api/csrf").get_json()["csrf_token"]
    headers.update(case["headers"] or {})
    kwargs = {"headers": headers}
    if case["body"] is not None:
        kwargs["json"] = case["body"](w)
    if case["form"] is not None:
        form = dict(case["form"])
        if "X-CSRFToken" in headers:
            form["csrf_token"] = headers["X-CSRFToken"]
        kwargs["data"] = form
    response = client.open(case["url"](w), method=case["method"], **kwargs)
    expected = case["expect"].get(principal, case["default"])
    assert response.status_code == expected, (
        f"{case['method']} {case['url'](w)} as {principal}: {response.status_code}, expected {expected}: "
        f"{response.get_data(as_text=True)[:300]}")


def test_app_refuses_to_start_with_an_undeclared_endpoint():
    from app import create_app

    def build():
        app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
        return app

    app = build()
    from app.auth import policy

    @app.route("/undeclared")
    def undeclared():
        return "x"

    with pytest.raises(RuntimeError, match="undeclared"):
        policy.register_endpoints(app)
    _ = (current_app, date, User)
