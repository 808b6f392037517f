"""The monthly service run: compute (a long job on the worker), publish (a marketing supervisor,
audited), export (CSV with a SHA-256, a delivery log), tell each retailer whose tier, coefficient or
supply changed why."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections import Counter

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table, and_, case, delete, false, func, \
    insert, literal_column, or_, select, text, true
from sqlalchemy.exc import IntegrityError

from app.audit.services import record as audit
from app.auth.models import User, user_retailers
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.credit.models import CreditRecord, RetailerGrade
from app.evaluation.batch import tuned
from app.extensions import db
from app.retailers.models import Retailer
from app.service import engine, policy as service_policy
from app.service.models import HardshipFlag, OrderingFigure, ServiceDelivery, ServiceRow, ServiceRun, SupplySuspension

CHUNK = 2000


def cycle_start(cycle: str) -> dt.date:
    year, month = cycle.split("-")
    return dt.date(int(year), int(month), 1)


def cycle_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def next_cycle(day: dt.date) -> str:
    return cycle_of((day.replace(day=1) + dt.timedelta(days=32)).replace(day=1))


def cycles_open(today: dt.date | None = None) -> list[str]:
    """The cycles a run may be computed for: the next ordering month and the current one."""
    today = today or local_today()
    return [next_cycle(today), cycle_of(today)]


def check_request(cycle: str | None, today: dt.date | None = None) -> str:
    cycle = (cycle or "").strip()
    if cycle not in cycles_open(today):
        raise ServiceError({"cycle": [_("Choose the next ordering month or the current one.")]})
    if db.session.scalar(select(ServiceRun.id).where(ServiceRun.cycle == cycle, ServiceRun.state == "published")):
        raise ServiceError({"cycle": [_("The service run of %(c)s is published already.", c=cycle)]}, status=409)
    return cycle


def _grades(ids, as_of) -> dict[int, str]:
    """The live grade of each licence on ``as_of`` (kept current by the nightly regrade; one missing or
    lapsed is computed here without storing it)."""
    from app.credit import grading

    out, stale = {}, []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for rid, grade, as_of_row, until in db.session.execute(
                select(RetailerGrade.retailer_id, RetailerGrade.grade, RetailerGrade.as_of, RetailerGrade.valid_until)
                .where(RetailerGrade.retailer_id.in_(chunk))):
            if as_of_row > as_of or (until is not None and until <= as_of):
                stale.append(rid)
            else:
                out[rid] = grade
    missing = [i for i in ids if i not in out and i not in stale] + stale
    if missing:
        retailers = list(db.session.scalars(select(Retailer).where(Retailer.id.in_(missing))))
        for row in grading.compute_grade_rows(retailers, as_of):
            out[row["retailer_id"]] = row["grade"]
    return out


def _grade_live(as_of):
    """The condition under which a stored grade is the live grade on ``as_of``."""
    return and_(RetailerGrade.as_of <= as_of,
                or_(RetailerGrade.valid_until.is_(None), RetailerGrade.valid_until > as_of))


def _latest_figures(cycle: str):
    """Each licence's latest month of ordering figures before the cycle (a subquery)."""
    return (select(OrderingFigure.retailer_id, func.max(OrderingFigure.month).label("month"))
            .where(OrderingFigure.month < cycle).group_by(OrderingFigure.retailer_id).subquery("latest"))


