"""The scoring engine: records + catalogues + policy + a date -> score, grade and why.

Pure and deterministic. A result as of a date depends only on the facts known on that date
(records decided on or before it, repairs approved on or before it), so any past result can be
recomputed exactly, whatever was added later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace

from .catalogue import DIMENSIONS, Catalogue, Indicator
from .dates import add_months, iso_dates
from .policy import GradePolicy, grade_for_score, measures_for

__all__ = [
    "RecordInput", "Contribution", "Rule", "ScoreResult", "Treatment", "ScoringError",
    "compute", "treatment_for", "record_policy_for", "grade_for_score", "measures_for",
]


class ScoringError(ValueError):
    """The inputs cannot be scored (unknown catalogue version or code, missing quantity...)."""


@dataclass(frozen=True)
class RecordInput:
    id: int | str
    indicator_code: str
    catalogue_version: str  # version the record was made under
    decided_on: dt.date  # decision/confirmation date: the record counts from this date
    quantity: int | None = None  # for banded indicators
    repaired_on: dt.date | None = None  # repair approved: stops counting from this date (inclusive)
    via_operator: bool = False  # belongs to ANOTHER licence of the same operator (经营者)
    occurred_on: dt.date | None = None  # the act: picks the grade policy in force then (default decided_on)


@dataclass(frozen=True)
class Contribution:
    """One counting record and what it did to the score."""

    record_id: int | str
    indicator_code: str
    dimension: str
    severity: str
    points: int  # points applied to this licence's score
    counts_until: dt.date  # exclusive end of the counting period
    catalogue_version_applied: str
    via_operator: bool = False
    capped: bool = False  # a bonus clipped by the bonus ceiling
    nominal_points: int = 0  # the indicator's points before clipping or the operator link
    note: str | None = None


@dataclass(frozen=True)
class Rule:
    """A veto or cap that overrode the grade the score alone gives."""

    kind: str  # "veto" | "cap" | "new_licence"
    record_id: int | str | None  # None for new_licence
    indicator_code: str | None
    until: dt.date  # exclusive: the rule no longer holds on this date
    grade: str  # the grade the rule imposes (veto) or the best grade it allows (caps)


@dataclass(frozen=True)
class ScoreResult:
    as_of: dt.date
    policy_version: str
    base: int
    score: int
    subtotals: dict[str, int]  # per dimension; score == base + sum(subtotals.values())
    score_grade: str  # from the score alone
    grade: str  # final, after veto and caps
    rule: Rule | None
    contributions: tuple[Contribution, ...]
    next_change: dt.date | None = None  # earliest later date the result changes by date alone

    def to_dict(self) -> dict:
        """JSON-ready: dates as ISO strings."""
        return iso_dates(asdict(self))


@dataclass(frozen=True)
class Treatment:
    """How a record is treated on a date: its own catalogue version, or a later lighter one."""

    indicator: Indicator
    catalogue_version: str
    points: int
    counts_months: int
    counts_until: dt.date
    lighter_version: bool  # True when 从旧兼从轻 chose a later version
    veto_months: int = 0  # how long a veto holds (the lighter of the two grade policies)
    cap_months: int = 0  # how long an administrative penalty caps the grade (likewise)
    lighter_policy: str | None = None  # the record's own grade policy, when its shorter periods applied


# ---------------------------------------------------------------- 从旧兼从轻


def treatment_for(
    record: RecordInput, *, as_of: dt.date, catalogues: Mapping[str, Catalogue], policy: GradePolicy,
    record_policy: GradePolicy | None = None,
) -> Treatment:
    """The record's own treatment, or the lightest one of a later version in force on `as_of`.

    Lighter, compared in order: not a veto beats a veto; a smaller deduction; a shorter
    counting period. Bonuses always keep their own version; a code missing from a later
    version, or a later version turning it into a bonus, leaves the record's own treatment.

    The periods (counting, veto, penalty cap) are the shorter of those of ``policy`` (the grade
    policy in force on `as_of`) and ``record_policy`` (the one in force when the act happened), if
    given: 从旧兼从轻 for the grade policy as well. Bonuses keep ``policy``'s periods.
    """
    own_catalogue = catalogues.get(record.catalogue_version)
    if own_catalogue is None:
        raise ScoringError(f"record {record.id}: unknown catalogue version '{record.catalogue_version}'")
    if record.indicator_code not in own_catalogue:
        raise ScoringError(
            f"record {record.id}: catalogue {own_catalogue.version} has no indicator '{record.indicator_code}'"
        )
    own = own_catalogue.indicator(record.indicator_code)
    if own.is_bonus or (record_policy is not None and record_policy.version == policy.version):
        record_policy = None
    try:
        best = _treatment(record, own_catalogue, policy, lighter=False, record_policy=record_policy)
    except ValueError as exc:
        raise ScoringError(f"record {record.id}: {exc}") from None
    if own.is_bonus:
        return best
    for catalogue in sorted(catalogues.values(), key=lambda c: (c.effective_from, c.version)):
        later_in_force = own_catalogue.effective_from < catalogue.effective_from <= as_of
        if not later_in_force or record.indicator_code not in catalogue:
            continue
        if catalogue.indicator(record.indicator_code).is_bonus:
            continue
        try:
            candidate = _treatment(record, catalogue, policy, lighter=True, record_policy=record_policy)
        except ValueError:  # e.g. the later version bands a code the record has no quantity for
            continue
        if _heaviness(candidate) < _heaviness(best):
            best = candidate
    return best


def _treatment(record: RecordInput, catalogue: Catalogue, policy: GradePolicy, lighter: bool,
               record_policy: GradePolicy | None = None) -> Treatment:
    indicator = catalogue.indicator(record.indicator_code)
    months = indicator.counts_months_under(policy)
    veto_months, cap_months = policy.veto_months, policy.admin_penalty_cap.months
    shorter = None
    if record_policy is not None:
        then = (indicator.counts_months_under(record_policy), record_policy.veto_months,
                record_policy.admin_penalty_cap.months)
        relevant = [(then[0], months)]
        if indicator.severity == "veto":
            relevant.append((then[1], veto_months))
        if indicator.admin_penalty:
            relevant.append((then[2], cap_months))
        if any(old < new for old, new in relevant):
            shorter = record_policy.version
        months, veto_months, cap_months = min(months, then[0]), min(veto_months, then[1]), min(cap_months, then[2])
    return Treatment(
        indicator=indicator,
        catalogue_version=catalogue.version,
        points=indicator.points_for(record.quantity),
        counts_months=months,
        counts_until=add_months(record.decided_on, months),
        lighter_version=lighter,
        veto_months=veto_months,
        cap_months=cap_months,
        lighter_policy=shorter,
    )


def _heaviness(t: Treatment) -> tuple[bool, int, int]:
    return (t.indicator.severity == "veto", -t.points, t.counts_months)


def record_policy_for(record: RecordInput, policies: Mapping[str, GradePolicy] | None) -> GradePolicy | None:
    """The grade policy in force when the record's act happened (occurred_on, else decided_on); None
    without ``policies`` or when none was in force yet."""
    if not policies:
        return None
    day = record.occurred_on or record.decided_on
    in_force = [p for p in policies.values() if p.effective_from <= day]
    return max(in_force, key=lambda p: (p.effective_from, p.version)) if in_force else None


# ---------------------------------------------------------------- compute


def compute(
    records: Iterable[RecordInput],
    *,
    as_of: dt.date,
    catalogues: Mapping[str, Catalogue],
    policy: GradePolicy,
    licensed_on: dt.date | None = None,
    policies: Mapping[str, GradePolicy] | None = None,
) -> ScoreResult:
    """Score one licence as of a date. The caller passes confirmed records only.

    With ``policies`` (every grade policy version), each record's periods are the shorter of
    ``policy``'s (in force on `as_of`) and those of the policy in force when its act happened."""
    known = _known_on(records, as_of)
    result = _evaluate(known, as_of, catalogues, policy, licensed_on, policies)
    return replace(result, next_change=_next_change(known, result, catalogues, policy, licensed_on, policies))


