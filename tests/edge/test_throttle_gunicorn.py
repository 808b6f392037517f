"""Login throttling as production runs it: real gunicorn, 4 worker processes, the limiter's counters
in Redis (127.0.0.1:6379, under a random key prefix removed afterwards), the test database.

- The 6th failed sign-in for one account from one address answers 429, whichever worker takes it
  (with the default in-memory storage each worker counted on its own: up to 4 × 5 got through).
- With TRUSTED_PROXY_HOPS=1 two X-Forwarded-For addresses have separate address buckets; without
  it the header is not believed and every client shares the proxy's address bucket."""
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import COUNTY

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ADDRESS_LIMIT = 6  # per hour, low so the address bucket fills within the test


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (CI fails without it)")
    return client


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database_url, prefix, hops, instance):
        self.prefix = prefix
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(instance / f"gunicorn-{hops}.log", "w+")
        env = {**os.environ, "EDGE_DATABASE_URL": database_url, "EDGE_RATELIMIT_STORAGE_URI": REDIS_URL,
               "EDGE_RATELIMIT_KEY_PREFIX": prefix, "EDGE_TRUSTED_PROXY_HOPS": str(hops),
               "LOGIN_LIMIT_ADDRESS": f"{ADDRESS_LIMIT} per hour", "INSTANCE_PATH": str(instance)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "4", "--bind", f"127.0.0.1:{self.port}",
             "--chdir", str(ROOT), "--log-level", "warning", "--preload", "--no-control-socket", "tests.edge.gunicorn_app:app"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                pytest.fail(f"gunicorn exited: {self.log.read()[-2000:]}")
            try:
                if requests.get(self.base + "/api/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass  # not listening yet, or no worker has taken the connection yet
            time.sleep(0.2)
        pytest.fail("gunicorn did not answer in time")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def login(self, username, password="wrong-password", forwarded_for=None):
        """One sign-in attempt as a new browser would make it: fetch a CSRF token, post the form."""
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        with requests.Session() as browser:
            token = browser.get(self.base + "/api/csrf", headers=headers, timeout=30).json()["csrf_token"]
            response = browser.post(self.base + "/login", headers=headers, timeout=30, allow_redirects=False,
                                    data={"username": username, "password": password, "csrf_token": token})
        return response.status_code, response.headers.get("X-Worker-Pid")


@pytest.fixture(scope="module")
def servers(app, database_url, tmp_path_factory):
    """Two gunicorn servers (4 workers each) on the test database: one trusting no proxy, one
    trusting one hop. Each counts under its own random Redis key prefix."""
    redis_client = _redis()
    instance = tmp_path_factory.mktemp("gunicorn")
    prefixes = {0: "test-" + secrets.token_hex(6), 1: "test-" + secrets.token_hex(6)}
    started = {hops: Server(database_url, prefix, hops, instance) for hops, prefix in prefixes.items()}
    try:
        for server in started.values():
            server.wait_ready()
        yield started
    finally:
        for server in started.values():
            server.stop()
        for prefix in prefixes.values():
            _clear(redis_client, prefix)


def _clear(redis_client, prefix):
    keys = list(redis_client.scan_iter(match=f"*{prefix}*", count=1000))
    if keys:
        redis_client.delete(*keys)


def test_sixth_failed_login_is_429_whichever_worker_takes_it(servers, make_user, units):
    server = servers[0]
    redis_client = _redis()
    workers = set()
    for round_no in range(3):
        username = make_user("inspector", COUNTY, username=f"throttle_{round_no}_{secrets.token_hex(2)}").username
        # five failures at once: sync workers serve one request each, so overlapping attempts are spread
        # over several processes (sent one after another, an idle machine may give them all to one)
        start = threading.Barrier(5)

        def attempt(_):
            start.wait(timeout=30)
            return server.login(username)

        with ThreadPoolExecutor(max_workers=5) as pool:
            answers = list(pool.map(attempt, range(5)))
        # each attempt is tested before any failure is counted, so at most five are counted: all pass
        assert [status for status, _ in answers] == [401] * 5, answers
        sixth = server.login(username)
        assert sixth[0] == 429, sixth
        workers |= {pid for _, pid in answers} | {sixth[1]}
        # the right password is refused too while the account+address bucket is full
        assert server.login(username, password="Test-pass-1")[0] == 429
        _clear(redis_client, server.prefix)
    assert len(workers) >= 2, f"all attempts were served by one worker {workers}: the test proved nothing"


def test_forwarded_addresses_have_their_own_bucket_only_behind_a_trusted_proxy(servers, make_user, units):
    redis_client = _redis()
    accounts = [make_user("inspector", COUNTY).username for _ in range(ADDRESS_LIMIT + 2)]
    for hops, server in servers.items():
        # one address sprays the limit's worth of accounts, one failure each
        sprayed = [server.login(name, forwarded_for="203.0.113.7")[0] for name in accounts[:ADDRESS_LIMIT]]
        assert sprayed == [401] * ADDRESS_LIMIT
        assert server.login(accounts[ADDRESS_LIMIT], forwarded_for="203.0.113.7")[0] == 429
        other = server.login(accounts[ADDRESS_LIMIT + 1], forwarded_for="198.51.100.20")[0]
        if hops:
            assert other == 401, "behind a trusted proxy another client address has its own bucket"
        else:
            assert other == 429, "without a trusted proxy X-Forwarded-For is ignored: one shared address"
        _clear(redis_client, server.prefix)