class _Inputs:
    """What the run reads besides grades and base tiers: the confirmed circulation records of the last
    three years, the hardship flags and the suspensions in force. Few licences have any."""

    def __init__(self, pol, start: dt.date, today: dt.date):
        self.circulation: dict[int, list] = {}
        if pol.indicators:
            since = start - dt.timedelta(days=31 * 37)
            for rid, rec_id, code, qty, decided in db.session.execute(
                    select(CreditRecord.retailer_id, CreditRecord.id, CreditRecord.indicator_code,
                           CreditRecord.quantity, CreditRecord.decided_on)
                    .where(CreditRecord.status == "confirmed", CreditRecord.indicator_code.in_(pol.indicators),
                           CreditRecord.decided_on.is_not(None), CreditRecord.decided_on >= since,
                           CreditRecord.decided_on <= today)):
                self.circulation.setdefault(rid, []).append(engine.Circulation(rec_id, code, qty, decided))
        self.hardship = set(db.session.scalars(select(HardshipFlag.retailer_id).where(
            HardshipFlag.revoked_at.is_(None), HardshipFlag.review_on >= today)))
        self.active: dict[int, list] = {}
        for s in db.session.execute(select(SupplySuspension.id, SupplySuspension.retailer_id, SupplySuspension.kind,
                                           SupplySuspension.record_id, SupplySuspension.ends_on)
                                    .where(SupplySuspension.status == "active")):
            self.active.setdefault(s.retailer_id, []).append(
                engine.ActiveSuspension(s.id, s.kind, s.record_id, s.ends_on))
        # Active licences whose stored grade is missing or not live today: computed one by one.
        self.ungraded = set(db.session.scalars(
            select(Retailer.id).outerjoin(RetailerGrade, RetailerGrade.retailer_id == Retailer.id)
            .where(Retailer.status == "active",
                   or_(RetailerGrade.retailer_id.is_(None), RetailerGrade.as_of > today,
                       and_(RetailerGrade.valid_until.is_not(None), RetailerGrade.valid_until <= today)))))

    def special(self) -> set[int]:
        """Licences whose outcome depends on more than grade, base tier, class and source."""
        return set(self.circulation) | self.hardship | set(self.active) | self.ungraded


def compute(cycle: str, actor, *, progress=None, today: dt.date | None = None, per_row: bool = False) -> ServiceRun:
    """Compute the run of ``cycle`` for every active licence (replacing the cycle's draft). The caller
    (the job runner) commits.

    Most licences have no circulation record, hardship flag or suspension and a live stored grade: their
    outcome depends only on (grade, base tier, base source and month, letter class). The engine is run
    once per such combination, the outcomes go into a small temporary table, and ONE
    ``INSERT INTO service_rows ... SELECT`` writes those licences' rows, comparing with the last
    published month in the same statement. The other licences (well under 1 % in a real city) go
    through the engine one by one. ``per_row`` sends every licence through the engine (the reference
    the tests compare the set-based path with)."""
    today = today or local_today()
    cycle = check_request(cycle, today)
    start = cycle_start(cycle)
    pol = service_policy.in_force(start)
    old = db.session.scalars(select(ServiceRun).where(ServiceRun.cycle == cycle, ServiceRun.state == "draft")).all()
    for run in old:
        db.session.execute(delete(ServiceRow).where(ServiceRow.run_id == run.id))
        db.session.delete(run)
        audit("service_run.replace", "ServiceRun", run.id, before={"cycle": cycle}, actor=actor)
    db.session.flush()
    count = db.session.scalar(select(func.count(Retailer.id)).where(Retailer.status == "active")) or 0
    if progress:
        progress.total(count + 10)
        progress.step("svc_inputs")
    inputs = _Inputs(pol, start, today)
    if per_row:
        one_by_one = list(db.session.scalars(select(Retailer.id).where(Retailer.status == "active")
                                             .order_by(Retailer.id)))
    else:
        one_by_one = sorted(inputs.special())
    prev_id = db.session.scalar(select(ServiceRun.id).where(ServiceRun.state == "published", ServiceRun.cycle < cycle)
                                .order_by(ServiceRun.cycle.desc()).limit(1))
    run = ServiceRun(cycle=cycle, as_of=today, state="draft", policy_version=pol.version, licence_count=count,
                     summary={}, created_by_id=getattr(actor, "id", None))
    db.session.add(run)
    db.session.flush()
    if progress:
        progress.advance(5, step="svc_compute")
    protected = 0
    for begin in range(0, len(one_by_one), CHUNK):
        chunk = one_by_one[begin:begin + CHUNK]
        batch = _rows_one_by_one(run, pol, start, chunk, inputs, prev_id, today)
        protected += sum(any(r["code"] == "protected" for r in row["reasons"]) for row in batch)
        if batch:
            db.session.execute(insert(ServiceRow), batch)
        if progress:
            progress.advance(len(chunk))
    if not per_row:
        _insert_common(run, pol, cycle, start, today, prev_id)
        if progress:
            progress.advance(count - len(one_by_one))
    run.summary = _summary(run, protected)
    audit("service_run.compute", "ServiceRun", run.id, after={"cycle": cycle, "as_of": today,
                                                              "policy": pol.version, "summary": run.summary},
          actor=actor)
    if progress:
        progress.finish()
    return run


