"""The quarterly evaluation (综合评价): draft → reviewed → published (→ superseded).

- :func:`run` computes (or recomputes) the draft run of a quarter: one row per licence as of the
  quarter's last day (``app.evaluation.batch``), the inputs hash and the distribution.
- :func:`review` and :func:`publish` move it on; publication opens the objection window (21 calendar
  days, ``app/repair/rules.yaml`` objection.within_days) and the public sees the grades from
  ``objection_closes_on`` on (:func:`public_grade`).
- A published run is never changed: the services refuse, and the database refuses to update its
  rows or any of its fields (migration 0006). :func:`supersede` starts a new draft of the same
  quarter with a recorded reason; publishing that draft marks the old run superseded.

The current quarter may be computed as a draft (a provisional preview, clearly flagged) but is
reviewed and published only after it has ended; a quarter that has not begun is refused.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, delete, func, select, text
from sqlalchemy.orm import aliased

from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.evaluation import batch, sources
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from app.org.models import OrgUnit
from app.retailers.models import Retailer

DEFAULT_OBJECTION_DAYS = 21
STAGES = ("prepare", "compute", "hash", "summary")


def objection_days() -> int:
    """Calendar days a published grade may be disputed before the public sees it."""
    configured = current_app.config.get("OBJECTION_WINDOW_DAYS")
    if configured:
        return int(configured)
    try:
        from app.repair.rules import rules

        return int(rules()["objection"]["within_days"])
    except (ImportError, KeyError, TypeError, OSError):
        return DEFAULT_OBJECTION_DAYS


# ---------------------------------------------------------------- quarters


def parse_quarter(quarter: str) -> tuple[str, dt.date, dt.date]:
    """'2026q4' -> ('2026Q4', first day, last day); ServiceError if malformed."""
    try:
        start, end = batch.quarter_bounds(quarter)
    except ValueError:
        raise ServiceError({"quarter": [_("Give a quarter such as 2026Q4.")]}) from None
    return batch.quarter_of(start), start, end


def is_provisional(run: EvaluationRun, today: dt.date | None = None) -> bool:
    """Computed for a quarter that has not ended yet: a preview, not reviewable or publishable."""
    return run.as_of >= (today or local_today())


def _lock_quarter(quarter: str) -> None:
    """Serialise runs of one quarter (two supervisors pressing the button at once)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(7340212, :k)"),
                           {"k": int(quarter[:4]) * 10 + int(quarter[5])})


def open_run(quarter: str) -> EvaluationRun | None:
    """The unpublished (draft or reviewed) run of a quarter, if any."""
    return db.session.scalars(select(EvaluationRun).where(
        EvaluationRun.quarter == quarter, EvaluationRun.status.in_(("draft", "reviewed")))
        .order_by(EvaluationRun.id.desc())).first()


def published_run(quarter: str) -> EvaluationRun | None:
    return db.session.scalars(select(EvaluationRun).where(
        EvaluationRun.quarter == quarter, EvaluationRun.status == "published")).first()


def previous_published_run(quarter: str) -> EvaluationRun | None:
    """The published run of the latest quarter before `quarter` (where previous_grade comes from)."""
    return db.session.scalars(select(EvaluationRun).where(
        EvaluationRun.quarter < quarter, EvaluationRun.status == "published")
        .order_by(EvaluationRun.quarter.desc(), EvaluationRun.id.desc())).first()


def _snapshot(run: EvaluationRun) -> dict:
    return {"quarter": run.quarter, "as_of": run.as_of, "status": run.status, "inputs_hash": run.inputs_hash,
            "retailer_count": run.retailer_count, "policy_version": run.policy_version,
            "catalogue_versions": run.catalogue_versions, "supersedes_id": run.supersedes_id,
            "grades": (run.summary or {}).get("grades")}


# ---------------------------------------------------------------- run


def check_run_request(quarter: str, today: dt.date | None = None) -> str:
    """The checks a run must pass before any work (the page runs them before starting the job): a
    quarter such as 2026Q4 that has begun and is not published. Returns the quarter's canonical name."""
    quarter, start, _as_of = parse_quarter(quarter)
    if start > (today or local_today()):
        raise ServiceError({"quarter": [_("The quarter %(q)s has not begun yet.", q=quarter)]})
    if open_run(quarter) is None and published_run(quarter) is not None:
        raise ServiceError({"quarter": [_("The evaluation of %(q)s is already published. To correct it, "
                                          "supersede it and give the reason.", q=quarter)]}, status=409)
    return quarter