def _known_on(records: Iterable[RecordInput], as_of: dt.date) -> tuple[RecordInput, ...]:
    """Facts known on `as_of`, in a canonical order: later decisions and later repairs are unknown."""
    known = [
        r if r.repaired_on is None or r.repaired_on <= as_of else replace(r, repaired_on=None)
        for r in records
        if r.decided_on <= as_of
    ]
    return tuple(sorted(known, key=_record_key))


def _record_key(r: RecordInput) -> tuple:
    return (
        r.decided_on, str(r.id), r.indicator_code, r.catalogue_version,
        -1 if r.quantity is None else r.quantity, r.via_operator, r.repaired_on or dt.date.min,
    )


_OPERATOR_NOTE = "同一经营者其他许可证的记录，仅传导否决和处罚封顶 another licence of the same operator: only its veto or penalty cap applies here"
_CAPPED_NOTE = "加分已达上限 bonus ceiling reached"
_LIGHTER_NOTE = "从旧兼从轻：适用 {version} 版较轻的规定 lighter treatment of catalogue {version} applied"
_LIGHTER_POLICY_NOTE = ("从旧兼从轻：适用行为时 {version} 版评级政策较短的期限 "
                        "the shorter periods of grade policy {version}, in force when the act happened, applied")


def _evaluate(
    known: tuple[RecordInput, ...],
    as_of: dt.date,
    catalogues: Mapping[str, Catalogue],
    policy: GradePolicy,
    licensed_on: dt.date | None,
    policies: Mapping[str, GradePolicy] | None = None,
) -> ScoreResult:
    counting: list[tuple[RecordInput, Treatment]] = []
    for record in known:
        if record.repaired_on is not None:  # known repairs are on or before as_of
            continue
        treatment = treatment_for(record, as_of=as_of, catalogues=catalogues, policy=policy,
                                  record_policy=record_policy_for(record, policies))
        if as_of < treatment.counts_until:
            counting.append((record, treatment))

    bonus_room = policy.bonus_ceiling
    subtotals = {dimension: 0 for dimension in DIMENSIONS}
    contributions = []
    for record, t in counting:
        points, capped, notes = t.points, False, []
        if record.via_operator:
            points = 0
            notes.append(_OPERATOR_NOTE)
        elif t.indicator.is_bonus:
            points = min(points, bonus_room)
            bonus_room -= points
            capped = points < t.points
            if capped:
                notes.append(_CAPPED_NOTE)
        if t.lighter_version:
            notes.append(_LIGHTER_NOTE.format(version=t.catalogue_version))
        if t.lighter_policy:
            notes.append(_LIGHTER_POLICY_NOTE.format(version=t.lighter_policy))
        subtotals[t.indicator.dimension] += points
        contributions.append(
            Contribution(
                record_id=record.id,
                indicator_code=record.indicator_code,
                dimension=t.indicator.dimension,
                severity=t.indicator.severity,
                points=points,
                counts_until=t.counts_until,
                catalogue_version_applied=t.catalogue_version,
                via_operator=record.via_operator,
                capped=capped,
                nominal_points=t.points,
                note="; ".join(notes) or None,
            )
        )

    score = policy.base_score + sum(subtotals.values())
    score_grade = policy.grade_for_score(score)
    grade, rule = _apply_rules(score_grade, _active_rules(counting, as_of, policy, licensed_on), policy)
    return ScoreResult(
        as_of=as_of,
        policy_version=policy.version,
        base=policy.base_score,
        score=score,
        subtotals=subtotals,
        score_grade=score_grade,
        grade=grade,
        rule=rule,
        contributions=tuple(contributions),
    )