def _rows_one_by_one(run, pol, start, ids, inputs, prev_id, today) -> list[dict]:
    """The rows of ``ids``, each through the engine."""
    latest = (select(OrderingFigure.retailer_id, func.max(OrderingFigure.month).label("month"))
              .where(OrderingFigure.month < run.cycle, OrderingFigure.retailer_id.in_(ids))
              .group_by(OrderingFigure.retailer_id).subquery())
    figures = {rid: (tier, code, month) for rid, tier, code, month in db.session.execute(
        select(OrderingFigure.retailer_id, OrderingFigure.base_tier, OrderingFigure.class_code, OrderingFigure.month)
        .join(latest, (latest.c.retailer_id == OrderingFigure.retailer_id) & (latest.c.month == OrderingFigure.month)))}
    previous = {}
    if prev_id is not None:
        previous = {rid: (tier, coef, susp) for rid, tier, coef, susp in db.session.execute(
            select(ServiceRow.retailer_id, ServiceRow.tier, ServiceRow.coefficient_pct, ServiceRow.suspended)
            .where(ServiceRow.run_id == prev_id, ServiceRow.retailer_id.in_(ids)))}
    grades = _grades(ids, today)
    batch = []
    for rid, unit_id, register_tier in db.session.execute(
            select(Retailer.id, Retailer.unit_id, Retailer.tier).where(Retailer.id.in_(ids)).order_by(Retailer.id)):
        grade = grades.get(rid, "A")
        fig = figures.get(rid)
        base, source, code, month = (fig[0], "ordering", fig[1], fig[2]) if fig else (register_tier, "register",
                                                                                     None, None)
        out = engine.compute(pol, grade=grade, base_tier=base, base_source=source, base_month=month,
                             cycle_start=start, circulation=inputs.circulation.get(rid, ()),
                             hardship=rid in inputs.hardship, active=inputs.active.get(rid, ()), class_code=code)
        prev = previous.get(rid)
        changed = prev is None or prev != (out.tier, out.coefficient_pct, out.suspended)
        batch.append({"run_id": run.id, "retailer_id": rid, "unit_id": unit_id, "grade": grade, "base_tier": base,
                      "base_source": source, "class_code": code, "class_adjusted": out.class_code,
                      "tier": out.tier, "coefficient_pct": out.coefficient_pct, "scarce_priority": out.scarce_priority,
                      "suspended": out.suspended, "changed": changed, "reasons": out.reasons,
                      "proposal": out.proposal})
    return batch


OUTCOMES, INPUTS = "svc_outcomes", "svc_inputs"


def table_of(name, *columns):
    return Table(name, MetaData(), *(Column(c) for c in columns))
_outcome_table = Table(
    OUTCOMES, MetaData(),
    Column("grade", String(3)), Column("base_tier", Integer), Column("base_source", String(8)),
    Column("month", String(7)), Column("class_code", String(4)), Column("class_adjusted", String(4)),
    Column("tier", Integer), Column("coefficient_pct", Integer), Column("scarce_priority", Integer),
    Column("suspended", Boolean), Column("reasons", JSON), Column("proposal", JSON(none_as_null=True)),
    prefixes=["TEMPORARY"],
)


def _insert_common(run, pol, cycle, start, today, prev_id) -> None:
    """Every licence not yet written (no record, flag or suspension; a live stored grade): the engine once
    per combination of grade, base tier, base source and month and letter class, then one INSERT ... SELECT."""
    latest = _latest_figures(cycle)
    fig = OrderingFigure.__table__.alias("fig")
    r, g = Retailer.__table__, RetailerGrade.__table__
    done = ServiceRow.__table__.alias("done")
    # Each licence's inputs, read once into a temporary table (the planner cannot estimate the keys).
    inputs = (select(r.c.id.label("retailer_id"), r.c.unit_id, g.c.grade,
                     func.coalesce(fig.c.base_tier, r.c.tier).label("base_tier"),
                     case((fig.c.id.is_(None), literal_column("'register'")),
                          else_=literal_column("'ordering'")).label("base_source"),
                     func.coalesce(fig.c.month, literal_column("''")).label("month"),
                     func.coalesce(fig.c.class_code, literal_column("''")).label("class_key"),
                     fig.c.class_code)
              .select_from(r.join(g, and_(g.c.retailer_id == r.c.id, _grade_live(today)))
                           .outerjoin(latest, latest.c.retailer_id == r.c.id)
                           .outerjoin(fig, and_(fig.c.retailer_id == latest.c.retailer_id,
                                                fig.c.month == latest.c.month)))
              .where(r.c.status == "active",
                     ~select(done.c.id).where(done.c.run_id == run.id, done.c.retailer_id == r.c.id).exists()))
    conn = db.session.connection()
    for table in (INPUTS, OUTCOMES):
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    try:
        with tuned():
            sql = inputs.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
            conn.execute(text(f"CREATE TEMPORARY TABLE {INPUTS} AS {sql}"))
        i = table_of(INPUTS, "retailer_id", "unit_id", "grade", "base_tier", "base_source", "month", "class_key",
                     "class_code")
        combos = conn.execute(select(i.c.grade, i.c.base_tier, i.c.base_source, i.c.month, i.c.class_key)
                              .distinct()).all()
        if combos:
            _write_common(conn, run, pol, start, prev_id, i, combos)
    finally:
        for table in (INPUTS, OUTCOMES):
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))


