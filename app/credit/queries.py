"""Read side of credit records: the staff list with its filters, the confirmation queue, indicator names,
and the lookup of an existing record of the same fact."""

from sqlalchemy import func, select

from app.credit import versions
from app.credit.models import CreditRecord
from app.extensions import db
from app.retailers.models import Retailer


def list_query(user, args: dict, *, action="credit.read"):
    from app.auth import policy

    stmt = policy.scope(user, action, select(CreditRecord), CreditRecord)
    if args.get("status"):
        stmt = stmt.where(CreditRecord.status == args["status"])
    if args.get("retailer_id"):
        stmt = stmt.where(CreditRecord.retailer_id == args["retailer_id"])
    if args.get("licence_no"):
        stmt = stmt.where(CreditRecord.retailer_id.in_(
            select(Retailer.id).where(Retailer.licence_no == args["licence_no"])))
    if args.get("indicator_code"):
        stmt = stmt.where(CreditRecord.indicator_code == args["indicator_code"].upper())
    for name in ("dimension", "source"):
        if args.get(name):
            stmt = stmt.where(getattr(CreditRecord, name) == args[name])
    if "disputed" in args:
        stmt = stmt.where(CreditRecord.disputed == args["disputed"])
    if args.get("occurred_from"):
        stmt = stmt.where(CreditRecord.occurred_on >= args["occurred_from"])
    if args.get("occurred_to"):
        stmt = stmt.where(CreditRecord.occurred_on <= args["occurred_to"])
    if args.get("decided_from"):
        stmt = stmt.where(CreditRecord.decided_on >= args["decided_from"])
    if args.get("decided_to"):
        stmt = stmt.where(CreditRecord.decided_on <= args["decided_to"])
    order = {"-recorded_at": (CreditRecord.recorded_at.desc(), CreditRecord.id.desc()),
             "recorded_at": (CreditRecord.recorded_at, CreditRecord.id),
             "-occurred_on": (CreditRecord.occurred_on.desc(), CreditRecord.id.desc()),
             "occurred_on": (CreditRecord.occurred_on, CreditRecord.id)}[args.get("sort") or "-recorded_at"]
    return stmt.order_by(*order)


def queue_query(user, args: dict | None = None):
    """Suspected violations awaiting a decision, oldest first (by date found, then by entry);
    filtered by county (unit code), indicator and age (waiting at least min_days, at most max_days
    since found)."""
    from datetime import timedelta

    from app.auth import policy
    from app.common.time import local_today
    from app.org.models import OrgUnit

    args = args or {}
    stmt = (policy.scope(user, "credit.decide", select(CreditRecord), CreditRecord)
            .where(CreditRecord.status == "suspected"))
    if args.get("unit"):
        stmt = stmt.where(CreditRecord.retailer_id.in_(
            select(Retailer.id).join(OrgUnit, OrgUnit.id == Retailer.unit_id).where(OrgUnit.code == args["unit"])))
    if args.get("indicator_code"):
        stmt = stmt.where(CreditRecord.indicator_code == args["indicator_code"].upper())
    if args.get("min_days"):
        stmt = stmt.where(CreditRecord.occurred_on <= local_today() - timedelta(days=args["min_days"]))
    if args.get("max_days") is not None:
        stmt = stmt.where(CreditRecord.occurred_on >= local_today() - timedelta(days=args["max_days"]))
    return stmt.order_by(CreditRecord.occurred_on, CreditRecord.recorded_at, CreditRecord.id)


def count_suspected(user) -> int:
    from app.auth import policy

    stmt = policy.scope(user, "credit.decide", select(func.count(CreditRecord.id)), CreditRecord)
    return db.session.scalar(stmt.where(CreditRecord.status == "suspected")) or 0


def indicator_names(code: str, version: str) -> tuple[str, str]:
    cats = versions.catalogues()
    catalogue = cats.get(version)
    if catalogue is None or code not in catalogue:
        return code, code
    indicator = catalogue.indicator(code)
    return indicator.name_zh, indicator.name_en
