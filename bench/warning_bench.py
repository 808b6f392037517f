"""Do the early warnings come early? Replays the demo city's history week by week and asks, for the
shops that fell to B or below, how many had been warned at least 30 days before (recall), and, for
the warnings raised, how many were followed by such a fall within 180 days (precision), against a
naive baseline: "live score below 105".

METHOD
- The data is the demo city exactly as ``flask demo load`` builds it for a seed (app/demo/generator.py,
  history.py, inspections.py: the generators the loader writes to the database), made in memory, as
  bench/risk_order_bench.py does: the signals are evaluated point in time (what was known on each
  day), which the stored tables cannot replay (a record's status there is today's).
- Snapshots every 7 days over the demo's last 540 days. On each, for each shop, the signals of
  app/warnings/signals.py as they stood that day:
  near_boundary  engine score (as of the day) within 5 points above its grade's lower bound, the
                 grade decided by the score, some dimension below zero;
  falling_trend  engine score at the last three quarter ends strictly falling;
  suspected      a negative record occurred by the day and not yet decided (confirmed or dismissed);
  repeated_minor at least 3 minor records (1-5 points deducted, not dismissed) within 180 days
                 (the demo's inspections carry no failed checklist items, so only records count);
  shop_absent    at least 2 visits within 180 days found the shop closed (the demo has no "not found");
  overdue_rectification never fires: the demo has no rectification deadlines;
  ordering_volume / no_orders  the ordering system's monthly figures as app/demo/service.py generates
                 them (monthly_figures: a shop with an illegal-channel record ordered far above its needs
                 in the 4 months before it; a few others order heavily all along; a few licences stop
                 ordering), replayed over the whole span, judged by the same pure rules as the nightly
                 job (signals.volume_outliers, signals.idle_months) with the default thresholds
                 (config WARNING_*): the 3 complete months before the day, cartons above the peers'
                 (same tier and format) median + 5 MAD and 1.5 x the median; 2 of 3 months without orders.
  Both are printed: the warnings without the two ordering signals (as before they existed) and with them.
- A fall: the engine grade is B, C or D on a snapshot and A or better on the one before, within the
  last 365 days. Recall: share of falls with any warning signal true on some snapshot 30 to 180 days
  before the fall. A warning: a signal turning true (false on the snapshot before) while the shop is
  graded A or better. Precision: share of warnings raised at least 180 days before the demo's today
  that were followed by a fall within 180 days. The baseline "score below 105" is scored the same way.

THE DATA IS GENERATED: these figures describe the demo's generator, not a city's field data.

    .venv/bin/python bench/warning_bench.py [--shops 5000] [--seed 2026]
"""
import argparse
import os
import sys
import time
from bisect import bisect_left
from collections import defaultdict
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import scoring  # noqa: E402
from app.demo.generator import generate_city  # noqa: E402
from app.demo.history import engine_setup, generate_history  # noqa: E402
from app.demo.inspections import generate_inspections  # noqa: E402
from app.demo.history import CHANNEL  # noqa: E402
from app.demo.service import monthly_figures  # noqa: E402
from app.warnings.signals import idle_months, last_months, volume_outliers  # noqa: E402

TODAY = date(2026, 11, 29)  # the demo's today (app/demo/loader.py)
STEP, SPAN, LEAD, HORIZON, WINDOW, MARGIN = 7, 540, 30, 180, 180, 5
ORDER_MONTHS, MAD_K, MIN_RATIO, MIN_PEERS, IDLE_MONTHS = 3, 5.0, 1.5, 8, 2  # config defaults (config.py)
ORDERING = ("ordering_volume", "no_orders")


def demo_city(seed, n):
    city = generate_city(seed, n, TODAY)
    showcase = [n for u in city.users if u["username"] in ("retailer_demo", "retailer_multi")
                for n in u.get("retailer_licence_nos") or []]
    records = generate_history(seed, city.retailers, TODAY, showcase=showcase)
    return city, records, generate_inspections(seed, city, records, TODAY)


