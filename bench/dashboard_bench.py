"""Benchmark of the supervisors' dashboard. Prints figures; not a timed test.

A city of N licences in eight counties is generated straight into a fresh database (not timed), in
bulk (INSERT ... SELECT over a recursive sequence for the big tables, the same SQL on SQLite and
PostgreSQL; batched inserts for the small ones): operators and licences; four published quarterly
evaluations with one row per licence (about 90 % A, 7 % AA, under 1 % AAA, a few B-D, a few movers);
this quarter's visits for a quarter of the licences (some overdue, some interviews, a third done);
suspected records waiting (0.3 %), open repair requests and objections (0.2 % each, deadlines spread
around today), inspections this quarter (5 %) of which 30 % found violations, open warnings (1 %).

Then, each the median and 95th percentile of --renders runs:

  refresh: app.dashboard.refresh.refresh (every figure recomputed from the source tables, committed)
  floor:   GET / (the supervisor's home page: the same sign-in, layout and a few counts), in-process
  page:    GET /dashboard as the city supervisor (all eight counties) and as a county supervisor,
           in-process (Flask test client): server time only, no network, no browser

and the ratio page / floor. Targets: the page <= 300 ms with 20,000 licences on SQLite and <= 1 s with
1,000,000 on PostgreSQL (the refresh time is reported; it runs at night and on demand).

    .venv/bin/python bench/dashboard_bench.py                       # SQLite 20,000 and PostgreSQL 1,000,000
    .venv/bin/python bench/dashboard_bench.py --only sqlite
    .venv/bin/python bench/dashboard_bench.py --only postgresql --pg-retailers 200000
"""
import argparse
import datetime as dt
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import create_engine, insert, text  # noqa: E402

PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TODAY = dt.date(2026, 11, 16)
QUARTERS = [("2026Q3", dt.date(2026, 9, 30)), ("2026Q2", dt.date(2026, 6, 30)), ("2026Q1", dt.date(2026, 3, 31)),
            ("2025Q4", dt.date(2025, 12, 31))]
CHUNK = 20_000
PASSWORD = "Bench-pass-1"


def make_app(url):
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="credit-bench-instance-"))
    from flask.testing import FlaskClient

    from app import create_app

    class IsolatedClient(FlaskClient):
        """Each request in its own app context (fresh ``g`` and session), as in production."""

        def open(self, *args, **kwargs):
            with self.application.app_context():
                return super().open(*args, **kwargs)

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
                      RATELIMIT_ENABLED=False, SERVER_NAME=None)
    app.test_client_class = IsolatedClient
    return app


def _seq(n_param="n"):
    return f"WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :{n_param}) "


