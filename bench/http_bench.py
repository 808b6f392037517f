"""HTTP benchmark: gunicorn with 2 workers on PostgreSQL, the demo city loaded into a fresh database
(created here and dropped at the end), driven by concurrent clients. In one run:

- the bare JSON endpoint /api/health (the floor: the same app, one SELECT 1);
- GET /api/me, signed in (what a signed-in request costs before it does anything);
- the inspection submission POST /api/inspections (an inspector's routine check: all items pass);
- a supervisor's list page GET /inspections (the county's inspections, paginated).

Printed: requests per second, p50 and p95 latency of each and the CPU milliseconds a request costs in
the app (gunicorn's processes) and in PostgreSQL; the submission's rate as a share of the bare
endpoint's (target >= 30 %) with the CPU budget that share allows, the list page's p95 at 20 clients
(target <= 300 ms), and the machine load.

Then the worker bench: 10,000 grade changes (a quarter's worth) written as events, consumed by the
background jobs exactly as the worker runs them (scheduling re-plan, notices in bulk, SMS delivery
through the outbox), timed end to end (target <= 60 s).

    .venv/bin/python bench/http_bench.py [--retailers 20000] [--clients 20] [--seconds 15] [--events 10000]
                                         [--keep | --database NAME]
"""
import argparse
import glob
import http.client
import json
import logging
import os
import runpy
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
BIN = os.path.join(ROOT, ".venv", "bin")
PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Demo-2026"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A signed-in browser-like client over http.client (cookie and CSRF token kept)."""

    def __init__(self, port):
        self.port, self.cookie, self.csrf = port, "", ""

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = {"Cookie": self.cookie} if self.cookie else {}
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and v.startswith("credit_session="):
                self.cookie = v.split(";", 1)[0]
        conn.close()
        return r.status, data

    def login(self, username):
        _s, data = self.request("GET", "/api/csrf")
        token = json.loads(data)["csrf_token"]
        form = urlencode({"username": username, "password": PASSWORD, "csrf_token": token})
        status, _d = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, f"login {username}: {status}"
        _s, data = self.request("GET", "/api/csrf")
        self.csrf = json.loads(data)["csrf_token"]


def cpu_seconds(gunicorn_pid):
    """CPU seconds used so far by the app (gunicorn's master and workers) and by PostgreSQL's processes
    (the server's, whoever they serve: the bench is the machine's only client when it runs alone)."""
    tick = os.sysconf("SC_CLK_TCK")
    app = database = 0.0
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                text = f.read()
        except OSError:  # the process ended meanwhile
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()  # fields[1] ppid, [11] utime, [12] stime (ticks)
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if gunicorn_pid in (int(stat.split("/")[2]), int(fields[1])):
            app += seconds
        elif name.startswith("postgres"):
            database += seconds
    return app, database