def quarter_end_before(day):
    q_month = ((day.month - 1) // 3) * 3 + 1
    return date(day.year, q_month, 1) - timedelta(days=1)


def ordering_signals(seed, shops, records, days):
    """{snapshot day: (shops with orders far above peers, shops without orders)} from the demo's ordering
    figures replayed over the span (the months before the first snapshot included)."""
    first = days[0] - timedelta(days=31 * (ORDER_MONTHS + 1))
    months = []
    day = first.replace(day=1)
    while day < TODAY.replace(day=1):
        months.append(f"{day.year:04d}-{day.month:02d}")
        day = (day + timedelta(days=32)).replace(day=1)
    channel = defaultdict(list)
    for rec in records:
        if rec.indicator_code in CHANNEL and rec.status != "dismissed":
            channel[rec.licence_no].append(rec.occurred_on)
    figures = {}  # licence -> {month: (tier, cartons)}
    for r in shops:
        issued = r["licence_issued_on"]
        rows = monthly_figures(seed, r["licence_no"], r["tier"], r["market_type"], r["business_format"], months,
                               channel.get(r["licence_no"], ()))
        figures[r["licence_no"]] = {f["month"]: (f["base_tier"], f["order_cartons"]) for f in rows
                                    if issued < date(int(f["month"][:4]), int(f["month"][5:]), 1)}
    fmt = {r["licence_no"]: r["business_format"] for r in shops}
    out = {}
    for day in days:
        window = last_months(day, ORDER_MONTHS)
        totals, ordered = {}, {}
        for no, by_month in figures.items():
            mine = [by_month[m] for m in window if m in by_month]
            if len(mine) == len(window):
                totals[no] = ((mine[-1][0], fmt[no]), sum(c for _t, c in mine))
            ordered[no] = {m: by_month[m][1] for m in window if m in by_month}
        volume = volume_outliers(totals, k=MAD_K, ratio=MIN_RATIO, min_peers=MIN_PEERS)
        idle = idle_months(ordered, window, minimum=IDLE_MONTHS)
        out[day] = (set(volume), set(idle))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shops", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    t0 = time.perf_counter()
    city, records, inspections = demo_city(args.seed, args.shops)
    shops = [r for r in city.retailers if r["status"] != "cancelled"]
    catalogues, policy, inputs_of = engine_setup(records, shops, TODAY)
    catalogue = scoring.catalogue_for(TODAY, catalogues)
    bounds = {g.grade: g.min_score for g in policy.grades if g.min_score is not None}
    names = list(policy.grade_names)
    b_rank = names.index("B")
    print(f"demo city: {len(shops):,} shops, {len(records):,} records, {len(inspections):,} inspections "
          f"(seed {args.seed}; generated in {time.perf_counter() - t0:.1f} s)", flush=True)

    def points(rec):
        return catalogue.indicator(rec.indicator_code).points_for(rec.quantity)

    recs_of = defaultdict(list)
    for rec in records:
        try:
            p = points(rec)
        except Exception:  # noqa: BLE001 - an indicator outside today's catalogue: not a signal
            continue
        if p < 0:
            recs_of[rec.licence_no].append((rec, p))
    closed_of = defaultdict(list)
    for i in inspections:
        if i.outcome == "closed":
            closed_of[i.licence_no].append(i.occurred_on)

    days = [TODAY - timedelta(days=SPAN) + timedelta(days=STEP * k) for k in range(SPAN // STEP + 1)]
    t1 = time.perf_counter()
    ordering = ordering_signals(args.seed, shops, records, days)
    print(f"ordering figures replayed and judged in {time.perf_counter() - t1:.1f} s", flush=True)
    first_eval = TODAY - timedelta(days=365)
    falls, warnings, baseline = [], [], []  # (licence, day)
    warnings_before = []  # without the ordering signals
    signal_days = defaultdict(list)  # licence -> snapshot days on which any signal was true
    signal_days_before = defaultdict(list)
    base_days = defaultdict(list)
    kinds_raised = defaultdict(int)
    by_kind = defaultdict(list)  # kind -> warnings raised (licence, day)
    for r in shops:
        no = r["licence_no"]
        inputs = inputs_of(r)
        cache = {}

        def result(day):
            if day not in cache:
                cache[day] = scoring.compute(inputs, as_of=day, catalogues=catalogues, policy=policy,
                                             licensed_on=r["licence_issued_on"])
            return cache[day]

        prev = {}
        prev_grade = None
        prev_base = False
        for day in days:
            if r["licence_issued_on"] > day:
                continue
            res = result(day)
            rank = names.index(res.grade)
            if prev_grade is not None and rank >= b_rank > names.index(prev_grade) and day >= first_eval:
                falls.append((no, day))
            sig = {}
            low = bounds.get(res.score_grade)
            sig["near_boundary"] = bool(low is not None and res.score_grade == res.grade and 0 <= res.score - low < MARGIN
                                        and any(v < 0 for v in res.subtotals.values()))
            q3 = quarter_end_before(day)
            q2 = quarter_end_before(q3)
            q1 = quarter_end_before(q2)
            if r["licence_issued_on"] <= q1:
                s1, s2, s3 = result(q1).score, result(q2).score, result(q3).score
                sig["falling_trend"] = s1 > s2 > s3
            since = day - timedelta(days=WINDOW)
            mine = recs_of.get(no, [])
            sig["suspected"] = any(rec.occurred_on <= day and (rec.decided_on is None or rec.decided_on > day)
                                   for rec, _p in mine)
            sig["repeated_minor"] = sum(1 for rec, p in mine if since < rec.occurred_on <= day and -5 <= p < 0
                                        and not (rec.status == "dismissed" and (rec.decided_on or day) <= day)) >= 3
            sig["shop_absent"] = sum(1 for d in closed_of.get(no, []) if since < d <= day) >= 2
            volume, idle = ordering[day]
            sig["ordering_volume"] = no in volume
            sig["no_orders"] = no in idle
            above_b = rank < b_rank
            if any(sig.values()):
                signal_days[no].append(day)
            if any(on for kind, on in sig.items() if kind not in ORDERING):
                signal_days_before[no].append(day)
            for kind, on in sig.items():
                if on and not prev.get(kind) and above_b:
                    warnings.append((no, day))
                    kinds_raised[kind] += 1
                    by_kind[kind].append((no, day))
                    if kind not in ORDERING:
                        warnings_before.append((no, day))
            base = res.score < 105
            if base:
                base_days[no].append(day)
            if base and not prev_base and above_b:
                baseline.append((no, day))
            prev, prev_grade, prev_base = sig, res.grade, base
    falls_of = defaultdict(list)
    for no, day in falls:
        falls_of[no].append(day)

    def recall(days_of):
        hit = 0
        for no, f in falls:
            ds = days_of.get(no, [])
            lo = bisect_left(ds, f - timedelta(days=HORIZON))
            if any(d <= f - timedelta(days=LEAD) for d in ds[lo:]):
                hit += 1
        return hit

    def precision(raised):
        judged = [(no, d) for no, d in raised if d <= TODAY - timedelta(days=HORIZON)]
        hit = sum(1 for no, d in judged if any(d < f <= d + timedelta(days=HORIZON) for f in falls_of.get(no, [])))
        return hit, len(judged)

    print(f"falls to B or below in the last 365 days: {len(falls)} (shops: {len(falls_of)})")
    print(f"warnings raised (signal turning on, shop above B), by kind: {dict(kinds_raised)}")
    for label, days_of, raised in (("warnings w/o ordering", signal_days_before, warnings_before),
                                   ("warnings with ordering", signal_days, warnings),
                                   ("baseline score < 105", base_days, baseline)):
        r_hit = recall(days_of)
        p_hit, p_n = precision(raised)
        rc = f"{r_hit}/{len(falls)} = {100 * r_hit / len(falls):.1f} %" if falls else "n/a (no falls)"
        pc = f"{p_hit}/{p_n} = {100 * p_hit / p_n:.1f} %" if p_n else "n/a (no warnings to judge)"
        print(f"  {label:22s} recall (warned >= {LEAD} days before): {rc};  precision (fall within {HORIZON} days): {pc}")
    for kind in ORDERING:
        p_hit, p_n = precision(by_kind[kind])
        print(f"  {kind:22s} alone: precision (fall within {HORIZON} days) "
              f"{f'{p_hit}/{p_n} = {100 * p_hit / p_n:.1f} %' if p_n else 'n/a'}")
    print(f"total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
