"""The supervisors' map data: does GET /api/map/shops stay fast and small for a city view and a street
view, however many shops the city has?

In one run, on SQLite (a temporary file) and, with --pg, on a fresh PostgreSQL database (dropped at the
end): --retailers licences (default 20,000; try 1,000,000) with positions spread around the counties'
seats, live grades in the demo's shares, a few red/black list entries and open warnings, and this
quarter's confirmed violations; then, through the app in this process (Flask test client, a signed-in
city supervisor, so scope and filters run as in production), --repeat runs (median and p95) of:

- the floor: GET /api/health (the same app and session, one SELECT 1), and the bare query of every
  shop's id, position, grade and format serialised with json.dumps (what sending all shops would cost);
- the city view: GET /api/map/shops?bbox=<the whole city> (above 5,000 shops: counts per grid cell);
- the same with If-None-Match (304: no body; the server still builds the body to compare the ETag);
- the street view: a box of about 1.1 x 0.9 km at a county seat (single shops);
- the city view filtered to grade D.

Printed: times, body and gzip sizes, what came (cells or single shops), and the target: p95 <= 1 s of
server time and <= 300 kB for both views. With --browser, also the page in the system Chromium on a
phone viewport: from navigation until the first view's shops or cells are drawn (a threaded
development server in this process: slower than gunicorn).

    .venv/bin/python bench/map_bench.py [--retailers 20000] [--repeat 20] [--pg] [--browser]
"""
import argparse
import datetime as dt
import gzip
import json
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time

from sqlalchemy import create_engine, insert, text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TODAY = dt.date(2026, 11, 20)
GRADES = [("A", 90.0), ("AA", 7.0), ("AAA", 0.5), ("B", 1.5), ("C", 0.6), ("D", 0.4)]
FORMATS = ["grocery"] * 6 + ["convenience"] * 2 + ["supermarket", "tobacco_liquor", "entertainment", "other"]
CHUNK = 5000
PASSWORD = "Bench-2026-map"
TARGET_S, TARGET_BYTES = 1.0, 300_000
CITY_BOX = (32.7, 118.1, 34.3, 119.9)  # south, west, north, east: the whole of Huai'an
STREET_BOX = (33.595, 119.015, 33.605, 119.026)  # a few streets of 清江浦区 (its seat)


def p95(samples):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def make_app(url):
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="credit-bench-instance-"))
    from app import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
                      RATELIMIT_ENABLED=False)


