"""The one place the retailer side talks to the credit records: every change of a record's state
(repair, dismiss, dispute, a new bonus or breach record) and the live grade go through
``app.credit.recording`` and ``app.credit.grading``; versions through ``app.credit.versions``. Nothing here writes a record."""
from __future__ import annotations

from datetime import date

from app.common.time import local_today
from app.credit import grading, recording, versions
from app.credit.models import CreditRecord
from app.retailers.models import Retailer


def catalogues():
    return versions.catalogues()


def policy_on(day: date):
    return versions.policy_on(day)


def indicator(record: CreditRecord):
    return catalogues()[record.catalogue_version].indicator(record.indicator_code)


def record_input(record: CreditRecord, *, via_operator=False):
    from scoring import RecordInput

    return RecordInput(id=record.id, indicator_code=record.indicator_code, catalogue_version=record.catalogue_version,
                       decided_on=record.decided_on, quantity=record.quantity, repaired_on=record.repaired_on,
                       via_operator=via_operator, occurred_on=record.occurred_on)


def compute(retailer: Retailer, as_of: date | None = None):
    """The engine's full result (score, subtotals, contributions, next change) as of a date."""
    return grading.compute_for(retailer, as_of or local_today())


def current_grade(retailer: Retailer) -> tuple[str, int]:
    """(grade, score) of the live grade for today."""
    row = grading.current_grade(retailer)
    return row.grade, row.score


def repair(record: CreditRecord, repaired_on: date, actor, note: str):
    return recording.repair(record, repaired_on, actor, note)


def dismiss(record: CreditRecord, reason: str, actor):
    return recording.dismiss(record, reason, actor)


def mark_disputed(record: CreditRecord, disputed: bool, actor, note: str):
    return recording.mark_disputed(record, disputed, actor, note)


def create_confirmed_record(retailer: Retailer, indicator_code: str, *, occurred_on: date, actor, source: str,
                            description: str, case_number: str | None = None) -> CreditRecord:
    """A new confirmed record (a commitment kept a year, or broken), decided on ``occurred_on``."""
    return recording.create_record(retailer, indicator_code, occurred_on=occurred_on, source=source, actor=actor,
                                  description=description, status="confirmed", decided_on=occurred_on,
                                  case_number=case_number, from_decision=True)
