"""The service engine, pure (no Flask, no database): a licence's grade, base tier, confirmed
out-of-area / diverted-carton records, hardship flag and suspensions in force, under a service policy,
give its effective tier, supply coefficient, scarce-brand priority, whether supply is suspended, the
suspension the run must propose, and the reasons, as codes with parameters (translated when shown)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from scoring.dates import add_months

GRADES = ("AAA", "AA", "A", "B", "C", "D")


@dataclass(frozen=True)
class Band:
    min_quantity: int
    months: int
    tier: int
    suspend: bool


@dataclass(frozen=True)
class GradeRule:
    tier: int
    coefficient_pct: int
    scarce_priority: int
    suspend: bool


@dataclass(frozen=True)
class Policy:
    version: str
    effective_from: dt.date
    tier_min: int
    tier_max: int
    grades: dict  # grade -> GradeRule
    indicators: tuple
    bands: tuple  # Band, ascending by min_quantity
    hardship_floor_pct: int
    objection_days: int
    answer_working_days: int
    legal_basis: dict  # kind -> text
    # The city's letter classes (客户分类): each scale is a tuple of class levels, best first; a class code's
    # level is its last character (CZ1 -> "1"; a plain class "C" -> "C").
    class_scales: tuple = ()

    def band(self, quantity: int | None) -> Band | None:
        found = None
        for b in self.bands:
            if (quantity or 1) >= b.min_quantity:
                found = b
        return found


@dataclass(frozen=True)
class Circulation:
    record_id: int
    code: str
    quantity: int | None
    decided_on: dt.date


@dataclass(frozen=True)
class ActiveSuspension:
    id: int
    kind: str
    record_id: int | None
    ends_on: dt.date | None


@dataclass
class Outcome:
    tier: int
    coefficient_pct: int
    scarce_priority: int
    suspended: bool
    reasons: list = field(default_factory=list)
    proposal: dict | None = None
    class_code: str | None = None  # the letter class after the credit adjustment (None: the licence has none)


def reason(_code: str, **params) -> dict:
    return {"code": _code, "params": params}


def move_class(policy: Policy, code: str | None, steps: int) -> tuple[str | None, dict | None]:
    """The letter class ``steps`` classes up (positive) or down (negative) on its scale, held at the
    scale's ends, and the reason; a code whose level is on no scale of the policy stays as it is."""
    if not code:
        return None, None
    if not policy.class_scales:
        return code, None  # a policy without letter classes carries the class through
    level = code[-1]
    scale = next((s for s in policy.class_scales if level in s), None)
    if scale is None:
        return code, reason("class_unranked", code=code)
    wanted = scale.index(level) - steps
    index = min(len(scale) - 1, max(0, wanted))
    moved = code[:-1] + scale[index]
    return moved, reason("class", base=code, code=moved, delta=steps, held=index != wanted)


def compute(policy: Policy, *, grade: str, base_tier: int, base_source: str, base_month: str | None,
            cycle_start: dt.date, circulation=(), hardship: bool = False, active=(),
            class_code: str | None = None) -> Outcome:
    """One licence for the ordering cycle starting ``cycle_start``."""
    rule = policy.grades[grade]
    reasons = [reason("base_ordering" if base_source == "ordering" else "base_register", tier=base_tier,
                      month=base_month)]
    tier = base_tier + rule.tier
    reasons.append(reason("grade", grade=grade, delta=rule.tier, coefficient=rule.coefficient_pct))
    coefficient = rule.coefficient_pct
    proposal = None
    # Circulation records in effect on the cycle's first day: the largest tier reduction applies.
    worst = None
    for rec in sorted(circulation, key=lambda c: (c.decided_on, c.record_id)):
        band = policy.band(rec.quantity)
        if band is None:
            continue
        until = add_months(rec.decided_on, band.months)
        if not (rec.decided_on <= cycle_start < until):
            continue
        reasons.append(reason("circulation", record_id=rec.record_id, indicator=rec.code, quantity=rec.quantity,
                              delta=band.tier, months=band.months, until=until.isoformat()))
        if worst is None or band.tier < worst[1].tier or (band.suspend and not worst[1].suspend):
            worst = (rec, band, until)
    if worst is not None:
        tier += worst[1].tier
    # The letter class moves by the same steps as the tier (before the tiers' range holds it).
    tier_class, class_reason = move_class(policy, class_code, tier - base_tier)
    if class_reason:
        reasons.append(class_reason)
    clamped = min(policy.tier_max, max(policy.tier_min, tier))
    if clamped != tier:
        reasons.append(reason("tier_clamped", tier=clamped))
    tier = clamped
    # Suspension: one in force continues; otherwise the grade or a circulation band proposes one.
    suspended = False
    by_cause = {(a.kind, a.record_id): a for a in active}
    for a in active:
        if a.ends_on is not None and a.ends_on <= cycle_start:
            continue  # ends before the cycle: the daily job lifts it
        if a.kind == "grade" and not rule.suspend:
            continue  # the grade has recovered: the daily job lifts it
        suspended = True
        reasons.append(reason("suspended_" + a.kind, suspension_id=a.id,
                              until=a.ends_on.isoformat() if a.ends_on else None))
    if not suspended:
        if rule.suspend and ("grade", None) not in by_cause:
            proposal = {"kind": "grade", "record_id": None, "until": None, "grade": grade, "quantity": None}
            reasons.append(reason("suspend_grade", grade=grade))
            suspended = True
        elif worst is not None and worst[1].suspend and ("circulation", worst[0].record_id) not in by_cause:
            rec, band, until = worst
            proposal = {"kind": "circulation", "record_id": rec.record_id, "until": until.isoformat(),
                        "grade": grade, "quantity": rec.quantity, "months": band.months}
            reasons.append(reason("suspend_circulation", record_id=rec.record_id, quantity=rec.quantity,
                                  months=band.months, until=until.isoformat()))
            suspended = True
    if suspended:
        coefficient = 0
    elif hardship and coefficient < policy.hardship_floor_pct:
        coefficient = policy.hardship_floor_pct
        reasons.append(reason("protected", coefficient=coefficient, staff_only=True))
    priority = 0 if suspended else rule.scarce_priority
    if priority:
        reasons.append(reason("scarce", priority=priority))
    return Outcome(tier=tier, coefficient_pct=coefficient, scarce_priority=priority, suspended=suspended,
                   reasons=reasons, proposal=proposal, class_code=tier_class)


def what_raises(policy: Policy, grade: str, outcome: Outcome) -> list[dict]:
    """What would raise the tier and coefficient: the next better grades' terms (hints for the retailer)."""
    hints = []
    index = GRADES.index(grade)
    current = policy.grades[grade]
    for better in reversed(GRADES[:index]):
        rule = policy.grades[better]
        if rule.tier > current.tier or rule.coefficient_pct > current.coefficient_pct or rule.scarce_priority:
            hints.append(reason("reach_grade", grade=better, delta=rule.tier, coefficient=rule.coefficient_pct,
                                scarce=rule.scarce_priority))
            if len(hints) == 2:
                break
    for r in outcome.reasons:
        if r["code"] == "circulation":
            hints.append(reason("circulation_ends", until=r["params"]["until"]))
    return hints
