"""Benchmark of the exchange with the local credit platform: a whole city's day to files, on SQLite.

A fresh SQLite file built by the migrations; 20,000 retailers (bulk inserted), a published quarterly
evaluation whose objection window has closed (20,000 grade rows) and 500 confirmed administrative
penalties (ZM04). Timed (not the data generation):

  exchange: app.exchange.services.sync_items + build_batch (files only: grades, penalties, lists,
            withdrawals as CSV and JSON, the manifest and its SHA-256), committed
  floor:    the same rows read with one plain SELECT each and written as CSV and JSON with their SHA-256,
            nothing else (the I/O any exporter must do), measured in the same run

Target: exchange <= 10 s. Prints both and the ratio.

    .venv/bin/python bench/exchange_bench.py [--retailers 20000 --penalties 500]
"""
import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert, select  # noqa: E402


def build(n_retailers, n_penalties, today):
    from app.credit.models import CreditRecord
    from app.evaluation.models import EvaluationRow, EvaluationRun
    from app.extensions import db
    from app.org.services import ensure_units
    from app.retailers.models import Operator, Retailer

    units = ensure_units()
    counties = [u for u in units.values() if u.level == "county"]
    db.session.commit()
    db.session.execute(insert(Operator), [{"id": i, "id_hash": f"{i:064x}", "name": f"经营者{i}"}
                                          for i in range(1, n_retailers + 1)])
    db.session.execute(insert(Retailer), [{
        "id": i, "licence_no": f"{320800000000 + i}", "shop_name": f"便利店{i}", "name_initials": "bld",
        "operator_id": i, "operator_name": "王小明", "address": "淮安市清江浦区", "unit_id": counties[i % len(counties)].id,
        "market_type": "city", "business_format": "convenience", "licence_issued_on": dt.date(2020, 1, 1),
        "licence_expires_on": dt.date(2030, 1, 1), "status": "active", "tier": 10, "version": 1}
        for i in range(1, n_retailers + 1)])
    run = EvaluationRun(quarter="2026Q3", as_of=dt.date(2026, 9, 30), status="published",
                        published_at=dt.datetime(2026, 10, 10), objection_closes_on=today - dt.timedelta(days=1),
                        retailer_count=n_retailers, summary={})
    db.session.add(run)
    db.session.flush()
    grades = ["A"] * 90 + ["AA"] * 7 + ["AAA", "B", "C"]
    db.session.execute(insert(EvaluationRow), [{
        "run_id": run.id, "retailer_id": i, "unit_id": counties[i % len(counties)].id, "score": 100, "monopoly": 0,
        "marketing": 0, "social": 0, "score_grade": "A", "grade": grades[i % len(grades)], "previous_grade": "A"}
        for i in range(1, n_retailers + 1)])
    db.session.execute(insert(CreditRecord), [{
        "retailer_id": 1 + (k * 37) % n_retailers, "operator_id": 1 + (k * 37) % n_retailers, "indicator_code": "ZM04",
        "catalogue_version": "2026.1", "dimension": "monopoly", "nominal_points": -10,
        "occurred_on": today - dt.timedelta(days=30 + k % 200), "decided_on": today - dt.timedelta(days=20 + k % 200),
        "recorded_at": dt.datetime(2026, 10, 1), "source": "supervisor", "status": "confirmed", "disputed": False,
        "case_number": f"淮烟罚〔2026〕{k + 1}号", "description": "超越许可范围经营卷烟", "evidence": []}
        for k in range(n_penalties)])
    db.session.commit()
    return run


def floor(folder, run_id):
    from app.credit.models import CreditRecord
    from app.evaluation.models import EvaluationRow
    from app.extensions import db
    from app.retailers.models import Retailer

    os.makedirs(folder, exist_ok=True)
    tables = {
        "grades": list(db.session.execute(select(Retailer.licence_no, Retailer.shop_name, EvaluationRow.grade)
                                          .join(Retailer, Retailer.id == EvaluationRow.retailer_id)
                                          .where(EvaluationRow.run_id == run_id)).all()),
        "penalties": list(db.session.execute(select(CreditRecord.case_number, CreditRecord.decided_on,
                                                    CreditRecord.description, Retailer.shop_name)
                                             .join(Retailer, Retailer.id == CreditRecord.retailer_id)).all())}
    for name, rows in tables.items():
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        for ext, data in (("csv", buf.getvalue().encode()),
                          ("json", json.dumps([list(map(str, r)) for r in rows], ensure_ascii=False).encode())):
            with open(os.path.join(folder, f"{name}.{ext}"), "wb") as f:
                f.write(data)
            hashlib.sha256(data).hexdigest()
    db.session.rollback()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--retailers", type=int, default=20000)
    ap.add_argument("--penalties", type=int, default=500)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="exchange-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app("development", SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"], EXCHANGE_DIR=f"{tmp}/exchange",
                     EXCHANGE_URL=None)
    with app.app_context():
        upgrade()
        today = dt.date(2026, 11, 20)
        t0 = time.perf_counter()
        run = build(args.retailers, args.penalties, today)
        print(f"data: {args.retailers} retailers, {args.penalties} penalties generated in "
              f"{time.perf_counter() - t0:.1f} s (not timed)")

        t0 = time.perf_counter()
        floor(f"{tmp}/floor", run.id)
        t_floor = time.perf_counter() - t0

        from app.exchange import services

        t0 = time.perf_counter()
        counts = services.sync_items(today)
        batch = services.build_batch(today)
        db.session.commit()
        t_ex = time.perf_counter() - t0
        print(f"exchange: {t_ex:.2f} s  (items {counts}, batch {batch.counts}, files in {batch.folder})")
        print(f"floor:    {t_floor:.2f} s  (plain SELECT + CSV/JSON + SHA-256 of the same rows)")
        print(f"ratio exchange/floor: {t_ex / t_floor:.1f}x   target exchange <= 10 s: "
              f"{'OK' if t_ex <= 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