def generate(db, n, seed):
    from app.auth.models import User
    from app.auth.services import hash_password
    from app.credit.models import CreditRecord, RetailerGrade
    from app.demo import geo
    from app.lists.models import ListEntry
    from app.org.services import ensure_units
    from app.retailers.models import Operator, Retailer
    from app.warnings.models import EarlyWarning

    rng = random.Random(seed)
    units = ensure_units()
    counties = [c for c in geo.COUNTIES if c["code"] in units]
    weights = [c["share"] for c in counties]
    cut, acc = [], 0.0
    for g, share in GRADES:
        acc += share
        cut.append((acc / 100, g))
    now = dt.datetime(2026, 11, 20, 2, 0)
    t0 = time.perf_counter()
    for start in range(1, n + 1, CHUNK):
        ids = range(start, min(n, start + CHUNK - 1) + 1)
        db.session.execute(insert(Operator), [{"id": i, "id_hash": f"{i:064x}", "name": f"经营者{i}", "created_at": now}
                                              for i in ids])
        rows, grades = [], []
        for i in ids:
            county = rng.choices(counties, weights)[0]
            lat, lng = county["seat"]
            rows.append({"id": i, "licence_no": f"{county['code']}{i % 1_000_000:06d}", "shop_name": f"测试便利店{i}",
                         "name_initials": "csbld", "operator_id": i, "operator_name": "王某某", "phone": None,
                         "address": "江苏省淮安市", "lat": lat + rng.gauss(0, 0.06), "lng": lng + rng.gauss(0, 0.07),
                         "unit_id": units[county["code"]].id, "market_type": "city",
                         "business_format": FORMATS[i % len(FORMATS)], "licence_issued_on": dt.date(2020, 1, 1),
                         "licence_expires_on": dt.date(2030, 1, 1), "status": "active", "tier": 12,
                         "created_at": now, "updated_at": now, "version": 1})
            x = rng.random()
            grade = next(g for c, g in cut if x <= c)
            grades.append({"retailer_id": i, "score": 100, "grade": grade, "score_grade": grade, "monopoly": 0,
                           "marketing": 0, "social": 0, "as_of": TODAY, "valid_until": None,
                           "policy_version": "2026.1", "computed_at": now})
        db.session.execute(insert(Retailer), rows)
        db.session.execute(insert(RetailerGrade), grades)
        db.session.commit()
    unit_of = dict(db.session.execute(text("SELECT id, unit_id FROM retailers")).all())
    lists = [{"kind": kind, "retailer_id": i, "unit_id": unit_of[i], "status": "effective", "policy_version": "2026.1",
              "criterion": "red_grade" if kind == "red" else "black_serious", "proposed_at": now}
             for kind, k in (("red", n // 200), ("black", n // 1000)) for i in rng.sample(range(1, n + 1), k)]
    warnings = [{"retailer_id": i, "unit_id": unit_of[i], "kind": "suspected", "status": "open",
                 "open_key": f"{i}:suspected", "raised_on": TODAY, "raised_at": now, "facts": {}}
                for i in rng.sample(range(1, n + 1), n // 100)]
    records = [{"retailer_id": i, "operator_id": i, "indicator_code": "ZM05", "catalogue_version": "2026.1",
                "dimension": "monopoly", "nominal_points": -10, "occurred_on": TODAY - dt.timedelta(days=rng.randint(0, 49)),
                "recorded_at": now, "source": "inspection", "status": "confirmed", "disputed": False,
                "description": "", "evidence": []}
               for i in rng.sample(range(1, n + 1), n // 100)]
    for table, data in ((ListEntry, lists), (EarlyWarning, warnings), (CreditRecord, records)):
        for start in range(0, len(data), CHUNK):
            db.session.execute(insert(table), data[start:start + CHUNK])
    db.session.add(User(username="bench_city", display_name="市局", role="supervisor", unit=units["320800"],
                        password_hash=hash_password(PASSWORD), is_enabled=True))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    print(f"  generated {n:,} shops in {time.perf_counter() - t0:.0f} s: {len(lists)} list entries, "
          f"{len(warnings)} open warnings, {len(records)} violations this quarter", flush=True)


def measure(app, db, repeat, browser=False):
    from zoneinfo import ZoneInfo

    import time_machine

    traveller = time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    traveller.start()
    try:
        client = app.test_client()
        token = client.get("/api/csrf").get_json()["csrf_token"]
        r = client.post("/login", data={"username": "bench_city", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 302, r.data[:300]

        def timed(fn):
            out = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                result = fn()
                out.append(time.perf_counter() - t0)
            return statistics.median(out), p95(out), result

        def bare():
            rows = db.session.execute(text(
                "SELECT r.id, r.lat, r.lng, g.grade, r.business_format FROM retailers r "
                "LEFT JOIN retailer_grades g ON g.retailer_id = r.id WHERE r.status <> 'cancelled'")).all()
            db.session.rollback()
            return json.dumps([list(row) for row in rows]).encode()

        def line(label, median, high, resp):
            body = resp.data
            payload = json.loads(body)
            shape = (f"{len(payload['cells'])} cells of {payload['cell_deg']} deg" if payload["mode"] == "cells"
                     else f"{len(payload['shops'])} single shops")
            print(f"  {label:<40} median {median * 1000:7.1f} ms, p95 {high * 1000:7.1f} ms; "
                  f"{payload['count']:,} shops in the box as {shape}: {len(body):,} bytes, "
                  f"gzip {len(gzip.compress(body, 6)):,}", flush=True)
            return body

        health, _h, _ = timed(lambda: client.get("/api/health"))
        floor, _f, floor_body = timed(bare)
        print(f"  floor GET /api/health:                 {health * 1000:8.1f} ms", flush=True)
        print(f"  floor bare query of every shop + json.dumps: {floor * 1000:8.1f} ms  ({len(floor_body):,} bytes)",
              flush=True)
        city_url = "/api/map/shops?bbox=" + ",".join(str(v) for v in CITY_BOX)
        city, city_p95, resp = timed(lambda: client.get(city_url))
        assert resp.status_code == 200, resp.data[:300]
        city_body = line("city view (the whole city's box):", city, city_p95, resp)
        etag = resp.headers["ETag"]
        cached, cached_p95, r304 = timed(lambda: client.get(city_url, headers={"If-None-Match": etag}))
        assert r304.status_code == 304 and not r304.data
        print(f"  {'same, If-None-Match (304, no body):':<40} median {cached * 1000:7.1f} ms, "
              f"p95 {cached_p95 * 1000:7.1f} ms")
        street_url = "/api/map/shops?bbox=" + ",".join(str(v) for v in STREET_BOX)
        street, street_p95, rs = timed(lambda: client.get(street_url))
        street_body = line("street view (about 1.1 x 0.9 km):", street, street_p95, rs)
        only_d, d_p95, rd = timed(lambda: client.get(city_url + "&grade=D"))
        line("city view, grade D only:", only_d, d_p95, rd)
        met = max(city_p95, street_p95) <= TARGET_S and max(len(city_body), len(street_body)) <= TARGET_BYTES
        print(f"  target: p95 <= {TARGET_S:.0f} s and <= {TARGET_BYTES:,} bytes for both views: "
              f"{'met' if met else 'NOT met'}", flush=True)
        if browser:
            page_load(app)
    finally:
        traveller.stop()


def page_load(app, repeat=3):
    """The page in the system Chromium on a 390 px phone: from navigation to the first view drawn (the
    map's data-ready attribute), median of ``repeat`` loads (the first warms the static files)."""
    import shutil
    import threading

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                         args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                          locale="zh-CN")
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("input[name=username]", "bench_city")
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            times = []
            for _ in range(repeat + 1):
                t0 = time.perf_counter()
                page.goto(base + "/map")
                page.wait_for_function("() => document.querySelector('#supervision-map').dataset.ready !== undefined",
                                       timeout=120_000)
                times.append(time.perf_counter() - t0)
                ready = page.get_attribute("#supervision-map", "data-ready")
                mode = page.get_attribute("#supervision-map", "data-mode")
            clusters = page.locator(".marker-cluster, .map-cell").count()
            browser.close()
        warm = statistics.median(times[1:])
        print(f"  browser (Chromium, 390 px phone): /map to {ready} shops drawn as {mode}: median {warm:.2f} s "
              f"(first load {times[0]:.2f} s); {clusters} cluster or cell icons at the city's zoom", flush=True)
    finally:
        server.shutdown()


def run(url, args):
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        from app.extensions import db

        upgrade()
        generate(db, args.retailers, args.seed)
        measure(app, db, args.repeat, browser=args.browser)
        db.session.remove()
        db.engine.dispose()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--retailers", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--pg", action="store_true", help="also on a fresh PostgreSQL database")
    ap.add_argument("--browser", action="store_true", help="also time the page in the system Chromium")
    ap.add_argument("--pg-only", action="store_true", help="PostgreSQL only (no SQLite run)")
    args = ap.parse_args()
    print(f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    if not args.pg_only:
        tmp = tempfile.mkdtemp(prefix="credit-bench-")
        print(f"SQLite ({tmp}):", flush=True)
        try:
            run(f"sqlite:///{tmp}/map.sqlite3", args)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.pg or args.pg_only:
        name = "credit_bench_" + secrets.token_hex(5)
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        print(f"PostgreSQL, database {name}:", flush=True)
        try:
            run(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, args)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