def load(port, clients, seconds, make_request, warmup=1.0, cpu=None):
    """`clients` threads issue requests for `seconds`; returns (rps, p95 ms, p50 ms, errors, cpu ms) where
    cpu ms is (app, database) CPU milliseconds per request over the measured seconds when `cpu` (a
    function returning the CPU seconds used so far, as cpu_seconds) is given."""
    latencies, errors = [], []
    stop = time.monotonic() + warmup + seconds
    start_measure = time.monotonic() + warmup
    lock = threading.Lock()
    samples = []

    def sample():  # CPU used at the start and at the end of the measured seconds
        for at in (start_measure, stop):
            time.sleep(max(0.0, at - time.monotonic()))
            samples.append(cpu())

    def run(k):
        while True:
            t0 = time.monotonic()
            if t0 >= stop:
                return
            try:
                status = make_request(k)
                ok = 200 <= status < 400
            except Exception as exc:  # noqa: BLE001
                ok, status = False, repr(exc)
            t1 = time.monotonic()
            if t0 >= start_measure:
                with lock:
                    latencies.append(t1 - t0)
                    if not ok:
                        errors.append(status)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    if cpu is not None:
        threads.append(threading.Thread(target=sample))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000 if latencies else float("nan")
    p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
    per_request = None
    if len(samples) == 2 and latencies:
        per_request = tuple((b - a) * 1000 / len(latencies) for a, b in zip(*samples, strict=True))
    return len(latencies) / seconds, p95, p50, errors, per_request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--retailers", type=int, default=20000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--events", type=int, default=10000)
    ap.add_argument("--keep", action="store_true", help="keep the database (prints its URL)")
    ap.add_argument("--database", metavar="NAME",
                    help="use this already loaded database (a kept one) instead of creating and loading one; "
                         "it is kept")
    args = ap.parse_args()

    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = args.database or "credit_bench_" + secrets.token_hex(5)
    if args.database:
        args.keep = True
    else:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    instance = tempfile.mkdtemp(prefix="http-bench-")
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": instance, "APP_ENV": "development",
           "SECRET_KEY": secrets.token_hex(16), "RATELIMIT_ENABLED": "false", "FLASK_APP": "wsgi"}
    env.pop("REDIS_URL", None)
    gunicorn = None
    try:
        t0 = time.monotonic()
        subprocess.run([f"{BIN}/flask", "--app", "wsgi", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        if args.database:
            print(f"database {name}: as loaded before")
        else:
            subprocess.run([f"{BIN}/flask", "--app", "wsgi", "demo", "load", "--seed", "2026", "--retailers",
                            str(args.retailers)], env=env, cwd=ROOT, check=True, capture_output=True)
            print(f"database {name}: demo city of {args.retailers} licences loaded in {time.monotonic() - t0:.0f} s")

        port = _free_port()
        # The production settings (gunicorn.conf.py: threaded workers, keep-alive) with 2 worker processes.
        gunicorn = subprocess.Popen([f"{BIN}/gunicorn", "--config", os.path.join(ROOT, "gunicorn.conf.py"),
                                     "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                     "--log-level", "warning", "wsgi:app"], env=env, cwd=ROOT)
        for _i in range(100):
            try:
                if Client(port).request("GET", "/api/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        shops, second = _field(env)
        inspectors = [Client(port) for _k in range(args.clients)]
        for c in inspectors:
            c.login("insp_qjp_1")
        supervisors = [Client(port) for _k in range(args.clients)]
        for c in supervisors:
            c.login("sup_qjp")
        bare = Client(port)

        def health(k):
            return bare.request("GET", "/api/health")[0]

        counter = {"n": 0}

        def submit(k):
            counter["n"] += 1
            shop = shops[counter["n"] % len(shops)]
            body = json.dumps(_capture(shop, second)).encode()
            c = inspectors[k]
            return c.request("POST", "/api/inspections", body, {"Content-Type": "application/json",
                                                               "X-CSRFToken": c.csrf})[0]

        def list_page(k):
            return supervisors[k].request("GET", "/inspections")[0]

        def me(k):
            return inspectors[k].request("GET", "/api/me")[0]

        load_before = os.getloadavg()
        results = {}
        for label, fn in (("bare /api/health", health), ("signed in GET /api/me", me),
                          ("submit POST /api/inspections", submit),
                          ("list GET /inspections (supervisor)", list_page)):
            results[label] = load(port, args.clients, args.seconds, fn, cpu=lambda: cpu_seconds(gunicorn.pid))
        load_after = os.getloadavg()
        conf = runpy.run_path(os.path.join(ROOT, "gunicorn.conf.py"))
        print(f"\ngunicorn 2 workers ({conf['worker_class']}, {conf['threads']} threads each), PostgreSQL, "
              f"{args.clients} concurrent clients, {args.seconds:.0f} s each; "
              f"{os.cpu_count()} cores; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
        print(f"{'endpoint':<38}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}"
              f"{'CPU ms/request: app':>22}{'database':>10}")
        for label, (rps, p95, p50, errors, cpu) in results.items():
            app_ms, db_ms = cpu or (float("nan"), float("nan"))
            print(f"{label:<38}{rps:>9.1f}{p50:>9.1f}{p95:>9.1f}{len(errors):>8}{app_ms:>22.2f}{db_ms:>10.2f}")
            if errors:
                print(f"    first errors: {errors[:5]}")
        bare_rps = results["bare /api/health"][0]
        sub_rps = results["submit POST /api/inspections"][0]
        list_p95 = results["list GET /inspections (supervisor)"][1]
        share = sub_rps / bare_rps if bare_rps else 0
        print(f"\nsubmission rate / bare rate = {share:.1%}  (target >= 30 %: {'MET' if share >= 0.30 else 'MISSED'})")
        bare_cpu, sub_cpu = results["bare /api/health"][4], results["submit POST /api/inspections"][4]
        if bare_cpu and sub_cpu:
            # The two cores are shared by the app, PostgreSQL and this load generator, so the rates are in
            # the ratio of the CPU each request costs: this is where a submission's budget goes.
            print(f"CPU per request (app + database): bare {sum(bare_cpu):.2f} ms, submission {sum(sub_cpu):.2f} ms "
                  f"(app {sub_cpu[0]:.2f}, database {sub_cpu[1]:.2f}); 30 % of the bare rate allows about "
                  f"{sum(bare_cpu) / 0.30:.1f} ms")
        print(f"list page p95 = {list_p95:.0f} ms at {args.clients} clients  "
              f"(target <= 300 ms: {'MET' if list_p95 <= 300 else 'MISSED'})")
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)
    try:
        if args.events:
            worker_bench(env, args.events)
    finally:
        if args.keep:
            print(f"kept {url}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _field(env):
    """Shops of 清江浦区 near which the inspector stands, and the second officer's id."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "INSTANCE_PATH", "APP_ENV", "SECRET_KEY")})
    from sqlalchemy import select

    from app import create_app
    from app.auth.models import User
    from app.extensions import db
    from app.org.models import OrgUnit
    from app.retailers.models import Retailer

    app = create_app("development", SQLALCHEMY_DATABASE_URI=_sa_url(env["DATABASE_URL"]))
    with app.app_context():
        unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "320812")).one()
        shops = db.session.execute(select(Retailer.id, Retailer.lat, Retailer.lng).where(
            Retailer.unit_id == unit.id, Retailer.status == "active").order_by(Retailer.id).limit(500)).all()
        second = db.session.scalar(select(User.id).where(User.username == "insp_qjp_2"))
        db.session.remove()
        db.engine.dispose()
    return [tuple(s) for s in shops], second


def _sa_url(url):
    return url if "+psycopg" in url else url.replace("postgresql://", "postgresql+psycopg://")


def _iso(dt):
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _capture(shop, second):
    from config import Config

    now = datetime.now(UTC)
    return {"uuid": str(uuid.uuid4()), "retailer_id": shop[0], "second_officer_id": second,
            "started_at": _iso(now - timedelta(minutes=20)), "finished_at": _iso(now - timedelta(minutes=1)),
            "position": {"lat": shop[1], "lng": shop[2], "accuracy": 12.5, "at": _iso(now - timedelta(minutes=19))},
            "location_reason": "", "outcome": "inspected", "outcome_note": "",
            "checks": [{"code": c["code"], "result": "pass", "note": "", "photos": []}
                       for c in Config.INSPECTION_CHECKLIST],
            "violations": [], "rectifications": [], "rectification_checks": [], "interview": None, "photos": [],
            "signature": {"status": "refused", "file": None, "signer_name": "", "refusal_reason": "店主不在"},
            "notes": "", "visit_id": None}


def worker_bench(env, n_events):
    """10,000 grade changes consumed by the background jobs (scheduling, notices, SMS), timed."""
    from sqlalchemy import func, insert, select

    from app import create_app
    from app.auth.models import User, user_retailers
    from app.common.time import local_today, utcnow
    from app.credit.models import GradeChange, RetailerGrade
    from app.extensions import db
    from app.jobs.tasks import PERIODIC_TASKS
    from app.notices.models import Notice, SmsOutbox
    from app.scheduling.models import Visit

    app = create_app("development", SQLALCHEMY_DATABASE_URI=_sa_url(env["DATABASE_URL"]), JOBS_KICK=False)
    logging.getLogger("app.sms").setLevel(logging.WARNING)  # not one log line per SMS sent
    with app.app_context():
        today = local_today()
        grades = db.session.execute(select(RetailerGrade.retailer_id, RetailerGrade.grade, RetailerGrade.score)
                                    .order_by(RetailerGrade.retailer_id).limit(n_events)).all()
        # every licence of the quarter gets a retailer account (the demo has a few), so notices go out
        have = set(db.session.scalars(select(user_retailers.c.retailer_id)))
        now = utcnow()
        new_users = [{"username": f"bench_r{rid}", "display_name": "零售户", "role": "retailer", "password_hash": "x",
                      "is_enabled": True, "must_change_password": False, "created_at": now}
                     for rid, _g, _s in grades if rid not in have]
        if new_users:
            db.session.execute(insert(User), new_users)
            ids = dict(db.session.execute(select(User.username, User.id).where(User.username.like("bench_r%"))).all())
            db.session.execute(insert(user_retailers), [{"user_id": ids[f"bench_r{rid}"], "retailer_id": rid}
                                                        for rid, _g, _s in grades if rid not in have])
        order = ["AAA", "AA", "A", "B", "C", "D"]
        events = []
        for k, (rid, grade, score) in enumerate(grades):
            i = order.index(grade)
            to = order[i + 1] if (k % 20 == 0 and i < 5) else order[max(0, i - 1)] if i > 0 else order[1]
            events.append({"retailer_id": rid, "at": now, "as_of": today, "from_grade": grade, "to_grade": to,
                           "from_score": score, "to_score": score + (-12 if order.index(to) > i else 12),
                           "cause": "lapse", "record_id": None})
        db.session.execute(insert(GradeChange), events)
        db.session.commit()
        before = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                  for m in (Notice, SmsOutbox, Visit)}
        load_before = os.getloadavg()
        t0 = time.monotonic()
        timings = {}
        for name in ("scheduling.consume", "notices.consume", "sms.deliver"):
            t = time.monotonic()
            summary = PERIODIC_TASKS[name].call_local()
            timings[name] = (time.monotonic() - t, summary)
        total = time.monotonic() - t0
        after = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                 for m in (Notice, SmsOutbox, Visit)}
        print(f"\nworker bench: {len(events)} grade changes ({sum(1 for e in events if e['to_grade'] == 'B')} "
              f"falls to B); load average before {load_before[0]:.2f}")
        for name, (secs, summary) in timings.items():
            print(f"  {name:<20}{secs:>8.1f} s   {summary}")
        print(f"  written: notices +{after['notices'] - before['notices']}, SMS +{after['sms_outbox'] - before['sms_outbox']}"
              f", visits +{after['visits'] - before['visits']}")
        print(f"worker total {total:.1f} s for {len(events)} grade changes including notices and SMS "
              f"(target <= 60 s: {'MET' if total <= 60 else 'MISSED'})")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
