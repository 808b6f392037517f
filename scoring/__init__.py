"""Credit scoring (信用积分与等级): a pure package, stdlib and PyYAML only.

    from scoring import available_catalogues, available_policies, policy_for, compute
    result = compute(records, as_of=day, catalogues=available_catalogues(),
                     policy=policy_for(day, available_policies()), licensed_on=licence_date)

See docs/scoring.md for the rules and the data files.
"""

from .catalogue import (
    DIMENSIONS,
    Band,
    Catalogue,
    CatalogueError,
    Indicator,
    RepairRule,
    available_catalogues,
    catalogue_for,
    load_catalogue,
)
from .dates import add_months
from .engine import (
    Contribution,
    RecordInput,
    Rule,
    ScoreResult,
    ScoringError,
    Treatment,
    compute,
    record_policy_for,
    treatment_for,
)
from .policy import (
    SEVERITIES,
    GradeMeasures,
    GradePolicy,
    PolicyError,
    available_policies,
    grade_for_score,
    load_policy,
    measures_for,
    policy_for,
)
from .repair import Eligibility, Reason, repair_eligibility

__all__ = [
    "DIMENSIONS", "SEVERITIES",
    "Band", "Catalogue", "CatalogueError", "Indicator", "RepairRule",
    "available_catalogues", "catalogue_for", "load_catalogue",
    "GradeMeasures", "GradePolicy", "PolicyError",
    "available_policies", "grade_for_score", "load_policy", "measures_for", "policy_for",
    "Contribution", "RecordInput", "Rule", "ScoreResult", "ScoringError", "Treatment",
    "compute", "treatment_for", "record_policy_for", "add_months",
    "Eligibility", "Reason", "repair_eligibility",
]
