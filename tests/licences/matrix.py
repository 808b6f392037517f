"""The licence check the access matrix needs (tests/auth/test_access_matrix.py): one open check of
the owner's shop, made once per world."""
from app.common.time import local_today
from app.extensions import db
from app.licences.models import LicenceCheck
from app.retailers.models import Retailer


def lcheck(w):
    if "lcheck" not in w:
        shop = db.session.get(Retailer, w["retailer"])
        check = LicenceCheck(retailer_id=shop.id, unit_id=shop.unit_id, reason="not_found_repeatedly",
                             status="open", inspection_ids=[], opened_on=local_today())
        db.session.add(check)
        db.session.commit()
        w["lcheck"] = check.id
    return w["lcheck"]


def lcheck_proposed(w):
    """A closed check that found the shop closed down: its licence is proposed for cancellation."""
    if "lcheck_proposed" not in w:
        shop = db.session.get(Retailer, w["retailer"])
        check = LicenceCheck(retailer_id=shop.id, unit_id=shop.unit_id, reason="not_found_repeatedly",
                             status="closed", inspection_ids=[], opened_on=local_today(), outcome="closed_down",
                             note="店铺已停业", cancellation="proposed")
        db.session.add(check)
        db.session.commit()
        w["lcheck_proposed"] = check.id
    return w["lcheck_proposed"]
