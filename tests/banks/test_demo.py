"""The demo city has banks with a consent and queries the demo retailer sees, and the open data set of its
published quarter (CSV on disk) as the hourly job would have made it."""
import os
from datetime import date

from sqlalchemy import func, select

from app.banks.models import Bank, BankConsent, BankQuery
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from app.opendata.models import OpenDataset
from app.opendata.services import csv_file
from tests.conftest import Session


def test_demo_has_banks_consents_queries_and_open_data(app, clock):
    clock(date(2026, 12, 5))
    runner = app.test_cli_runner()
    out = runner.invoke(args=["demo", "load", "--seed", "7", "--retailers", "300"])
    assert out.exit_code == 0, out.output
    assert "bank_jsb" in out.output  # its demo token is printed with the other partners'
    assert {b.name for b in db.session.scalars(select(Bank))} == {"江苏银行淮安分行", "淮安农村商业银行"}
    assert db.session.scalar(select(func.count(BankConsent.id))) >= 10
    # the demo publishes its two last quarters: the open data set served is the latest one's
    run = db.session.scalars(select(EvaluationRun).where(EvaluationRun.status == "published")
                             .order_by(EvaluationRun.quarter.desc())).first()
    dataset = db.session.scalars(select(OpenDataset).where(OpenDataset.run_id == run.id)).one()
    assert dataset.rows == db.session.scalar(
        select(func.count()).select_from(EvaluationRow).where(EvaluationRow.run_id == run.id))
    assert os.path.exists(csv_file(dataset))

    s = Session(app.test_client())
    assert s.login("retailer_demo", "Demo-2026").status_code == 302
    shop = s.get("/api/me/retailers").get_json()[0]
    page = s.get(f"/me/banks/{shop['id']}").get_data(as_text=True)
    assert page.count('data-testid="credit-query"') == 3 and "江苏银行淮安分行" in page
    assert db.session.scalar(select(func.count(BankQuery.id))) == 3
    public = app.test_client().get("/public?q=hxbl").get_data(as_text=True)
    assert 'data-testid="public-shop"' in public
