"""The early-warning signals (失信预警), computed set-wise for a day: each function returns
{retailer_id: facts}, the facts being the figures the readable reason is written from.

The ordering anomalies read the ordering system's monthly figures (app/service: ``OrderingFigure``)
of the last complete months; the rules themselves are pure functions (``volume_outliers``,
``idle_months``) that bench/warning_bench.py replays on the demo's history."""
from __future__ import annotations

from datetime import date, timedelta
from statistics import median

from flask import current_app
from sqlalchemy import func, or_, select

from app.extensions import db

WINDOW_DAYS = 180  # repeated minor findings and absent shops are counted over this window
MINOR_MIN = 3  # failed checklist items + minor violations within the window
ABSENT_MIN = 2  # visits that found the shop closed or not at all within the window
TREND_QUARTERS = 3  # the official score fell at each of the last (this many - 1) published quarters


def margin() -> int:
    """Points above a grade's lower bound that count as "near the boundary" (config, default 5)."""
    return int(current_app.config.get("WARNING_MARGIN_POINTS", 5))


def _active():
    from app.retailers.models import Retailer

    return select(Retailer.id).where(Retailer.status != "cancelled")


def near_boundary(today: date) -> dict[int, dict]:
    """Live score within ``margin()`` points above the lower bound of its grade (not the worst grade),
    for shops that have lost points in some dimension (a clean shop at the starting score is not
    sliding anywhere)."""
    from app.credit.models import RetailerGrade
    from app.credit.versions import policy_on

    policy = policy_on(today)
    bounds = {g.grade: g.min_score for g in policy.grades if g.min_score is not None}
    names = list(policy.grade_names)
    m = margin()
    out = {}
    rows = db.session.execute(select(RetailerGrade.retailer_id, RetailerGrade.score, RetailerGrade.score_grade,
                                     RetailerGrade.grade)
                              .where(RetailerGrade.retailer_id.in_(_active()),
                                     or_(RetailerGrade.monopoly < 0, RetailerGrade.marketing < 0,
                                         RetailerGrade.social < 0)))
    for rid, score, score_grade, grade in rows:
        low = bounds.get(score_grade)
        if low is None or score_grade != grade:  # the worst grade, or a veto/cap decides the grade
            continue
        if 0 <= score - low < m:
            below = names[names.index(score_grade) + 1]
            out[rid] = {"score": score, "grade": score_grade, "bound": low, "below": below, "gap": score - low}
    return out


def falling_trend(today: date) -> dict[int, dict]:
    """The official score fell at each of the last published quarters (TREND_QUARTERS of them)."""
    from app.evaluation.models import EvaluationRow, EvaluationRun

    runs = list(db.session.execute(select(EvaluationRun.id, EvaluationRun.quarter).where(
        EvaluationRun.status == "published", EvaluationRun.as_of <= today)
        .order_by(EvaluationRun.as_of.desc(), EvaluationRun.id.desc())))
    latest = {}
    for run_id, quarter in runs:  # the latest published run of each quarter
        latest.setdefault(quarter, run_id)
        if len(latest) == TREND_QUARTERS:
            break
    if len(latest) < TREND_QUARTERS:
        return {}
    ordered = sorted(latest.items())  # oldest quarter first
    run_ids = [r for _q, r in ordered]
    scores: dict[int, dict[int, int]] = {}
    for run_id, rid, score in db.session.execute(select(EvaluationRow.run_id, EvaluationRow.retailer_id,
                                                        EvaluationRow.score).where(EvaluationRow.run_id.in_(run_ids))):
        scores.setdefault(rid, {})[run_id] = score
    active = set(db.session.scalars(_active()))
    out = {}
    for rid, by_run in scores.items():
        if rid not in active or len(by_run) < TREND_QUARTERS:
            continue
        series = [by_run[r] for r in run_ids]
        if all(b < a for a, b in zip(series, series[1:])):
            out[rid] = {"quarters": [q for q, _r in ordered], "scores": series}
    return out


def suspected(today: date) -> dict[int, dict]:
    """Suspected violations (negative records not yet confirmed or dismissed)."""
    from app.credit.models import CreditRecord

    rows = db.session.execute(select(CreditRecord.retailer_id, func.count(CreditRecord.id),
                                     func.min(CreditRecord.occurred_on))
                              .where(CreditRecord.status == "suspected", CreditRecord.nominal_points < 0,
                                     CreditRecord.retailer_id.in_(_active()))
                              .group_by(CreditRecord.retailer_id))
    return {rid: {"count": n, "since": oldest.isoformat()} for rid, n, oldest in rows}


