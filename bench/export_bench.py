"""Benchmark of an Excel export (导出Excel) of the retailer list: 20,000 licences. Prints figures; not a
timed test.

A city of N licences (eight counties, live grades in a real city's mix) is inserted straight into a
fresh SQLite database built by the migrations (not timed); a city-level supervisor exports the whole
register (the page's default filter). Median of --repeat runs each, alternated:

  floor:   a bare SELECT of the same data (licences ⨝ counties ⨝ live grades, fetched as tuples) written
           with openpyxl in write-only mode as plain values, no header styling, no labels, no date cells:
           reading the data and writing an .xlsx of the same size, nothing else
  export:  app.exports.services.write for the "retailers" list: the page's own query in the supervisor's
           scope, count, streamed by chunks of 500, each chunk's live grades, licence states and format
           labels, typed cells (dates as dates), frozen header, autofilter

and the ratio export / floor. Target: 20,000 rows in <= 30 s on a shared 2-core machine (a supervisor
waits on the job page), and the export within 3x the floor.

    .venv/bin/python bench/export_bench.py [--retailers 20000] [--repeat 3]
"""
import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert, text  # noqa: E402

GRADES = [("A", 90.0), ("AA", 7.0), ("AAA", 0.5), ("B", 1.5), ("C", 0.6), ("D", 0.4)]
FORMATS = ["grocery", "grocery", "grocery", "convenience", "supermarket", "other"]
CHUNK = 5_000


def generate(db, n, seed):
    from app.credit.models import RetailerGrade
    from app.org.services import ensure_units
    from app.retailers.models import Operator, Retailer

    rng = random.Random(seed)
    units = [u for code, u in sorted(ensure_units().items()) if u.level == "county"]
    db.session.commit()
    now = dt.datetime(2026, 11, 29, 2, 0)
    today = dt.date(2026, 11, 29)
    for start in range(1, n + 1, CHUNK):
        ids = range(start, min(n, start + CHUNK - 1) + 1)
        db.session.execute(insert(Operator), [{"id": i, "id_hash": f"{i:064x}", "name": f"经营者{i}", "created_at": now}
                                              for i in ids])
        rows, grades = [], []
        for i in ids:
            unit = units[i % len(units)]
            rows.append({"id": i, "licence_no": f"{unit.code}{i:06d}"[-12:], "shop_name": f"测试便利店{i}",
                         "name_initials": "csbld", "operator_id": i, "operator_name": "王某某", "phone": None,
                         "address": "江苏省淮安市", "lat": None, "lng": None, "unit_id": unit.id,
                         "market_type": "city", "business_format": FORMATS[i % 6],
                         "licence_issued_on": dt.date(2020, 1, 1),
                         "licence_expires_on": dt.date(2026, 12, 1) + dt.timedelta(days=rng.randint(0, 2000)),
                         "status": "active", "tier": rng.randint(1, 30), "created_at": now, "updated_at": now,
                         "version": 1})
            x, acc, grade = rng.random() * 100, 0.0, "A"
            for g, share in GRADES:
                acc += share
                if x <= acc:
                    grade = g
                    break
            grades.append({"retailer_id": i, "score": 100, "grade": grade, "score_grade": grade, "monopoly": 0,
                           "marketing": 0, "social": 0, "as_of": today, "valid_until": None,
                           "policy_version": "2026.1", "computed_at": now})
        db.session.execute(insert(Retailer), rows)
        db.session.execute(insert(RetailerGrade), grades)
        db.session.commit()


def supervisor(db):
    from app.auth.models import User
    from app.org.models import OrgUnit

    city = db.session.query(OrgUnit).filter(OrgUnit.code == "320800").one()
    user = User(username="bench_sup", display_name="测试", role="supervisor", unit=city, password_hash="x",
                is_enabled=True)
    db.session.add(user)
    db.session.commit()
    return user


def floor(db, path):
    from openpyxl import Workbook

    rows = db.session.execute(text(
        "SELECT r.licence_no, r.shop_name, u.name, r.business_format, r.tier, g.grade, r.status, r.licence_expires_on "
        "FROM retailers r JOIN org_units u ON u.id = r.unit_id LEFT JOIN retailer_grades g ON g.retailer_id = r.id "
        "WHERE r.status != 'cancelled' ORDER BY r.licence_no, r.id")).all()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("floor")
    for row in rows:
        ws.append([str(v) if v is not None else None for v in row])
    wb.save(path)
    return len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--retailers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    tmp = tempfile.mkdtemp(prefix="credit-bench-export-")
    os.environ.setdefault("INSTANCE_PATH", tmp)
    from app import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/export.sqlite3", EXPORT_DIR=tmp)
    try:
        with app.app_context(), app.test_request_context():
            from flask_babel import force_locale
            from flask_migrate import upgrade

            from app.auth.models import User
            from app.exports import services as exports
            from app.exports.registry import get
            from app.extensions import db

            upgrade()
            t0 = time.perf_counter()
            generate(db, args.retailers, args.seed)
            uid = supervisor(db).id
            print(f"SQLite: {args.retailers:,} licences generated in {time.perf_counter() - t0:.0f} s", flush=True)
            spec = get("retailers")
            params = {"list": "retailers", "filters": {}}
            times = {"floor": [], "export": []}
            rows = {}
            for k in range(args.repeat):
                t = time.perf_counter()
                rows["floor"] = floor(db, os.path.join(tmp, f"floor{k}.xlsx"))
                times["floor"].append(time.perf_counter() - t)
                db.session.rollback()
                db.session.expunge_all()
                t = time.perf_counter()
                user = db.session.get(User, uid)
                with force_locale("zh_Hans_CN"):
                    rows["export"] = exports.write(spec, user, params, os.path.join(tmp, f"export{k}.xlsx"))
                times["export"].append(time.perf_counter() - t)
                db.session.rollback()
                db.session.expunge_all()
            f, e = statistics.median(times["floor"]), statistics.median(times["export"])
            size = os.path.getsize(os.path.join(tmp, "export0.xlsx"))
            print(f"  floor  (SELECT + plain write-only xlsx): {f:6.2f} s  ({rows['floor']:,} rows)")
            print(f"  export (app.exports.services.write):     {e:6.2f} s  ({rows['export']:,} rows, "
                  f"{size / 1024 / 1024:.1f} MB, {rows['export'] / e:,.0f} rows/s)")
            print(f"  ratio export / floor: {e / f:.2f}")
            print(f"  target: <= 30 s for 20,000 rows -> {'met' if e <= 30 else 'NOT met'}; "
                  f"<= 3x floor -> {'met' if e / f <= 3 else 'NOT met'}")
            db.session.remove()
            db.engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
