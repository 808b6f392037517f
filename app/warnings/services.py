"""Early-warning services: the nightly raise (insert-or-ignore, one open warning per shop and kind),
the readable reasons, and the owner's steps: assign, act (guidance tells the retailer; a licence
check opens the 虚假户 verification task), close with an outcome. Every step audited; the caller
commits."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record as audit
from app.auth.models import User
from app.common.db import insert_ignore
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.common.validation import N_
from app.extensions import db
from app.org.models import OrgUnit
from app.retailers.models import Retailer
from app.warnings.models import ACTIONS, KINDS, LICENCE_CHECK_KINDS, OUTCOMES, EarlyWarning
from app.warnings.signals import SIGNALS

NOTE_MAX = 2000


# ---- the nightly raise ------------------------------------------------------------------------------

def raise_warnings(today: date | None = None) -> dict:
    """Compute every signal for ``today`` and open a warning for each shop and kind that has none
    open (ON CONFLICT DO NOTHING on ``open_key``): a second run the same night adds nothing. A warning
    whose condition has gone is not touched: its owner closes it. Returns {kind: opened}."""
    today = today or local_today()
    now = utcnow()
    opened = {}
    for kind in KINDS:
        found = SIGNALS[kind](today)
        if not found:
            opened[kind] = 0
            continue
        units = dict(db.session.execute(select(Retailer.id, Retailer.unit_id).where(Retailer.id.in_(list(found)))).all())
        rows = [{"retailer_id": rid, "unit_id": units[rid], "kind": kind, "status": "open",
                 "open_key": f"{rid}:{kind}", "raised_on": today, "raised_at": now, "facts": facts}
                for rid, facts in sorted(found.items()) if rid in units]
        ids = []
        for start in range(0, len(rows), 1000):
            ids += insert_ignore(EarlyWarning, rows[start:start + 1000], ["open_key"], returning=[EarlyWarning.id])
        opened[kind] = len(ids)
    db.session.flush()
    if any(opened.values()):
        audit("warnings.raise", "EarlyWarning", None, after={"date": today, "opened": opened}, actor=None)
    return opened


# ---- readable reasons -------------------------------------------------------------------------------

def reason(w: EarlyWarning) -> str:
    """Why the warning was raised, for the bureau's staff."""
    f = w.facts or {}
    if w.kind == "near_boundary":
        return _("Live score %(score)d is %(gap)d points above the %(grade)s boundary (%(bound)d): a small "
                 "deduction drops it to %(below)s.", score=f.get("score", 0), gap=f.get("gap", 0),
                 grade=f.get("grade", ""), bound=f.get("bound", 0), below=f.get("below", ""))
    if w.kind == "falling_trend":
        return _("The official score fell in each of the last published quarters: %(series)s.",
                 series=" → ".join(f"{q} {s}" for q, s in zip(f.get("quarters", []), f.get("scores", []))))
    if w.kind == "suspected":
        return _("%(n)d suspected violations await confirmation (the oldest from %(d)s).",
                 n=f.get("count", 0), d=f.get("since", ""))
    if w.kind == "repeated_minor":
        return _("Repeated minor findings within %(days)d days: %(f)d failed checklist items and %(v)d minor "
                 "violations.", days=f.get("days", 0), f=f.get("failed_items", 0), v=f.get("minor_records", 0))
    if w.kind == "overdue_rectification":
        return _("%(n)d rectifications are past their deadline (the earliest %(d)s).", n=f.get("count", 0),
                 d=f.get("deadline", ""))
    if w.kind == "ordering_volume":
        from app.pwa.helpers import label

        return _("Ordered %(cartons)d cartons in %(start)s to %(end)s, %(times)s times the median (%(median)s) of "
                 "%(peers)d shops of tier %(tier)d and format %(format)s, above the limit %(limit)s: the cigarettes "
                 "may be passed on to other shops or areas (违规流通).", cartons=f.get("cartons", 0),
                 start=f.get("from", ""), end=f.get("to", ""), times=f.get("times_median") or "-",
                 median=f.get("peer_median", 0), peers=f.get("peers", 0), tier=f.get("tier", 0),
                 format=label("format", f.get("format", "")), limit=f.get("limit", 0))
    if w.kind == "no_orders":
        return _("No orders in %(n)d of the last %(of)d months (%(months)s): the licence may be held only for its "
                 "quota (虚假户); check the licence.", n=len(f.get("months", [])), of=f.get("of", 0),
                 months=", ".join(f.get("months", [])))
    return _("Within %(days)d days visits found the shop closed %(c)d times and no shop at all %(nf)d times: "
             "the licence may be held without a real shop (虚假户).", days=f.get("days", 0),
             c=f.get("closed", 0), nf=f.get("not_found", 0))