def repeated_minor(today: date) -> dict[int, dict]:
    """At least MINOR_MIN failed checklist items and minor violations (≤ 5 points, not dismissed)
    within WINDOW_DAYS."""
    from app.credit.models import CreditRecord
    from app.inspections.models import Inspection, InspectionCheck

    since = today - timedelta(days=WINDOW_DAYS)
    failed = dict(db.session.execute(
        select(Inspection.retailer_id, func.count(InspectionCheck.id))
        .join(InspectionCheck, InspectionCheck.inspection_id == Inspection.id)
        .where(InspectionCheck.result == "fail", Inspection.occurred_on >= since, Inspection.occurred_on <= today)
        .group_by(Inspection.retailer_id)).all())
    minor = dict(db.session.execute(
        select(CreditRecord.retailer_id, func.count(CreditRecord.id))
        .where(CreditRecord.status.in_(("suspected", "confirmed", "repaired")), CreditRecord.nominal_points < 0,
               CreditRecord.nominal_points >= -5, CreditRecord.occurred_on >= since,
               CreditRecord.occurred_on <= today)
        .group_by(CreditRecord.retailer_id)).all())
    active = set(db.session.scalars(_active()))
    out = {}
    for rid in set(failed) | set(minor):
        f, v = failed.get(rid, 0), minor.get(rid, 0)
        if rid in active and f + v >= MINOR_MIN:
            out[rid] = {"failed_items": f, "minor_records": v, "days": WINDOW_DAYS}
    return out


def overdue_rectification(today: date) -> dict[int, dict]:
    """Open rectifications past their deadline."""
    from app.inspections.models import RectificationItem

    rows = db.session.execute(select(RectificationItem.retailer_id, func.count(RectificationItem.id),
                                     func.min(RectificationItem.deadline))
                              .where(RectificationItem.status == "open", RectificationItem.deadline < today,
                                     RectificationItem.retailer_id.in_(_active()))
                              .group_by(RectificationItem.retailer_id))
    return {rid: {"count": n, "deadline": oldest.isoformat()} for rid, n, oldest in rows}


def shop_absent(today: date) -> dict[int, dict]:
    """At least ABSENT_MIN visits within WINDOW_DAYS found the shop closed or not at all (虚假户?)."""
    from app.inspections.models import Inspection

    since = today - timedelta(days=WINDOW_DAYS)
    rows = db.session.execute(select(Inspection.retailer_id, Inspection.id, Inspection.outcome)
                              .where(Inspection.outcome.in_(("closed", "not_found")), Inspection.occurred_on >= since,
                                     Inspection.occurred_on <= today, Inspection.retailer_id.in_(_active()))
                              .order_by(Inspection.occurred_on, Inspection.id))
    seen: dict[int, dict] = {}
    for rid, iid, outcome in rows:
        f = seen.setdefault(rid, {"closed": 0, "not_found": 0, "inspection_ids": [], "days": WINDOW_DAYS})
        f[outcome] += 1
        f["inspection_ids"].append(iid)
    return {rid: f for rid, f in seen.items() if f["closed"] + f["not_found"] >= ABSENT_MIN}


# ---- ordering anomalies ------------------------------------------------------------------------------

MAD_SCALE = 1.4826  # MAD x this estimates the standard deviation of normally spread figures


def ordering_policy() -> dict:
    """The thresholds of the ordering anomalies (config WARNING_*, docs/warnings.md)."""
    cfg = current_app.config
    return {"months": int(cfg.get("WARNING_ORDERING_MONTHS", 3)), "k": float(cfg.get("WARNING_VOLUME_MAD_K", 5)),
            "ratio": float(cfg.get("WARNING_VOLUME_MIN_RATIO", 1.5)),
            "min_peers": int(cfg.get("WARNING_VOLUME_MIN_PEERS", 8)),
            "idle_months": int(cfg.get("WARNING_NO_ORDER_MONTHS", 2))}


def last_months(today: date, n: int) -> list[str]:
    """The ``n`` complete months before ``today``'s month, oldest first, as YYYY-MM."""
    out, day = [], today.replace(day=1)
    for _ in range(n):
        day = (day - timedelta(days=1)).replace(day=1)
        out.append(f"{day.year:04d}-{day.month:02d}")
    return out[::-1]