def _write_common(conn, run, pol, start, prev_id, i, combos) -> None:
    """The engine once per combination into the temporary outcome table, then one INSERT ... SELECT of the
    licences' rows joined to their outcome, compared in the same statement with the last published run."""
    outcomes = []
    for grade, base_tier, src, mon, cls in combos:
        out = engine.compute(pol, grade=grade, base_tier=base_tier, base_source=src, base_month=mon or None,
                             cycle_start=start, class_code=cls or None)
        outcomes.append({"grade": grade, "base_tier": base_tier, "base_source": src, "month": mon,
                         "class_code": cls, "class_adjusted": out.class_code, "tier": out.tier,
                         "coefficient_pct": out.coefficient_pct,
                         "scarce_priority": out.scarce_priority, "suspended": out.suspended,
                         "reasons": out.reasons, "proposal": out.proposal})
    _outcome_table.create(conn)
    conn.execute(_outcome_table.insert(), outcomes)
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {OUTCOMES}"))
    o = _outcome_table
    prev = ServiceRow.__table__.alias("prev")
    changed = case((or_(prev.c.id.is_(None), prev.c.tier != o.c.tier, prev.c.coefficient_pct != o.c.coefficient_pct,
                        prev.c.suspended != o.c.suspended), true()), else_=false())
    rows = (select(literal_column(str(int(run.id))), i.c.retailer_id, i.c.unit_id, i.c.grade, i.c.base_tier,
                   i.c.base_source, i.c.class_code, o.c.class_adjusted, o.c.tier, o.c.coefficient_pct,
                   o.c.scarce_priority, o.c.suspended, changed, o.c.reasons, o.c.proposal)
            .select_from(i.join(o, and_(o.c.grade == i.c.grade, o.c.base_tier == i.c.base_tier,
                                        o.c.base_source == i.c.base_source, o.c.month == i.c.month,
                                        o.c.class_code == i.c.class_key))
                         .outerjoin(prev, and_(prev.c.run_id == (prev_id if prev_id is not None else -1),
                                               prev.c.retailer_id == i.c.retailer_id))))
    stmt = insert(ServiceRow.__table__).from_select(
        ["run_id", "retailer_id", "unit_id", "grade", "base_tier", "base_source", "class_code", "class_adjusted",
         "tier", "coefficient_pct", "scarce_priority", "suspended", "changed", "reasons", "proposal"], rows)
    with tuned():
        conn.execute(stmt)


def _summary(run, protected: int) -> dict:
    """The run's counts, read back from its rows."""
    t = ServiceRow.__table__

    def flag(cond):
        return func.sum(case((cond, 1), else_=0))

    by_grade, counts = {}, Counter()
    for grade, n, ch, susp, prop, down, up, reg in db.session.execute(
            select(t.c.grade, func.count(), flag(t.c.changed.is_(True)), flag(t.c.suspended.is_(True)),
                   flag(t.c.proposal.is_not(None)), flag(t.c.tier < t.c.base_tier), flag(t.c.tier > t.c.base_tier),
                   flag(t.c.base_source == "register"))
            .where(t.c.run_id == run.id).group_by(t.c.grade).order_by(t.c.grade)):
        by_grade[grade] = n
        counts.update({"changed": ch or 0, "suspended": susp or 0, "proposed": prop or 0, "tier_down": down or 0,
                       "tier_up": up or 0, "from_register": reg or 0})
    return {"grades": by_grade, "changed": counts["changed"], "suspended": counts["suspended"],
            "proposed": counts["proposed"], "tier_down": counts["tier_down"], "tier_up": counts["tier_up"],
            "protected": protected, "from_register": counts["from_register"]}