def _active_rules(
    counting: list[tuple[RecordInput, Treatment]],
    as_of: dt.date,
    policy: GradePolicy,
    licensed_on: dt.date | None,
) -> list[Rule]:
    """The rules in force, in order of precedence: veto, admin-penalty cap, new licence.

    Among several veto (or cap) records the one holding longest is reported.
    """
    vetoes, caps = [], []
    for record, t in counting:
        if t.indicator.severity == "veto":
            until = min(t.counts_until, add_months(record.decided_on, t.veto_months))
            if as_of < until:
                vetoes.append(Rule("veto", record.id, record.indicator_code, until, policy.veto_grade))
        if t.indicator.admin_penalty:
            cap = policy.admin_penalty_cap
            until = min(t.counts_until, add_months(record.decided_on, t.cap_months))
            if as_of < until:
                caps.append(Rule("cap", record.id, record.indicator_code, until, cap.grade))
    rules = []
    for found in (vetoes, caps):
        if found:
            rules.append(max(found, key=lambda rule: rule.until))  # first of equals: record order
    if licensed_on is not None:
        until = add_months(licensed_on, policy.new_licence.months)
        if as_of < until:
            rules.append(Rule("new_licence", None, None, until, policy.new_licence.max_grade))
    return rules


def _apply_rules(score_grade: str, rules: list[Rule], policy: GradePolicy) -> tuple[str, Rule | None]:
    """The final grade is the worst of the score grade and every rule in force.

    The rule reported is the first, in order of precedence, that decided the final grade: a
    veto whenever it holds; a cap only when it actually lowered the grade.
    """
    grade = score_grade
    for rule in rules:
        grade = policy.worse(grade, rule.grade)
    for rule in rules:
        lowered = policy.rank(grade) > policy.rank(score_grade)
        if rule.grade == grade and (rule.kind == "veto" or lowered):
            return grade, rule
    return grade, None


def _next_change(
    known: tuple[RecordInput, ...],
    result: ScoreResult,
    catalogues: Mapping[str, Catalogue],
    policy: GradePolicy,
    licensed_on: dt.date | None,
    policies: Mapping[str, GradePolicy] | None = None,
) -> dt.date | None:
    """The earliest date after as_of when the result changes with no new fact.

    The result only changes when a record stops counting, a rule expires, or a later catalogue
    version comes into force (从旧兼从轻); each such date is checked by recomputing.
    """
    as_of = result.as_of
    candidates = set()
    for record in known:
        if record.repaired_on is None:
            treatment = treatment_for(record, as_of=as_of, catalogues=catalogues, policy=policy,
                                      record_policy=record_policy_for(record, policies))
            candidates.add(treatment.counts_until)
            candidates.add(add_months(record.decided_on, treatment.veto_months))
            candidates.add(add_months(record.decided_on, treatment.cap_months))
    if licensed_on is not None:
        candidates.add(add_months(licensed_on, policy.new_licence.months))
    candidates.update(c.effective_from for c in catalogues.values())
    essentials = replace(result, as_of=None, next_change=None)
    for day in sorted(d for d in candidates if d > as_of):
        later = _evaluate(known, day, catalogues, policy, licensed_on, policies)
        if replace(later, as_of=None, next_change=None) != essentials:
            return day
    return None
