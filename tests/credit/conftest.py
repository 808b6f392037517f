"""Fixtures for the credit tests: shipped versions stored, a supervisor, a marketer and shops."""
from datetime import date, timedelta

import pytest

from app.common.time import local_today
from app.extensions import db


@pytest.fixture
def versions_synced(app, units):
    from app.credit.versions import sync_shipped

    sync_shipped()
    db.session.commit()


@pytest.fixture
def today():
    return local_today()


@pytest.fixture
def ago(today):
    def f(days):
        return today - timedelta(days=days)

    return f


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor")


@pytest.fixture
def shop(make_retailer, versions_synced):
    return make_retailer(licence_issued_on=date(2020, 1, 1))