def run(quarter: str, actor=None, progress=None, *, today: dt.date | None = None,
        now: dt.datetime | None = None) -> EvaluationRun:
    """Compute the draft run of a quarter (a new draft, or the open one again: its rows replaced).

    Refused for a quarter that has not begun and for a quarter already published (supersede it,
    with a reason). `progress(stage)` is called after each of STAGES. `now` (naive UTC) stamps the run
    instead of the clock: a back-dated load such as the demo city's; `today` is the matching local date."""
    quarter, start, as_of = parse_quarter(quarter)
    today = today or local_today()
    if start > today:
        raise ServiceError({"quarter": [_("The quarter %(q)s has not begun yet.", q=quarter)]})
    _lock_quarter(quarter)
    target = open_run(quarter)
    if target is None:
        if published_run(quarter) is not None:
            raise ServiceError({"quarter": [_("The evaluation of %(q)s is already published. To correct it, "
                                              "supersede it and give the reason.", q=quarter)]}, status=409)
        target = EvaluationRun(quarter=quarter, as_of=as_of, status="draft",
                               created_by_id=getattr(actor, "id", None), created_at=now or utcnow())
        db.session.add(target)
        db.session.flush()
        before = None
    else:
        before = _snapshot(target)
    _compute(target, actor, progress, today, now)
    audit("evaluation.run", "EvaluationRun", target.id, before=before, after=_snapshot(target), actor=actor)
    return target


def _compute(target: EvaluationRun, actor, progress, today: dt.date, now: dt.datetime | None = None) -> None:
    def step(name):
        if progress is not None:
            progress(name)

    db.session.execute(delete(EvaluationRow).where(EvaluationRow.run_id == target.id))
    target.status = "draft"
    target.reviewed_at = target.reviewed_by_id = None
    catalogues = sources.catalogues()
    policy = sources.policy_on(target.as_of)
    policies = sources.policies()  # 从旧兼从轻 with the policy in force when each record's act happened
    previous = previous_published_run(target.quarter)
    step("prepare")
    try:
        count = batch.compute_rows(target.id, target.as_of, catalogues=catalogues, policy=policy,
                                   previous_run_id=previous.id if previous else None, keep_treatments=True,
                                   policies=policies)
    except batch.BatchError as exc:
        raise ServiceError({"records": [_("%(n)d credit record(s) cannot be scored (unknown indicator, "
                                          "catalogue version or quantity): %(ids)s", n=len(exc.record_ids),
                                          ids=", ".join(str(i) for i in exc.record_ids[:20]))]}) from None
    step("compute")
    target.inputs_hash = batch.inputs_hash(
        target.as_of, catalogues=catalogues, policy=policy, treatments_loaded=True, policies=policies,
        previous_run=(previous.id, previous.inputs_hash) if previous else None)
    batch.drop_treatments()
    step("hash")
    target.retailer_count = count
    target.policy_version = policy.version
    target.catalogue_versions = ",".join(sorted(catalogues))[:128]
    target.computed_at = now or utcnow()
    target.summary = build_summary(target.id, policy, previous, provisional=target.as_of >= today)
    db.session.flush()
    step("summary")


def _check_inputs(target: EvaluationRun) -> None:
    """Refuse to review or publish rows computed from inputs that have changed since."""
    catalogues = sources.catalogues()
    policy = sources.policy_on(target.as_of)
    previous = previous_published_run(target.quarter)
    current = batch.inputs_hash(target.as_of, catalogues=catalogues, policy=policy, policies=sources.policies(),
                                previous_run=(previous.id, previous.inputs_hash) if previous else None)
    if current != target.inputs_hash:
        raise ServiceError({"inputs_hash": [_("The records, licences or versions have changed since this run "
                                              "was computed. Run it again, then review it.")]}, status=409)


