"""Fixtures for customer tiers and supply: shipped credit versions, a city marketing supervisor, an
ordering-system account with a token, shops, and helpers that give a shop a grade by its records."""
import secrets
from datetime import date, timedelta

import pytest

from app.auth.models import ApiToken
from app.auth.services import _sha256
from app.common.time import local_today
from app.credit import recording
from app.extensions import db


@pytest.fixture
def synced(app, units):
    from app.credit.versions import sync_shipped

    sync_shipped()
    db.session.commit()


@pytest.fixture
def mkt(make_user):
    return make_user("mkt_supervisor", city=True)


@pytest.fixture
def ordering(make_user):
    """(user, raw token) of the ordering system."""
    user = make_user("ordering")
    raw = "crd_" + secrets.token_urlsafe(16)
    db.session.add(ApiToken(user_id=user.id, name="订货系统", prefix=raw[:12], token_hash=_sha256(raw)))
    db.session.commit()
    return user, raw


@pytest.fixture
def shops(make_retailer, synced):
    def make(n=1, **fields):
        fields.setdefault("licence_issued_on", date(2020, 1, 1))
        return [make_retailer(shop_name=f"测试店{i}", operator_id=None, **fields) for i in range(n)]

    return make


def veto(shop, actor, days_ago=30):
    """A confirmed sale of counterfeit cigarettes: grade D (veto) for three years."""
    today = local_today()
    rec = recording.create_record(shop, "ZM01", occurred_on=today - timedelta(days=days_ago + 10), source="supervisor",
                                  actor=actor, description="查获假冒卷烟 3 条", status="confirmed",
                                  decided_on=today - timedelta(days=days_ago), case_number=f"淮烟专罚〔2026〕{shop.id}号")
    db.session.commit()
    return rec


def out_of_area(shop, actor, quantity, days_ago=5):
    """Confirmed cartons coded for another area (ZM11), by quantity."""
    today = local_today()
    rec = recording.create_record(shop, "ZM11", occurred_on=today - timedelta(days=days_ago + 3), source="supervisor",
                                  actor=actor, description=f"查获非本区域卷烟 {quantity} 条", status="confirmed",
                                  quantity=quantity, decided_on=today - timedelta(days=days_ago),
                                  case_number=f"淮烟专罚〔2026〕Z{shop.id}号")
    db.session.commit()
    return rec
