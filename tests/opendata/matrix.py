"""Open data and banks for the access matrix (tests/auth/test_access_matrix.py): a published quarter made
open data (its CSV on disk), and the partner principal registered as a bank that the owner's licence
consented to (scope: the credit report), made once per world."""
from datetime import date, timedelta

from app.banks import services as banks
from app.banks.models import Bank
from app.common.time import local_today, utcnow
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from app.opendata.services import export_due
from app.retailers.models import Retailer


def quarter(w):
    """The quarter of the world's open data set: an old one, so that the evaluation cases may still run and
    publish the last quarter in the same world."""
    if "open_quarter" not in w:
        today = local_today()
        run = EvaluationRun(quarter="2025Q4", as_of=date(2025, 12, 31), status="published",
                            retailer_count=1, published_at=utcnow() - timedelta(days=40),
                            objection_closes_on=today - timedelta(days=19), summary={})
        db.session.add(run)
        db.session.flush()
        for shop in db.session.query(Retailer).all():
            db.session.add(EvaluationRow(run_id=run.id, retailer_id=shop.id, unit_id=shop.unit_id, score=100,
                                         monopoly=0, marketing=0, social=0, score_grade="A", grade="A"))
        export_due(today)
        db.session.commit()
        w["open_quarter"] = run.quarter
    return w["open_quarter"]


def bank(w):
    """The partner principal as a bank, with the owner licence's consent (scope report): its licence number."""
    if "bank_id" not in w:
        partner = w["users"]["partner_session"]
        b = db.session.query(Bank).filter_by(user_id=partner.id).first() or banks.register_bank(partner, "淮安测试银行")
        shop = db.session.get(Retailer, w["retailer"])
        consent = banks.grant(shop, b.id, "report", 3, w["users"]["retailer"])
        db.session.commit()
        w["bank_id"], w["consent"] = b.id, consent.id
    return w["licence_no"]


def bank_id(w):
    bank(w)
    return w["bank_id"]


def consent(w):
    bank(w)
    return w["consent"]


def new_bank_body(w):
    """A partner account not yet a bank, for the admin's registration."""
    import secrets

    from app.auth.models import User

    user = User(username="bank_new_" + secrets.token_hex(3), display_name="新银行", role="partner", password_hash="x",
                is_enabled=True)
    db.session.add(user)
    db.session.commit()
    return {"username": user.username, "name": "新设银行" + str(user.id)}
