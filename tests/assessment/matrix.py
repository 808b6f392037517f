"""The report the access matrix needs (tests/auth/test_access_matrix.py): one monthly update of the
owner's county, with its file, made once per world."""
import hashlib
import os

from app.assessment.figures import previous_month
from app.common.time import local_today
from app.extensions import db
from app.reports import bureau
from app.reports.models import BureauReport
from app.retailers.models import Retailer


def county_report(w):
    if "county_report" not in w:
        shop = db.session.get(Retailer, w["retailer"])
        data = b"%PDF-1.7\n% matrix\n"
        key = f"matrix/monthly_update-{shop.unit_id}-{w['retailer']}.pdf"
        os.makedirs(os.path.join(bureau.reports_dir(), "matrix"), exist_ok=True)
        with open(os.path.join(bureau.reports_dir(), key), "wb") as fh:
            fh.write(data)
        row = BureauReport(kind="monthly_update", period=previous_month(local_today()), unit_id=shop.unit_id,
                           file_key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest())
        db.session.add(row)
        db.session.commit()
        w["county_report"] = row.id
    return w["county_report"]


def request_form(w):
    from tests.conftest import COUNTY

    return {"kind": "monthly_update", "period": previous_month(local_today()), "unit": COUNTY}
