"""Live grades: the engine's inputs from the records, ``RetailerGrade`` (the engine's result for a date
and ``valid_until``, the engine's ``next_change`` cut at the next catalogue or policy version), recompute
when a record changes, the nightly refresh of lapsed grades, and the explanation of a grade.

A ``GradeChange`` event is written whenever a stored grade changes (never for the first grade of a
licence, and never when only the score moves)."""
from collections import defaultdict
from dataclasses import asdict
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

import scoring
from app.common.time import local_today, utcnow
from app.credit import versions
from app.credit.models import (
    COUNTING,
    CreditRecord,
    GradeChange,
    RetailerGrade,
)
from app.extensions import db
from app.retailers.models import Retailer


def engine_input(row, via_operator=False) -> scoring.RecordInput:
    return scoring.RecordInput(id=row.id, indicator_code=row.indicator_code, catalogue_version=row.catalogue_version,
                               decided_on=row.decided_on, quantity=row.quantity, repaired_on=row.repaired_on,
                               via_operator=via_operator, occurred_on=row.occurred_on)


_INPUT_COLUMNS = (CreditRecord.id, CreditRecord.retailer_id, CreditRecord.operator_id, CreditRecord.indicator_code,
                  CreditRecord.catalogue_version, CreditRecord.decided_on, CreditRecord.quantity,
                  CreditRecord.repaired_on, CreditRecord.occurred_on)


def engine_inputs(retailer_id: int, as_of: date) -> list[scoring.RecordInput]:
    """The engine's inputs for one licence on a date: its own confirmed and repaired records, and
    (via_operator=True) those of the operator's other licences, whose veto or penalty cap reach it."""
    operator_id = db.session.scalar(select(Retailer.operator_id).where(Retailer.id == retailer_id))
    reach = CreditRecord.retailer_id == retailer_id
    if operator_id is not None:
        reach = or_(reach, CreditRecord.operator_id == operator_id)
    rows = db.session.execute(select(*_INPUT_COLUMNS).where(
        CreditRecord.status.in_(COUNTING), CreditRecord.decided_on.is_not(None), CreditRecord.decided_on <= as_of,
        reach).order_by(CreditRecord.id)).all()
    return [engine_input(r, via_operator=r.retailer_id != retailer_id) for r in rows]


def engine_inputs_many(retailers, as_of: date) -> dict[int, list[scoring.RecordInput]]:
    """``engine_inputs`` for many licences at once (two queries per thousand licences)."""
    out: dict[int, list] = {r.id: [] for r in retailers}
    items = list(retailers)
    for start in range(0, len(items), 1000):
        chunk = items[start:start + 1000]
        ids = [r.id for r in chunk]
        ops = sorted({r.operator_id for r in chunk if r.operator_id is not None})
        rows = db.session.execute(select(*_INPUT_COLUMNS).where(
            CreditRecord.status.in_(COUNTING), CreditRecord.decided_on.is_not(None),
            CreditRecord.decided_on <= as_of,
            or_(CreditRecord.retailer_id.in_(ids), CreditRecord.operator_id.in_(ops) if ops else False))
            .order_by(CreditRecord.id)).all()
        by_retailer, by_operator = defaultdict(list), defaultdict(list)
        for row in rows:
            by_retailer[row.retailer_id].append(row)
            by_operator[row.operator_id].append(row)
        for r in chunk:
            own = by_retailer.get(r.id, [])
            via = [row for row in by_operator.get(r.operator_id, []) if row.retailer_id != r.id]
            out[r.id] = [engine_input(row, via_operator=row.retailer_id != r.id)
                         for row in sorted(own + via, key=lambda x: x.id)]
    return out


def compute_for(retailer, as_of: date, *, cats=None, pols=None, inputs=None) -> scoring.ScoreResult:
    """The engine's result for one licence on a date (licensed_on = the licence's issue date)."""
    cats = cats if cats is not None else versions.catalogues()
    pols = pols if pols is not None else versions.policies()
    if inputs is None:
        inputs = engine_inputs(retailer.id, as_of)
    # 从旧兼从轻: each record's periods are the shorter of the policy in force on as_of and the one in
    # force when its act happened (every policy version is passed)
    return scoring.compute(inputs, as_of=as_of, catalogues=cats, policy=versions.policy_on(as_of, pols),
                           licensed_on=retailer.licence_issued_on, policies=pols)


