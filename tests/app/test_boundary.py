"""The request boundary (app.common.boundary): one unit of work per request, committed once on success,
rolled back on any refusal or error; the security log in its own transaction; services never commit.

Probe views on a second app over the same database show the rules without touching the real endpoints'
URL map (the access matrix lists those)."""
import ast
from pathlib import Path

import pytest
from flask import Blueprint, abort
from marshmallow import fields
from sqlalchemy import event, func, select

from app.auth.models import LoginAttempt, SecurityEvent, User, UserSession
from app.common.errors import ServiceError
from app.extensions import db
from tests.conftest import PASSWORD, Session

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def probe(app, database_url):
    """A client of a second app (same database) with probe views that change a user's name and then
    succeed, refuse or fail in various ways."""
    from app import create_app
    from app.auth import policy
    from app.auth.policy import requires
    from app.common import boundary
    from app.common.forms import FormSchema, PageForm

    other = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, SERVER_NAME=None)
    bp = Blueprint("probe", __name__)

    def rename(user_id):
        user = db.session.get(User, user_id)
        user.display_name = "改过的名字"
        db.session.flush()  # a partial change, already sent to the database
        return user

    @bp.route("/probe/<int:user_id>/ok", methods=["POST"])
    @requires("public")
    def ok(user_id):
        rename(user_id)
        return "ok"

    @bp.route("/probe/<int:user_id>/out-of-scope", methods=["POST"])
    @requires("public")
    def out_of_scope(user_id):
        rename(user_id)
        from flask_login import current_user

        policy.get_or_404(current_user, "users.manage", User, user_id)  # anonymous: refused, logged
        return "never"

    @bp.route("/probe/<int:user_id>/service-error", methods=["POST"])
    @requires("public")
    def service_error(user_id):
        rename(user_id)
        raise ServiceError({"display_name": ["不行"]})

    @bp.route("/probe/<int:user_id>/http-error", methods=["POST"])
    @requires("public")
    def http_error(user_id):
        rename(user_id)
        abort(409)

    @bp.route("/probe/<int:user_id>/refused-response", methods=["POST"])
    @requires("public")
    def refused_response(user_id):
        rename(user_id)
        return "refused", 422

    @bp.route("/probe/<int:user_id>/crash", methods=["POST"])
    @requires("public")
    def crash(user_id):
        rename(user_id)
        raise RuntimeError("boom")

    class NameForm(FormSchema):
        name = fields.Str(required=True)

    @bp.route("/probe/<int:user_id>/form", methods=["GET", "POST"])
    @requires("public")
    @boundary.form_page
    def form(user_id):
        page_form = PageForm(NameForm(), initial={"name": "初始"})
        if page_form.submitted:
            user = rename(user_id)
            user.display_name = page_form.data["name"]
            if page_form.data["name"] == "拒绝":
                raise ServiceError({"name": ["这个名字不行"]})
            return "saved"
        errors = page_form.errors.get("name", [])
        return f"name={page_form.values.get('name', '')} errors={'|'.join(errors)}", page_form.status

    other.register_blueprint(bp)
    policy.register_endpoints(other)
    boundary.install(other)
    yield Session(other.test_client())
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _name(user_id):
    db.session.expire_all()
    return db.session.get(User, user_id).display_name


def test_a_successful_request_commits_its_change(probe, make_user):
    user = make_user("inspector")
    assert probe.post(f"/probe/{user.id}/ok").status_code == 200
    assert _name(user.id) == "改过的名字"


@pytest.mark.parametrize("case,status", [("service-error", 422), ("http-error", 409), ("refused-response", 422)])
def test_a_refused_request_after_a_partial_change_keeps_nothing(probe, make_user, case, status):
    user = make_user("inspector")
    assert probe.post(f"/probe/{user.id}/{case}").status_code == status
    assert _name(user.id) == "测试用户"


def test_an_error_after_a_partial_change_keeps_nothing(probe, make_user):
    user = make_user("inspector")
    with pytest.raises(RuntimeError):  # testing: the error propagates (production answers 500)
        probe.post(f"/probe/{user.id}/crash")
    assert _name(user.id) == "测试用户"


def test_a_logged_refusal_survives_the_rollback_of_the_callers_work(probe, make_user):
    user = make_user("inspector")
    response = probe.post(f"/probe/{user.id}/out-of-scope")
    assert response.status_code == 404
    assert _name(user.id) == "测试用户"  # the partial change is gone
    event_row = db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "out_of_scope")).one()
    assert event_row.detail == f"User {user.id} for users.manage" and event_row.path.startswith("/probe/")


