"""Shared fixtures: an app on a fresh database built by the migrations, on SQLite or PostgreSQL.

TEST_DB=sqlite (default) or TEST_DB=postgresql picks the database. For PostgreSQL a database with
a random name is created on PG_ADMIN_URL's server and dropped at the end. With CI=true a missing
PostgreSQL fails the run instead of skipping it."""
import os
import secrets
import tempfile
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import create_engine, text

from flask.testing import FlaskClient

from app import create_app
from app.extensions import db, limiter
from tests.faketime import tolerate_faketime

tolerate_faketime()  # make test-dates (tests/faketime.py)

TEST_DB = os.environ.get("TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_admin_engine():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def database_url():
    if TEST_DB == "sqlite":
        tmp = tempfile.mkdtemp(prefix="credit-test-")
        yield f"sqlite:///{tmp}/test.sqlite3"
        return
    if TEST_DB != "postgresql":
        raise RuntimeError(f"TEST_DB must be sqlite or postgresql, not {TEST_DB!r}")
    name = "credit_test_" + secrets.token_hex(6)
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        pytest.exit(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}", returncode=3)
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    # The app fixture (torn down first) already removed the session and disposed of the engine;
    # there is no app context here any more. WITH (FORCE) ends any connection left over.
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context (fresh ``g`` and database session), as in production,
    even though the test itself holds an app context for its factories and checks."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["INSTANCE_PATH"] = str(instance)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, WTF_CSRF_ENABLED=True,
                     SERVER_NAME=None)
    app.test_client_class = IsolatedClient
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()  # the schema comes from the migrations, as in production
        _snapshot_calendar()
        yield app
        db.session.remove()
        db.engine.dispose()


def _table_names():
    return [t.name for t in reversed(db.metadata.sorted_tables)]


# The official calendar the migration seeds (the years chinese_calendar ships): reference data every test
# starts with, restored after each wipe (tests that enter a year change it).
CALENDAR_TABLES = ("calendar_years", "calendar_days")
_CALENDAR: dict[str, list[dict]] = {}


def _snapshot_calendar():
    with db.engine.connect() as conn:
        for name in CALENDAR_TABLES:
            _CALENDAR[name] = [dict(r._mapping) for r in conn.execute(db.metadata.tables[name].select())]


def _restore_calendar(conn):
    for name in CALENDAR_TABLES:
        rows = _CALENDAR.get(name)
        if rows:
            conn.execute(db.metadata.tables[name].insert().values(rows))


def wipe_database(keep=()):
    """Empty every table but those in ``keep`` (the audit trigger is bypassed only here, as superuser);
    the official calendar seeded by the migration is put back unless kept."""
    from app.common import workdays

    db.session.rollback()
    db.session.remove()
    names = [n for n in _table_names() if n not in keep]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET session_replication_role = replica"))
            if keep:
                for n in names:
                    conn.execute(text(f'DELETE FROM "{n}"'))
            else:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))
            conn.execute(text("SET session_replication_role = DEFAULT"))
        else:
            for n in names:
                conn.execute(text(f'DELETE FROM "{n}"'))
        if not set(CALENDAR_TABLES) & set(keep):
            _restore_calendar(conn)
    workdays.invalidate()
    limiter.reset()


BUREAU_TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock():
    """clock(day, hour=10): pin the one clock (app.common.time) to that local day and hour with
    time-machine; it keeps ticking from there. Calling it again moves the clock. Undone after the test."""
    travellers = []

    def pin(day, hour=10, tick=True):
        when = day if isinstance(day, datetime) else datetime(day.year, day.month, day.day, hour, tzinfo=BUREAU_TZ)
        traveller = time_machine.travel(when, tick=tick)
        traveller.start()
        travellers.append(traveller)
        return traveller

    yield pin
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture(autouse=True)
def jobs_runner_of_the_session_app(request):
    """The job runner is one Huey instance per process, configured by the last app created: a test
    that builds another app (a production config, a second app) must not leave the runner queueing
    for that app. Each test starts with the runner configured for the session's app (immediate mode)."""
    if "app" in request.fixturenames:
        from app.jobs import runner

        app = request.getfixturevalue("app")
        if runner._State.app is not app:
            runner.init_app(app)
    yield


