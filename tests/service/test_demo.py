"""The demo has the service side: figures for six months by format and area, and this month's
published service run whose D shops have supply suspended by decision, with notices."""
import re
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.retailers.models import Retailer
from app.service.models import OrderingFigure, ServiceRow, ServiceRun, SupplySuspension

TODAY = date(2026, 11, 29)


def test_demo_has_figures_and_a_published_run(app, clock):
    clock(TODAY)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["demo", "load", "--seed", "7", "--retailers", "600"])
    assert out.exit_code == 0, out.output
    assert "service run 2026-11: published" in out.output
    active = db.session.scalar(select(func.count(Retailer.id)).where(Retailer.status == "active"))
    months = sorted(db.session.scalars(select(OrderingFigure.month).distinct()))
    assert months == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    assert db.session.scalar(select(func.count(OrderingFigure.id))) == 6 * active
    codes = set(db.session.scalars(select(OrderingFigure.class_code)))
    assert all(re.fullmatch(r"[CX][ZBSNYFQ][1-3]", c) for c in codes) and len(codes) > 6
    # bigger formats order more than groceries of the same tier
    run = db.session.scalars(select(ServiceRun)).one()
    assert run.state == "published" and run.cycle == "2026-11" and run.licence_count == active
    assert run.export_sha256
    d_rows = db.session.scalars(select(ServiceRow).where(ServiceRow.run_id == run.id, ServiceRow.grade == "D")).all()
    held = {s.retailer_id for s in db.session.scalars(select(SupplySuspension))}
    assert all(r.suspended and r.retailer_id in held for r in d_rows)
    shares = run.summary["grades"]
    assert shares.get("A", 0) > 0.6 * active