def publish(run: ServiceRun, actor, *, note: str = "", today: dt.date | None = None) -> dict:
    """Publish a draft: decide the suspensions it proposes, tell each changed retailer, fix the export's
    checksum. One marketing supervisor may do it (no second reviewer); it is audited."""
    from app.service import suspensions

    today = today or local_today()
    if run.state != "draft":
        raise ServiceError({"run": [_("This run is published already.")]}, status=409)
    if not getattr(actor, "is_city_level", False):
        raise ServiceError({"run": [_("Only the city's marketing supervisors publish the monthly service run.")]},
                           status=403)
    if run.as_of < today - dt.timedelta(days=7):
        raise ServiceError({"run": [_("This draft was computed on %(d)s: compute it again before publishing, so "
                                      "it uses today's grades and records.", d=run.as_of.isoformat())]})
    run.state, run.published_at, run.published_by_id = "published", utcnow(), actor.id
    run.publish_note = (note or "").strip() or None
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ServiceError({"run": [_("The service run of %(c)s is published already.", c=run.cycle)]},
                           status=409) from None
    decided = suspensions.decide_from_run(run, actor, today)
    told = notify_changes(run)
    run.export_sha256 = hashlib.sha256(export_csv(run)).hexdigest()
    audit("service_run.publish", "ServiceRun", run.id, after={
        "cycle": run.cycle, "note": run.publish_note, "suspensions": decided, "notices": told,
        "export_sha256": run.export_sha256}, actor=actor)
    return {"suspensions": decided, "notices": told}


# ---- telling the retailers ---------------------------------------------------------------------------

def notify_changes(run: ServiceRun) -> int:
    """Each retailer account of a licence whose tier, coefficient or supply changed is told the new
    figures and why (suspensions have their own notice, with the objection path)."""
    from app.notices.services import write_notices
    from app.service.present import reason_text

    rows = db.session.execute(
        select(User.id, User.locale, Retailer.id, Retailer.phone, ServiceRow.tier, ServiceRow.coefficient_pct,
               ServiceRow.suspended, ServiceRow.reasons)
        .join(user_retailers, user_retailers.c.user_id == User.id)
        .join(Retailer, Retailer.id == user_retailers.c.retailer_id)
        .join(ServiceRow, (ServiceRow.retailer_id == Retailer.id) & (ServiceRow.run_id == run.id))
        .where(User.is_enabled.is_(True), ServiceRow.changed.is_(True), ServiceRow.proposal.is_(None))
        .order_by(User.id, Retailer.id)).all()
    notices = []
    for user_id, locale, retailer_id, _phone, tier, coef, suspended, reasons in rows:
        with force_locale(locale or "zh_Hans_CN"):
            if suspended:
                title = _("Ordering %(c)s: your supply stays suspended", c=run.cycle)
            else:
                factor = "%.2f" % (coef / 100)
                title = _("Ordering %(c)s: tier %(t)s, supply coefficient ×%(k)s", c=run.cycle, t=tier, k=factor)
            body = "；".join(reason_text(r) for r in reasons if not r["params"].get("staff_only"))
        notices.append({"user_id": user_id, "retailer_id": retailer_id, "kind": "service_tier", "title": title,
                        "body": body, "link": f"/me/service/{retailer_id}",
                        "dedupe_key": f"service:{run.id}:{retailer_id}"})
    write_notices(notices)
    return len(notices)


# ---- export -------------------------------------------------------------------------------------------

EXPORT_COLUMNS = ("licence_no", "cycle", "grade", "base_tier", "class_code", "adjusted_class", "tier", "coefficient",
                  "scarce_priority",
                  "supply_suspended", "suspension_id", "reasons")