def _require_ended(target: EvaluationRun, today: dt.date) -> None:
    if is_provisional(target, today):
        raise ServiceError({"quarter": [_("The quarter %(q)s has not ended yet: this run is a provisional preview "
                                          "and cannot be reviewed or published before %(d)s.", q=target.quarter,
                                          d=(target.as_of + dt.timedelta(days=1)).isoformat())]}, status=409)


def _require_status(target: EvaluationRun, status: str, message: str) -> None:
    if target.status != status:
        raise ServiceError({"status": [message]}, status=409)


def review(target: EvaluationRun, actor=None, *, today: dt.date | None = None,
           now: dt.datetime | None = None) -> EvaluationRun:
    """draft → reviewed (the quarter has ended and the inputs are unchanged)."""
    today = today or local_today()
    _require_status(target, "draft", _("Only a draft run can be reviewed."))
    _require_ended(target, today)
    _check_inputs(target)
    before = _snapshot(target)
    target.status = "reviewed"
    target.reviewed_at = now or utcnow()
    target.reviewed_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit("evaluation.review", "EvaluationRun", target.id, before=before, after=_snapshot(target), actor=actor)
    return target


def publish(target: EvaluationRun, actor=None, *, today: dt.date | None = None,
            now: dt.datetime | None = None) -> EvaluationRun:
    """reviewed → published: opens the objection window; a superseded run is marked so."""
    today = today or local_today()
    _require_status(target, "reviewed", _("Only a reviewed run can be published."))
    _require_ended(target, today)
    _check_inputs(target)
    current = published_run(target.quarter)
    if current is not None and current.id != target.supersedes_id:
        raise ServiceError({"status": [_("Another run of %(q)s is already published.", q=target.quarter)]},
                           status=409)
    if current is not None:
        current.status = "superseded"
        audit("evaluation.superseded", "EvaluationRun", current.id, before={"status": "published"},
              after={"status": "superseded", "by": target.id, "reason": target.reason}, actor=actor)
    before = _snapshot(target)
    target.status = "published"
    target.published_at = now or utcnow()
    target.published_by_id = getattr(actor, "id", None)
    target.objection_closes_on = today + dt.timedelta(days=objection_days())
    db.session.flush()
    audit("evaluation.publish", "EvaluationRun", target.id, before=before,
          after={**_snapshot(target), "objection_closes_on": target.objection_closes_on}, actor=actor)
    from app.notices.services import notify_official_grades

    notify_official_grades(target)  # 信息告知: each retailer is told its grade and the objection deadline
    from app.jobs.tasks import kick_dashboard

    kick_dashboard("publish")  # the dashboard's grade figures follow the published quarter
    return target


def supersede(target: EvaluationRun, reason: str, actor=None, progress=None, *,
              today: dt.date | None = None) -> EvaluationRun:
    """Start a new draft of a published run's quarter, with the reason recorded. The published run
    stays as it is (and public) until the new one is published."""
    today = today or local_today()
    reason = (reason or "").strip()
    _require_status(target, "published", _("Only a published run can be superseded."))
    if len(reason) < 5:
        raise ServiceError({"reason": [_("Give the reason for superseding the published run (at least 5 "
                                         "characters).")]})
    _lock_quarter(target.quarter)
    pending = open_run(target.quarter)
    if pending is not None:
        raise ServiceError({"status": [_("Run %(id)d of %(q)s is already in progress; finish or rerun it.",
                                         id=pending.id, q=target.quarter)]}, status=409)
    new = EvaluationRun(quarter=target.quarter, as_of=target.as_of, status="draft", supersedes_id=target.id,
                        reason=reason, created_by_id=getattr(actor, "id", None))
    db.session.add(new)
    db.session.flush()
    _compute(new, actor, progress, today)
    audit("evaluation.supersede", "EvaluationRun", new.id, before={"supersedes": target.id},
          after={**_snapshot(new), "reason": reason}, actor=actor)
    return new


# ---------------------------------------------------------------- summary, movers


def _rank_case(column, names):
    return case({name: i for i, name in enumerate(names)}, value=column)


