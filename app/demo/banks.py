"""Demo data of the open data and the banks (信易贷): two banks (partner accounts with demo tokens), the demo
retailer's consent to one of them with a few queries it made (the retailer sees them), a few other
licences' consents, and the open data set of the published quarter (as the hourly job would make it)."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select, update

from app.auth.models import ApiToken, User
from app.auth.services import _sha256
from app.banks import services as banks
from app.banks.models import BankConsent, BankQuery
from app.common.time import utcnow
from app.extensions import db
from app.notices.models import Notice
from app.retailers.models import Retailer

BANKS = (("bank_jsb", "江苏银行淮安分行"), ("bank_rcb", "淮安农村商业银行"))


def load_banks(seed: int, today, pw_hash: str, token_for) -> dict:
    rng = random.Random(f"{seed}:banks")
    made = []
    for username, name in BANKS:
        user = User(username=username, display_name=name, role="partner", password_hash=pw_hash,
                    must_change_password=False, is_enabled=True)
        db.session.add(user)
        db.session.flush()
        raw = token_for(username)
        db.session.add(ApiToken(user_id=user.id, name="demo", prefix=raw[:12], token_hash=_sha256(raw)))
        made.append((banks.register_bank(user, name), username, raw))
    consents = queries = 0
    demo = db.session.scalars(select(User).where(User.username == "retailer_demo")).first()
    if demo is not None and demo.retailers:
        shop = demo.retailers[0]
        granted = today - timedelta(days=20)
        consent = banks.grant(shop, made[0][0].id, "report", 6, demo, today=granted)
        _date_back(BankConsent, consent.id, "granted_at", granted)
        consents += 1
        for days_ago, kind in ((18, "grade"), (9, "report"), (2, "grade")):
            q = banks.log_query(made[0][0].user, made[0][0], shop, consent, kind, grade="A")
            when = _date_back(BankQuery, q.id, "at", today - timedelta(days=days_ago))
            db.session.execute(update(Notice).where(Notice.dedupe_key == f"bankq:{q.id}").values(created_at=when))
            queries += 1
    active = list(db.session.scalars(select(Retailer).where(Retailer.status == "active").order_by(Retailer.id)
                                     .limit(300)))
    for shop in rng.sample(active, min(12, len(active))):
        bank = made[rng.randrange(len(made))][0]
        granted = today - timedelta(days=rng.randint(0, 80))
        consent = banks.grant(shop, bank.id, rng.choice(("grade", "report")), rng.choice(banks.DURATIONS), None,
                              today=granted)
        _date_back(BankConsent, consent.id, "granted_at", granted)
        consents += 1
    return {"banks": len(made), "consents": consents, "queries": queries,
            "tokens": [(username, raw) for _b, username, raw in made]}


def _date_back(model, row_id, column, day):
    when = datetime.combine(day, time(2, rng_minute(row_id)))  # 10:xx in the bureau's time (UTC+8)
    when = min(when, utcnow())
    db.session.execute(update(model).where(model.id == row_id).values({column: when}))
    return when


def rng_minute(row_id: int) -> int:
    return (row_id * 7) % 60


def load_open_data(today) -> dict:
    from app.opendata.services import export_due

    return export_due(today)
