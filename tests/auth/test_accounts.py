"""Account management from the web app and the command line."""
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.conftest import COUNTY, Session


def test_cli_create_change_disable_reset(app, units):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["users", "create", "wang", "--name", "王建国", "--role", "inspector", "--unit",
                               COUNTY, "--password", "Start-pass-1"])
    assert made.exit_code == 0, made.output
    user = db.session.scalars(select(User).where(User.username == "wang")).one()
    assert user.must_change_password and user.unit.code == COUNTY
    bad = runner.invoke(args=["users", "create", "li", "--name", "李", "--role", "inspector",
                              "--password", "Start-pass-1"])
    assert bad.exit_code == 2 and "unit" in bad.output
    moved = runner.invoke(args=["users", "set-role", "wang", "--role", "supervisor", "--unit", "320800"])
    assert moved.exit_code == 0, moved.output
    s = Session(app.test_client())
    assert s.login("wang", "Start-pass-1").status_code == 302
    assert runner.invoke(args=["users", "disable", "wang"]).exit_code == 0
    assert s.get("/api/me").status_code == 401
    assert runner.invoke(args=["users", "enable", "wang"]).exit_code == 0
    reset = runner.invoke(args=["users", "reset-password", "wang"])
    temp = reset.output.strip().rsplit(" ", 1)[-1]
    s2 = Session(app.test_client())
    assert s2.login("wang", temp).headers["Location"].endswith("/password")
    listing = runner.invoke(args=["users", "list", "--role", "supervisor"])
    assert "wang" in listing.output


def test_cli_tokens(app, make_user):
    partner = make_user("partner", username="credit_office")
    runner = app.test_cli_runner()
    out = runner.invoke(args=["tokens", "create", "credit_office", "--name", "交换"])
    assert out.exit_code == 0
    raw = out.output.strip().rsplit(" ", 1)[-1]
    assert "signing secret for X-Signature: sig_" in out.output
    from app.partners.services import set_agreement

    set_agreement(partner, {"organisation": "淮安市信用办", "fields": ["licence_no"]}, None)  # reads need one
    db.session.commit()
    client = app.test_client()
    assert client.get("/api/partner/retailers/320812000001",
                      headers={"Authorization": f"Bearer {raw}"}).status_code == 404  # valid token, no shop
    token_id = out.output.split()[1]
    assert runner.invoke(args=["tokens", "revoke", token_id]).exit_code == 0
    assert client.get("/api/partner/retailers/320812000001",
                      headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    refused = runner.invoke(args=["tokens", "create", make_user("inspector").username, "--name", "x"])
    assert refused.exit_code == 2
    _ = partner


def test_admin_web_pages_manage_accounts(app, make_user, make_retailer, signed_in):
    shop = make_retailer()
    admin = make_user("admin")
    s = signed_in(admin)
    form = s.get("/admin/users/new")
    assert form.status_code == 200 and "新建账号" in form.get_data(as_text=True)
    bad = s.post("/admin/users/new", data={"username": "zhao", "display_name": "赵六", "role": "retailer",
                                           "unit": "", "retailers": "320812999999", "password": "Pass-1234",
                                           "csrf_token": s._csrf})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "许可证号不存在" in page and 'value="赵六"' in page  # input kept
    ok = s.post("/admin/users/new", data={"username": "zhao", "display_name": "赵六", "role": "retailer",
                                          "unit": "", "retailers": shop.licence_no, "password": "Pass-1234",
                                          "csrf_token": s._csrf})
    assert ok.status_code == 302
    zhao = db.session.scalars(select(User).where(User.username == "zhao")).one()
    assert [r.licence_no for r in zhao.retailers] == [shop.licence_no]
    retailer_session = Session(app.test_client())
    retailer_session.login("zhao", "Pass-1234")
    disable = s.post(f"/admin/users/{zhao.id}/state", data={"action": "disable", "csrf_token": s._csrf})
    assert disable.status_code == 302
    assert retailer_session.get("/api/me").status_code == 401
    listing = s.get("/admin/users?role=retailer").get_data(as_text=True)
    assert "zhao" in listing and "已停用" in listing
