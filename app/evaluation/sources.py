"""Where the evaluation takes its catalogues, policy and per-retailer engine inputs.

The credit part (``app.credit.versions`` and ``app.credit.grading``) owns these; while a function
is missing there, the fallbacks below give the same thing from the shipped scoring files and the
tables directly, so the evaluation works either way and switches over by itself."""
from __future__ import annotations

import datetime as dt
import importlib

from sqlalchemy import and_, or_, select

from app.extensions import db
from scoring import RecordInput, ScoreResult, available_catalogues, available_policies, compute, policy_for


def _credit(module: str, name: str):
    try:
        mod = importlib.import_module(f"app.credit.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"app.credit.{module}":
            raise
        return None
    return getattr(mod, name, None)


def catalogues() -> dict:
    fn = _credit("versions", "catalogues")
    return dict(fn()) if fn else available_catalogues()


def policies() -> dict:
    """Every grade policy version (从旧兼从轻: a record's periods are the shorter of the policy in force on
    the evaluation date and the one in force when its act happened)."""
    fn = _credit("versions", "policies")
    return dict(fn()) if fn else available_policies()


def policy_on(day: dt.date):
    fn = _credit("versions", "policy_on")
    return fn(day) if fn else policy_for(day, available_policies())


def engine_inputs(retailer_id: int, as_of: dt.date) -> list[RecordInput]:
    """The retailer's confirmed (or repaired) records, and those of the operator's other licences
    (via_operator=True): what the engine is given for one licence."""
    fn = _credit("grading", "engine_inputs")
    if fn:
        return list(fn(retailer_id, as_of))
    return fallback_engine_inputs(retailer_id, as_of)


def fallback_engine_inputs(retailer_id: int, as_of: dt.date) -> list[RecordInput]:
    from app.credit.models import CreditRecord
    from app.retailers.models import Retailer

    operator_id = db.session.scalar(select(Retailer.operator_id).where(Retailer.id == retailer_id))
    own = CreditRecord.retailer_id == retailer_id
    via = and_(CreditRecord.operator_id == operator_id, CreditRecord.retailer_id != retailer_id)
    rows = db.session.execute(
        select(CreditRecord.id, CreditRecord.retailer_id, CreditRecord.indicator_code,
               CreditRecord.catalogue_version, CreditRecord.decided_on, CreditRecord.quantity,
               CreditRecord.repaired_on, CreditRecord.occurred_on)
        .where(or_(own, via), CreditRecord.status.in_(("confirmed", "repaired", "ended")),
               CreditRecord.decided_on.is_not(None), CreditRecord.decided_on <= as_of)
        .order_by(CreditRecord.id))
    return [RecordInput(id=r.id, indicator_code=r.indicator_code, catalogue_version=r.catalogue_version,
                        decided_on=r.decided_on, quantity=r.quantity, repaired_on=r.repaired_on,
                        via_operator=r.retailer_id != retailer_id, occurred_on=r.occurred_on) for r in rows]


def compute_for(retailer, as_of: dt.date, *, catalogues_=None, policy=None) -> ScoreResult:
    """The engine's result for one licence as of a date (the explanation of an evaluation row)."""
    if catalogues_ is None and policy is None:
        fn = _credit("grading", "compute_for")
        if fn:
            return fn(retailer, as_of)
    return compute(engine_inputs(retailer.id, as_of), as_of=as_of,
                   catalogues=catalogues_ if catalogues_ is not None else catalogues(),
                   policy=policy if policy is not None else policy_on(as_of),
                   licensed_on=retailer.licence_issued_on, policies=policies())
