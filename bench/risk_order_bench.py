"""How good is the risk order? Replays a year of the demo city and compares, on the same visits, the
planner's risk order (app.scheduling.planner.risk) with plain due-date order: how many days earlier,
on average, violations are found. (Chicago's food-inspection forecasting: 7.5 days.)

METHOD (honest version; see docs/scheduling.md):
- The credit engineer's demo violation history (app/demo/history.py) did not exist when this was
  written, so this bench GENERATES one: each shop of the 20,000-shop demo city gets a latent
  violation rate by grade (per year: AAA 0.1, AA 0.2, A 0.4, B 1.2, C 2.5, D 4.0), times a
  log-normal individual factor (sigma 0.8) and x1.5 for entertainment venues and tobacco-and-liquor
  shops. Violations start as a Poisson process; one stays findable until found or 90 days pass. A
  visit finds an active violation with probability 0.85.
- A warm-up year under due-date order builds what the risk rule may see: suspected violations found
  in the last 12 months, open early warnings (a monthly signal with probability rising with the
  latent rate), rectification deadlines (30 days after a finding) passed without a re-check.
- The evaluated year is simulated twice on the SAME violation timeline (same random stream): once
  in due-date order, once in risk order. Each 4-week window takes the same visits (every shop due by
  the window's end, by its grade's interval), spread evenly over the window's working days; only the
  order within the window differs. Findings feed the next windows' features in each run.
- Reported: for violations found in both runs, the mean of (day found in due-date order - day found
  in risk order); also how many were found in each run.
The latent rates are assumptions; the figure measures how well the rule's observable signals track
them under this model, not a field result.

    .venv/bin/python bench/risk_order_bench.py [--shops 20000] [--seed 2026]
"""
import argparse
import math
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app.demo.generator import generate_city  # noqa: E402
from app.scheduling import planner as P  # noqa: E402
from app.scheduling.policy import default_policy  # noqa: E402

GRADE_MIX = (("AAA", 0.005), ("AA", 0.07), ("A", 0.88), ("B", 0.025), ("C", 0.012), ("D", 0.008))
RATE = {"AAA": 0.1, "AA": 0.2, "A": 0.4, "B": 1.2, "C": 2.5, "D": 4.0}
FIND_P = 0.85
ACTIVE_DAYS = 90
WINDOW = 28


def pick(rng, pairs):
    x = rng.random()
    for v, p in pairs:
        x -= p
        if x < 0:
            return v
    return pairs[-1][0]


def make_world(n, seed, start):
    city = generate_city(seed, n, start)
    rng = random.Random(seed)
    shops = []
    for k, r in enumerate(city.retailers):
        if r["status"] != "active":
            continue
        grade = pick(rng, GRADE_MIX)
        factor = math.exp(rng.gauss(0, 0.8)) * (1.5 if r["business_format"] in ("entertainment", "tobacco_liquor") else 1)
        shops.append({"id": k + 1, "grade": grade, "lat": r["lat"], "lng": r["lng"], "rate": RATE[grade] * factor / 365,
                      "county": r["county_code"]})
    return shops


def violations(shops, start, days, rng):
    """Onset days (offset from start) per shop: a Poisson process at the shop's latent rate."""
    out = {}
    for s in shops:
        t, onsets = 0.0, []
        while True:
            t += rng.expovariate(s["rate"]) if s["rate"] > 0 else days + 1
            if t >= days:
                break
            onsets.append(int(t))
        out[s["id"]] = onsets
    return out