def _valid_until(result, cut):
    candidates = [d for d in (result.next_change, cut) if d is not None]
    return min(candidates) if candidates else None


def grade_values(retailer_id, result, cut) -> dict:
    rule = result.rule
    return {
        "retailer_id": retailer_id, "score": result.score, "grade": result.grade, "score_grade": result.score_grade,
        "monopoly": result.subtotals.get("monopoly", 0), "marketing": result.subtotals.get("marketing", 0),
        "social": result.subtotals.get("social", 0), "rule_kind": rule.kind if rule else None,
        "rule_record_id": rule.record_id if rule and isinstance(rule.record_id, int) else None,
        "rule_until": rule.until if rule else None, "as_of": result.as_of,
        "valid_until": _valid_until(result, cut), "policy_version": result.policy_version, "computed_at": utcnow(),
    }


def store_grade(retailer_id: int, result, cause: str, record_id=None, *, cut="auto") -> RetailerGrade:
    """Write a result as the retailer's live grade; a GradeChange event when the grade changes."""
    if cut == "auto":
        cut = versions.next_effective_after(result.as_of)
    values = grade_values(retailer_id, result, cut)
    row = db.session.get(RetailerGrade, retailer_id, with_for_update=True, populate_existing=True)
    old = (row.grade, row.score) if row is not None else None
    if row is None:
        row = RetailerGrade(**values)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # another transaction wrote it first: update that one
            row = db.session.get(RetailerGrade, retailer_id, with_for_update=True, populate_existing=True)
            old = (row.grade, row.score)
            # ``result`` was computed before that transaction committed (its record may count): again, now
            result = compute_for(db.session.get(Retailer, retailer_id), result.as_of)
            values = grade_values(retailer_id, result, cut)
    if old is not None:
        for key, value in values.items():
            setattr(row, key, value)
        if old[0] != result.grade:
            db.session.add(GradeChange(retailer_id=retailer_id, at=utcnow(), as_of=result.as_of, from_grade=old[0],
                                       to_grade=result.grade, from_score=old[1], to_score=result.score, cause=cause,
                                       record_id=record_id))
    db.session.flush()
    return row


def recompute(retailer, cause: str, record_id=None, as_of: date | None = None) -> RetailerGrade:
    """Recompute one licence's live grade now (or as of a date) and store it."""
    as_of = as_of or local_today()
    # Lock the stored grade before computing, so a writer racing with this one has committed its record
    # (and is counted) or waits for this transaction: a grade is never stored from a stale computation.
    db.session.get(RetailerGrade, retailer.id, with_for_update=True, populate_existing=True)
    return store_grade(retailer.id, compute_for(retailer, as_of), cause, record_id)


def _stale(row, today) -> bool:
    return row is None or row.as_of > today or (row.valid_until is not None and row.valid_until <= today)


def current_grade(retailer, today: date | None = None) -> RetailerGrade:
    """The live grade for today, for reading. A stored grade that is missing or lapsed
    (``valid_until <= today``) is computed afresh and returned unsaved: reading never writes (the
    nightly job, app.jobs, stores lapsed grades; a change of record stores at once)."""
    today = today or local_today()
    row = db.session.get(RetailerGrade, retailer.id)
    if _stale(row, today):
        return RetailerGrade(**grade_values(retailer.id, compute_for(retailer, today),
                                            versions.next_effective_after(today)))
    return row


def ensure_current(retailer, today: date | None = None) -> RetailerGrade:
    """The live grade for today, stored first when missing or lapsed (write paths only)."""
    today = today or local_today()
    row = db.session.get(RetailerGrade, retailer.id)
    if _stale(row, today):
        row = recompute(retailer, "initial" if row is None else "lapse", as_of=today)
    return row


def baseline(retailer, today=None):
    """Make sure the licence has a live grade for today before a change, so the change's effect
    is a GradeChange from the grade it really had."""
    ensure_current(retailer, today)


def reach_of(rec: CreditRecord) -> list[Retailer]:
    """The licences a record's change reaches: its own and every licence of the same operator."""
    return list(db.session.scalars(select(Retailer).where(
        or_(Retailer.id == rec.retailer_id, Retailer.operator_id == rec.operator_id)).order_by(Retailer.id)))


