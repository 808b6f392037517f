"""One fact, one record: the identity of a credit fact and what every entry path answers for a duplicate.

A fact is identified by the licence, the indicator, the date of the act (``occurred_on``) and the case
number where there is one (a record without case number is one value, not a distinct NULL). The
database holds the rule (the partial unique index ``uq_credit_records_fact``, dismissed records
excluded, migration 0008), so two requests racing with the same fact cannot both insert it: the
loser's INSERT fails inside a SAVEPOINT and the service answers with :class:`DuplicateFact` (409),
naming the record that already holds the fact (id, status, link).

What each entry path does with a duplicate (docs/credit.md, "One fact, one record"):

- ``POST /api/credit-records``, the form ``/credit/records/new``, a commitment breach, the yearly
  commitment bonus: 409 naming the existing record. The API takes an optional ``client_uuid``: the same
  key sent again (a retry) returns the record it made (200) instead.
- CSV import (API, page, ``flask credit import``): the whole file is refused (409 when every bad row
  is a duplicate, 422 otherwise), each duplicate row named by its line and the existing record.
- A field inspection: the capture's UUID is its retry key (same capture again: the stored
  inspection). A different capture that finds a fact already recorded is still stored (a signed
  on-site record cannot be edited afterwards): its violation points to the existing record, which
  gains a "found again" step in its history, and no second record is made.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.common.errors import ServiceError
from app.credit.models import CreditRecord
from app.extensions import db


def identity(retailer_id, indicator_code, occurred_on, case_number) -> tuple:
    """The identity of a fact, as the unique index sees it."""
    return (retailer_id, (indicator_code or "").strip().upper(), occurred_on, (case_number or "").strip())


def holder(retailer_id, indicator_code, occurred_on, case_number=None, *, exclude_id=None) -> CreditRecord | None:
    """The record (not dismissed) that holds this fact, if any."""
    rid, code, day, case = identity(retailer_id, indicator_code, occurred_on, case_number)
    stmt = select(CreditRecord).where(
        CreditRecord.retailer_id == rid, CreditRecord.indicator_code == code, CreditRecord.occurred_on == day,
        func.coalesce(CreditRecord.case_number, "") == case, CreditRecord.status != "dismissed")
    if exclude_id is not None:
        stmt = stmt.where(CreditRecord.id != exclude_id)
    return db.session.scalars(stmt.order_by(CreditRecord.id).limit(1)).first()


def mark_made(rec: CreditRecord) -> None:
    """Note that this session inserted the record (as opposed to returning it for a retry)."""
    db.session.info.setdefault("credit_records_made", set()).add(rec.id)


def made_now(rec: CreditRecord) -> bool:
    """Did this session insert the record (201), or return one made earlier for a retry key (200)?"""
    return rec.id in db.session.info.get("credit_records_made", ())


def status_name(status: str) -> str:
    return {"suspected": _("suspected"), "confirmed": _("confirmed"), "dismissed": _("dismissed"),
            "repaired": _("repaired"), "ended": _("ended early")}.get(status, status)


def link(rec: CreditRecord) -> str:
    return f"/credit/records/{rec.id}"


def describe(rec: CreditRecord) -> dict:
    """The existing record as the API names it in a 409 body."""
    return {"id": rec.id, "status": rec.status, "link": link(rec), "api": f"/api/credit-records/{rec.id}",
            "occurred_on": rec.occurred_on.isoformat(), "indicator_code": rec.indicator_code,
            "case_number": rec.case_number}


def message(rec: CreditRecord, *, with_link: bool = True) -> str:
    """The field message of a duplicate (pages show the link as a link, not as text)."""
    if not with_link:
        return _("This fact (same licence, indicator, date and case number) is already recorded as record %(id)d "
                 "(%(status)s).", id=rec.id, status=status_name(rec.status))
    return _("This fact (same licence, indicator, date and case number) is already recorded as record %(id)d "
             "(%(status)s): %(link)s", id=rec.id, status=status_name(rec.status), link=link(rec))


class DuplicateFact(ServiceError):
    """409: the fact is already recorded; ``existing`` is the record that holds it."""

    def __init__(self, existing: CreditRecord, field: str = "indicator_code"):
        super().__init__({field: [message(existing)]}, status=409, details={"existing": describe(existing)})
        self.existing = existing
        self.field = field

    def page_errors(self) -> dict:
        return {self.field: [message(self.existing, with_link=False)]}


def found_again(rec: CreditRecord, inspection_id: int, actor) -> CreditRecord:
    """Another inspection found a fact already recorded: no second record, a step in the record's history
    (its note is the inspection's id; the inspection keeps its own photos and signed record)."""
    from app.audit.services import record as audit
    from app.common.time import utcnow
    from app.credit.models import CreditRecordEvent

    db.session.add(CreditRecordEvent(record_id=rec.id, at=utcnow(), actor_id=getattr(actor, "id", None),
                                     action="found_again", from_status=rec.status, to_status=rec.status,
                                     note=str(inspection_id)))
    db.session.flush()
    audit("credit_record.found_again", "credit_record", rec.id, actor=actor,
          after={"inspection_id": inspection_id, "status": rec.status})
    return rec


def duplicate_groups(limit: int | None = None) -> list[list[int]]:
    """Facts held by more than one record that is not dismissed: lists of record ids, oldest first.
    (What the migration that adds the unique index refuses to meet.)"""
    key = (CreditRecord.retailer_id, CreditRecord.indicator_code, CreditRecord.occurred_on,
           func.coalesce(CreditRecord.case_number, ""))
    dup = (select(*key).where(CreditRecord.status != "dismissed").group_by(*key)
           .having(func.count(CreditRecord.id) > 1))
    if limit:
        dup = dup.limit(limit)
    groups = []
    for rid, code, day, case in db.session.execute(dup).all():
        groups.append(list(db.session.scalars(select(CreditRecord.id).where(
            CreditRecord.retailer_id == rid, CreditRecord.indicator_code == code, CreditRecord.occurred_on == day,
            func.coalesce(CreditRecord.case_number, "") == case, CreditRecord.status != "dismissed")
            .order_by(CreditRecord.id))))
    return groups


def dismiss_later_duplicates(actor) -> list[tuple[int, int]]:
    """Dismiss every later record of a fact recorded twice, through the credit service (status history,
    audit entry, grades recomputed), keeping the first. Returns [(dismissed id, kept id), ...]."""
    from app.credit import recording

    done = []
    for ids in duplicate_groups():
        keep, *later = ids
        for rid in later:
            rec = db.session.get(CreditRecord, rid)
            recording.dismiss(rec, f"duplicate of record {keep} (one fact, one record)", actor)
            done.append((rid, keep))
    return done


__all__ = ["identity", "holder", "DuplicateFact", "duplicate_groups", "dismiss_later_duplicates"]
