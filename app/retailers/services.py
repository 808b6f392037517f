"""Changes to retailers. Each function checks, changes, flushes and writes the audit entry;
the caller (a view or a command) commits once, so a change and its audit entry land together."""
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.audit.services import record
from app.auth import policy
from app.common.errors import ServiceError
from app.common.time import utcnow
from app.common import uscc
from app.common.uscc import mask_id_number
from app.extensions import db
from app.org.models import OrgUnit
from app.retailers.identity import id_hash
from app.retailers.models import Operator, Retailer
from app.retailers.pinyin import initials

AUDITED_FIELDS = ("licence_no", "shop_name", "operator_name", "operator_id", "credit_code", "phone", "address", "lat", "lng",
                  "unit_id", "market_type", "business_format", "licence_issued_on", "licence_expires_on", "status",
                  "tier")


def snapshot(retailer: Retailer) -> dict:
    return {name: getattr(retailer, name) for name in AUDITED_FIELDS}


def _county(code: str) -> OrgUnit:
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code, OrgUnit.level == "county")).first()
    if unit is None:
        raise ServiceError({"unit": [_("Unknown county unit.")]})
    return unit


def find_or_create_operator(id_number: str, name: str) -> Operator:
    digest = id_hash(id_number)
    operator = db.session.scalars(select(Operator).where(Operator.id_hash == digest)).first()
    if operator is None:
        operator = Operator(id_hash=digest, name=name, id_masked=mask_id_number(id_number))
        db.session.add(operator)
        db.session.flush()
    return operator


def _check_scope(user, unit: OrgUnit):
    """A county supervisor writes only in their own county."""
    if user is None or user.role == "admin" or user.is_city_level:
        return
    if user.unit_id != unit.id:
        raise ServiceError({"unit": [_("You may only manage retailers of your own county.")]}, status=422)


def create_retailer(data: dict, *, actor) -> Retailer:
    unit = _county(data["unit"])
    _check_scope(actor, unit)
    errors = {}
    if not data["licence_no"].startswith(unit.code):
        errors["licence_no"] = [_("The licence number must start with the county code %(code)s.", code=unit.code)]
    elif db.session.scalars(select(Retailer.id).where(Retailer.licence_no == data["licence_no"])).first():
        errors["licence_no"] = [_("This licence number is already registered.")]
    if errors:
        raise ServiceError(errors)
    operator = find_or_create_operator(data["operator_id_number"], data["operator_name"])
    retailer = Retailer(
        licence_no=data["licence_no"], shop_name=data["shop_name"].strip(), name_initials=initials(data["shop_name"]),
        operator=operator, operator_name=data["operator_name"].strip(), phone=data.get("phone"),
        credit_code=uscc.normalise(data.get("credit_code")) or None,
        address=data["address"].strip(), lat=data.get("lat"), lng=data.get("lng"), unit=unit,
        market_type=data["market_type"], business_format=data["business_format"],
        licence_issued_on=data["licence_issued_on"], licence_expires_on=data["licence_expires_on"],
        status=data.get("status") or "active", tier=data["tier"],
    )
    db.session.add(retailer)
    db.session.flush()
    record("retailer.create", "retailer", retailer.id, after=snapshot(retailer), actor=actor)
    return retailer


def update_retailer(retailer: Retailer, data: dict, *, actor) -> Retailer:
    before = snapshot(retailer)
    if "licence_no" in data and data["licence_no"] != retailer.licence_no:
        raise ServiceError({"licence_no": [_("The licence number cannot be changed; register a new licence.")]})
    if "unit" in data:
        unit = _county(data["unit"])
        _check_scope(actor, unit)
        if unit.id != retailer.unit_id:
            raise ServiceError({"unit": [_("A licence stays in its county; register a new licence to move it.")]})
    merged = {**before, **{k: v for k, v in data.items() if k in AUDITED_FIELDS}}
    if merged["licence_expires_on"] <= merged["licence_issued_on"]:
        raise ServiceError({"licence_expires_on": [_("The expiry date must be after the issue date.")]})
    if (merged["lat"] is None) != (merged["lng"] is None):
        raise ServiceError({"lat": [_("Give both latitude and longitude, or neither.")]})
    old_operator_id = retailer.operator_id
    if "operator_id_number" in data:
        operator = find_or_create_operator(data["operator_id_number"],
                                           data.get("operator_name") or retailer.operator_name)
        retailer.operator, retailer.operator_id = operator, operator.id  # the id now: the snapshot compares it
    if "credit_code" in data:
        retailer.credit_code = uscc.normalise(data["credit_code"]) or None
    for name in ("shop_name", "operator_name", "phone", "address", "lat", "lng", "market_type", "business_format",
                 "licence_issued_on", "licence_expires_on", "status", "tier"):
        if name in data:
            value = data[name]
            setattr(retailer, name, value.strip() if isinstance(value, str) else value)
    retailer.name_initials = initials(retailer.shop_name)
    after = snapshot(retailer)
    if after == before:
        return retailer
    retailer.updated_at = utcnow()
    db.session.flush()
    changed = [k for k in AUDITED_FIELDS if before[k] != after[k]]
    record("retailer.update", "retailer", retailer.id, before={k: before[k] for k in changed},
           after={k: after[k] for k in changed}, actor=actor)
    if {"licence_issued_on", "operator_id"} & set(changed):
        _recompute_after_update(retailer, old_operator_id)
    return retailer


