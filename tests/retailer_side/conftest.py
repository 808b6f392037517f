"""Fixtures for the retailer side: a retailer with an account, records, a supervisor, a tiny JPEG."""
import io
from datetime import timedelta

import pytest
from PIL import Image

from app.common.time import local_today
from app.extensions import db
from tests.conftest import COUNTY, OTHER_COUNTY


def jpeg_bytes(colour=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def make_record():
    """make_record(retailer, code, decided_on, quantity=None, status="confirmed"): a record as the
    credit service would leave it (created + confirmed), with its status history."""
    from app.credit.models import CreditRecord, CreditRecordEvent
    from scoring import available_catalogues, catalogue_for

    def make(retailer, code, decided_on, quantity=None, status="confirmed", repaired_on=None):
        cat = catalogue_for(decided_on, available_catalogues())
        ind = cat.indicator(code)
        rec = CreditRecord(retailer_id=retailer.id, operator_id=retailer.operator_id, indicator_code=code,
                           catalogue_version=cat.version, dimension=ind.dimension, quantity=quantity,
                           nominal_points=ind.points_for(quantity), occurred_on=decided_on, source="supervisor",
                           status=status, decided_on=decided_on if status != "suspected" else None,
                           repaired_on=repaired_on, description="测试记录", evidence=[])
        db.session.add(rec)
        db.session.flush()
        db.session.add(CreditRecordEvent(record_id=rec.id, action="confirm", to_status=status))
        db.session.commit()
        return rec

    return make


@pytest.fixture
def shop(make_retailer, make_user):
    """A retailer at B (one general record of -10 and one minor of -3), its account, a supervisor."""
    retailer = make_retailer(county=COUNTY, shop_name="华兴便利店")
    owner = make_user("retailer", retailers=[retailer], username="shop_owner")
    sup = make_user("supervisor", COUNTY, username="county_sup")
    return {"retailer": retailer, "owner": owner, "sup": sup}


@pytest.fixture
def other_shop(make_retailer, make_user):
    retailer = make_retailer(county=OTHER_COUNTY, shop_name="别家超市")
    owner = make_user("retailer", OTHER_COUNTY, retailers=[retailer], username="other_owner")
    return {"retailer": retailer, "owner": owner}


def days_ago(n):
    return local_today() - timedelta(days=n)
