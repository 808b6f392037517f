"""The demo's service side: six months of the ordering system's figures for every trading licence
(base tier, the city's letter class, order amount and cartons, by format and area, with the ordering
anomalies the early warnings look for), and the current
month's service run computed and published by the city's marketing supervisor through the services,
so suspensions, notices and the export exist as they would."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from app.auth.models import User
from app.extensions import db
from app.retailers.models import Retailer
from app.service import runs
from app.service.models import OrderingFigure

FORMAT_LETTER = {"grocery": "Z", "convenience": "B", "supermarket": "S", "tobacco_liquor": "Y",
                 "entertainment": "F", "other": "Q"}
# cartons per month per tier step, and yuan per carton (the mix of brands a shop orders)
CARTONS_PER_TIER = {"supermarket": 16, "tobacco_liquor": 15, "convenience": 12, "grocery": 10,
                    "entertainment": 7, "other": 6}
PRICE = {"city": 265.0, "town": 225.0, "village": 185.0}
PRICE_FORMAT = {"supermarket": 1.15, "tobacco_liquor": 1.25, "convenience": 1.0, "grocery": 0.95,
                "entertainment": 1.1, "other": 0.9}
MONTHS = 6
CHUNK = 5000
# Ordering anomalies the early warnings look for (docs/warnings.md). The generator's assumption, as the
# domain describes it: a shop later found with illegal-channel cartons (违规流通: CHANNEL records of
# app/demo/history.py) ordered far above its needs in the months before the finding, and a little after
# it (HEAVY_BEFORE_DAYS / HEAVY_AFTER_DAYS, x HEAVY_FACTOR); a few others order heavily all along (real
# demand or never caught: HEAVY_SHARE); a few licences stop ordering from some month on (DORMANT_SHARE,
# the 虚假户 the no-orders signal is for).
HEAVY_BEFORE_DAYS, HEAVY_AFTER_DAYS, HEAVY_FACTOR = 120, 31, (2.2, 3.5)
HEAVY_SHARE, DORMANT_SHARE = 0.003, 0.004


def class_code(market_type: str, business_format: str, tier: int) -> str:
    """业态-市场 class, e.g. CZ1: C 城镇 (city and market towns) or X 乡村, the format, scale 1 (large) to 3."""
    scale = 1 if tier >= 20 else 2 if tier >= 11 else 3
    return f"{'X' if market_type == 'village' else 'C'}{FORMAT_LETTER[business_format]}{scale}"


def _months_before(today: date, n: int) -> list[str]:
    out, day = [], today.replace(day=1)
    for _ in range(n):
        day = (day - timedelta(days=1)).replace(day=1)
        out.append(runs.cycle_of(day))
    return list(reversed(out))


def monthly_figures(seed: int, licence_no: str, tier: int, market: str, fmt: str, months: list[str],
                    channel_days=()) -> list[dict]:
    """One licence's figures for ``months`` (YYYY-MM, oldest first): base tier (drifting a step now and
    then), letter class, cartons and amount (fen). A pure function of its arguments (bench/warning_bench.py
    replays it). ``channel_days``: the days of the shop's illegal-channel findings."""
    rng = random.Random(f"{seed}:service:{licence_no}")
    heavy_all = rng.random() < HEAVY_SHARE
    dormant_from = rng.randrange(1, len(months) + 1) if rng.random() < DORMANT_SHARE and months else None
    base, out = tier, []
    for index, month in enumerate(months):
        if rng.random() < 0.08:
            base = max(1, min(30, base + rng.choice((-1, 1))))
        first = date(int(month[:4]), int(month[5:]), 1)
        heavy = heavy_all or any(d - timedelta(days=HEAVY_BEFORE_DAYS) <= first <= d + timedelta(days=HEAVY_AFTER_DAYS)
                                 for d in channel_days)
        factor = rng.uniform(*HEAVY_FACTOR) if heavy else 1.0
        cartons = max(0, int(round(base * CARTONS_PER_TIER[fmt] * rng.uniform(0.75, 1.2) * factor)))
        if dormant_from is not None and index >= dormant_from:
            cartons = 0
        amount = cartons * PRICE[market] * PRICE_FORMAT[fmt] * rng.uniform(0.92, 1.08)
        out.append({"month": month, "base_tier": base, "class_code": class_code(market, fmt, base),
                    "order_amount_fen": int(round(amount * 100)), "order_cartons": cartons})
    return out


def load_service(seed: int, today: date) -> dict:
    from app.credit.models import CreditRecord
    from app.demo.history import CHANNEL

    licences = db.session.execute(select(Retailer.id, Retailer.licence_no, Retailer.tier, Retailer.market_type,
                                         Retailer.business_format)
                                  .where(Retailer.status == "active").order_by(Retailer.id)).all()
    channel: dict[int, list] = {}
    for rid, day in db.session.execute(select(CreditRecord.retailer_id, CreditRecord.occurred_on).where(
            CreditRecord.indicator_code.in_(sorted(CHANNEL)), CreditRecord.status != "dismissed")):
        channel.setdefault(rid, []).append(day)
    months = _months_before(today, MONTHS)
    rows = []
    now = runs.utcnow()
    for rid, licence_no, tier, market, fmt in licences:
        for f in monthly_figures(seed, licence_no, tier, market, fmt, months, channel.get(rid, ())):
            rows.append({**f, "retailer_id": rid, "source": "api", "imported_at": now})
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(OrderingFigure), rows[start:start + CHUNK])
    actor = db.session.scalars(select(User).where(User.username == "mkt_city")).first()
    if actor is None or not licences:
        return {"figures": len(rows), "months": months}
    run = runs.compute(runs.cycle_of(today), actor, today=today)
    done = runs.publish(run, actor, note="演示数据：本月货源服务结果", today=today)
    return {"figures": len(rows), "months": months, "run_id": run.id, "cycle": run.cycle,
            "suspended": run.summary.get("suspended", 0), "suspensions": done["suspensions"],
            "notices": done["notices"]}