# What the retailer is told with a guidance: the risk in plain words, no internal figures or records.
RETAILER_REASONS = {
    "near_boundary": N_("Your credit score is close to the next lower grade. Keep to the rules of business so "
                        "that it does not fall."),
    "falling_trend": N_("Your official credit score has fallen in recent quarters. Check your credit page to see "
                        "what moved it and keep to the rules of business."),
    "suspected": N_("Officers have noted possible breaches of the rules at your shop. Keep to the rules of "
                    "business; you will be told of any decision."),
    "repeated_minor": N_("Recent inspections found several small shortcomings at your shop. Please correct them "
                         "and keep to the rules of business."),
    "overdue_rectification": N_("A rectification asked of your shop is past its deadline. Correct it now and tell "
                                "the officers."),
    "shop_absent": N_("Officers found your shop closed or could not find it at recent visits. A licence must be "
                      "used at a real, open shop; tell the county bureau if your shop has moved or closed."),
    "ordering_volume": N_("Your shop's recent orders are far above those of similar shops. Cigarettes may only be "
                          "sold to consumers at your own shop, never passed on to other shops."),
    "no_orders": N_("Your shop has not ordered for several months. A licence must be used at a real, open shop; "
                    "tell the county bureau if your shop has stopped trading."),
}


# ---- the owner's steps -------------------------------------------------------------------------------

def owner_choices(w: EarlyWarning) -> list[User]:
    """Who may own a warning: enabled supervisors and inspectors of its county, and the city's supervisors."""
    city_units = select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))
    return list(db.session.scalars(select(User).where(
        User.is_enabled.is_(True), or_(
            (User.role.in_(("supervisor", "inspector"))) & (User.unit_id == w.unit_id),
            (User.role == "supervisor") & User.unit_id.in_(city_units)))
        .order_by(User.role.desc(), User.display_name, User.id)))


def _note(note, errors, field):
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors[field] = [_("Too long.")]
    return note


def act(w: EarlyWarning, actor, *, owner_id: int | None, action: str, note: str = "") -> EarlyWarning:
    """Give the warning an owner and an action. Guidance tells the retailer (a notice with the
    readable reason, no internal detail); a licence check opens the licence-verification task for a
    虚假户 warning. Audited."""
    errors = {}
    if w.status != "open":
        raise ServiceError({"action": [_("This warning is closed.")]}, status=409)
    owners = {u.id: u for u in owner_choices(w)}
    if owner_id is None:
        errors["owner_id"] = [_("Choose who owns this warning.")]
    elif owner_id not in owners:
        errors["owner_id"] = [_("Choose a supervisor or inspector of the warning's county.")]
    if action not in ACTIONS:
        errors["action"] = [_("Choose an action.")]
    elif action == "licence_check" and w.kind not in LICENCE_CHECK_KINDS:
        errors["action"] = [_("A licence check is for shops found closed or absent, or without orders.")]
    elif w.action is not None:
        errors["action"] = [_("An action was already taken; close the warning with its outcome.")]
    note = _note(note, errors, "action_note")
    if errors:
        raise ServiceError(errors)
    before = {"owner_id": w.owner_id, "action": w.action}
    w.owner_id, w.action, w.action_note = owner_id, action, note or None
    w.action_at, w.action_by_id = utcnow(), actor.id
    if action == "guidance":
        _guide(w)
    elif action == "licence_check":
        w.licence_check_id = _open_licence_check(w, actor).id
    db.session.flush()
    audit("warning.act", "EarlyWarning", w.id, actor=actor, before=before,
          after={"owner_id": owner_id, "action": action, "note": note, "licence_check_id": w.licence_check_id})
    return w


