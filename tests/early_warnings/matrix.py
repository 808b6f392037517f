"""The warning the access matrix needs (tests/auth/test_access_matrix.py): one open warning of the
owner's shop, made once per world."""
from app.common.time import local_today
from app.extensions import db
from app.retailers.models import Retailer
from app.warnings.models import EarlyWarning


def warning(w):
    if "warning" not in w:
        shop = db.session.get(Retailer, w["retailer"])
        row = EarlyWarning(retailer_id=shop.id, unit_id=shop.unit_id, kind="suspected", status="open",
                           open_key=f"{shop.id}:suspected", raised_on=local_today(),
                           facts={"count": 1, "since": local_today().isoformat()})
        db.session.add(row)
        db.session.commit()
        w["warning"] = row.id
    return w["warning"]




def acted_warning(w):
    """An open warning already given an owner and an action, ready to close."""
    if "acted_warning" not in w:
        shop = db.session.get(Retailer, w["retailer"])
        owner = w["users"]["sup_county"]
        row = EarlyWarning(retailer_id=shop.id, unit_id=shop.unit_id, kind="overdue_rectification", status="open",
                           open_key=f"{shop.id}:overdue_rectification", raised_on=local_today(),
                           facts={"count": 1, "deadline": local_today().isoformat()}, owner_id=owner.id,
                           action="inspection", action_by_id=owner.id)
        db.session.add(row)
        db.session.commit()
        w["acted_warning"] = row.id
    return w["acted_warning"]