def test_logging_neither_commits_nor_rolls_back_the_callers_work(app, make_user):
    """Outside a request (a command) the security log is written at once, on its own connection."""
    from app.auth.security_log import log_event

    user = make_user("inspector")
    assert user.id  # loaded, so nothing below makes the session flush
    user.display_name = "未提交的名字"  # pending in the caller's session
    log_event("forbidden", detail="a command refused", user=user)
    assert user in db.session.dirty  # not rolled back by the log
    other = db.engine.connect()
    try:  # not committed by the log either: another connection still sees the old name
        assert other.scalar(select(User.display_name).where(User.id == user.id)) == "测试用户"
        assert other.scalar(select(func.count()).select_from(SecurityEvent)) == 1
    finally:
        other.close()
    db.session.rollback()
    assert db.session.scalars(select(SecurityEvent)).one().detail == "a command refused"


def test_a_refused_page_form_comes_back_with_the_input_and_errors_and_keeps_nothing(probe, make_user):
    user = make_user("inspector")
    assert probe.get(f"/probe/{user.id}/form").get_data(as_text=True) == "name=初始 errors="
    refused = probe.post(f"/probe/{user.id}/form", data={"name": "拒绝"})
    assert refused.status_code == 422
    assert refused.get_data(as_text=True) == "name=拒绝 errors=这个名字不行"
    assert _name(user.id) == "测试用户"
    missing = probe.post(f"/probe/{user.id}/form", data={"name": "  "})  # blank is missing, in Chinese
    assert missing.status_code == 422 and "此项为必填项" in missing.get_data(as_text=True)
    assert probe.post(f"/probe/{user.id}/form", data={"name": "新名字"}).get_data(as_text=True) == "saved"
    assert _name(user.id) == "新名字"


def test_a_request_commits_once(app, make_user, signed_in):
    """An admin creating an account: the service flushes and audits; the boundary commits, once."""
    from flask_sqlalchemy.session import Session as AppSession

    admin = signed_in(make_user("admin"))
    commits = []
    listener = lambda session: commits.append(session)  # noqa: E731
    event.listen(AppSession, "after_commit", listener)
    try:
        response = admin.post("/api/users", json={"username": "once_only", "display_name": "一次", "role": "inspector",
                                                  "unit": "320812", "password": "Abcdef-123"})
    finally:
        event.remove(AppSession, "after_commit", listener)
    assert response.status_code == 201
    assert len(commits) == 1


def test_sign_in_writes_through_the_boundary_and_the_log(app, make_user):
    """authenticate() commits nothing itself: the session row is kept by the request's commit, the
    attempt by the security log; a failed sign-in keeps no session but its logged attempt."""
    from app.auth import services

    user = make_user("inspector")
    with app.test_request_context("/login", method="POST"):
        assert services.authenticate(user.username, PASSWORD).ok
        db.session.rollback()  # as a refused request would
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0
    attempts = db.session.scalars(select(LoginAttempt)).all()
    assert [(a.username, a.success) for a in attempts] == [(user.username, True)]


# Commands and background jobs are units of work of their own (one commit per command or job).
OWN_BOUNDARIES = {"cli.py", "tasks.py", "jobs.py", "worker.py"}
VIEW_AND_SERVICE_MODULES = [p for p in (ROOT / "app").rglob("*.py")
                            if p.name not in OWN_BOUNDARIES and not {"demo", "jobs"} & set(p.parts)]
# Worker-side code that commits batch by batch on purpose: SMS are claimed in one short transaction and
# marked in another, so that no transaction is open while the gateway is called (app/notices/sms.py);
# the same for partners' callbacks (app/partners/findings.py) and deliveries to the local credit platform,
# whose daily job commits the batch and its files before sending them (app/exchange/services.py).
WORKER_BATCH_COMMITS = {("app/notices/sms.py", "claim"), ("app/notices/sms.py", "deliver_due"),
                        ("app/partners/findings.py", "_claim"), ("app/partners/findings.py", "deliver_due"),
                        ("app/exchange/services.py", "_claim"), ("app/exchange/services.py", "deliver_due"),
                        ("app/exchange/services.py", "daily")}


def test_no_view_or_service_commits():
    """Only the boundary commits (besides the command line, background jobs, the demo loader and the
    security log's own session)."""
    found = set()
    for path in VIEW_AND_SERVICE_MODULES:
        rel = str(path.relative_to(ROOT))
        if rel in ("app/common/boundary.py", "app/auth/security_log.py"):
            continue
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if any("task" in ast.unparse(d) for d in fn.decorator_list):
                continue  # a job run by the worker
            for node in ast.walk(fn):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "commit" and ast.unparse(node.func.value) == "db.session"):
                    found.add((rel, fn.name))
    assert found == WORKER_BATCH_COMMITS, sorted(found ^ WORKER_BATCH_COMMITS)