def build_summary(run_id: int, policy, previous: EvaluationRun | None, *, provisional: bool) -> dict:
    names = list(policy.grade_names)
    grades = dict.fromkeys(names, 0)
    counties: dict[str, dict[str, int]] = {}
    for code, grade, n in db.session.execute(
            select(OrgUnit.code, EvaluationRow.grade, func.count()).join(OrgUnit, OrgUnit.id == EvaluationRow.unit_id)
            .where(EvaluationRow.run_id == run_id).group_by(OrgUnit.code, EvaluationRow.grade)):
        grades[grade] = grades.get(grade, 0) + n
        counties.setdefault(code, dict.fromkeys(names, 0))[grade] = n
    rules = {kind: n for kind, n in db.session.execute(
        select(EvaluationRow.rule_kind, func.count()).where(EvaluationRow.run_id == run_id,
                                                            EvaluationRow.rule_kind.is_not(None))
        .group_by(EvaluationRow.rule_kind))}
    now, before = _rank_case(EvaluationRow.grade, names), _rank_case(EvaluationRow.previous_grade, names)
    move = case((EvaluationRow.previous_grade.is_(None), "new"), (now < before, "up"), (now > before, "down"),
                else_="same")
    moves = dict.fromkeys(("up", "down", "same", "new"), 0)
    for kind, n in db.session.execute(select(move, func.count()).where(EvaluationRow.run_id == run_id)
                                      .group_by(move)):
        moves[kind] = n
    return {"grade_names": names, "grades": grades, "counties": dict(sorted(counties.items())), "rules": rules,
            "moves": moves, "provisional": provisional, "retailers": sum(grades.values()),
            "previous_run_id": previous.id if previous else None,
            "previous_quarter": previous.quarter if previous else None}


def previous_of(run: EvaluationRun) -> EvaluationRun | None:
    previous_id = (run.summary or {}).get("previous_run_id")
    return db.session.get(EvaluationRun, previous_id) if previous_id else None


@dataclass
class Distribution:
    names: list
    grades: dict  # grade -> (now, before or None)
    counties: list  # (unit code, unit name, {grade: (now, before)})
    total: int
    previous_quarter: str | None


def distribution(run: EvaluationRun, user) -> Distribution:
    """By grade and by county against the previous published run, limited to the user's county."""
    summary = run.summary or {}
    names = summary.get("grade_names") or ["AAA", "AA", "A", "B", "C", "D"]
    previous = previous_of(run)
    before = (previous.summary or {}) if previous else {}
    units = {u.code: u for u in db.session.scalars(select(OrgUnit))}
    codes = sorted(summary.get("counties", {}))
    if not user.is_city_level:
        codes = [user.unit.code] if user.unit else []

    def pair(now_map, before_map, grade):
        return (now_map.get(grade, 0), before_map.get(grade, 0) if previous else None)

    counties = []
    totals_now: dict = {}
    totals_before: dict = {}
    for code in codes:
        now_map = summary.get("counties", {}).get(code, {})
        before_map = before.get("counties", {}).get(code, {})
        counties.append((code, units[code].name if code in units else code,
                         {g: pair(now_map, before_map, g) for g in names}))
        for g in names:
            totals_now[g] = totals_now.get(g, 0) + now_map.get(g, 0)
            totals_before[g] = totals_before.get(g, 0) + before_map.get(g, 0)
    if user.is_city_level:
        totals_now, totals_before = summary.get("grades", {}), before.get("grades", {})
    grades = {g: pair(totals_now, totals_before, g) for g in names}
    return Distribution(names, grades, counties, sum(v[0] for v in grades.values()),
                        previous.quarter if previous else None)


def rows_query(run: EvaluationRun, user, *, grade=None, unit=None, move=None, q=None):
    """The run's rows the user may see (a county supervisor: their county), with their retailers."""
    from app.auth import policy

    names = (run.summary or {}).get("grade_names") or ["AAA", "AA", "A", "B", "C", "D"]
    stmt = (select(EvaluationRow, Retailer).join(Retailer, Retailer.id == EvaluationRow.retailer_id)
            .where(EvaluationRow.run_id == run.id))
    stmt = policy.scope(user, "evaluation.read", stmt, EvaluationRow)
    if grade:
        stmt = stmt.where(EvaluationRow.grade == grade)
    if unit:
        stmt = stmt.join(OrgUnit, OrgUnit.id == EvaluationRow.unit_id).where(OrgUnit.code == unit)
    now, before = _rank_case(EvaluationRow.grade, names), _rank_case(EvaluationRow.previous_grade, names)
    if move == "up":
        stmt = stmt.where(now < before)
    elif move == "down":
        stmt = stmt.where(now > before)
    elif move == "new":
        stmt = stmt.where(EvaluationRow.previous_grade.is_(None))
    if q:
        like = f"%{q}%"
        stmt = stmt.where((Retailer.licence_no == q) | Retailer.shop_name.like(like))
    return stmt.order_by(EvaluationRow.score, Retailer.licence_no)