@pytest.fixture(autouse=True)
def clean_db(request):
    """Empty every table after each test."""
    yield
    if "app" not in request.fixturenames:
        return
    wipe_database()


@pytest.fixture
def units(app):
    from app.org.services import ensure_units

    result = ensure_units()
    db.session.commit()
    return result


# ---- factories --------------------------------------------------------------------------------

PASSWORD = "Test-pass-1"
_HASH = None

COUNTY = "320812"  # 清江浦区
OTHER_COUNTY = "320830"  # 盱眙县


def _valid_id(seed: int) -> str:
    from app.retailers.identity import _CHECK, _WEIGHTS

    body = f"320812{1960 + seed % 40:04d}0101{seed % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS))
    return body + _CHECK[total % 11]


@pytest.fixture
def make_retailer(units):
    from app.retailers.services import create_retailer

    counter = {"n": 0}

    def make(county=COUNTY, shop_name="华兴便利店", operator_id=None, **fields):
        counter["n"] += 1
        n = counter["n"]
        data = {
            "licence_no": f"{county}{n:06d}", "shop_name": shop_name, "operator_name": "王小明",
            "operator_id_number": operator_id or _valid_id(n), "phone": "13800000000",
            "address": "江苏省淮安市清江浦区淮海南路1号", "lat": 33.59, "lng": 119.02, "unit": county,
            "market_type": "city", "business_format": "convenience", "licence_issued_on": date(2020, 1, 1),
            "licence_expires_on": date(2030, 1, 1), "status": "active", "tier": 10,
        }
        data.update(fields)
        retailer = create_retailer(data, actor=None)
        db.session.commit()
        return retailer

    return make


@pytest.fixture
def make_user(units):
    from app.auth.models import User
    from app.auth.services import hash_password

    def make(role, county=COUNTY, *, username=None, retailers=(), must_change_password=False, city=False):
        global _HASH
        if _HASH is None:
            _HASH = hash_password(PASSWORD)
        unit = None
        if role in ("supervisor", "inspector", "marketer", "mkt_supervisor"):
            unit = units["320800"] if city else units[county]
        user = User(username=username or f"{role}_{secrets.token_hex(3)}", display_name="测试用户", role=role,
                    unit=unit, password_hash=_HASH, must_change_password=must_change_password, is_enabled=True)
        user.retailers = list(retailers)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def client(app):
    return app.test_client()


class Session:
    """A signed-in test client that sends CSRF tokens the way the PWA does."""

    def __init__(self, client):
        self.client = client
        self._csrf = None

    def csrf(self):
        self._csrf = self.client.get("/api/csrf").get_json()["csrf_token"]
        return self._csrf

    def login(self, username, password=PASSWORD):
        token = self.csrf()
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def _headers(self, headers):
        headers = dict(headers or {})
        headers.setdefault("X-CSRFToken", self._csrf or self.csrf())
        return headers

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, headers=None, **kw):
        return self.client.post(url, headers=self._headers(headers), **kw)

    def patch(self, url, headers=None, **kw):
        return self.client.patch(url, headers=self._headers(headers), **kw)

    def put(self, url, headers=None, **kw):
        return self.client.put(url, headers=self._headers(headers), **kw)

    def delete(self, url, headers=None, **kw):
        return self.client.delete(url, headers=self._headers(headers), **kw)


@pytest.fixture
def signed_in(app):
    """signed_in(user) -> a Session whose client is signed in as that user."""

    def make(user):
        s = Session(app.test_client())
        response = s.login(user.username)
        assert response.status_code == 302, response.data[:500]
        s.csrf()  # the session was renewed at sign-in: take the new token
        return s

    return make