def _guide(w: EarlyWarning):
    from app.notices.services import notify_retailer

    retailer = db.session.get(Retailer, w.retailer_id)
    notify_retailer(retailer, "warning_guidance", N_("Credit reminder for %(shop)s"), RETAILER_REASONS[w.kind],
                    link=f"/me/credit/{retailer.id}", dedupe_key=f"warning:{w.id}:guidance", shop=retailer.shop_name)


def _open_licence_check(w: EarlyWarning, actor):
    """The licence-verification task for this shop: the open one if there is one, else a new one
    (its partial unique index keeps one open task per licence)."""
    from app.licences.models import LicenceCheck

    def existing():
        return db.session.scalars(select(LicenceCheck).where(LicenceCheck.retailer_id == w.retailer_id,
                                                             LicenceCheck.status == "open")).first()

    check = existing()
    if check is not None:
        return check
    check = LicenceCheck(retailer_id=w.retailer_id, unit_id=w.unit_id, reason="early_warning", status="open",
                         inspection_ids=list((w.facts or {}).get("inspection_ids", [])), opened_on=local_today(),
                         opened_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(check)
            db.session.flush()
    except IntegrityError:
        return existing()
    audit("licence_check.open", "LicenceCheck", check.id, actor=actor,
          after={"retailer_id": check.retailer_id, "reason": check.reason, "warning_id": w.id,
                 "inspection_ids": check.inspection_ids})
    return check


def close(w: EarlyWarning, actor, *, outcome: str, note: str) -> EarlyWarning:
    """Close with its outcome and what was done; frees the shop and kind for a later warning. Audited."""
    errors = {}
    if w.status != "open":
        raise ServiceError({"outcome": [_("This warning is already closed.")]}, status=409)
    if w.action is None:
        errors["outcome"] = [_("Take an action before closing the warning.")]
    elif outcome not in OUTCOMES:
        errors["outcome"] = [_("Choose the outcome.")]
    note = _note(note, errors, "close_note")
    if not note and "close_note" not in errors:
        errors["close_note"] = [_("Say what was done and what it found.")]
    if errors:
        raise ServiceError(errors)
    w.status, w.open_key, w.outcome, w.close_note = "closed", None, outcome, note
    w.closed_at, w.closed_by_id = utcnow(), actor.id
    db.session.flush()
    audit("warning.close", "EarlyWarning", w.id, actor=actor, before={"status": "open"},
          after={"status": "closed", "outcome": outcome, "note": note})
    return w


# ---- lists --------------------------------------------------------------------------------------------

AGES = {"7": 7, "30": 30, "90": 90}  # opened more than this many days ago


def list_query(user, args: dict):
    from app.auth import policy

    stmt = policy.scope(user, "warnings.read", select(EarlyWarning), EarlyWarning)
    if args.get("kind"):
        stmt = stmt.where(EarlyWarning.kind == args["kind"])
    if args.get("status"):
        stmt = stmt.where(EarlyWarning.status == args["status"])
    if args.get("older_than"):
        stmt = stmt.where(EarlyWarning.raised_on < local_today() - timedelta(days=int(args["older_than"])))
    if args.get("unit"):
        stmt = stmt.where(EarlyWarning.unit_id.in_(select(OrgUnit.id).where(OrgUnit.code == args["unit"])))
    return stmt.order_by(EarlyWarning.status.desc(), EarlyWarning.raised_on.desc(), EarlyWarning.id.desc())


def count_open(user) -> int:
    from sqlalchemy import func

    from app.auth import policy

    stmt = policy.scope(user, "warnings.read", select(func.count(EarlyWarning.id)), EarlyWarning)
    return db.session.scalar(stmt.where(EarlyWarning.status == "open")) or 0