def movers(run: EvaluationRun, user, limit: int = 10) -> dict:
    """The largest grade changes against the previous published run, up and down, with scores."""
    from app.auth import policy

    previous = previous_of(run)
    if previous is None:
        return {"up": [], "down": []}
    names = (run.summary or {}).get("grade_names") or ["AAA", "AA", "A", "B", "C", "D"]
    prev = aliased(EvaluationRow)
    now_rank, before_rank = _rank_case(EvaluationRow.grade, names), _rank_case(prev.grade, names)
    delta = (now_rank - before_rank).label("delta")
    base = (select(EvaluationRow, Retailer, prev.grade.label("before_grade"), prev.score.label("before_score"), delta)
            .join(Retailer, Retailer.id == EvaluationRow.retailer_id)
            .join(prev, (prev.run_id == previous.id) & (prev.retailer_id == EvaluationRow.retailer_id))
            .where(EvaluationRow.run_id == run.id))
    base = policy.scope(user, "evaluation.read", base, EvaluationRow)
    score_change = EvaluationRow.score - prev.score
    result = {}
    for key, cond, order in (("up", delta < 0, (delta, score_change.desc())),
                             ("down", delta > 0, (delta.desc(), score_change))):
        rows = db.session.execute(base.where(cond).order_by(*order, Retailer.licence_no).limit(limit))
        result[key] = [{"row": r[0], "retailer": r[1], "before_grade": r[2], "before_score": r[3]} for r in rows]
    return result


def explain(run: EvaluationRun, retailer: Retailer):
    """The engine's result for one licence as of the run's date (contributions, rule)."""
    return sources.compute_for(retailer, run.as_of)


# ---------------------------------------------------------------- the public


@dataclass
class PublicGrade:
    grade: str
    quarter: str
    published_on: dt.date
    run_id: int


def public_run(today: dt.date | None = None) -> EvaluationRun | None:
    """The latest published run whose objection window has closed (a superseded run no longer counts)."""
    today = today or local_today()
    return db.session.scalars(select(EvaluationRun).where(
        EvaluationRun.status == "published", EvaluationRun.objection_closes_on <= today)
        .order_by(EvaluationRun.quarter.desc(), EvaluationRun.id.desc())).first()


def public_grades(retailer_ids, today: dt.date | None = None) -> dict[int, PublicGrade]:
    run_ = public_run(today)
    ids = list(retailer_ids)
    if run_ is None or not ids:
        return {}
    published_on = run_.published_at.date() if run_.published_at else None
    rows = db.session.execute(select(EvaluationRow.retailer_id, EvaluationRow.grade).where(
        EvaluationRow.run_id == run_.id, EvaluationRow.retailer_id.in_(ids)))
    return {rid: PublicGrade(grade, run_.quarter, published_on, run_.id) for rid, grade in rows}


def public_grade(retailer: Retailer, today: dt.date | None = None) -> PublicGrade | None:
    """What the public sees: the grade of the latest published run whose objection window has closed."""
    return public_grades([retailer.id], today).get(retailer.id)


def public_search(q: str, limit: int = 20) -> list[Retailer]:
    """Licences matching a licence number exactly or a shop name in part (cancelled ones excluded)."""
    q = (q or "").strip()
    if len(q) < 2:
        return []
    stmt = select(Retailer).where(Retailer.status != "cancelled")
    if q.isdigit() and len(q) == 12:
        stmt = stmt.where(Retailer.licence_no == q)
    else:
        stmt = stmt.where(Retailer.shop_name.like(f"%{q}%"))
    return list(db.session.scalars(stmt.order_by(Retailer.shop_name, Retailer.licence_no).limit(limit)))
