"""Benchmark of the quarterly statistical analysis report (统计分析报告) for the whole city. Prints figures;
not a timed test.

A fresh SQLite file (or --url, e.g. an empty PostgreSQL database) gets the demo city (`flask demo load`:
20,000 licences by default, with their history, inspections, warnings and a published quarterly
evaluation); generating it is not timed. Then, median of --repeat runs each:

  figures: app.reports.bureau.content (every grouped query the report prints)
  render:  WeasyPrint turning the filled template (tables and SVG charts) into the PDF: the floor,
           since a report cannot be made faster than drawing it
  whole:   app.reports.bureau.generate (check, figures, render, file, row, audit entry), rolled back

and the whole against the target (<= 10 s) and against the floor.

    .venv/bin/python bench/report_bench.py
    .venv/bin/python bench/report_bench.py --retailers 5000 --repeat 3
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, select  # noqa: E402

TARGET_S = 10.0


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--retailers", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--url", default=None, help="an empty database (default: a temporary SQLite file)")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="credit-report-bench-")
    os.environ.setdefault("INSTANCE_PATH", os.path.join(tmp, "instance"))
    os.environ["REPORTS_DIR"] = os.path.join(tmp, "reports")
    url = args.url or f"sqlite:///{tmp}/demo.sqlite3"
    from app import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})
    with app.app_context(), app.test_request_context():
        from flask_babel import force_locale
        from flask_migrate import upgrade

        from app.demo.loader import load
        from app.evaluation.models import EvaluationRow, EvaluationRun
        from app.extensions import db
        from app.reports import bureau
        from app.retailers.models import Retailer

        upgrade()
        print(f"database: {db.engine.url.get_backend_name()} ({tmp})", flush=True)
        t0 = time.perf_counter()
        load(args.seed, args.retailers)
        db.session.commit()
        shops = db.session.scalar(select(func.count(Retailer.id)))
        run = db.session.scalars(select(EvaluationRun).where(EvaluationRun.status == "published")
                                 .order_by(EvaluationRun.quarter.desc())).first()
        if run is None:
            sys.exit("the demo city has no published evaluation: nothing to report on")
        rows = db.session.scalar(select(func.count()).select_from(EvaluationRow).where(EvaluationRow.run_id == run.id))
        print(f"demo city loaded in {time.perf_counter() - t0:.0f} s: {shops:,} licences; published {run.quarter} "
              f"with {rows:,} rows", flush=True)
        period = bureau.F.parse_period(run.quarter)
        with force_locale("zh_Hans_CN"):
            ctx = bureau.content("quarterly_analysis", period)
            size = len(bureau.render("quarterly_analysis", ctx))  # warm-up (fonts, templates)
            figures, f_times = median_time(lambda: bureau.content("quarterly_analysis", period), args.repeat)
            render, r_times = median_time(lambda: bureau.render("quarterly_analysis", ctx), args.repeat)

            def whole_once():
                bureau.generate("quarterly_analysis", run.quarter)
                db.session.rollback()  # the file goes with the rolled-back row (app.storage.pending)

            whole, w_times = median_time(whole_once, args.repeat)
    print(f"PDF: {size / 1024:.0f} KB")
    print(f"figures (SQL)   median {figures:6.2f} s  runs {', '.join(f'{t:.2f}' for t in f_times)}")
    print(f"render (floor)  median {render:6.2f} s  runs {', '.join(f'{t:.2f}' for t in r_times)}")
    print(f"whole generate  median {whole:6.2f} s  runs {', '.join(f'{t:.2f}' for t in w_times)}")
    verdict = "OK" if whole <= TARGET_S else "OVER"
    print(f"whole vs target {TARGET_S:.0f} s: {whole / TARGET_S:.2f} x ({verdict}); whole vs render floor: "
          f"{whole / render:.2f} x", flush=True)
    try:
        load_avg = os.getloadavg()
        print(f"load average {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f} (2 cores shared)")
    except OSError:
        pass


if __name__ == "__main__":
    main()
