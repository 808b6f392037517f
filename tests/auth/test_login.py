"""Sign-in, sessions that truly end, CSRF, throttling, password change, partner tokens."""
from sqlalchemy import select

from app.auth.models import LoginAttempt, SecurityEvent, UserSession
from app.extensions import db
from tests.conftest import PASSWORD, Session


def test_login_renews_session_and_logout_ends_it_server_side(app, make_user):
    user = make_user("inspector")
    s = Session(app.test_client())
    s.csrf()
    cookie_before = s.client.get_cookie("credit_session").value
    assert s.login(user.username).status_code == 302
    cookie_after = s.client.get_cookie("credit_session")
    assert cookie_after.value != cookie_before
    assert cookie_after.http_only and cookie_after.same_site == "Lax"
    assert s.get("/api/me").get_json()["username"] == user.username
    stolen = cookie_after.value  # someone copies the cookie before logout
    s.csrf()
    assert s.post("/logout").status_code == 302
    assert s.get("/api/me").status_code == 401
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
    replay = app.test_client()
    replay.set_cookie("credit_session", stolen)
    assert replay.get("/api/me").status_code == 401


def test_disabling_an_account_ends_its_sessions_at_once(app, make_user, signed_in):
    admin = make_user("admin")
    target = make_user("inspector")
    victim = signed_in(target)
    assert victim.get("/api/me").status_code == 200
    boss = signed_in(admin)
    assert boss.post(f"/api/users/{target.id}/disable").status_code == 200
    assert victim.get("/api/me").status_code == 401
    again = Session(app.test_client())
    response = again.login(target.username)
    assert response.status_code == 401
    assert "停用" in response.get_data(as_text=True)


def test_wrong_password_is_refused_and_logged(app, make_user):
    user = make_user("inspector")
    s = Session(app.test_client())
    response = s.login(user.username, "wrong-password-1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    attempts = db.session.scalars(select(LoginAttempt).where(LoginAttempt.username == user.username)).all()
    assert [(a.success, a.reason) for a in attempts] == [(False, "bad_password")]
    assert s.login(user.username).status_code == 302
    assert db.session.scalars(select(LoginAttempt).where(LoginAttempt.success.is_(True))).first() is not None


def test_unknown_user_gets_the_same_message(app, make_user):
    s = Session(app.test_client())
    response = s.login("nobody-here", "whatever-1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_login_throttled_per_account_and_address_then_released(app, make_user):
    user = make_user("inspector")
    s = Session(app.test_client())
    for _ in range(5):
        assert s.login(user.username, "bad-password-1").status_code == 401
    throttled = s.login(user.username)  # even the right password waits
    assert throttled.status_code == 429
    assert "登录失败次数过多" in throttled.get_data(as_text=True)
    # The same account from another address is not locked out by these failures.
    other = Session(app.test_client())
    other.client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert other.login(user.username).status_code == 302
    # The lock is temporary: it is a moving window, cleared here as time passing would clear it.
    from app.extensions import limiter

    limiter.reset()
    assert s.login(user.username).status_code == 302
    reasons = [a.reason for a in db.session.scalars(select(LoginAttempt).order_by(LoginAttempt.id))]
    assert reasons.count("throttled") == 1


def test_account_wide_limit_stops_a_spread_out_attack(app, make_user):
    user = make_user("inspector")
    for i in range(20):
        s = Session(app.test_client())
        s.client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i + 1}"
        assert s.login(user.username, "bad-password-1").status_code == 401
    s = Session(app.test_client())
    s.client.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert s.login(user.username).status_code == 429


def test_csrf_refused_on_state_change(app, make_user, signed_in):
    user = make_user("admin")
    s = signed_in(user)
    response = s.client.post("/api/users/1/disable")  # no X-CSRFToken header
    assert response.status_code == 400
    assert db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "csrf")).first() is not None
    bad = s.client.post("/logout", data={"csrf_token": "forged"})
    assert bad.status_code == 400
    assert s.get("/api/me").status_code == 200  # still signed in: the forged logout did nothing


