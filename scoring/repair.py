"""Credit repair (信用修复) eligibility: which conditions a request meets, each refusal with its reason.

Pure: the caller says what it knows (already repaired, penalty fulfilled, commitment signed,
training done); the catalogue and policy say what the record allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from .catalogue import Catalogue
from .dates import add_months, iso_dates
from .engine import RecordInput, treatment_for
from .policy import GradePolicy


@dataclass(frozen=True)
class Reason:
    code: str
    message_zh: str
    message_en: str
    met_on: dt.date | None = None  # when a time condition will be met, if it will


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[Reason, ...]  # one per unmet condition; empty when eligible

    def to_dict(self) -> dict:
        return iso_dates(asdict(self))


REASON_CODES = (
    "not_counting", "lapses_by_itself", "not_repairable", "min_period_not_passed",
    "already_repaired", "penalty_not_fulfilled", "no_commitment", "training_not_done",
)


def repair_eligibility(
    record: RecordInput,
    *,
    as_of: dt.date,
    catalogues: Mapping[str, Catalogue],
    policy: GradePolicy,
    already_repaired: bool,
    penalty_fulfilled: bool,
    commitment_signed: bool,
    training_done: bool,
) -> Eligibility:
    """Check every repair condition on `as_of`; each unmet one gives its own reason."""
    treatment = treatment_for(record, as_of=as_of, catalogues=catalogues, policy=policy)
    indicator = treatment.indicator
    reasons: list[Reason] = []

    repaired = record.repaired_on is not None and record.repaired_on <= as_of
    if record.decided_on > as_of or as_of >= treatment.counts_until or repaired:
        reasons.append(
            Reason(
                "not_counting",
                "该记录已不再计分，无需修复",
                "The record no longer counts: there is nothing to repair",
            )
        )

    rule = indicator.repair_rule(policy)
    if not rule.repairable:
        if indicator.severity == "minor":
            reasons.append(
                Reason(
                    "lapses_by_itself",
                    f"轻微失信记录无需修复，到期（{treatment.counts_until.isoformat()}）自动失效",
                    f"A minor record needs no repair: it lapses by itself on {treatment.counts_until.isoformat()}",
                    treatment.counts_until,
                )
            )
        else:
            reasons.append(
                Reason(
                    "not_repairable",
                    f"指标 {indicator.code} 按规定不可修复",
                    f"Indicator {indicator.code} is not repairable",
                )
            )
    else:
        met_on = add_months(record.decided_on, rule.after_months)
        if as_of < met_on:
            reasons.append(
                Reason(
                    "min_period_not_passed",
                    f"最短公示期未满，{met_on.isoformat()} 起方可申请",
                    f"The minimum period has not passed: a repair may be asked for from {met_on.isoformat()}",
                    met_on,
                )
            )

    if already_repaired or record.repaired_on is not None:
        reasons.append(
            Reason("already_repaired", "该记录已修复过一次，不能再次修复", "The record was already repaired once")
        )
    if not penalty_fulfilled:
        reasons.append(
            Reason(
                "penalty_not_fulfilled",
                "尚未履行处罚或完成整改（罚款缴纳、整改到位）",
                "The penalty is not fulfilled (fine paid, rectification done)",
            )
        )
    if not commitment_signed:
        reasons.append(
            Reason("no_commitment", "尚未作出新的信用承诺", "No fresh public credit commitment has been made")
        )
    if not training_done:
        reasons.append(
            Reason("training_not_done", "尚未完成信用修复培训", "Credit-repair training (信用修复培训) is not done")
        )
    return Eligibility(eligible=not reasons, reasons=tuple(reasons))