def baseline_reach(rec: CreditRecord) -> list[Retailer]:
    reach = reach_of(rec)
    for retailer in reach:
        baseline(retailer)
    return reach


def recompute_reach(rec: CreditRecord, cause: str, reach=None, as_of=None):
    for retailer in reach if reach is not None else reach_of(rec):
        recompute(retailer, cause, record_id=rec.id, as_of=as_of)


def recompute_many(retailers, cause: str, as_of: date | None = None, record_id=None) -> int:
    """Recompute and store many live grades in one pass (records read in bulk). Returns how many
    grades changed."""
    as_of = as_of or local_today()
    cats, pols = versions.catalogues(), versions.policies()
    cut = versions.next_effective_after(as_of)
    retailers = list(retailers)
    changed = 0
    for start in range(0, len(retailers), 1000):
        chunk = retailers[start:start + 1000]
        # Lock the stored grades (in id order) before reading the records, as recompute() does.
        rows = {g.retailer_id: g for g in db.session.scalars(
            select(RetailerGrade).where(RetailerGrade.retailer_id.in_([r.id for r in chunk]))
            .order_by(RetailerGrade.retailer_id).with_for_update().execution_options(populate_existing=True))}
        inputs = engine_inputs_many(chunk, as_of)
        for retailer in chunk:
            result = compute_for(retailer, as_of, cats=cats, pols=pols, inputs=inputs[retailer.id])
            values = grade_values(retailer.id, result, cut)
            row = rows.get(retailer.id)
            if row is None:
                db.session.flush()  # what is pending stays outside the savepoint below
                try:
                    with db.session.begin_nested():
                        db.session.add(RetailerGrade(**values))
                        db.session.flush()
                    continue
                except IntegrityError:  # another transaction graded it first (a concurrent import): update it
                    row = db.session.get(RetailerGrade, retailer.id, with_for_update=True, populate_existing=True)
                    result = compute_for(retailer, as_of, cats=cats, pols=pols)
                    values = grade_values(retailer.id, result, cut)
            if row.grade != result.grade:
                changed += 1
                db.session.add(GradeChange(retailer_id=retailer.id, at=utcnow(), as_of=as_of, from_grade=row.grade,
                                           to_grade=result.grade, from_score=row.score, to_score=result.score,
                                           cause=cause, record_id=record_id))
            for key, value in values.items():
                setattr(row, key, value)
        db.session.flush()
    return changed


def compute_grade_rows(retailers, as_of: date) -> list[dict]:
    """Live-grade rows (RetailerGrade values) for many licences, computed with the engine and the
    records read in bulk; for bulk loading where no live grade exists yet (the demo city)."""
    cats, pols = versions.catalogues(), versions.policies()
    cut = versions.next_effective_after(as_of)
    retailers = list(retailers)
    out = []
    for start in range(0, len(retailers), 1000):
        chunk = retailers[start:start + 1000]
        inputs = engine_inputs_many(chunk, as_of)
        for retailer in chunk:
            result = compute_for(retailer, as_of, cats=cats, pols=pols, inputs=inputs[retailer.id])
            out.append(grade_values(retailer.id, result, cut))
    return out


def refresh_subset(retailers, today: date | None = None) -> int:
    """Recompute, among these licences, the grades that are missing or lapsed (a baseline before a
    bulk change). Returns how many were recomputed."""
    today = today or local_today()
    retailers = list(retailers)
    rows = {}
    ids = [r.id for r in retailers]
    for start in range(0, len(ids), 1000):
        rows.update({g.retailer_id: g for g in db.session.scalars(
            select(RetailerGrade).where(RetailerGrade.retailer_id.in_(ids[start:start + 1000])))})
    stale = [r for r in retailers if _stale(rows.get(r.id), today)]
    recompute_many(stale, "lapse", as_of=today)
    return len(stale)


