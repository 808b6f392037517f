"""The grade policy (信用等级政策): thresholds, counting periods, veto and caps, measures per grade.

Every number is data, read from a versioned YAML file under `scoring/policies/`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ._yaml import DataFileError, Reader, read_text

POLICY_DIR = Path(__file__).parent / "policies"

SEVERITIES = ("minor", "general", "serious", "veto", "bonus")
"""轻微 minor, 一般 general, 严重 serious, 否决 veto, 加分 bonus."""

LISTS = ("red", "black")
"""红名单 red list, 黑名单 black list."""


class PolicyError(DataFileError):
    """A grade-policy file refused to load (message names the file and the line)."""


@dataclass(frozen=True)
class GradeThreshold:
    grade: str
    min_score: int | None  # None: no lower bound (the worst grade)


@dataclass(frozen=True)
class SeverityRule:
    """What a severity class implies: how long a record counts, publication, repair."""

    severity: str
    counts_months: int
    published: bool
    publish_min_months: int | None
    repairable: bool
    repair_after_months: int | None


@dataclass(frozen=True)
class AdminPenaltyCap:
    """A confirmed administrative penalty (行政处罚) caps the grade for some months."""

    grade: str
    months: int


@dataclass(frozen=True)
class NewLicenceRule:
    """A licence younger than `months` cannot be graded above `max_grade`."""

    months: int
    max_grade: str


@dataclass(frozen=True)
class GradeMeasures:
    """信用监管措施清单: the supervision regime and service measures matched to one grade."""

    grade: str
    regime_zh: str
    regime_en: str
    inspection_interval_days: int
    random_draw_share: float
    supply_coefficient: float
    supply_note: str | None = None
    lists: tuple[str, ...] = ()
    green_channel: bool = False
    warning_interview_days: int | None = None


@dataclass(frozen=True)
class GradePolicy:
    version: str
    effective_from: dt.date
    base_score: int
    bonus_ceiling: int
    grades: tuple[GradeThreshold, ...]  # best first
    severities: tuple[SeverityRule, ...]
    veto_grade: str
    veto_months: int
    admin_penalty_cap: AdminPenaltyCap
    new_licence: NewLicenceRule
    measures: tuple[GradeMeasures, ...]
    source: str = field(default="", compare=False)

    @property
    def grade_names(self) -> tuple[str, ...]:
        return tuple(g.grade for g in self.grades)

    def severity(self, name: str) -> SeverityRule:
        for rule in self.severities:
            if rule.severity == name:
                return rule
        raise KeyError(f"policy {self.version}: no severity '{name}'")

    def rank(self, grade: str) -> int:
        """0 for the best grade; larger is worse."""
        try:
            return self.grade_names.index(grade)
        except ValueError:
            raise KeyError(f"policy {self.version}: no grade '{grade}'") from None

    def worse(self, a: str, b: str) -> str:
        return a if self.rank(a) >= self.rank(b) else b

    def grade_for_score(self, score: int) -> str:
        for threshold in self.grades:
            if threshold.min_score is None or score >= threshold.min_score:
                return threshold.grade
        raise AssertionError("the last grade has no lower bound")  # guaranteed by validation

    def measures_for(self, grade: str) -> GradeMeasures:
        for measures in self.measures:
            if measures.grade == grade:
                return measures
        raise KeyError(f"policy {self.version}: no grade '{grade}'")


def grade_for_score(score: int, policy: GradePolicy) -> str:
    """The grade a score earns by thresholds alone (score >= min_score)."""
    return policy.grade_for_score(score)


def measures_for(grade: str, policy: GradePolicy) -> GradeMeasures:
    """The measures list entry for a grade."""
    return policy.measures_for(grade)


# ---------------------------------------------------------------- loading

_TOP_KEYS = (
    "version", "effective_from", "base_score", "bonus_ceiling", "grades", "severity",
    "veto_grade", "veto_months", "admin_penalty_cap", "new_licence", "measures",
)
_SEVERITY_KEYS = ("counts_months", "published", "publish_min_months", "repairable", "repair_after_months")
_MEASURE_KEYS = ("regime_zh", "regime_en", "inspection_interval_days", "random_draw_share", "supply_coefficient")
_MEASURE_OPTIONAL = ("supply_note", "lists", "green_channel", "warning_interview_days")


def load_policy(text_or_path: str | Path, *, source: str | None = None) -> GradePolicy:
    """Load and validate a policy from YAML text or a file path; raise `PolicyError` if bad."""
    name, text = read_text(text_or_path, source)
    r = Reader(name, PolicyError)
    top = r.mapping(r.compose(text), "policy", required=_TOP_KEYS)

    version = r.scalar(top["version"], str, "version")
    effective_from = r.scalar(top["effective_from"], dt.date, "effective_from")
    base_score = r.scalar(top["base_score"], int, "base_score")
    bonus_ceiling = r.whole(top["bonus_ceiling"], "bonus_ceiling")

    grades = _read_grades(r, top["grades"])
    names = tuple(g.grade for g in grades)

    def grade_name(node, what):
        value = r.scalar(node, str, what)
        if value not in names:
            r.fail(node, f"{what} '{value}' is not one of the grades {', '.join(names)}")
        return value

    severities = _read_severities(r, top["severity"])

    cap_node = top["admin_penalty_cap"]
    cap = r.mapping(cap_node, "admin_penalty_cap", required=("grade", "months"))
    new_node = top["new_licence"]
    new = r.mapping(new_node, "new_licence", required=("months", "max_grade"))

    return GradePolicy(
        version=version,
        effective_from=effective_from,
        base_score=base_score,
        bonus_ceiling=bonus_ceiling,
        grades=grades,
        severities=severities,
        veto_grade=grade_name(top["veto_grade"], "veto_grade"),
        veto_months=r.whole(top["veto_months"], "veto_months", minimum=1),
        admin_penalty_cap=AdminPenaltyCap(
            grade=grade_name(cap["grade"], "admin_penalty_cap.grade"),
            months=r.whole(cap["months"], "admin_penalty_cap.months", minimum=1),
        ),
        new_licence=NewLicenceRule(
            months=r.whole(new["months"], "new_licence.months", minimum=1),
            max_grade=grade_name(new["max_grade"], "new_licence.max_grade"),
        ),
        measures=_read_measures(r, top["measures"], names),
        source=name,
    )


def _read_grades(r: Reader, node) -> tuple[GradeThreshold, ...]:
    items = r.sequence(node, "grades")
    if len(items) < 2:
        r.fail(node, "grades: give at least two grades, best first")
    grades: list[GradeThreshold] = []
    for i, item in enumerate(items):
        entry = r.mapping(item, f"grades[{i}]", required=("grade", "min_score"))
        grade = r.scalar(entry["grade"], str, "grade")
        if any(g.grade == grade for g in grades):
            r.fail(entry["grade"], f"grade '{grade}' appears twice")
        min_score = r.scalar(entry["min_score"], int, f"min_score of {grade}", nullable=True)
        last = i == len(items) - 1
        if last and min_score is not None:
            r.fail(entry["min_score"], f"the worst grade ({grade}) must have min_score: null (no lower bound)")
        if not last and min_score is None:
            r.fail(entry["min_score"], f"only the worst grade may have min_score: null, not {grade}")
        if grades and min_score is not None and min_score >= grades[-1].min_score:
            r.fail(
                entry["min_score"],
                f"grades must be strictly descending: {grade} min_score {min_score} "
                f"is not below {grades[-1].grade} {grades[-1].min_score}",
            )
        grades.append(GradeThreshold(grade, min_score))
    return tuple(grades)


def _read_severities(r: Reader, node) -> tuple[SeverityRule, ...]:
    table = r.mapping(node, "severity", required=SEVERITIES)
    rules = []
    for name in SEVERITIES:
        what = f"severity.{name}"
        entry = r.mapping(table[name], what, required=_SEVERITY_KEYS)
        repairable = r.scalar(entry["repairable"], bool, f"{what}.repairable")
        after = r.whole(entry["repair_after_months"], f"{what}.repair_after_months", nullable=True)
        if repairable and after is None:
            r.fail(entry["repair_after_months"], f"{what}: repairable records need repair_after_months")
        if not repairable and after is not None:
            r.fail(entry["repair_after_months"], f"{what}: repair_after_months given but repairable is false")
        published = r.scalar(entry["published"], bool, f"{what}.published")
        publish_min = r.whole(entry["publish_min_months"], f"{what}.publish_min_months", nullable=True)
        if not published and publish_min is not None:
            r.fail(entry["publish_min_months"], f"{what}: publish_min_months given but published is false")
        rules.append(
            SeverityRule(
                severity=name,
                counts_months=r.whole(entry["counts_months"], f"{what}.counts_months", minimum=1),
                published=published,
                publish_min_months=publish_min,
                repairable=repairable,
                repair_after_months=after,
            )
        )
    return tuple(rules)


def _read_measures(r: Reader, node, names: tuple[str, ...]) -> tuple[GradeMeasures, ...]:
    table = r.mapping(node, "measures", required=names)
    measures = []
    for grade in names:
        what = f"measures.{grade}"
        entry = r.mapping(table[grade], what, required=_MEASURE_KEYS, optional=_MEASURE_OPTIONAL)
        share = r.scalar(entry["random_draw_share"], float, f"{what}.random_draw_share")
        if not 0 <= share <= 1:
            r.fail(entry["random_draw_share"], f"{what}.random_draw_share must be between 0 and 1")
        coefficient = r.scalar(entry["supply_coefficient"], float, f"{what}.supply_coefficient")
        if coefficient < 0:
            r.fail(entry["supply_coefficient"], f"{what}.supply_coefficient must not be negative")
        lists: list[str] = []
        if "lists" in entry:
            for item in r.sequence(entry["lists"], f"{what}.lists"):
                value = r.scalar(item, str, f"{what}.lists")
                if value not in LISTS:
                    r.fail(item, f"{what}.lists: '{value}' is not one of {', '.join(LISTS)}")
                lists.append(value)
        note = entry.get("supply_note")
        interview = entry.get("warning_interview_days")
        green = entry.get("green_channel")
        measures.append(
            GradeMeasures(
                grade=grade,
                regime_zh=r.scalar(entry["regime_zh"], str, f"{what}.regime_zh"),
                regime_en=r.scalar(entry["regime_en"], str, f"{what}.regime_en"),
                inspection_interval_days=r.whole(
                    entry["inspection_interval_days"], f"{what}.inspection_interval_days", minimum=1
                ),
                random_draw_share=share,
                supply_coefficient=coefficient,
                supply_note=r.scalar(note, str, f"{what}.supply_note", nullable=True) if note is not None else None,
                lists=tuple(lists),
                green_channel=r.scalar(green, bool, f"{what}.green_channel") if green is not None else False,
                warning_interview_days=(
                    r.whole(interview, f"{what}.warning_interview_days", minimum=1, nullable=True)
                    if interview is not None
                    else None
                ),
            )
        )
    return tuple(measures)


# ---------------------------------------------------------------- shipped versions


def available_policies() -> dict[str, GradePolicy]:
    """The shipped policy versions (scoring/policies/*.yaml), by version, oldest first."""
    return dict(_shipped_policies())


@lru_cache(maxsize=1)
def _shipped_policies() -> tuple[tuple[str, GradePolicy], ...]:
    loaded = []
    for path in sorted(POLICY_DIR.glob("*.yaml")):
        policy = load_policy(path)
        if policy.version != path.stem:
            raise PolicyError(str(path), None, f"version '{policy.version}' does not match the file name")
        loaded.append(policy)
    loaded.sort(key=lambda p: p.effective_from)
    return tuple((p.version, p) for p in loaded)


def policy_for(as_of: dt.date, policies: Mapping[str, GradePolicy] | Iterable[GradePolicy]) -> GradePolicy:
    """The policy in force on `as_of`: the latest effective_from <= as_of."""
    items = policies.values() if isinstance(policies, Mapping) else policies
    in_force = [p for p in items if p.effective_from <= as_of]
    if not in_force:
        raise LookupError(f"no grade policy is in force on {as_of.isoformat()}")
    return max(in_force, key=lambda p: p.effective_from)
