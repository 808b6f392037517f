"""Reasons and hints in words (the user's language): the rows keep codes with parameters."""
from __future__ import annotations

from flask_babel import gettext as _

from app.service.engine import what_raises


def _coef(pct) -> str:
    return f"×{(pct or 0) / 100:.2f}"


def _signed(n) -> str:
    return f"{n:+d}" if n else "±0"


def reason_text(r: dict) -> str:
    p = r.get("params", {})
    code = r.get("code")
    if code == "base_ordering":
        return _("Base tier %(t)s from the ordering system (%(m)s)", t=p["tier"], m=p["month"])
    if code == "base_register":
        return _("Base tier %(t)s from the licence register (no ordering figures yet)", t=p["tier"])
    if code == "grade":
        return _("Credit grade %(g)s: tier %(d)s, supply coefficient %(k)s", g=p["grade"], d=_signed(p["delta"]),
                 k=_coef(p["coefficient"]))
    if code == "circulation":
        return _("Confirmed record %(id)s (%(q)s cartons coded for another area or diverted): tier %(d)s for "
                 "%(m)s months, until %(u)s", id=p["record_id"], q=p.get("quantity") or 1, d=_signed(p["delta"]),
                 m=p["months"], u=p["until"])
    if code == "class":
        if not p["delta"]:
            return _("Letter class %(c)s, unchanged by credit", c=p["code"])
        if p["delta"] > 0:
            text = _("Letter class %(b)s → %(c)s: up %(n)s on the class scale", b=p["base"], c=p["code"], n=p["delta"])
        else:
            text = _("Letter class %(b)s → %(c)s: down %(n)s on the class scale", b=p["base"], c=p["code"],
                     n=-p["delta"])
        if p.get("held"):
            text += _(" (held at the end of the class scale)")
        return text
    if code == "class_unranked":
        return _("Letter class %(c)s is on no scale of the service policy: passed on unchanged", c=p["code"])
    if code == "tier_clamped":
        return _("Tier held within the range of tiers: %(t)s", t=p["tier"])
    if code == "suspend_grade":
        return _("Grade %(g)s: supply suspended pending review (decided when the run is published)", g=p["grade"])
    if code == "suspend_circulation":
        return _("Record %(id)s (%(q)s cartons): supply suspended for %(m)s months until %(u)s (decided when the run "
                 "is published)", id=p["record_id"], q=p.get("quantity") or 1, m=p["months"], u=p["until"])
    if code == "suspended_grade":
        return _("Supply suspended by decision %(id)s until the grade recovers", id=p["suspension_id"])
    if code == "suspended_circulation":
        return _("Supply suspended by decision %(id)s until %(u)s", id=p["suspension_id"], u=p.get("until") or "")
    if code == "protected":
        return _("Supply protection: coefficient not below %(k)s", k=_coef(p["coefficient"]))
    if code == "scarce":
        return _("Priority %(n)s for scarce brands", n=p["priority"])
    return code


def hint_text(h: dict) -> str:
    p = h["params"]
    if h["code"] == "reach_grade":
        text = _("At grade %(g)s: tier %(d)s, supply coefficient %(k)s", g=p["grade"], d=_signed(p["delta"]),
                 k=_coef(p["coefficient"]))
        if p.get("scarce"):
            text += _(", priority %(n)s for scarce brands", n=p["scarce"])
        return text
    if h["code"] == "circulation_ends":
        return _("The tier reduction for out-of-area cartons ends on %(d)s", d=p["until"])
    return h["code"]


def hints(pol, row) -> list[str]:
    """What would raise the tier and coefficient of this row (no record of a hardship flag)."""
    from app.service.engine import Outcome

    out = Outcome(tier=row.tier, coefficient_pct=row.coefficient_pct, scarce_priority=row.scarce_priority,
                  suspended=row.suspended, reasons=row.reasons)
    texts = [hint_text(h) for h in what_raises(pol, row.grade, out)]
    texts.append(_("Keep your commitment, settle payments on time and take part in credit training: every "
                   "confirmed good record raises the credit grade."))
    return texts


CATEGORY_LABELS = {"low_income": "Low income (minimum living allowance)", "disability": "Disability",
                   "illness": "Serious illness", "disaster": "Disaster or accident", "other": "Other hardship"}
STATE_LABELS = {"draft": "Draft", "published": "Published"}
LIFT_LABELS = {"grade_recovered": "The credit grade has recovered", "period_ended": "The period has ended",
               "objection": "Objection upheld", "review": "Lifted on review"}
KIND_LABELS = {"grade": "Grade D", "circulation": "Out-of-area or diverted cartons"}


def label(table: str, key) -> str:
    tables = {"category": CATEGORY_LABELS, "state": STATE_LABELS, "lift": LIFT_LABELS, "kind": KIND_LABELS}
    return _(tables[table].get(key, key)) if key else ""


def coefficient(pct) -> str:
    return _coef(pct)


def _extract_labels():  # pragma: no cover - never called, read by pybabel
    _("Low income (minimum living allowance)"), _("Disability"), _("Serious illness"), _("Disaster or accident")
    _("Other hardship"), _("Draft"), _("Published"), _("The credit grade has recovered"), _("The period has ended")
    _("Objection upheld"), _("Lifted on review"), _("Grade D"), _("Out-of-area or diverted cartons")


def staff_view(retailer, user) -> dict:
    """For the licence's page (staff with service.read): the last published month's row and the
    suspensions in force; the hardship reason only for those who may see the flag."""
    from sqlalchemy import select

    from app.auth import policy
    from app.extensions import db
    from app.service.models import ServiceRow, ServiceRun, SupplySuspension

    found = db.session.execute(select(ServiceRow, ServiceRun).join(ServiceRun, ServiceRun.id == ServiceRow.run_id)
                               .where(ServiceRow.retailer_id == retailer.id, ServiceRun.state == "published")
                               .order_by(ServiceRun.cycle.desc())).first()
    held = list(db.session.scalars(policy.scope(user, "service.read", select(SupplySuspension), SupplySuspension)
                                   .where(SupplySuspension.retailer_id == retailer.id,
                                          SupplySuspension.status == "active").order_by(SupplySuspension.id)))
    private = policy.role_allows(user, "service.hardship", via_token=False)
    row, run = found if found else (None, None)
    reasons = [reason_text(r) for r in (row.reasons if row else []) if private or not r["params"].get("staff_only")]
    return {"row": row, "run": run, "reasons": reasons, "coefficient": coefficient(row.coefficient_pct) if row else "",
            "suspensions": [(s.id, label("kind", s.kind)) for s in held]}
