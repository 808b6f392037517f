"""Benchmark of the monthly service run (客户分档、货源投放). Prints figures; not a timed test.

A city of N licences is generated straight into a fresh database (not timed): operators, licences in
eight counties, live grades in a real city's mix (about 90 % A, 7 % AA, under 1 % AAA, a few B-D), one
month of ordering figures per licence, confirmed out-of-area carton records (ZM11, ~0.5 % of licences,
quantities 1-120), hardship flags (0.2 %) and supply suspensions in force (0.1 %). Then, median of
--repeat runs each, alternated:

  floor:   a bare SELECT of the same inputs (licences ⨝ live grades ⨝ ordering figures, fetched) and
           an INSERT of as many rows of the same width into a scratch table: reading the inputs and
           writing the output, nothing computed
  run:     app.service.runs.compute (a draft for the next month: grades, latest figures, records, flags,
           suspensions, the engine for every licence, rows written, summary, audit)

and the ratio run / floor. Targets: SQLite with 20,000 licences <= 5 s; PostgreSQL with 1,000,000.

    .venv/bin/python bench/service_run_bench.py                         # SQLite 20,000 and PostgreSQL 1,000,000
    .venv/bin/python bench/service_run_bench.py --only sqlite
    .venv/bin/python bench/service_run_bench.py --only postgresql --pg-retailers 200000
"""
import argparse
import datetime as dt
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import create_engine, insert, text  # noqa: E402

PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TODAY = dt.date(2027, 1, 20)
CYCLE = "2027-02"
CHUNK = 20_000
GRADES = [("A", 90.0), ("AA", 7.0), ("AAA", 0.5), ("B", 1.5), ("C", 0.6), ("D", 0.4)]
FORMATS = ["grocery", "grocery", "grocery", "convenience", "supermarket", "other"]
MARKETS = ["city"] * 6 + ["town"] * 3 + ["village"]


def make_app(url):
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="credit-bench-instance-"))
    from app import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})


