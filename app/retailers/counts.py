"""One count of a county's retailers for every page: the licences in the register (在册), that is
every licence not cancelled (active or suspended), whatever its expiry date (an expired licence is
still supervised until it is cancelled). Pages that show a smaller population (the draw pool of a
plan: active licences only) say so in their own words."""
from sqlalchemy import case, func, select

from app.extensions import db
from app.retailers.models import Retailer


def registered():
    """The WHERE clause of "in the register"."""
    return Retailer.status != "cancelled"


def summary(user) -> dict:
    """For the user's scope: registered (active + suspended), active, suspended, and of the registered
    how many licences have expired."""
    from app.auth import policy
    from app.common.time import local_today

    today = local_today()
    stmt = policy.scope(user, "retailers.read", select(
        func.count(Retailer.id),
        func.sum(case((Retailer.status == "active", 1), else_=0)),
        func.sum(case((Retailer.status == "suspended", 1), else_=0)),
        func.sum(case((Retailer.licence_expires_on < today, 1), else_=0))), Retailer).where(registered())
    total, active, suspended, expired = db.session.execute(stmt).one()
    return {"registered": total or 0, "active": active or 0, "suspended": suspended or 0, "expired": expired or 0}
