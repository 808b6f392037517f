"""What the public may see of a random draw (双随机、一公开), and when.

The draw's strata are the **published** (official quarterly) grades: the grade of the latest evaluation
run whose objection window has closed, the same grade the public grade lookup shows; a licence without
one (licensed since) counts as A, the grade a new licence starts at. The live grade, which moves with
every confirmed record and is not public, never stratifies a draw and never appears in one.

- From the moment a draw is committed until its period ends, the public sees the commitment (the hash
  over the seed, the pool, the policy version and the shares), the pool's digest and size, and per
  grade the number of shops in the pool and the number drawn. Never the seed, never a shop: the checks
  are unannounced until the period is over.
- After the period ends: the seed, the pool (licence ids with the published grade each was drawn
  under), the drawn shops with their results (done, and the outcome), and the server's own
  verification, so anyone can re-derive the list (app.scheduling.planner.verify_draw).

Draws committed before this rule (``grade_basis == "live"``) were stratified by the live grade: for them
the public sees the counts per grade only, never the pool's grade per shop, and the server's
verification after the period.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from app.common.time import local_today
from app.extensions import db
from app.retailers.models import Retailer
from app.scheduling import planner as P
from app.scheduling.models import RandomDraw, Visit

NO_PUBLISHED_GRADE = "A"  # a licence with no published grade yet: the grade a new licence starts at


def published_grades(retailer_ids, today: date | None = None) -> tuple[str | None, dict[int, str]]:
    """(quarter, {retailer id: published grade}) from the latest run whose objection window has closed;
    (None, {}) before the first one."""
    from app.evaluation.models import EvaluationRow
    from app.evaluation.services import public_run

    run = public_run(today or local_today())
    if run is None:
        return None, {}
    ids = list(retailer_ids)
    grades = {}
    for k in range(0, len(ids), 900):
        grades.update(db.session.execute(select(EvaluationRow.retailer_id, EvaluationRow.grade).where(
            EvaluationRow.run_id == run.id, EvaluationRow.retailer_id.in_(ids[k:k + 900]))).all())
    return run.quarter, grades


def draw_pool(shop_ids, today: date | None = None) -> tuple[str | None, list[list]]:
    """The pool a draw is made from: [[retailer id, published grade], ...] and the quarter it comes from."""
    quarter, grades = published_grades(shop_ids, today)
    return quarter, [[sid, grades.get(sid, NO_PUBLISHED_GRADE)] for sid in shop_ids]


def strata(d: RandomDraw) -> list[dict]:
    """Per grade: shops in the pool, this draw's probability per shop, shops drawn, and (v2) the
    quarter's share and the cumulative share the quarter reaches with this draw. Counts only: which
    shops were drawn stays secret until the period ends."""
    sizes = Counter(grade for _sid, grade in d.pool)
    if getattr(d, "scheme", "v1") == "v1":
        drawn = {g: P.draw_count(float(d.shares.get(g, 0.0)), sizes[g]) for g in sizes}
    else:
        grade_of = {int(sid): g for sid, g in d.pool}
        drawn = Counter(grade_of.get(int(i)) for i in d.selected)
    q = d.quarter or {}
    out = []
    for g in P.GRADES:
        if not sizes.get(g):
            continue
        row = {"grade": g, "pool": sizes[g], "drawn": drawn.get(g, 0), "probability": float(d.shares.get(g, 0.0))}
        if q:
            row.update(quarter_share=float((q.get("policy_shares") or {}).get(g, 0.0)),
                       quarter_after=float((q.get("after") or {}).get(g, 0.0)))
        out.append(row)
    return out


def published_from(d: RandomDraw) -> date:
    """The first day the drawn shops are public: the day after the draw's period."""
    return d.period_end + timedelta(days=1)


def is_published(d: RandomDraw, today: date | None = None) -> bool:
    return (today or local_today()) >= published_from(d)


def _results(d: RandomDraw) -> list[dict]:
    from app.scheduling.queries import mask_name

    visits = {v.retailer_id: v for v in db.session.scalars(select(Visit).where(Visit.draw_id == d.id,
                                                                              Visit.kind == "random"))}
    shops = {r.id: r for r in db.session.scalars(select(Retailer).where(Retailer.id.in_(list(d.selected))))} \
        if d.selected else {}
    out = []
    for rid in sorted(int(i) for i in d.selected):
        shop, visit = shops.get(rid), visits.get(rid)
        out.append({"retailer_id": rid, "licence_no": shop.licence_no if shop else None,
                    "shop": mask_name(shop.shop_name, shop.operator_name) if shop else None,
                    "status": visit.status if visit else None, "outcome": visit.outcome if visit else None,
                    "done_on": visit.done_on if visit else None})
    return out


def public_draw(d: RandomDraw, today: date | None = None) -> dict:
    """The public view of a draw on ``today`` (see the module)."""
    out = {"id": d.id, "unit_id": d.unit_id, "period_start": d.period_start, "period_end": d.period_end,
           "status": d.status, "commitment": d.commitment, "pool_digest": d.pool_digest, "pool_size": d.pool_size,
           "policy_version": d.policy_version, "shares": d.shares, "committed_at": d.committed_at,
           "reason": d.reason, "supersedes_id": d.supersedes_id, "scheme": d.scheme,
           "quarter": (d.quarter or {}).get("quarter"),
           "grade_basis": d.grade_basis, "grades_quarter": d.grades_quarter, "strata": strata(d),
           "published": is_published(d, today), "published_from": published_from(d)}
    if not out["published"]:
        return out
    out.update(seed=d.seed, selected=sorted(int(i) for i in d.selected), results=_results(d),
               verification=P.verify_draw(d.seed, d.pool, d.policy_version, d.shares, d.commitment, d.selected,
                                          d.scheme),
               excluded=(d.quarter or {}).get("excluded", []))
    if d.grade_basis == "published":
        out["pool"] = d.pool  # licence ids with the published grade each stratum used: public data
    return out


__all__ = ["published_grades", "draw_pool", "strata", "public_draw", "is_published", "published_from"]