def generate(db, n, seed):
    from app.credit.models import CreditRecord, RetailerGrade
    from app.org.services import ensure_units
    from app.retailers.models import Operator, Retailer
    from app.service.models import HardshipFlag, OrderingFigure, ServiceRun, SupplySuspension

    rng = random.Random(seed)
    units = [u for code, u in sorted(ensure_units().items()) if u.level == "county"]
    db.session.commit()
    grade_cut = []
    acc = 0.0
    for g, share in GRADES:
        acc += share
        grade_cut.append((acc / 100, g))
    now = dt.datetime(2027, 1, 20, 2, 0)
    t0 = time.perf_counter()
    for start in range(1, n + 1, CHUNK):
        ids = range(start, min(n, start + CHUNK - 1) + 1)
        db.session.execute(insert(Operator), [{"id": i, "id_hash": f"{i:064x}", "name": f"经营者{i}", "created_at": now}
                                              for i in ids])
        rows, grades, figs = [], [], []
        for i in ids:
            unit = units[i % len(units)]
            tier = max(1, min(30, int(round(rng.gauss(15, 3.5)))))
            rows.append({"id": i, "licence_no": f"{unit.code}{i:06d}"[-12:], "shop_name": f"测试便利店{i}",
                         "name_initials": "csbld", "operator_id": i, "operator_name": "王某某", "phone": None,
                         "address": "江苏省淮安市", "lat": None, "lng": None, "unit_id": unit.id,
                         "market_type": MARKETS[i % 10], "business_format": FORMATS[i % 6],
                         "licence_issued_on": dt.date(2020, 1, 1), "licence_expires_on": dt.date(2030, 1, 1),
                         "status": "active", "tier": tier, "created_at": now, "updated_at": now, "version": 1})
            x = rng.random()
            grade = next(g for cut, g in grade_cut if x <= cut)
            grades.append({"retailer_id": i, "score": 100, "grade": grade, "score_grade": grade, "monopoly": 0,
                           "marketing": 0, "social": 0, "as_of": TODAY, "valid_until": None,
                           "policy_version": "2026.1", "computed_at": now})
            figs.append({"retailer_id": i, "month": "2026-12", "base_tier": max(1, min(30, tier + rng.choice((-1, 0, 0, 1)))),
                         "class_code": "CZ2", "order_amount_fen": tier * 250_000, "order_cartons": tier * 10,
                         "source": "api", "imported_at": now})
        db.session.execute(insert(Retailer), rows)
        db.session.execute(insert(RetailerGrade), grades)
        db.session.execute(insert(OrderingFigure), figs)
        db.session.commit()
    # a published run to compare with (the previous month), one row per licence
    prev = ServiceRun(cycle="2027-01", as_of=dt.date(2026, 12, 20), state="published", policy_version="2026.1",
                      licence_count=n, summary={}, published_at=now)
    db.session.add(prev)
    db.session.commit()
    db.session.execute(text(
        "INSERT INTO service_rows (run_id, retailer_id, unit_id, grade, base_tier, base_source, class_code, tier, "
        "coefficient_pct, scarce_priority, suspended, changed, reasons, proposal) "
        "SELECT :run, r.id, r.unit_id, g.grade, r.tier, 'ordering', 'CZ2', r.tier, 100, 3, :f, :f, '[]', NULL "
        "FROM retailers r JOIN retailer_grades g ON g.retailer_id = r.id"), {"run": prev.id, "f": False})
    records, flags, held = [], [], []
    for i in rng.sample(range(1, n + 1), max(1, n // 200)):
        decided = TODAY - dt.timedelta(days=rng.randint(1, 200))
        records.append({"retailer_id": i, "operator_id": i, "indicator_code": "ZM11", "catalogue_version": "2026.1",
                        "dimension": "monopoly", "quantity": rng.randint(1, 120), "nominal_points": -12,
                        "occurred_on": decided - dt.timedelta(days=5), "recorded_at": now, "source": "supervisor",
                        "status": "confirmed", "disputed": False, "case_number": f"淮烟专罚〔2026〕{i}号",
                        "decided_on": decided, "description": "", "evidence": []})
    for i in rng.sample(range(1, n + 1), max(1, n // 500)):
        flags.append({"retailer_id": i, "unit_id": units[i % len(units)].id, "category": "low_income",
                      "evidence": "低保证", "note": "", "review_on": TODAY + dt.timedelta(days=100), "set_at": now})
    for i in rng.sample(range(1, n + 1), max(1, n // 1000)):
        held.append({"retailer_id": i, "unit_id": units[i % len(units)].id, "kind": "grade",
                     "cause_key": f"grade:bench{i}", "run_id": prev.id, "grade": "D", "legal_basis": "依据",
                     "reasons": [], "starts_on": dt.date(2027, 1, 1), "status": "active", "decided_at": now,
                     "objection_until": TODAY})
    for table, data in ((CreditRecord, records), (HardshipFlag, flags), (SupplySuspension, held)):
        for start in range(0, len(data), CHUNK):
            db.session.execute(insert(table), data[start:start + CHUNK])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    print(f"  generated {n:,} licences in {time.perf_counter() - t0:.0f} s: {len(records):,} out-of-area records, "
          f"{len(flags):,} hardship flags, {len(held):,} suspensions in force", flush=True)


def measure(db, n, repeat):
    from app.service import runs
    from app.service.models import ServiceRow, ServiceRun

    db.session.execute(text("CREATE TABLE floor_rows (retailer_id integer, unit_id integer, grade varchar(3), "
                            "base_tier integer, tier integer, coefficient_pct integer, reasons text)"))
    db.session.commit()

    def floor():
        db.session.execute(text("DELETE FROM floor_rows"))
        db.session.commit()
        t0 = time.perf_counter()
        rows = db.session.execute(text(
            "SELECT r.id, r.unit_id, g.grade, f.base_tier FROM retailers r "
            "JOIN retailer_grades g ON g.retailer_id = r.id "
            "LEFT JOIN ordering_figures f ON f.retailer_id = r.id AND f.month = '2026-12' "
            "WHERE r.status = 'active'")).all()
        out = [{"r": rid, "u": unit, "g": grade, "b": base or 0, "t": base or 0, "c": 100, "x": "[]"}
               for rid, unit, grade, base in rows]
        for start in range(0, len(out), 2000):
            db.session.execute(text("INSERT INTO floor_rows VALUES (:r, :u, :g, :b, :t, :c, :x)"), out[start:start + 2000])
        db.session.commit()
        return time.perf_counter() - t0, len(rows)

    def run_once():
        db.session.execute(text("DELETE FROM service_rows WHERE run_id IN (SELECT id FROM service_runs "
                                "WHERE state = 'draft')"))
        db.session.execute(text("DELETE FROM service_runs WHERE state = 'draft'"))
        db.session.commit()
        t0 = time.perf_counter()
        run = runs.compute(CYCLE, None, today=TODAY)
        db.session.commit()
        return time.perf_counter() - t0, run

    floors, computes = [], []
    run = None
    for _ in range(repeat):
        seconds, rows = floor()
        floors.append(seconds)
        seconds, run = run_once()
        computes.append(seconds)
    f, c = statistics.median(floors), statistics.median(computes)
    written = db.session.scalar(text("SELECT count(*) FROM service_rows WHERE run_id = :r"), {"r": run.id})
    print(f"  floor (bare SELECT of the inputs + INSERT of as many rows): median {f:7.2f} s  "
          f"({', '.join(f'{x:.2f}' for x in floors)})")
    print(f"  service run (runs.compute):                               median {c:7.2f} s  "
          f"({', '.join(f'{x:.2f}' for x in computes)})")
    print(f"  ratio run / floor: {c / f:.1f}; {written:,} rows written; summary {run.summary}", flush=True)
    _ = (ServiceRow, ServiceRun, n)
    return {"floor": f, "run": c, "ratio": c / f, "rows": written}


def bench_sqlite(args):
    tmp = tempfile.mkdtemp(prefix="credit-bench-")
    url = f"sqlite:///{tmp}/service.sqlite3"
    print(f"SQLite: {args.sqlite_retailers:,} licences ({tmp})", flush=True)
    app = make_app(url)
    try:
        with app.app_context():
            from flask_migrate import upgrade

            from app.extensions import db

            upgrade()
            generate(db, args.sqlite_retailers, args.seed)
            out = measure(db, args.sqlite_retailers, args.repeat)
            print(f"  target: <= 5 s for 20,000 licences -> {'met' if out['run'] <= 5 else 'NOT met'}")
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
            out = measure(db, args.pg_retailers, args.repeat)
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
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    if args.only in (None, "sqlite"):
        bench_sqlite(args)
    if args.only in (None, "postgresql"):
        bench_pg(args)


if __name__ == "__main__":
    main()