def simulate(shops, onsets, policy, start, days, order, rng_seed, state=None):
    """Run ``days`` days in 4-week windows. Returns found {(shop, onset): day} and the end state."""
    rng = random.Random(rng_seed)  # visit outcomes: same stream for both orders
    state = state or {s["id"]: {"last": start - timedelta(days=random.Random(s["id"]).randint(0, P.Policy.interval(policy, s["grade"]))),
                                "finds": [], "warn": 0, "rect": []} for s in shops}
    by_id = {s["id"]: s for s in shops}
    pending = {sid: list(v) for sid, v in onsets.items()}
    found = {}
    for w0 in range(0, days, WINDOW):
        wstart = start + timedelta(days=w0)
        wend = wstart + timedelta(days=WINDOW - 1)
        workdays = [d for d in (wstart + timedelta(days=i) for i in range(WINDOW)) if d.weekday() < 5]
        # Early warnings this window: a signal with probability rising with the latent rate.
        for sid, st in state.items():
            st["warn"] = 1 if rng.random() < 1 - math.exp(-by_id[sid]["rate"] * 30 * 0.6) else 0
        due = []
        for sid, st in state.items():
            s = by_id[sid]
            nd = st["last"] + timedelta(days=policy.interval(s["grade"]))
            if nd <= wend:
                shop = P.Shop(sid, s["grade"], last_inspected=st["last"],
                              suspected_recent=sum(1 for d in st["finds"] if (wstart - d).days <= 365),
                              open_warnings=st["warn"],
                              expired_rectifications=sum(1 for d in st["rect"] if d < wstart))
                score, _ = P.risk(shop, policy, wstart, nd)
                due.append((nd, sid, score))
        if order == "due":
            due.sort(key=lambda x: (x[0], x[1]))
        else:
            due.sort(key=lambda x: (-x[2], x[0], x[1]))
        per_day = max(1, -(-len(due) // len(workdays)))
        for k, (nd, sid, _score) in enumerate(due):
            day = workdays[min(k // per_day, len(workdays) - 1)]
            t = (day - start).days
            st = state[sid]
            st["last"] = day
            st["rect"] = [d for d in st["rect"] if d > day]  # a visit re-checks open rectifications
            hit = None
            for onset in pending.get(sid, []):
                if onset <= t < onset + ACTIVE_DAYS and (sid, onset) not in found:
                    hit = onset
                    break
            if hit is not None and rng.random() < FIND_P:
                found[(sid, hit)] = t
                st["finds"].append(day)
                if rng.random() < 0.5:
                    st["rect"].append(day + timedelta(days=30))
    return found, state


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shops", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    t0 = time.perf_counter()
    policy = default_policy()
    warm_start, eval_start, days = date(2025, 1, 6), date(2026, 1, 5), 364
    shops = make_world(args.shops, args.seed, warm_start)
    rng = random.Random(args.seed + 1)
    warm = violations(shops, warm_start, days, rng)
    _, state = simulate(shops, warm, policy, warm_start, days, "due", args.seed + 2)
    ev = violations(shops, eval_start, days, random.Random(args.seed + 3))
    import copy

    found_due, _ = simulate(shops, ev, policy, eval_start, days, "due", args.seed + 4, copy.deepcopy(state))
    found_risk, _ = simulate(shops, ev, policy, eval_start, days, "risk", args.seed + 4, copy.deepcopy(state))
    both = set(found_due) & set(found_risk)
    diffs = [found_due[k] - found_risk[k] for k in both]
    total = sum(len(v) for v in ev.values())
    print(f"demo city: {len(shops)} active shops; violation history GENERATED in this bench (app/demo/history.py absent)")
    print(f"evaluated year {eval_start}..{eval_start + timedelta(days=days - 1)}: {total} violations started")
    print(f"  found in due-date order: {len(found_due)}; in risk order: {len(found_risk)}; in both: {len(both)}")
    if diffs:
        print(f"  risk order finds them on average {statistics.mean(diffs):.1f} days earlier "
              f"(median {statistics.median(diffs):.0f}; earlier in {sum(d > 0 for d in diffs)}, "
              f"later in {sum(d < 0 for d in diffs)}, same day in {sum(d == 0 for d in diffs)})")
        grade_of = {s["id"]: s["grade"] for s in shops}
        hi = [found_due[k] - found_risk[k] for k in both if grade_of[k[0]] in ("B", "C", "D")]
        if hi:
            print(f"  of which B/C/D shops: {statistics.mean(hi):.1f} days earlier on average ({len(hi)} violations)")
    print(f"  (Chicago food inspections, for comparison: 7.5 days.)  bench time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