def test_login_form_needs_csrf(app, make_user):
    user = make_user("inspector")
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400


def test_must_change_password_first(app, make_user):
    user = make_user("inspector", must_change_password=True)
    s = Session(app.test_client())
    response = s.login(user.username)
    assert response.status_code == 302 and response.headers["Location"].endswith("/password")
    s.csrf()
    assert s.get("/").status_code == 302
    assert s.get("/api/retailers").status_code == 403
    bad = s.post("/password", data={"current_password": PASSWORD, "new_password": "short",
                                    "confirm_password": "short"})
    assert bad.status_code == 422 and "密码至少 8 位" in bad.get_data(as_text=True)
    ok = s.post("/password", data={"current_password": PASSWORD, "new_password": "New-pass-2026",
                                   "confirm_password": "New-pass-2026"})
    assert ok.status_code == 302
    assert s.get("/").status_code == 200
    assert s.get("/api/retailers").status_code == 200


def test_admin_reset_password_forces_change_and_ends_sessions(app, make_user, signed_in):
    admin = make_user("admin")
    target = make_user("marketer")
    victim = signed_in(target)
    temp = signed_in(admin).post(f"/api/users/{target.id}/reset-password").get_json()["temporary_password"]
    assert victim.get("/api/me").status_code == 401
    s = Session(app.test_client())
    response = s.login(target.username, temp)
    assert response.headers["Location"].endswith("/password")


def test_partner_token_works_until_revoked(app, make_user, make_retailer, signed_in):
    retailer = make_retailer()
    admin = make_user("admin")
    partner = make_user("partner")
    s = signed_in(admin)
    created = s.post(f"/api/users/{partner.id}/tokens", json={"name": "市信用办"})
    assert created.status_code == 201
    raw = created.get_json()["token"]
    assert created.get_json()["signing_secret"].startswith("sig_")
    client = app.test_client()
    url = f"/api/partner/retailers/{retailer.licence_no}"
    # without a data-sharing agreement a partner reads nothing
    assert client.get(url, headers={"Authorization": f"Bearer {raw}"}).status_code == 403
    from app.partners.services import set_agreement

    set_agreement(partner, {"organisation": "淮安市信用办", "fields": ["licence_no", "shop_name", "operator_name"]},
                  admin)
    db.session.commit()
    url = f"/api/partner/retailers/{retailer.licence_no}"
    ok = client.get(url, headers={"Authorization": f"Bearer {raw}"})
    assert ok.status_code == 200
    assert ok.get_json()["operator_name"] == "王**"
    assert "operator_id" not in ok.get_json()
    # A token reaches the partner API only, never staff endpoints or /api/me.
    assert client.get("/api/retailers", headers={"Authorization": f"Bearer {raw}"}).status_code == 403
    assert client.get("/api/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 403
    # A session (even the partner's own) does not reach the partner API.
    assert signed_in(partner).get(url).status_code == 403
    token_id = created.get_json()["id"]
    assert s.post(f"/api/tokens/{token_id}/revoke").status_code == 200
    assert client.get(url, headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert s.post(f"/api/tokens/{token_id}/revoke").status_code == 409
    from app.auth.models import ApiToken

    stored = db.session.get(ApiToken, token_id)
    assert raw not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64


def test_bad_token_is_401_and_logged(app):
    client = app.test_client()
    assert client.get("/api/partner/retailers/320812000001",
                      headers={"Authorization": "Bearer nope"}).status_code == 401
    assert db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "bad_token")).first()


def test_open_redirect_is_refused(app, make_user):
    user = make_user("inspector")
    s = Session(app.test_client())
    token = s.csrf()
    response = s.client.post("/login?next=https://evil.example/", data={
        "username": user.username, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"