def refresh_due(today: date | None = None) -> tuple[int, int]:
    """Recompute every missing or lapsed live grade in one pass (the nightly job). Returns
    (recomputed, changed)."""
    today = today or local_today()
    stale = select(Retailer).outerjoin(RetailerGrade, RetailerGrade.retailer_id == Retailer.id).where(or_(
        RetailerGrade.retailer_id.is_(None), RetailerGrade.valid_until <= today, RetailerGrade.as_of > today))
    retailers = list(db.session.scalars(stale.order_by(Retailer.id)))
    changed = recompute_many(retailers, "lapse", as_of=today)
    return len(retailers), changed


def next_grade_change(retailer, result, *, cats=None, pols=None, limit: int = 60) -> date | None:
    """The first later date on which the grade itself changes with no new fact (a veto or cap
    ending, records lapsing far enough), or None. ``result.next_change`` is the first date on which
    anything changes (the score may move while a veto keeps the grade): this walks those dates."""
    cats = cats if cats is not None else versions.catalogues()
    pols = pols if pols is not None else versions.policies()
    inputs = engine_inputs(retailer.id, result.as_of)
    day = result.next_change
    for _ in range(limit):
        if day is None:
            return None
        later = compute_for(retailer, day, cats=cats, pols=pols, inputs=inputs)
        if later.grade != result.grade:
            return day
        if later.next_change is None or later.next_change <= day:
            return None
        day = later.next_change
    return None


def explain(retailer, as_of: date | None = None) -> dict:
    """The live grade with its reasons: score, subtotals, grade, the rule, every contributing record
    (indicator names, points, counts until) and the measures the policy attaches to the grade."""
    today = as_of or local_today()
    cats, pols = versions.catalogues(), versions.policies()
    policy = versions.policy_on(today, pols)
    result = compute_for(retailer, today, cats=cats, pols=pols)
    row = db.session.get(RetailerGrade, retailer.id)
    if as_of is None and _stale(row, today):  # shown as computed now; the nightly job stores it
        row = None
    ids = [c.record_id for c in result.contributions]
    records = {r.id: r for r in db.session.scalars(select(CreditRecord).where(CreditRecord.id.in_(ids)))} if ids else {}
    licences = dict(db.session.execute(select(Retailer.id, Retailer.licence_no).where(
        Retailer.id.in_(sorted({r.retailer_id for r in records.values()})))).all()) if records else {}
    contributions = []
    for c in result.contributions:
        indicator = cats[c.catalogue_version_applied].indicator(c.indicator_code)
        rec = records.get(c.record_id)
        contributions.append({
            "record_id": c.record_id, "indicator_code": c.indicator_code, "name_zh": indicator.name_zh,
            "name_en": indicator.name_en, "dimension": c.dimension, "severity": c.severity, "points": c.points,
            "nominal_points": c.nominal_points, "counts_until": c.counts_until,
            "catalogue_version": c.catalogue_version_applied, "via_operator": c.via_operator, "capped": c.capped,
            "note": c.note, "occurred_on": rec.occurred_on if rec else None,
            "decided_on": rec.decided_on if rec else None, "case_number": rec.case_number if rec else None,
            "licence_no": licences.get(rec.retailer_id) if rec else None,
            "disputed": bool(rec.disputed) if rec else False,
        })
    rule = None
    if result.rule is not None:
        r = result.rule
        rule = {"kind": r.kind, "record_id": r.record_id, "indicator_code": r.indicator_code, "until": r.until,
                "grade": r.grade}
        if r.indicator_code:
            for c in contributions:
                if c["record_id"] == r.record_id:
                    rule.update(name_zh=c["name_zh"], name_en=c["name_en"], via_operator=c["via_operator"])
    measures = asdict(policy.measures_for(result.grade))
    measures["lists"] = list(measures["lists"])
    return {
        "retailer_id": retailer.id, "licence_no": retailer.licence_no, "shop_name": retailer.shop_name,
        "as_of": result.as_of, "policy_version": result.policy_version, "base": result.base, "score": result.score,
        "subtotals": dict(result.subtotals), "score_grade": result.score_grade, "grade": result.grade, "rule": rule,
        "contributions": contributions, "measures": measures, "next_change": result.next_change,
        "next_grade_change": next_grade_change(retailer, result, cats=cats, pols=pols),
        "valid_until": row.valid_until if row is not None and as_of is None else result.next_change,
        "computed_at": row.computed_at if row is not None and as_of is None else None,
    }