def export_csv(run: ServiceRun) -> bytes:
    """The published run for the ordering system: UTF-8 with BOM, one row per licence in licence order;
    the reasons in Chinese (codes the ordering system can show). The same run gives the same bytes."""
    from app.service.present import reason_text

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    active = dict(db.session.execute(select(SupplySuspension.retailer_id, SupplySuspension.id)
                                     .where(SupplySuspension.run_id == run.id)).all())
    with force_locale("zh_Hans_CN"):
        rows = db.session.execute(
            select(Retailer.licence_no, ServiceRow).join(Retailer, Retailer.id == ServiceRow.retailer_id)
            .where(ServiceRow.run_id == run.id).order_by(Retailer.licence_no).execution_options(yield_per=5000))
        for licence_no, row in rows:
            suspension = _suspension_id(row) or active.get(row.retailer_id)
            writer.writerow([licence_no, run.cycle, row.grade, row.base_tier, row.class_code or "",
                             row.class_adjusted or "", row.tier,
                             f"{row.coefficient_pct / 100:.2f}", row.scarce_priority,
                             1 if row.suspended else 0, suspension or "",
                             "；".join(reason_text(r) for r in row.reasons
                                      if not r["params"].get("staff_only"))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _suspension_id(row) -> int | None:
    for r in row.reasons:
        if r["code"] in ("suspended_grade", "suspended_circulation") and r["params"].get("suspension_id"):
            return r["params"]["suspension_id"]
    return None


def log_download(run: ServiceRun, actor, data: bytes) -> ServiceDelivery:
    delivery = ServiceDelivery(run_id=run.id, channel="download", user_id=actor.id,
                               sha256=hashlib.sha256(data).hexdigest(), matched=True, rows=run.licence_count)
    db.session.add(delivery)
    db.session.flush()
    audit("service_run.download", "ServiceRun", run.id, after={"sha256": delivery.sha256}, actor=actor)
    return delivery


def confirm_receipt(run: ServiceRun, actor, sha256: str, rows: int | None) -> ServiceDelivery:
    """The ordering system confirms it received the file, with the SHA-256 it computed. A checksum that
    does not match is logged too (``matched`` false: the ordering system must fetch the file again)."""
    sha256 = (sha256 or "").strip().lower()
    matched = sha256 == run.export_sha256
    delivery = ServiceDelivery(run_id=run.id, channel="receipt", user_id=actor.id,
                               token_id=getattr(getattr(actor, "current_token", None), "id", None),
                               sha256=sha256, matched=matched, rows=rows or 0)
    db.session.add(delivery)
    db.session.flush()
    audit("service_run.receipt", "ServiceRun", run.id, after={"sha256": sha256, "matched": matched, "rows": rows},
          actor=actor)
    return delivery



# ---- the lists of runs and of a run's rows (pages and their Excel exports) -----------------------------

ROW_SHOW = ("suspended", "changed", "down")


def list_query(user):
    """The monthly runs the user may read, newest month first."""
    from app.auth import policy

    return policy.scope(user, "service.read", select(ServiceRun), ServiceRun).order_by(ServiceRun.cycle.desc(),
                                                                                         ServiceRun.id.desc())


def rows_query(user, run, args: dict):
    """A run's rows with their retailer, within the user's scope, filtered by ``grade``, ``show``
    (suspended, changed, down: tier lowered) and ``q`` (licence number or shop name): suspended and
    changed rows first, then by licence number."""
    from app.auth import policy

    stmt = policy.scope(user, "service.read", select(ServiceRow, Retailer).join(
        Retailer, Retailer.id == ServiceRow.retailer_id).where(ServiceRow.run_id == run.id), ServiceRow)
    if args.get("grade"):
        stmt = stmt.where(ServiceRow.grade == args["grade"])
    if args.get("show") == "suspended":
        stmt = stmt.where(ServiceRow.suspended.is_(True))
    elif args.get("show") == "changed":
        stmt = stmt.where(ServiceRow.changed.is_(True))
    elif args.get("show") == "down":
        stmt = stmt.where(ServiceRow.tier < ServiceRow.base_tier)
    if args.get("q"):
        like = f"%{args['q']}%"
        stmt = stmt.where(or_(Retailer.licence_no.like(like), Retailer.shop_name.like(like)))
    return stmt.order_by(ServiceRow.suspended.desc(), ServiceRow.changed.desc(), Retailer.licence_no)


def staff_reasons(user) -> bool:
    """Whether the user sees the reasons marked for staff only (the marketing supervisors)."""
    return user.role == "mkt_supervisor"
