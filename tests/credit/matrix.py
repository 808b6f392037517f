"""The credit objects the access matrix needs (tests/auth/test_access_matrix.py): the shipped
versions stored, a suspected record on the owner's licence, a CSV file and new version texts,
made on first use by the URL or body lambdas."""
import io
import re
from datetime import timedelta

from app.common.time import local_today
from app.extensions import db
from scoring.catalogue import CATALOGUE_DIR
from scoring.policy import POLICY_DIR


def credit(w, key):
    if "credit" not in w:
        from app.credit import recording
        from app.credit.versions import sync_shipped
        from app.retailers.models import Retailer

        sync_shipped()
        shop = db.session.get(Retailer, w["retailer"])
        rec = recording.create_record(shop, "ZM08", occurred_on=local_today() - timedelta(days=10),
                                     source="inspection", actor=w["users"]["inspector"], description="未设置标志")
        db.session.commit()
        w["credit"] = {"record": rec.id, "catalogue": "2026.1", "policy": "2026.1"}
    return w["credit"][key]


def csv_upload(w):
    """A multipart form with a one-row CSV for the owner's licence (a fresh stream each time)."""
    credit(w, "record")
    day = (local_today() - timedelta(days=20)).isoformat()
    text = ("licence_no,indicator_code,occurred_on,quantity,decided_on,case_number,description\n"
            f"{w['licence_no']},YX01,{day},,{day},,逾期结算\n")
    return {"file": (io.BytesIO(text.encode("utf-8")), "late.csv")}


def _next_version(path, year):
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'^version: ".*"$', f'version: "{year}.1"', text, flags=re.M)
    return re.sub(r"^effective_from: .*$", f"effective_from: {year}-01-01", text, flags=re.M)


def new_catalogue(w):
    credit(w, "record")
    return {"source_text": _next_version(CATALOGUE_DIR / "2026.1.yaml", local_today().year + 1)}


def new_policy(w):
    credit(w, "record")
    return {"source_text": _next_version(POLICY_DIR / "2026.1.yaml", local_today().year + 1)}