def _recompute_after_update(retailer: Retailer, old_operator_id):
    """The engine reads the licence's issue date (the new-licence rule) and the operator link (a
    veto or penalty cap reaches every licence of the same operator): when either changes, the live
    grades it touches are recomputed in the same transaction, each with a GradeChange if it moved.
    A new operator's records now reach this licence, and this licence's records stop (or start)
    reaching the old (or new) operator's other licences."""
    from app.credit.grading import recompute_many

    operators = {old_operator_id, retailer.operator_id} - {None}
    others = list(db.session.scalars(select(Retailer).where(
        Retailer.operator_id.in_(operators), Retailer.id != retailer.id).order_by(Retailer.id))) if operators else []
    recompute_many([retailer, *others], "licence_update")


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_clause(q: str):
    """Match a licence number prefix, part of the shop name, or the pinyin initials."""
    q = (q or "").strip()
    text = _like_escape(q)
    conds = [Retailer.shop_name.like(f"%{text}%", escape="\\")]
    if q.isdigit():
        conds.append(Retailer.licence_no.like(f"{text}%", escape="\\"))
    if q.isascii() and q.replace(" ", "").isalnum():
        conds.append(Retailer.name_initials.like(f"%{_like_escape(q.lower().replace(' ', ''))}%", escape="\\"))
    return or_(*conds)


def list_query(user, args: dict):
    stmt = policy.scope(user, "retailers.read", select(Retailer), Retailer)
    if args.get("q"):
        stmt = stmt.where(search_clause(args["q"]))
    if args.get("unit"):
        stmt = stmt.join(OrgUnit, Retailer.unit_id == OrgUnit.id).where(OrgUnit.code == args["unit"])
    if args.get("status") == "registered":
        from app.retailers.counts import registered

        stmt = stmt.where(registered())
    elif args.get("status"):
        stmt = stmt.where(Retailer.status == args["status"])
    for name in ("market_type", "business_format"):
        if args.get(name):
            stmt = stmt.where(getattr(Retailer, name) == args[name])
    if args.get("licence_state"):
        from app.licences.state import state_clause

        stmt = stmt.where(state_clause(args["licence_state"]))
    if args.get("quarter"):
        stmt = stmt.where(Retailer.id.in_(_official_rows(args)))
    elif args.get("grade"):
        from app.credit.models import RetailerGrade

        stmt = stmt.where(Retailer.id.in_(select(RetailerGrade.retailer_id).where(RetailerGrade.grade == args["grade"])))
    if args.get("tier_min"):
        stmt = stmt.where(Retailer.tier >= args["tier_min"])
    if args.get("tier_max"):
        stmt = stmt.where(Retailer.tier <= args["tier_max"])
    sort = args.get("sort", "licence_no")
    order = {"licence_no": Retailer.licence_no, "shop_name": Retailer.shop_name,
             "-updated_at": Retailer.updated_at.desc(), "tier": Retailer.tier}[sort]
    return stmt.order_by(order, Retailer.id)


def _official_rows(args: dict):
    """Retailer ids of the quarter's published evaluation, by official grade and/or movement against
    the grade published before it (what the dashboard's grade and movers charts count)."""
    from sqlalchemy import case

    from app.evaluation.models import EvaluationRow, EvaluationRun

    run = select(EvaluationRun.id).where(EvaluationRun.quarter == args["quarter"],
                                         EvaluationRun.status == "published").scalar_subquery()
    stmt = select(EvaluationRow.retailer_id).where(EvaluationRow.run_id == run)
    if args.get("grade"):
        stmt = stmt.where(EvaluationRow.grade == args["grade"])
    if args.get("moved"):
        order = ("AAA", "AA", "A", "B", "C", "D")

        def rank(col):
            return case({g: i for i, g in enumerate(order)}, value=col)

        stmt = stmt.where(EvaluationRow.previous_grade.in_(order), EvaluationRow.grade.in_(order))
        stmt = stmt.where(rank(EvaluationRow.grade) < rank(EvaluationRow.previous_grade) if args["moved"] == "up"
                          else rank(EvaluationRow.grade) > rank(EvaluationRow.previous_grade))
    return stmt


def search(user, q: str, limit: int = 20):
    stmt = policy.scope(user, "retailers.read", select(Retailer), Retailer).where(search_clause(q))
    # Exact licence numbers and initials prefixes first, then by licence number.
    ql = q.strip().lower()
    rank = (Retailer.licence_no == q.strip()).desc(), func.length(Retailer.shop_name)
    if ql.isascii():
        rank = (Retailer.licence_no == q.strip()).desc(), Retailer.name_initials.like(f"{_like_escape(ql)}%",
                                                                                       escape="\\").desc(), \
            func.length(Retailer.shop_name)
    return list(db.session.scalars(stmt.order_by(*rank, Retailer.licence_no).limit(limit)))