def _date(db, day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'" if db.engine.dialect.name == "postgresql" else f"'{day.isoformat()}'"


def _grade_expr(q: int) -> str:
    """A deterministic grade per licence and quarter: ~90 % A, 7 % AA, 0.5 % AAA, 1.5 % B, 0.6 % C, 0.4 % D;
    1 % of the licences draw another grade in each quarter (the movers)."""
    h = f"(CASE WHEN g % 100 = {q % 100} THEN ((g % 1000) * 7919 + 337) % 1000 ELSE ((g % 1000) * 7919) % 1000 END)"
    return (f"CASE WHEN {h} < 900 THEN 'A' WHEN {h} < 970 THEN 'AA' WHEN {h} < 975 THEN 'AAA' "
            f"WHEN {h} < 990 THEN 'B' WHEN {h} < 996 THEN 'C' ELSE 'D' END")


def generate(db, n, seed):
    from app.auth.models import User
    from app.auth.services import hash_password
    from app.credit.models import CreditRecord
    from app.evaluation.models import EvaluationRun
    from app.inspections.models import Inspection, InspectionViolation
    from app.org.services import ensure_units
    from app.repair.models import Objection, RepairRequest
    from app.warnings.models import EarlyWarning

    units_by_code = ensure_units()
    units = [u for code, u in sorted(units_by_code.items()) if u.level == "county"]
    db.session.commit()
    unit_case = "CASE g % 8 " + " ".join(f"WHEN {k} THEN {u.id}" for k, u in enumerate(units)) + " END"
    t0 = time.perf_counter()
    conn = db.session.connection()
    conn.execute(text(_seq() + "INSERT INTO operators (id, id_hash, name, created_at) "
                      "SELECT g, 'bench' || g, '经营者' || g, " + _date(db, TODAY) + " FROM s"), {"n": n})
    conn.execute(text(_seq() + f"""
        INSERT INTO retailers (id, licence_no, shop_name, name_initials, operator_id, operator_name, phone, address,
                               lat, lng, unit_id, market_type, business_format, licence_issued_on,
                               licence_expires_on, status, tier, created_at, updated_at, version)
        SELECT g, 'B' || g, '测试便利店' || g, 'csbld', g, '王某某',
               '13800000000', '江苏省淮安市', 33.6, 119.0, {unit_case},
               CASE g % 10 WHEN 0 THEN 'village' WHEN 1 THEN 'town' WHEN 2 THEN 'town' ELSE 'city' END,
               CASE g % 6 WHEN 0 THEN 'convenience' WHEN 1 THEN 'supermarket' WHEN 2 THEN 'other' ELSE 'grocery' END,
               {_date(db, dt.date(2020, 1, 1))}, {_date(db, dt.date(2030, 1, 1))},
               CASE WHEN g % 100 < 98 THEN 'active' WHEN g % 100 < 99 THEN 'suspended' ELSE 'cancelled' END,
               1 + g % 30, {_date(db, TODAY)}, {_date(db, TODAY)}, 1
        FROM s"""), {"n": n})
    if db.engine.dialect.name == "postgresql":
        for table in ("operators", "retailers"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"), {"n": n})
    db.session.commit()
    print(f"  licences: {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    now = dt.datetime(2026, 11, 16, 2, 0)
    for q, (quarter, as_of) in enumerate(reversed(QUARTERS)):
        run = EvaluationRun(quarter=quarter, as_of=as_of, status="published", retailer_count=n, created_at=now,
                            published_at=dt.datetime.combine(as_of + dt.timedelta(days=10), dt.time(9)))
        db.session.add(run)
        db.session.flush()
        previous = _grade_expr(q - 1) if q else "NULL"
        db.session.execute(text(_seq() + f"""
            INSERT INTO evaluation_rows (run_id, retailer_id, unit_id, score, monopoly, marketing, social, score_grade,
                                         grade, previous_grade)
            SELECT :run, g, {unit_case}, 100, 0, 0, 0, {_grade_expr(q)}, {_grade_expr(q)}, {previous} FROM s"""),
                           {"n": n, "run": run.id})
        db.session.commit()
    print(f"  evaluations ({len(QUARTERS)} quarters × {n:,} rows): {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    # this quarter's visits: every 4th licence; planned over the quarter; a third done; 1 in 10 an interview
    start = dt.date(2026, 10, 1)
    day_case = "CASE g % 7 " + " ".join(f"WHEN {k} THEN {_date(db, start + dt.timedelta(days=13 * k))}"
                                         for k in range(7)) + " END"
    db.session.execute(text(_seq() + f"""
        INSERT INTO visits (retailer_id, unit_id, kind, status, due_on, planned_on, route_order, leg_km, risk, reasons,
                            done_on, created_at, updated_at)
        SELECT g * 4, {unit_case.replace('g % 8', '(g * 4) % 8')},
               CASE WHEN g % 10 = 0 THEN 'interview' ELSE 'due' END,
               CASE WHEN g % 3 = 0 AND {day_case} < {_date(db, TODAY)} THEN 'done'
                    WHEN g % 17 = 0 THEN 'cancelled' ELSE 'approved' END,
               {day_case}, {day_case}, 0, 0.0, 0, '[]',
               CASE WHEN g % 3 = 0 AND {day_case} < {_date(db, TODAY)} THEN {day_case} ELSE NULL END,
               {_date(db, TODAY)}, {_date(db, TODAY)}
        FROM s"""), {"n": n // 4})
    db.session.commit()
    print(f"  visits ({n // 4:,}): {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    pw = hash_password(PASSWORD)
    inspector = User(username="bench_inspector", display_name="检查员", role="inspector", unit=units[0],
                     password_hash=pw, is_enabled=True)
    second = User(username="bench_second", display_name="检查员二", role="inspector", unit=units[0],
                  password_hash=pw, is_enabled=True)
    db.session.add_all([inspector, second,
                        User(username="bench_city", display_name="市局", role="supervisor",
                             unit=units_by_code["320800"], password_hash=pw, is_enabled=True),
                        User(username="bench_county", display_name="县局", role="supervisor", unit=units[0],
                             password_hash=pw, is_enabled=True)])
    db.session.commit()

    def unit_of(i):
        return units[i % 8].id

    def batched(model, rows):
        for k in range(0, len(rows), CHUNK):
            db.session.execute(insert(model), rows[k:k + CHUNK])

    step = 333  # 0.3 % suspected
    records = [{"retailer_id": i, "operator_id": i, "indicator_code": "ZM01", "catalogue_version": "2026.1",
                "dimension": "monopoly", "nominal_points": -3, "occurred_on": TODAY - dt.timedelta(days=i % 60),
                "recorded_at": now, "source": "inspection", "status": "suspected", "description": "未明码标价"}
               for i in range(1, n + 1, step)]
    batched(CreditRecord, records)
    db.session.commit()
    from sqlalchemy import select

    rec_ids = [r for (r,) in db.session.execute(select(CreditRecord.id).order_by(CreditRecord.id))]
    repairs = [{"retailer_id": 1 + (k * step), "record_id": rid, "status": "submitted", "statement": "已整改",
                "submitted_on": TODAY - dt.timedelta(days=k % 12), "accept_due": TODAY + dt.timedelta(days=k % 9 - 4),
                "decide_due": TODAY + dt.timedelta(days=k % 20)} for k, rid in enumerate(rec_ids[: n // 500])]
    batched(RepairRequest, repairs)
    objections = [{"retailer_id": i, "grade": "B", "told_on": TODAY - dt.timedelta(days=10), "status": "open",
                   "reasons": "有误", "submitted_on": TODAY - dt.timedelta(days=8),
                   "answer_due": TODAY + dt.timedelta(days=i % 12 - 5)} for i in range(7, n + 1, 500)]
    batched(Objection, objections)
    kinds = ("near_boundary", "falling_trend", "suspected", "repeated_minor", "overdue_rectification", "shop_absent")
    warnings = [{"retailer_id": i, "unit_id": unit_of(i), "kind": kinds[i % 6], "status": "open",
                 "open_key": f"{i}:{kinds[i % 6]}", "raised_on": TODAY - dt.timedelta(days=i % 40), "facts": {}}
                for i in range(3, n + 1, 100)]
    batched(EarlyWarning, warnings)
    inspections = [{"client_uuid": f"bench-{i:030d}", "content_hash": "0" * 64, "retailer_id": i,
                    "unit_id": unit_of(i), "inspector_id": inspector.id, "second_officer_id": second.id,
                    "outcome": "inspected", "started_at": now, "occurred_on": dt.date(2026, 10, 1) + dt.timedelta(days=i % 46),
                    "geofence": "inside", "geofence_radius_m": 150, "signature_status": "not_applicable"}
                   for i in range(5, n + 1, 20)]
    batched(Inspection, inspections)
    db.session.commit()
    ins = db.session.execute(select(Inspection.id, Inspection.retailer_id)).all()
    codes = ("ZM01", "ZM02", "ZM03", "ZM04", "ZM05", "ZM06", "ZM07", "ZM08", "ZM09", "ZM11")
    violations = [{"inspection_id": iid, "position": 0, "indicator_code": codes[rid // 20 % 10], "catalogue_version": "2026.1",
                   "indicator_name": codes[rid // 20 % 10], "description": "违规"} for iid, rid in ins if rid // 20 % 10 < 3]
    batched(InspectionViolation, violations)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    print(f"  {len(records):,} suspected records, {len(repairs):,} repairs, {len(objections):,} objections, "
          f"{len(warnings):,} warnings, {len(inspections):,} inspections ({len(violations):,} violations): "
          f"{time.perf_counter() - t0:.1f} s", flush=True)


def _stats(xs):
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, max(0, int(round(0.95 * len(xs))) - 1))]
    return statistics.median(xs), p95


def measure(app, db, renders, target_ms):
    import time_machine

    from app.dashboard.refresh import refresh

    with time_machine.travel(dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=True):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            out = refresh(trigger="manual")
            db.session.commit()
            times.append(time.perf_counter() - t0)
        r_med, _p = _stats(times)
        print(f"  refresh (app.dashboard.refresh.refresh, committed): median {r_med * 1000:8.0f} ms  "
              f"({', '.join(f'{x * 1000:.0f}' for x in times)}); {out['figures']:,} figures", flush=True)
        results = {"refresh_ms": r_med * 1000}
        for who in ("bench_city", "bench_county"):
            client = app.test_client()
            token = client.get("/api/csrf").get_json()["csrf_token"]
            r = client.post("/login", data={"username": who, "password": PASSWORD, "csrf_token": token})
            assert r.status_code == 302, r.get_data(as_text=True)[:300]
            for url in ("/", "/dashboard"):  # warm the templates and caches once
                assert client.get(url).status_code == 200
            floor, page = [], []
            for _ in range(renders):
                t0 = time.perf_counter()
                client.get("/")
                floor.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                resp = client.get("/dashboard")
                page.append(time.perf_counter() - t0)
                assert resp.status_code == 200
            f_med, f_p95 = _stats(floor)
            p_med, p_p95 = _stats(page)
            print(f"  {who:13s} floor GET /          median {f_med * 1000:6.1f} ms  p95 {f_p95 * 1000:6.1f} ms")
            print(f"  {who:13s} page  GET /dashboard median {p_med * 1000:6.1f} ms  p95 {p_p95 * 1000:6.1f} ms  "
                  f"ratio page / floor {p_med / f_med:.1f}; target <= {target_ms} ms -> "
                  f"{'met' if p_p95 * 1000 <= target_ms else 'NOT met'} (p95)", flush=True)
            results[who] = {"median_ms": p_med * 1000, "p95_ms": p_p95 * 1000, "floor_ms": f_med * 1000}
        return results


def bench_sqlite(args):
    tmp = tempfile.mkdtemp(prefix="credit-bench-")
    url = f"sqlite:///{tmp}/dashboard.sqlite3"
    print(f"SQLite: {args.sqlite_retailers:,} licences ({tmp})", flush=True)
    app = make_app(url)
    try:
        with app.app_context():
            from flask_migrate import upgrade

            from app.extensions import db

            upgrade()
            generate(db, args.sqlite_retailers, args.seed)
            out = measure(app, db, args.renders, 300)
            db.session.remove()
            db.engine.dispose()
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_pg(args):
    name = "credit_bench_" + secrets.token_hex(5)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    print(f"PostgreSQL, database {name}: {args.pg_retailers:,} licences", flush=True)
    try:
        app = make_app(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
        with app.app_context():
            from flask_migrate import upgrade

            from app.extensions import db

            upgrade()
            generate(db, args.pg_retailers, args.seed)
            out = measure(app, db, args.renders, 1000)
            db.session.remove()
            db.engine.dispose()
        return out
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--sqlite-retailers", type=int, default=20_000)
    parser.add_argument("--pg-retailers", type=int, default=1_000_000)
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    if args.only in (None, "sqlite"):
        bench_sqlite(args)
    if args.only in (None, "postgresql"):
        bench_pg(args)


if __name__ == "__main__":
    main()
