"""The batch path of the quarterly evaluation (综合评价): every retailer's official grade as of a date,
computed in the database with ONE ``INSERT INTO evaluation_rows ... SELECT ...``.

It gives exactly what the pure engine (``scoring.compute``) gives for each retailer, field for field
(score, subtotals, score grade, grade, the rule reported and its record), without a line of Python
per retailer. How (docs/evaluation.md, "Batch design"):

1. In Python, for every (indicator code, catalogue version, quantity band) the records can carry, the
   treatment in force on ``as_of`` under 从旧兼从轻 is resolved with the engine's own
   ``scoring.treatment_for``: points, dimension, bonus, veto, administrative penalty, counting period.
   Calendar-month addition is monotone, so "the record counts on as_of" is exactly
   ``decided_on >= counts_from`` where ``counts_from`` is the first day d with
   add_months(d, counts_months) > as_of; the veto and the penalty-cap windows likewise become dates.
   These rows go into a small temporary table, ``eval_treatments``.
2. One statement then reads ``credit_records`` once (the counting records, joined to their
   treatment), and per retailer: sums the points per dimension; clips bonuses at the ceiling in the
   engine's order (decided_on, str(id)) with a window SUM; finds the veto and the penalty cap, also
   those reaching it from other licences of the same operator (经营者), and the one the engine
   reports (longest-holding, first in record order on a tie); applies the new-licence cap; maps
   the score to a grade and takes the worst of score grade and rules; and copies the previous
   published grade.

A record whose code, version or quantity the catalogues do not know makes the engine raise; here
it makes the statement fail (``score`` NULL violates NOT NULL) and :class:`BatchError` names the
records.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, is_dataclass

from sqlalchemy import (Column, Date, Integer, MetaData, SmallInteger, String, Table, bindparam, text)
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from scoring import DIMENSIONS, Catalogue, GradePolicy, RecordInput, ScoringError, add_months, treatment_for

COUNTING_STATUSES = ("confirmed", "repaired", "ended")
# Licences evaluated: issued on or before as_of and not cancelled (a suspended licence is graded).
EXCLUDED_RETAILER_STATUSES = ("cancelled",)

NO_QUANTITY = -(2**31)  # stands for "quantity IS NULL" in the treatment table
Q_MIN, Q_MAX = -(2**31) + 1, 2**31 - 1

TREATMENTS = "eval_treatments"
# What identifies a counting record in the inputs hash (a repair after as_of is not a fact on as_of).
RECORD_FIELDS = ("cr.id", "cr.retailer_id", "cr.operator_id", "cr.indicator_code", "cr.catalogue_version",
                 "cr.quantity", "cr.decided_on", "cr.occurred_on")
DAY_MIN, DAY_MAX = dt.date(1, 1, 1), dt.date(9999, 12, 31)


class BatchError(ValueError):
    """The inputs cannot be scored (the engine would raise ScoringError for these records)."""

    def __init__(self, message: str, record_ids: list[int]):
        super().__init__(message)
        self.record_ids = record_ids


# ---------------------------------------------------------------- dates


def first_counting_day(as_of: dt.date, months: int) -> dt.date:
    """The smallest date d with add_months(d, months) > as_of: a fact decided on d or later, lasting
    `months` calendar months, still holds on as_of (add_months is non-decreasing in d)."""
    day = add_months(as_of, -months) - dt.timedelta(days=4)
    while add_months(day, months) > as_of:
        day -= dt.timedelta(days=1)
    while add_months(day, months) <= as_of:
        day += dt.timedelta(days=1)
    return day


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """'2026Q4' -> (2026-10-01, 2026-12-31). ValueError if malformed."""
    q = (quarter or "").strip().upper()
    if len(q) != 6 or q[4] != "Q" or not q[:4].isdigit() or q[5] not in "1234":
        raise ValueError(f"not a quarter: {quarter!r} (expected e.g. 2026Q4)")
    year, n = int(q[:4]), int(q[5])
    start = dt.date(year, 3 * n - 2, 1)
    end = add_months(start, 3) - dt.timedelta(days=1)
    return start, end


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


# ---------------------------------------------------------------- treatments (Python, small)


@dataclass(frozen=True)
class TreatmentRow:
    code: str
    version: str
    q_lo: int
    q_hi: int
    ok: int  # 0: the engine would raise for such a record
    p_lo: dt.date = DAY_MIN  # the record's act (occurred_on) in [p_lo, p_hi): one grade policy was in force
    p_hi: dt.date = DAY_MAX
    dim: int | None = None  # index in scoring.DIMENSIONS (monopoly, marketing, social)
    points: int = 0
    is_bonus: int = 0
    counts_from: dt.date | None = None
    veto_from: dt.date | None = None  # set for veto treatments: decided on or after -> the veto holds
    cap_from: dt.date | None = None  # set for administrative penalties: decided on or after -> capped
    veto_m: int | None = None  # months the veto holds: min(counting period, policy veto_months)
    cap_m: int | None = None


def treatment_rows(catalogues: Mapping[str, Catalogue], policy: GradePolicy, as_of: dt.date,
                   policies: Mapping[str, GradePolicy] | None = None) -> list[TreatmentRow]:
    """One row per (code, version, quantity interval[, act-date interval]) with the treatment in force
    on as_of.

    Quantity intervals are cut at every band edge of the record's own version and of every later
    version in force on as_of (the only versions 从旧兼从轻 looks at), so within one interval the
    engine's treatment is constant. NO_QUANTITY stands for a record without a quantity. With
    ``policies``, the rows are repeated for each span of act dates over which one grade policy was in
    force (the record's periods are the shorter of that policy's and ``policy``'s: 从旧兼从轻)."""
    spans = policy_spans(policies)
    ordered = sorted(catalogues.values(), key=lambda c: (c.effective_from, c.version))
    rows: list[TreatmentRow] = []
    for p_lo, p_hi, record_policy in spans:
        for catalogue in ordered:
            for indicator in catalogue.indicators:
                code = indicator.code
                relevant = [catalogue] + [
                    c for c in ordered if catalogue.effective_from < c.effective_from <= as_of and code in c
                ]
                edges = set()
                for c in relevant:
                    for band in c.indicator(code).bands:
                        edges.add(band.min_quantity)
                        if band.max_quantity is not None:
                            edges.add(band.max_quantity + 1)
                cuts = [Q_MIN] + sorted(e for e in edges if Q_MIN < e <= Q_MAX) + [Q_MAX + 1]
                intervals = [(NO_QUANTITY, NO_QUANTITY, None)]
                intervals += [(lo, hi - 1, lo) for lo, hi in zip(cuts, cuts[1:]) if hi - 1 >= lo]
                previous = None
                for lo, hi, quantity in intervals:
                    row = _treatment_row(code, catalogue.version, lo, hi, quantity, catalogues, policy, as_of,
                                         record_policy, p_lo, p_hi)
                    if previous is not None and _same(previous, row):  # NO_QUANTITY + 1 == Q_MIN
                        rows[-1] = previous = _widen(previous, hi)
                        continue
                    rows.append(row)
                    previous = row
    return rows


def policy_spans(policies: Mapping[str, GradePolicy] | None) -> list[tuple[dt.date, dt.date, GradePolicy | None]]:
    """[(first act date, end (exclusive), the grade policy in force then)], covering every date; one
    span with no policy without ``policies``. The same choice as scoring.record_policy_for."""
    if not policies:
        return [(DAY_MIN, DAY_MAX, None)]
    chosen: dict[dt.date, GradePolicy] = {}
    for p in sorted(policies.values(), key=lambda p: (p.effective_from, p.version)):
        chosen[p.effective_from] = p  # the latest version of one effective date wins
    starts = sorted(chosen)
    spans = [(DAY_MIN, starts[0], None)] if starts[0] > DAY_MIN else []
    for i, start in enumerate(starts):
        spans.append((start, starts[i + 1] if i + 1 < len(starts) else DAY_MAX, chosen[start]))
    return spans


def _same(a: TreatmentRow, b: TreatmentRow) -> bool:
    return {**asdict(a), "q_lo": 0, "q_hi": 0} == {**asdict(b), "q_lo": 0, "q_hi": 0}


def _widen(row: TreatmentRow, hi: int) -> TreatmentRow:
    return TreatmentRow(**{**asdict(row), "q_hi": hi})


def _treatment_row(code, version, lo, hi, quantity, catalogues, policy, as_of, record_policy=None,
                   p_lo=DAY_MIN, p_hi=DAY_MAX) -> TreatmentRow:
    probe = RecordInput(id=0, indicator_code=code, catalogue_version=version, decided_on=as_of, quantity=quantity)
    try:
        t = treatment_for(probe, as_of=as_of, catalogues=catalogues, policy=policy, record_policy=record_policy)
    except ScoringError:
        return TreatmentRow(code, version, lo, hi, ok=0, p_lo=p_lo, p_hi=p_hi)
    months = t.counts_months
    is_veto = t.indicator.severity == "veto"
    is_cap = t.indicator.admin_penalty
    veto_m = min(months, t.veto_months)
    cap_m = min(months, t.cap_months)
    return TreatmentRow(
        code=code, version=version, q_lo=lo, q_hi=hi, ok=1, p_lo=p_lo, p_hi=p_hi,
        dim=DIMENSIONS.index(t.indicator.dimension),
        points=t.points,
        is_bonus=1 if t.indicator.is_bonus else 0,
        counts_from=first_counting_day(as_of, months),
        veto_from=first_counting_day(as_of, veto_m) if is_veto else None,
        cap_from=first_counting_day(as_of, cap_m) if is_cap else None,
        veto_m=veto_m if is_veto else None,
        cap_m=cap_m if is_cap else None,
    )


_treatment_table = Table(
    TREATMENTS, MetaData(),
    Column("code", String(8)), Column("version", String(16)),
    Column("q_lo", Integer), Column("q_hi", Integer), Column("ok", SmallInteger),
    Column("p_lo", Date), Column("p_hi", Date),
    Column("dim", SmallInteger), Column("points", Integer), Column("is_bonus", SmallInteger),
    Column("counts_from", Date), Column("veto_from", Date), Column("cap_from", Date),
    Column("veto_m", Integer), Column("cap_m", Integer),
    prefixes=["TEMPORARY"],
)


def load_treatments(rows: list[TreatmentRow]) -> None:
    """(Re)create the temporary treatment table on the session's connection and fill it."""
    conn = db.session.connection()
    conn.execute(text(f"DROP TABLE IF EXISTS {TREATMENTS}"))
    _treatment_table.create(conn)
    conn.execute(_treatment_table.insert(), [asdict(r) for r in rows])
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {TREATMENTS}"))


def drop_treatments() -> None:
    db.session.connection().execute(text(f"DROP TABLE IF EXISTS {TREATMENTS}"))


# ---------------------------------------------------------------- SQL, per dialect


class _Sql:
    def __init__(self, dialect: str):
        self.pg = dialect == "postgresql"

    def least(self, a, b):
        return f"LEAST({a}, {b})" if self.pg else f"MIN({a}, {b})"

    def greatest(self, *items):
        return f"GREATEST({', '.join(items)})" if self.pg else f"MAX({', '.join(items)})"

    def id_text(self, col):
        """str(id), compared the way Python compares strings (code points)."""
        return f'CAST({col} AS TEXT) COLLATE "C"' if self.pg else f"CAST({col} AS TEXT)"

    def add_months(self, day, months):
        """add_months(day, months) with the day clamped to the month's end, as scoring.dates."""
        if self.pg:
            return f"CAST({day} + make_interval(months => {months}) AS DATE)"
        first = f"date({day}, 'start of month', '+' || ({months}) || ' months')"
        return (f"MIN(date({first}, '+' || (CAST(strftime('%d', {day}) AS INTEGER) - 1) || ' days'), "
                f"date({day}, 'start of month', '+' || ({months} + 1) || ' months', '-1 day'))")


def _grade_case(expr: str, policy: GradePolicy) -> str:
    """Rank (0 = best) of the grade a score earns: score >= min_score, best first."""
    parts = [f"WHEN {expr} >= {int(g.min_score)} THEN {i}" for i, g in enumerate(policy.grades)
             if g.min_score is not None]
    return f"CASE {' '.join(parts)} ELSE {len(policy.grades) - 1} END"


def _grade_name(expr: str, policy: GradePolicy) -> str:
    parts = [f"WHEN {i} THEN '{g.grade}'" for i, g in enumerate(policy.grades)]
    return f"CASE {expr} {' '.join(parts)} END"


def _counting_from(where_extra: str = "") -> str:
    """FROM ... WHERE of the known, unrepaired records decided on or before as_of that count on
    as_of, each joined to its treatment; records with no valid treatment are kept (t.ok NULL or 0)
    so that they can be reported.

    Records decided before the earliest counting start of any treatment (:oldest) cannot count and
    are not read at all (nor checked: a record that can no longer count is not reported as
    unscorable, where the engine would raise; records are validated when they are made)."""
    return f"""
        FROM credit_records cr
        LEFT JOIN {TREATMENTS} t
          ON t.code = cr.indicator_code AND t.version = cr.catalogue_version
         AND COALESCE(cr.quantity, {NO_QUANTITY}) BETWEEN t.q_lo AND t.q_hi
         AND cr.occurred_on >= t.p_lo AND cr.occurred_on < t.p_hi
        WHERE cr.status IN ({", ".join(f"'{x}'" for x in COUNTING_STATUSES)})
          AND cr.decided_on IS NOT NULL AND cr.decided_on <= :as_of
          AND cr.decided_on >= :oldest
          AND (cr.repaired_on IS NULL OR cr.repaired_on > :as_of)
          AND (t.ok IS NULL OR t.ok = 0 OR cr.decided_on >= t.counts_from){where_extra}"""


def _counting_records_sql(s: _Sql, extra: str = "") -> str:
    """The counting records as rows (for the inputs hash and the error report)."""
    return f"""
        SELECT cr.id, cr.retailer_id, cr.operator_id, cr.decided_on,{extra} t.ok{_counting_from()}"""


def _retailers_where() -> str:
    excluded = ", ".join(f"'{x}'" for x in EXCLUDED_RETAILER_STATUSES)
    return f"re.licence_issued_on <= :as_of AND re.status NOT IN ({excluded})"


def rows_sql(dialect: str, policy: GradePolicy) -> str:
    """The one INSERT ... SELECT. Its parts (CTEs):

    own      ONE pass over credit_records joined to the treatments, grouped by licence: points per
             dimension (bonuses included), the bonus total, unscorable records, and the veto and
             penalty-cap records as sort keys (see _rule_key), whose MIN is the record the engine
             reports, with the lowest and highest operator of those records;
    op       per operator, the smallest veto and cap keys of its records: they reach every licence
             of the operator (a licence's own records are among them or in `own`, so the smaller
             of the two is the engine's choice over own and via-operator records). A licence whose
             veto (or cap) records have one operator gives it directly; the rare licence whose
             records span operators (it changed hands) is read again by licence;
    clipped  only licences whose bonuses pass the ceiling: their bonus records read again by
             licence, each clipped in the engine's order (decided_on, str(id)) by a window SUM;
             the difference to the unclipped sum, per dimension;
    final    score, score grade, the worst of score grade and rules, the rule reported."""
    s = _Sql(dialect)
    rank = {g.grade: i for i, g in enumerate(policy.grades)}
    veto_rank = rank[policy.veto_grade]
    cap_rank = rank[policy.admin_penalty_cap.grade]
    new_rank = rank[policy.new_licence.max_grade]
    ceiling = int(policy.bonus_ceiling)
    dims = range(len(DIMENSIONS))
    veto, cap = "cr.decided_on >= t.veto_from", "cr.decided_on >= t.cap_from"
    veto_key, cap_key = _rule_key(s, "t.veto_m"), _rule_key(s, "t.cap_m")
    sums = ", ".join(f"SUM(CASE WHEN t.dim = {i} THEN t.points ELSE 0 END) AS s{i}" for i in dims)
    adjust = ", ".join(f"SUM(CASE WHEN dim = {i} THEN applied - points ELSE 0 END) AS a{i}" for i in dims)
    total = " + ".join(f"d{i}" for i in dims)
    materialized = "MATERIALIZED " if s.pg else ""

    def by_licence(select: str, where: str, group: str = "") -> str:
        """The counting records of each licence of `outer` again, through the licence index."""
        if s.pg:  # LATERAL: a nested loop over `outer` by construction; OFFSET 0 keeps it one
            return (f"FROM outer_ o CROSS JOIN LATERAL (SELECT {select}{_counting_from(where)} "
                    f"AND cr.retailer_id = o.retailer_id {group} OFFSET 0) x")
        # SQLite: CROSS JOIN makes `outer_` the outer loop, the licence index the inner one
        source = _counting_from(where + " AND cr.retailer_id = o.retailer_id").replace(
            "FROM credit_records cr",
            "FROM outer_ o CROSS JOIN credit_records cr INDEXED BY ix_credit_records_retailer_status", 1)
        return f"FROM (SELECT cr.retailer_id, {select}{source} {group}) x"

    mixed = by_licence(f"cr.operator_id, MIN(CASE WHEN {veto} THEN {veto_key} END) AS veto_key, "
                       f"MIN(CASE WHEN {cap} THEN {cap_key} END) AS cap_key", " AND t.ok = 1",
                       "GROUP BY cr.operator_id" if s.pg else "GROUP BY cr.retailer_id, cr.operator_id")
    bonuses = by_licence("cr.id, cr.decided_on, t.dim, t.points", " AND t.ok = 1 AND t.is_bonus = 1")
    licence = "o.retailer_id" if s.pg else "x.retailer_id"
    every_record = _counting_from()
    if not s.pg:  # one sequential pass and a sort, rather than the licence index and a row lookup per record
        every_record = every_record.replace("FROM credit_records cr", "FROM credit_records cr NOT INDEXED", 1)
    return f"""
INSERT INTO evaluation_rows (run_id, retailer_id, unit_id, score, monopoly, marketing, social,
                             score_grade, grade, previous_grade, rule_kind, rule_record_id)
WITH own AS {materialized}(
    SELECT cr.retailer_id, {sums},
           SUM(CASE WHEN t.is_bonus = 1 THEN t.points ELSE 0 END) AS bonus_total,
           SUM(CASE WHEN t.ok = 1 THEN 0 ELSE 1 END) AS bad,
           MIN(CASE WHEN {veto} THEN {veto_key} END) AS veto_key,
           MIN(CASE WHEN {cap} THEN {cap_key} END) AS cap_key,
           MIN(CASE WHEN {veto} THEN cr.operator_id END) AS veto_op, MAX(CASE WHEN {veto} THEN cr.operator_id END) AS veto_op2,
           MIN(CASE WHEN {cap} THEN cr.operator_id END) AS cap_op, MAX(CASE WHEN {cap} THEN cr.operator_id END) AS cap_op2
    {every_record}
    GROUP BY cr.retailer_id
),
op AS (
    SELECT operator_id, MIN(veto_key) AS veto_key, MIN(cap_key) AS cap_key
    FROM (SELECT veto_op AS operator_id, veto_key, NULL AS cap_key FROM own
          WHERE veto_key IS NOT NULL AND veto_op = veto_op2
          UNION ALL
          SELECT cap_op, NULL, cap_key FROM own WHERE cap_key IS NOT NULL AND cap_op = cap_op2
          UNION ALL
          SELECT * FROM (
              WITH outer_ AS (SELECT retailer_id FROM own WHERE veto_op <> veto_op2 OR cap_op <> cap_op2)
              SELECT x.operator_id, x.veto_key, x.cap_key {mixed}) spans) keys
    GROUP BY operator_id
),
clipped AS (
    SELECT retailer_id, {adjust}
    FROM (SELECT retailer_id, dim, points,
                 {s.least(str(ceiling), "cum")} - {s.least(str(ceiling), "cum - points")} AS applied
          FROM (WITH outer_ AS (SELECT retailer_id FROM own WHERE bonus_total > {ceiling})
                SELECT {licence} AS retailer_id, x.dim, x.points,
                       SUM(x.points) OVER (PARTITION BY {licence} ORDER BY x.decided_on, {s.id_text("x.id")}
                                           ROWS UNBOUNDED PRECEDING) AS cum
                {bonuses}) ordered
         ) applied
    GROUP BY retailer_id
),
scored AS (
    SELECT re.id AS retailer_id, re.unit_id,
           {", ".join(f"COALESCE(o.s{i}, 0) + COALESCE(c.a{i}, 0) AS d{i}" for i in dims)},
           COALESCE(o.bad, 0) AS bad,
           {_key_min(s, "o.veto_key", "op.veto_key")} AS veto_key,
           {_key_min(s, "o.cap_key", "op.cap_key")} AS cap_key,
           CASE WHEN re.licence_issued_on >= :new_from THEN 1 ELSE 0 END AS is_new,
           prev.grade AS previous_grade
    FROM retailers re
    LEFT JOIN own o ON o.retailer_id = re.id
    LEFT JOIN op ON op.operator_id = re.operator_id
    LEFT JOIN clipped c ON c.retailer_id = re.id
    LEFT JOIN evaluation_rows prev ON prev.run_id = :previous_run_id AND prev.retailer_id = re.id
    WHERE {_retailers_where()}
),
ranked AS (
    SELECT scored.*, {policy.base_score} + {total} AS score,
           {_grade_case(f"({policy.base_score} + {total})", policy)} AS score_rank,
           CASE WHEN veto_key IS NULL THEN 0 ELSE 1 END AS has_veto,
           CASE WHEN cap_key IS NULL THEN 0 ELSE 1 END AS has_cap
    FROM scored
),
final AS (
    SELECT ranked.*,
           {s.greatest("score_rank", f"has_veto * {veto_rank}", f"has_cap * {cap_rank}",
                       f"is_new * {new_rank}")} AS final_rank
    FROM ranked
)
SELECT :run_id, retailer_id, unit_id,
       CASE WHEN bad > 0 THEN NULL ELSE score END,
       {", ".join(f"d{i}" for i in dims)},
       {_grade_name("score_rank", policy)},
       {_grade_name("final_rank", policy)},
       previous_grade,
       CASE WHEN has_veto = 1 AND final_rank = {veto_rank} THEN 'veto'
            WHEN has_cap = 1 AND final_rank = {cap_rank} AND final_rank > score_rank THEN 'cap'
            WHEN is_new = 1 AND final_rank = {new_rank} AND final_rank > score_rank THEN 'new_licence'
       END,
       CASE WHEN has_veto = 1 AND final_rank = {veto_rank} THEN CAST(substr(veto_key, 17) AS INTEGER)
            WHEN has_cap = 1 AND final_rank = {cap_rank} AND final_rank > score_rank
                 THEN CAST(substr(cap_key, 17) AS INTEGER)
       END
FROM final"""


def _rule_key(s: _Sql, months: str) -> str:
    """A text that sorts veto (or cap) records the way the engine picks the one it reports: the one
    that holds longest (until = add_months(decided_on, months), descending), then the first in
    record order (decided_on, str(id)). 8 digits of 99999999 - until as YYYYMMDD, 8 digits of
    decided_on, then the id; MIN() of the keys is the engine's choice, substr(key, 17) its id."""
    until = s.add_months("cr.decided_on", months)
    if s.pg:
        return (f"(lpad(CAST(99999999 - CAST(to_char({until}, 'YYYYMMDD') AS INTEGER) AS TEXT), 8, '0') "
                f"|| to_char(cr.decided_on, 'YYYYMMDD') || CAST(cr.id AS TEXT)) COLLATE \"C\"")
    return (f"(printf('%08d', 99999999 - CAST(strftime('%Y%m%d', {until}) AS INTEGER)) "
            f"|| strftime('%Y%m%d', cr.decided_on) || CAST(cr.id AS TEXT))")


def _key_min(s: _Sql, a: str, b: str) -> str:
    """The smaller of two keys, either of which may be NULL."""
    collate = ' COLLATE "C"' if s.pg else ""
    return f"CASE WHEN {a} IS NULL THEN {b} WHEN {b} IS NULL THEN {a} WHEN {a}{collate} <= {b} THEN {a} ELSE {b} END"


def _oldest() -> dt.date:
    """The earliest counting start over the loaded treatments: older records cannot count. A literal
    (not a subquery), so that the planner estimates the records read from the column statistics."""
    day = db.session.execute(text(f"SELECT MIN(counts_from) FROM {TREATMENTS} WHERE ok = 1")).scalar()
    if isinstance(day, str):  # SQLite returns the text
        day = dt.date.fromisoformat(day)
    return day or dt.date.max


def _record_params(as_of: dt.date) -> list:
    return [bindparam("as_of", as_of, type_=Date), bindparam("oldest", _oldest(), type_=Date)]


def _params(policy: GradePolicy, as_of: dt.date, run_id: int, previous_run_id: int | None) -> list:
    return [
        *_record_params(as_of),
        bindparam("new_from", first_counting_day(as_of, policy.new_licence.months), type_=Date),
        bindparam("run_id", run_id, type_=Integer),
        bindparam("previous_run_id", previous_run_id, type_=Integer),
    ]


# ---------------------------------------------------------------- the batch


def compute_rows(run_id: int, as_of: dt.date, *, catalogues: Mapping[str, Catalogue], policy: GradePolicy,
                 previous_run_id: int | None = None, keep_treatments: bool = False,
                 policies: Mapping[str, GradePolicy] | None = None) -> int:
    """Write one EvaluationRow per evaluated retailer for run `run_id` (which must have no rows yet).
    ``policies`` (every grade policy version): 从旧兼从轻 between the policy in force on ``as_of`` and
    the one in force when each record's act happened, as ``scoring.compute(..., policies=...)``.

    Returns the number of rows written. Raises BatchError if a record cannot be scored."""
    load_treatments(treatment_rows(catalogues, policy, as_of, policies))
    dialect = db.session.get_bind().dialect.name
    statement = text(rows_sql(dialect, policy)).bindparams(*_params(policy, as_of, run_id, previous_run_id))
    savepoint = db.session.begin_nested()
    try:
        with tuned():
            result = db.session.execute(statement)
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        bad = unscorable_records(as_of)
        if not bad:
            raise
        raise BatchError(f"{len(bad)} credit record(s) cannot be scored (unknown indicator code, catalogue "
                         f"version or quantity band): ids {bad[:20]}", bad) from None
    if not keep_treatments:
        drop_treatments()
    return result.rowcount


@contextmanager
def tuned():
    """PostgreSQL settings for one big statement (SET LOCAL, put back afterwards)."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    settings = pg_settings()
    for setting in settings:
        db.session.execute(text(setting))
    yield  # on an error the caller's savepoint (or transaction) is rolled back, and the settings with it
    for setting in settings:
        db.session.execute(text(f"SET LOCAL {setting.split()[2]} TO DEFAULT"))


def pg_settings() -> list[str]:
    """Settings for the batch's statements on PostgreSQL.

    - work_mem: the per-licence aggregates (a million groups) and sorts stay in memory;
    - no nested loops or merge joins: the planner cannot see inside the CTEs' filters and may
      underestimate them by orders of magnitude; hash joins are right for every join here;
    - no JIT: compiling the many expressions costs more (about 0.5 s) than it saves."""
    from flask import current_app

    work_mem = _safe_setting(current_app.config.get("EVALUATION_WORK_MEM", "256MB"))
    settings = [f"SET LOCAL work_mem = '{work_mem}'", "SET LOCAL enable_nestloop = off",
                "SET LOCAL enable_mergejoin = off"]
    if not current_app.config.get("EVALUATION_JIT", False):
        settings.append("SET LOCAL jit = off")
    return settings


def _safe_setting(value: str) -> str:
    if not str(value).replace("MB", "").replace("GB", "").replace("kB", "").isdigit():
        raise ValueError(f"bad work_mem setting {value!r}")
    return str(value)


def unscorable_records(as_of: dt.date, limit: int = 1000) -> list[int]:
    """Ids of known, unrepaired records the engine could not score (needs the treatment table)."""
    s = _Sql(db.session.get_bind().dialect.name)
    stmt = text(f"SELECT id FROM ({_counting_records_sql(s)}) rec WHERE ok IS NULL OR ok = 0 "
                f"ORDER BY id LIMIT {int(limit)}").bindparams(*_record_params(as_of))
    return [row[0] for row in db.session.execute(stmt)]


# ---------------------------------------------------------------- inputs hash


def _canonical(value):
    """A JSON-ready form of a catalogue or policy without where it was loaded from."""
    if is_dataclass(value):
        value = {k: v for k, v in asdict(value).items() if k not in ("source", "line", "_by_code")}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items() if k not in ("source", "line", "_by_code")}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def versions_digest(catalogues: Mapping[str, Catalogue], policy: GradePolicy,
                    policies: Mapping[str, GradePolicy] | None = None) -> dict:
    """SHA-256 of each catalogue version and of the policy (and of every policy version the records'
    periods may come from), over their content."""
    def sha(obj):
        return hashlib.sha256(json.dumps(_canonical(obj), sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    out = {"catalogues": {v: sha(c) for v, c in sorted(catalogues.items())},
           "policy": {policy.version: sha(policy)}}
    if policies:
        out["policies"] = {v: sha(p) for v, p in sorted(policies.items())}
    return out


def text_of(*cols) -> str:
    return " || '|' || ".join(f"COALESCE(CAST({c} AS TEXT), '')" for c in cols)


HASH_CHUNK = 65536  # ids per chunk of the inputs hash


def inputs_hash(as_of: dt.date, *, catalogues: Mapping[str, Catalogue], policy: GradePolicy,
                previous_run: tuple[int, str | None] | None = None, treatments_loaded: bool = False,
                server_side: bool | None = None, policies: Mapping[str, GradePolicy] | None = None) -> str:
    """SHA-256 over the sorted inputs of an evaluation as of `as_of`.

    Covered: the catalogue and policy versions (content hashes); the records that count on as_of
    (id, licence, operator, indicator, catalogue version, quantity, decision date); the evaluated
    licences (id, unit, operator, licence date); the previous published run (id and hash) that
    previous_grade comes from. A fact not known on as_of (a later decision, or a repair approved
    after as_of) changes neither the rows nor the hash.

    Rows are taken in id order, in chunks of HASH_CHUNK ids: the hash is SHA-256 over the header
    and one line ``<table>:<chunk>:<SHA-256 of the chunk's rows joined by newlines>`` per chunk.
    PostgreSQL hashes the chunks itself (no row leaves the server); elsewhere the rows are streamed
    here. Both give the same value for the same data."""
    if not treatments_loaded:
        load_treatments(treatment_rows(catalogues, policy, as_of, policies))
    s = _Sql(db.session.get_bind().dialect.name)
    digest = hashlib.sha256()
    head = {"as_of": as_of.isoformat(), "versions": versions_digest(catalogues, policy, policies),
            "previous_run": list(previous_run) if previous_run else None}
    digest.update(json.dumps(head, sort_keys=True).encode())
    sources_ = {
        "records": (f"SELECT id, digest_text FROM ({_counting_records_sql(s, text_of(*RECORD_FIELDS) + ' AS digest_text,')}) "
                    f"rec WHERE ok = 1"),
        "retailers": (f"SELECT re.id, {text_of('re.id', 're.unit_id', 're.operator_id', 're.licence_issued_on')} "
                      f"AS digest_text FROM retailers re WHERE {_retailers_where()}"),
    }
    for label, source in sources_.items():
        for chunk, chunk_digest in _chunk_digests(s, source, as_of, s.pg if server_side is None else server_side):
            digest.update(f"\n{label}:{chunk}:{chunk_digest}".encode())
    if not treatments_loaded:
        drop_treatments()
    return digest.hexdigest()


def _chunk_digests(s: _Sql, source: str, as_of: dt.date, server_side: bool):
    params = _record_params(as_of) if ":oldest" in source else [bindparam("as_of", as_of, type_=Date)]
    if server_side:
        stmt = text(f"SELECT id / {HASH_CHUNK} AS chunk, encode(sha256(convert_to("
                    f"string_agg(digest_text, E'\\n' ORDER BY id), 'UTF8')), 'hex') "
                    f"FROM ({source}) src GROUP BY 1 ORDER BY 1").bindparams(*params)
        with tuned():
            yield from db.session.execute(stmt).all()
        return
    stmt = text(f"SELECT id / {HASH_CHUNK}, digest_text FROM ({source}) src ORDER BY id").bindparams(*params)
    current, lines = None, []
    for chunk, line in db.session.execute(stmt.execution_options(yield_per=50_000)):
        if chunk != current and lines:
            yield current, hashlib.sha256("\n".join(lines).encode()).hexdigest()
            lines = []
        current = chunk
        lines.append(line)
    if lines:
        yield current, hashlib.sha256("\n".join(lines).encode()).hexdigest()