def volume_outliers(totals: dict, *, k: float, ratio: float, min_peers: int) -> dict:
    """Pure rule: ``totals`` maps a shop to ``(peer_key, cartons)`` (the cartons of the window; the peer
    key its base tier and format). A shop whose cartons exceed both its peers' median + k x MAD (MAD
    scaled to a standard deviation) and ``ratio`` x the median, in a peer group of at least
    ``min_peers`` shops (itself included), is an outlier. Returns {shop: facts}."""
    groups: dict = {}
    for rid, (key, cartons) in totals.items():
        groups.setdefault(key, []).append(cartons)
    stats = {}
    for key, values in groups.items():
        if len(values) < min_peers:
            continue
        med = median(values)
        mad = median(abs(v - med) for v in values) * MAD_SCALE
        stats[key] = (med, max(med + k * mad, ratio * med), len(values))
    out = {}
    for rid, (key, cartons) in totals.items():
        if key not in stats:
            continue
        med, limit, peers = stats[key]
        if cartons > limit and cartons > 0:
            out[rid] = {"cartons": cartons, "peer_median": round(med, 1), "limit": round(limit, 1), "peers": peers,
                        "times_median": round(cartons / med, 1) if med else None}
    return out


def idle_months(ordered: dict, reported: list, *, minimum: int) -> dict:
    """Pure rule: ``ordered`` maps a shop to {month: cartons or None (no figures for the shop that
    month)}, ``reported`` lists the months to judge. A month counts as "without orders" when the shop
    ordered 0 cartons or has no figures. At least ``minimum`` such months → {shop: facts}."""
    out = {}
    for rid, by_month in ordered.items():
        idle = [m for m in reported if m in by_month and not by_month[m]]
        if len(idle) >= minimum:
            out[rid] = {"months": idle, "of": len(reported)}
    return out


def _ordering_rows(months: list[str]):
    from app.retailers.models import Retailer
    from app.service.models import OrderingFigure

    return db.session.execute(select(OrderingFigure.retailer_id, OrderingFigure.month, OrderingFigure.base_tier,
                                     OrderingFigure.order_cartons, Retailer.business_format)
                              .join(Retailer, Retailer.id == OrderingFigure.retailer_id)
                              .where(OrderingFigure.month.in_(months), Retailer.status != "cancelled")
                              .order_by(OrderingFigure.retailer_id, OrderingFigure.month))


def ordering_volume(today: date) -> dict[int, dict]:
    """Cartons ordered over the last complete months far above the peers of the same base tier (the
    latest month's) and format: a sign of 违规流通 (cigarettes passed on to other shops or areas). Only
    shops with figures for every month of the window are compared."""
    pol = ordering_policy()
    months = last_months(today, pol["months"])
    seen: dict[int, dict] = {}
    for rid, month, tier, cartons, fmt in _ordering_rows(months):
        f = seen.setdefault(rid, {"months": {}, "tier": tier, "format": fmt})
        f["months"][month] = cartons or 0
        f["tier"] = tier  # rows come oldest month first: the latest tier stays
    totals = {rid: ((f["tier"], f["format"]), sum(f["months"].values())) for rid, f in seen.items()
              if len(f["months"]) == len(months)}
    out = volume_outliers(totals, k=pol["k"], ratio=pol["ratio"], min_peers=pol["min_peers"])
    for rid, facts in out.items():
        facts.update({"tier": seen[rid]["tier"], "format": seen[rid]["format"], "from": months[0], "to": months[-1],
                      "k": pol["k"]})
    return out


def no_orders(today: date) -> dict[int, dict]:
    """At least WARNING_NO_ORDER_MONTHS of the last complete months without orders: 0 cartons, or no
    figures for the shop in a month the ordering system reported its county, the licence issued before
    the month began. The licence may be held only for its quota (虚假户): the action is a licence check."""
    from app.retailers.models import Retailer
    from app.service.models import OrderingFigure

    pol = ordering_policy()
    months = last_months(today, pol["months"])
    reported = {(unit, month) for unit, month in db.session.execute(
        select(Retailer.unit_id, OrderingFigure.month).join(Retailer, Retailer.id == OrderingFigure.retailer_id)
        .where(OrderingFigure.month.in_(months)).distinct())}
    if not reported:
        return {}
    figures: dict[int, dict] = {}
    for rid, month, _tier, cartons, _fmt in _ordering_rows(months):
        figures.setdefault(rid, {})[month] = cartons or 0
    ordered = {}
    for rid, unit, issued in db.session.execute(select(Retailer.id, Retailer.unit_id, Retailer.licence_issued_on)
                                                .where(Retailer.status == "active")):
        mine = figures.get(rid, {})
        ordered[rid] = {m: mine.get(m) for m in months
                        if (unit, m) in reported and issued < date(int(m[:4]), int(m[5:]), 1)}
    return idle_months(ordered, months, minimum=pol["idle_months"])


SIGNALS = {"near_boundary": near_boundary, "falling_trend": falling_trend, "suspected": suspected,
           "repeated_minor": repeated_minor, "overdue_rectification": overdue_rectification,
           "shop_absent": shop_absent, "ordering_volume": ordering_volume, "no_orders": no_orders}
