"""The inspection planner: pure functions over plain data (no Flask, no database).

For one county and one period (week, month, quarter) it builds the draft plan:

1. **Due visits** (the mandatory cycle, 差异化监管): a shop is due ``interval_days`` (by grade) after
   its last inspection; a shop never inspected is due at once. A C or D shop is due several times in a
   quarter. Overdue visits come first.
2. **The random draw** (双随机, part one): the share per grade is per quarter, spread over the
   quarter's plans (``plan_shares``); per grade, systematic sampling with a random start over the
   shops ranked by HMAC-SHA256(seed, shop id), so each shop has the same chance (``random_draw``,
   scheme v2). Before the draw only ``commitment`` (SHA-256 over the scheme, the seed, the pool digest,
   the policy version and the shares) is published; the seed is revealed with the results, and anyone
   can recompute both (``verify_draw``).
3. **Risk order**: tier by tier (``tier_of``: interviews and D shops first, then C, B, the rest), and
   within each window (7 days by default) by a transparent risk score (``risk``), each point with its
   reason.
4. **Pairs** (双随机, part two): every working day the county's available officers (not on a day
   off) are shuffled with a seeded generator and paired; a pair's daily capacity is the smaller of
   its officers' capacities. A pair never visits a shop that the same pair visited last time.
5. **Day routes**: a day's visits are split among the pairs by sweeping around the county seat
   (so each pair gets one area), then each pair's stops are ordered nearest-neighbour from the seat
   and improved by 2-opt.

Everything is deterministic for the same inputs and seed.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.scheduling.workdays import workdays

GRADES = ("AAA", "AA", "A", "B", "C", "D")
DRAW_SCHEME = "v2"  # v1: round(share × n) per plan (older draws); v2: see plan_shares

# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class GradeRule:
    interval_days: int
    draw_share: float


@dataclass(frozen=True)
class Policy:
    """The scheduling policy as data (one version)."""

    version: str
    grades: dict  # grade -> GradeRule
    interview_days: int = 30
    default_capacity: int = 6  # visits per officer per day
    window_days: int = 7
    visit_minutes: int = 30
    speed_kmh: float = 30.0
    hours: dict = field(default_factory=dict)  # county code -> ("08:30", "17:30")
    # Counties with a single supervisor, where the one who drafts a plan may approve it (four eyes is the
    # rule everywhere else: app.scheduling.planning.approve).
    self_approval: tuple = ()
    # Risk points (the transparent rule).
    grade_points: dict = field(default_factory=lambda: {"AAA": 0, "AA": 2, "A": 5, "B": 15, "C": 30, "D": 45})
    overdue_point_per_day: float = 1.0
    overdue_cap: int = 60
    never_inspected_points: int = 10
    suspected_points: int = 20  # per suspected violation in the last 12 months (at most 3 count)
    warning_points: int = 10  # per open early warning
    rectification_points: int = 25  # per rectification deadline passed without a check
    interview_points: int = 30

    def interval(self, grade: str) -> int:
        return self.grades[grade].interval_days

    def share(self, grade: str) -> float:
        return self.grades[grade].draw_share

    def working_hours(self, county: str) -> tuple[str, str]:
        return tuple(self.hours.get(county) or ("08:30", "17:30"))

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "grades": {g: {"interval_days": r.interval_days, "draw_share": r.draw_share} for g, r in self.grades.items()},
            "interview_days": self.interview_days, "default_capacity": self.default_capacity,
            "window_days": self.window_days, "visit_minutes": self.visit_minutes, "speed_kmh": self.speed_kmh,
            "hours": {k: list(v) for k, v in self.hours.items()},
            "self_approval": sorted(self.self_approval),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Policy":
        grades = {g: GradeRule(int(r["interval_days"]), float(r["draw_share"])) for g, r in data["grades"].items()}
        extra = {k: data[k] for k in ("interview_days", "default_capacity", "window_days", "visit_minutes", "speed_kmh")
                 if k in data}
        hours = {k: tuple(v) for k, v in (data.get("hours") or {}).items()}
        return cls(version=str(data["version"]), grades=grades, hours=hours,
                   self_approval=tuple(sorted(str(c) for c in data.get("self_approval") or ())), **extra)


@dataclass
class Shop:
    id: int
    grade: str
    lat: float | None = None
    lng: float | None = None
    last_inspected: date | None = None
    last_pair: frozenset | None = None  # the two officers of the last visit
    suspected_recent: int = 0
    open_warnings: int = 0
    expired_rectifications: int = 0
    interview_due: date | None = None  # a warning interview (警示约谈) owed by this date


@dataclass(frozen=True)
class Officer:
    id: int
    capacity: int = 6
    days_off: frozenset = frozenset()


@dataclass
class Task:
    shop_id: int
    kind: str  # due | random | interview
    due_on: date
    risk: int
    reasons: list  # [(code, points, detail)]
    tier: int = 0  # placed before lower tiers (tier_of): a D shop never waits behind an A shop's backlog


def tier_of(grade: str | None, kind: str = "due") -> int:
    """The placing tier: warning interviews and D shops 3, C 2, B 1, A/AA/AAA 0. Visits are given their
    days tier by tier (highest first), so when capacity is short the overdue backlog of low-risk
    grades fills what the higher-risk visits leave, never the other way round."""
    if kind == "interview":
        return 3
    return {"D": 3, "C": 2, "B": 1}.get(grade or "A", 0)


@dataclass
class PlannedVisit:
    shop_id: int
    kind: str
    due_on: date
    planned_on: date
    officers: tuple
    route_order: int
    risk: int
    reasons: list
    leg_km: float = 0.0


@dataclass
class Draw:
    seed: str
    commitment: str
    pool_digest: str
    pool_size: int
    policy_version: str
    shares: dict
    selected: list  # shop ids, sorted
    per_grade: dict  # grade -> (pool, drawn)


@dataclass
class PlanResult:
    county: str
    start: date
    end: date
    days: list
    visits: list  # PlannedVisit, by day, pair, route order
    unplaced: list  # (Task, reason)
    draw: Draw | None
    routes: dict  # (day, pair) -> {"km": .., "minutes": .., "over_hours": bool}


# ---------------------------------------------------------------- periods


def period_bounds(kind: str, start: date) -> tuple[date, date]:
    """The period of ``kind`` (week, month, quarter) that contains ``start``: (first day, last day)."""
    if kind == "week":
        first = start - timedelta(days=start.weekday())
        return first, first + timedelta(days=6)
    if kind == "month":
        first = start.replace(day=1)
    elif kind == "quarter":
        first = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    else:
        raise ValueError(f"unknown period {kind!r}")
    months = 1 if kind == "month" else 3
    y, m = first.year + (first.month - 1 + months) // 12, (first.month - 1 + months) % 12 + 1
    return first, date(y, m, 1) - timedelta(days=1)


# ---------------------------------------------------------------- due visits and risk


def next_due(shop: Shop, policy: Policy) -> date | None:
    """When the shop is next due by its grade's interval (None: never inspected, due at once)."""
    if shop.last_inspected is None:
        return None
    return shop.last_inspected + timedelta(days=policy.interval(shop.grade))


def risk(shop: Shop, policy: Policy, as_of: date, due_on: date | None, kind: str = "due") -> tuple[int, list]:
    """The risk score and its reasons: each (code, points, detail). Higher is visited first."""
    reasons = []
    if due_on is not None and due_on < as_of:
        days = (as_of - due_on).days
        reasons.append(("overdue", int(min(policy.overdue_cap, days * policy.overdue_point_per_day)), days))
    if shop.last_inspected is None:
        reasons.append(("never_inspected", policy.never_inspected_points, None))
    reasons.append(("grade", policy.grade_points.get(shop.grade, 0), shop.grade))
    if shop.suspected_recent:
        n = min(3, shop.suspected_recent)
        reasons.append(("suspected", policy.suspected_points * n, shop.suspected_recent))
    if shop.open_warnings:
        reasons.append(("warnings", policy.warning_points * shop.open_warnings, shop.open_warnings))
    if shop.expired_rectifications:
        reasons.append(("rectification", policy.rectification_points * shop.expired_rectifications,
                        shop.expired_rectifications))
    if kind == "interview":
        reasons.append(("interview", policy.interview_points, None))
    reasons = [r for r in reasons if r[1] or r[0] == "grade"]
    return sum(r[1] for r in reasons), reasons


def due_visits(shops, policy: Policy, start: date, end: date) -> list[Task]:
    """Every due visit in [start, end]: overdue and never-inspected shops at ``start``, then each
    further visit one interval later. Overdue first, then by due date, then by risk."""
    tasks = []
    for shop in shops:
        interval = policy.interval(shop.grade)
        due = next_due(shop, policy)
        first = start if due is None or due < start else due
        score, reasons = risk(shop, policy, start, due if due is not None else None)
        k = 0
        day = first
        while day <= end:
            tasks.append(Task(shop.id, "due", due if (k == 0 and due is not None) else day,
                              score if k == 0 else risk(shop, policy, day, None)[0],
                              reasons if k == 0 else risk(shop, policy, day, None)[1], tier_of(shop.grade)))
            k += 1
            day = first + timedelta(days=interval * k)
    tasks.sort(key=lambda t: (t.due_on, -t.risk, t.shop_id))
    return tasks


def interview_tasks(shops, policy: Policy, start: date, end: date) -> list[Task]:
    out = []
    for shop in shops:
        if shop.interview_due is not None and shop.interview_due >= start - timedelta(days=policy.interview_days):
            score, reasons = risk(shop, policy, start, None, kind="interview")
            out.append(Task(shop.id, "interview", shop.interview_due, score, reasons, tier_of(shop.grade, "interview")))
    return out


# ---------------------------------------------------------------- the random draw (provably fair)


def pool_digest(pool) -> str:
    """SHA-256 over the pool: one line "id:grade" per shop, sorted by id."""
    text = "\n".join(f"{int(i)}:{g}" for i, g in sorted((int(i), g) for i, g in pool))
    return hashlib.sha256(text.encode()).hexdigest()


def _shares_text(shares: dict) -> str:
    return ",".join(f"{g}={float(shares[g]):.6f}" for g in sorted(shares))


def commitment(seed: str, digest: str, policy_version: str, shares: dict, scheme: str = DRAW_SCHEME) -> str:
    """What is published before the draw: SHA-256("<scheme>|seed|pool digest|policy version|shares")."""
    text = f"{scheme}|{seed}|{digest}|{policy_version}|{_shares_text(shares)}"
    return hashlib.sha256(text.encode()).hexdigest()


def _rank(seed: str, label: str) -> str:
    return hmac.new(seed.encode(), label.encode(), hashlib.sha256).hexdigest()


def draw_count(share: float, n: int) -> int:
    """Scheme v1 only: round(share × n) per stratum (kept to verify the draws made under it)."""
    return int(math.floor(share * n + 0.5))


# ---- scheme v2: the share is per grade and per quarter, spread over the quarter's plans

SCALE = 10 ** 6  # probabilities are written with six decimals; the sampling works on integers


def quarter_bounds(day: date) -> tuple[date, date]:
    return period_bounds("quarter", day)


def quarter_key(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_start(key: str) -> date:
    """The first day of the quarter named ``2027Q1``."""
    return date(int(key[:4]), 3 * (int(key[5]) - 1) + 1, 1)


def quarter_fraction(day: date) -> float:
    """The share of its quarter's days up to and including ``day`` (the quarter's last day: 1)."""
    first, last = quarter_bounds(day)
    return ((day - first).days + 1) / ((last - first).days + 1)


def plan_shares(policy_shares: dict, before: dict, period_start: date, period_end: date) -> tuple[dict, dict]:
    """This plan's inclusion probability per grade, and the quarter's cumulative share after it.

    ``policy_shares`` is the share of each grade's shops to check in a quarter; ``before`` the
    cumulative share the quarter's earlier draws reached (0 for the first). By the plan's last day the
    quarter should have reached ``share × fraction of the quarter elapsed`` (``after``); a shop not yet
    drawn this quarter is drawn now with ``p = (after - before) / (1 - before)``. Then every shop of a
    grade, whatever happened to the others, is drawn by then with probability exactly ``after``
    (1 - after = (1 - before)(1 - p)), and by the quarter's end with probability ``share``. A plan made
    after weeks without any draw catches them up; a plan whose part is already drawn draws nobody."""
    f = quarter_fraction(min(period_end, quarter_bounds(period_start)[1]))  # the quarter of its first day
    shares, after = {}, {}
    for g, s in policy_shares.items():
        q0 = min(1.0, max(0.0, float(before.get(g, 0.0))))
        q1 = max(q0, min(1.0, float(s) * f))
        p = (q1 - q0) / (1 - q0) if q0 < 1 else 0.0
        shares[g] = round(min(1.0, max(0.0, p)), 6)
        after[g] = round(q0 + (1 - q0) * shares[g], 6)
    return shares, after


def _systematic(seed: str, grade: str, ids: list, share: float) -> list:
    """Systematic sampling with a random start over the stratum in a random order: the shops ranked by
    HMAC-SHA256(seed, id), a start ``u`` in [0, 1) from HMAC-SHA256(seed, "start:<grade>"); the shop at
    position i is drawn when ⌊u + (i+1)p⌋ > ⌊u + ip⌋. Each shop is drawn with probability exactly p
    and the stratum gets ⌊np⌋ or ⌈np⌉ shops (integers: u and p are counted in millionths)."""
    step = round(float(share) * SCALE)
    if step <= 0 or not ids:
        return []
    start = int(_rank(seed, f"start:{grade}"), 16) % SCALE
    ranked = sorted(ids, key=lambda i: _rank(seed, str(i)))
    return [sid for i, sid in enumerate(ranked) if (start + (i + 1) * step) // SCALE > (start + i * step) // SCALE]


def random_draw(seed: str, pool, shares: dict, scheme: str = DRAW_SCHEME) -> tuple[list[int], dict]:
    """Stratified draw. v2: per grade, systematic sampling with probability ``shares[grade]`` per shop
    (:func:`_systematic`). v1 (older draws): the round(share × n) shops with the smallest
    HMAC-SHA256(seed, id)."""
    by_grade: dict[str, list[int]] = {}
    for shop_id, grade in pool:
        by_grade.setdefault(grade, []).append(int(shop_id))
    selected, per_grade = [], {}
    for grade in sorted(by_grade):
        ids = by_grade[grade]
        if scheme == "v1":
            k = draw_count(float(shares.get(grade, 0.0)), len(ids))
            got = sorted(ids, key=lambda i: _rank(seed, str(i)))[:k]
        else:
            got = _systematic(seed, grade, ids, float(shares.get(grade, 0.0)))
        selected.extend(got)
        per_grade[grade] = (len(ids), len(got))
    return sorted(selected), per_grade


def make_draw(seed: str, pool, policy: Policy, shares: dict | None = None, scheme: str = DRAW_SCHEME) -> Draw:
    """A draw over ``pool`` with ``shares`` (this plan's probability per grade, see :func:`plan_shares`;
    default: the policy's shares as they stand)."""
    shares = dict(shares) if shares is not None else {g: r.draw_share for g, r in policy.grades.items()}
    digest = pool_digest(pool)
    selected, per_grade = random_draw(seed, pool, shares, scheme)
    return Draw(seed=seed, commitment=commitment(seed, digest, policy.version, shares, scheme), pool_digest=digest,
                pool_size=len(pool), policy_version=policy.version, shares=shares, selected=selected,
                per_grade=per_grade)


def verify_draw(seed: str, pool, policy_version: str, shares: dict, published_commitment: str,
                published_selected, scheme: str = DRAW_SCHEME) -> dict:
    """Anyone's check: does the revealed seed match the commitment and give exactly the published list?"""
    digest = pool_digest(pool)
    matches = hmac.compare_digest(commitment(seed, digest, policy_version, shares, scheme), published_commitment)
    selected, _ = random_draw(seed, pool, shares, scheme)
    same = sorted(int(i) for i in published_selected) == selected
    return {"commitment_matches": matches, "list_matches": same, "ok": matches and same, "pool_digest": digest}


def random_day(seed: str, shop_id: int, days: list) -> date:
    return days[int(_rank(seed, f"day:{shop_id}"), 16) % len(days)]


# ---------------------------------------------------------------- geometry and routes

KM_PER_DEG_LAT = 111.0


def km(a, b) -> float:
    """Equirectangular distance in km between (lat, lng) points; good enough inside a county."""
    (lat1, lng1), (lat2, lng2) = a, b
    x = (lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2)) * KM_PER_DEG_LAT
    y = (lat2 - lat1) * KM_PER_DEG_LAT
    return math.hypot(x, y)


def route(points: list, start) -> list[int]:
    """Order of visit for ``points`` (list of (lat, lng)) from ``start``: nearest neighbour, then 2-opt
    (open path from the start). Returns indices into points."""
    n = len(points)
    if n <= 1:
        return list(range(n))
    left = set(range(n))
    order, here = [], start
    while left:
        nxt = min(left, key=lambda i: (km(here, points[i]), i))
        order.append(nxt)
        left.remove(nxt)
        here = points[nxt]
    path = [start] + [points[i] for i in order]
    improved = True
    while improved:
        improved = False
        for i in range(1, len(path) - 1):
            for j in range(i + 1, len(path)):
                a, b = path[i - 1], path[i]
                c = path[j]
                d = path[j + 1] if j + 1 < len(path) else None
                before = km(a, b) + (km(c, d) if d is not None else 0)
                after = km(a, c) + (km(b, d) if d is not None else 0)
                if after < before - 1e-9:
                    path[i:j + 1] = reversed(path[i:j + 1])
                    order[i - 1:j] = reversed(order[i - 1:j])
                    improved = True
    return order


def route_length(points: list, start) -> float:
    total, here = 0.0, start
    for p in points:
        total += km(here, p)
        here = p
    return total


# ---------------------------------------------------------------- pairs


def day_pairs(seed: str, day: date, officers) -> list[tuple[tuple, int]]:
    """The pairs working on ``day``: available officers shuffled with a seeded generator, paired in
    order; an odd one out has office duty. Each pair with its capacity (the smaller of the two)."""
    available = sorted((o for o in officers if day not in o.days_off and o.capacity > 0), key=lambda o: o.id)
    rng = random.Random(f"{seed}:pairs:{day.isoformat()}")
    rng.shuffle(available)
    pairs = []
    for k in range(0, len(available) - 1, 2):
        a, b = available[k], available[k + 1]
        pairs.append((tuple(sorted((a.id, b.id))), min(a.capacity, b.capacity)))
    return pairs


# ---------------------------------------------------------------- the plan


def _place_tasks(tasks, days, day_capacity, start, policy, seed):
    """Give every task a day: tier by tier (``tier_of``: D shops and interviews first, then C, B, the
    rest), within a tier windows in order and highest risk first within a window, each on the first
    day of its window (or later) with capacity left. Random checks go on their seeded day or later."""
    load = {d: 0 for d in days}
    placed, unplaced = [], []

    def first_index_on_or_after(d):
        for i, x in enumerate(days):
            if x >= d:
                return i
        return len(days)

    def window_start(task):
        if task.kind == "random":
            return random_day(seed, task.shop_id, days)
        if task.kind == "interview" or task.due_on <= start:
            return start
        offset = (task.due_on - start).days // policy.window_days * policy.window_days
        return start + timedelta(days=offset)

    keyed = [(window_start(t), t) for t in tasks]
    keyed.sort(key=lambda x: (-x[1].tier, x[0], -x[1].risk, x[1].due_on, x[1].shop_id, x[1].kind))
    cursor_cache, shop_days = {}, {}
    for ws, task in keyed:
        if cursor_cache and task.tier != cursor_cache.get("tier"):
            cursor_cache = {}  # a new tier starts from its window again (days the tier above left free)
        cursor_cache["tier"] = task.tier
        i = cursor_cache.get(ws)
        if i is None:
            i = first_index_on_or_after(ws)
        while i < len(days) and load[days[i]] >= day_capacity[days[i]]:
            i += 1
        cursor_cache[ws] = i
        # One visit per shop and day (a due visit and a random check of one shop never share a day).
        while i < len(days) and (load[days[i]] >= day_capacity[days[i]] or days[i] in shop_days.get(task.shop_id, ())):
            i += 1
        if i >= len(days):
            unplaced.append((task, "capacity"))
            continue
        load[days[i]] += 1
        shop_days.setdefault(task.shop_id, set()).add(days[i])
        placed.append((days[i], task))
    return placed, unplaced


def _sweep(shop_ids, shops, seat):
    def angle(sid):
        s = shops[sid]
        if s.lat is None or s.lng is None:
            return (9.0, 0.0, sid)
        return (math.atan2(s.lat - seat[0], (s.lng - seat[1]) * math.cos(math.radians(seat[0]))),
                km(seat, (s.lat, s.lng)), sid)
    return sorted(shop_ids, key=angle)


def plan_county(county: str, start: date, end: date, shops, officers, policy: Policy, seed: str, seat,
                *, as_of: date | None = None, draw: bool = True, fixed_draw: Draw | None = None,
                progress=None) -> PlanResult:
    """The whole draft plan for one county and period. ``progress(done, total)`` is told after each
    day is routed (a quarter is some sixty working days)."""
    as_of = as_of or start
    days = [d for d in workdays(max(start, as_of), end)]
    shops_by_id = {s.id: s for s in shops}
    pairs_by_day = {d: day_pairs(seed, d, officers) for d in days}
    day_capacity = {d: sum(c for _, c in pairs_by_day[d]) for d in days}
    first = days[0] if days else start

    tasks = due_visits(shops, policy, first, end)
    tasks += interview_tasks(shops, policy, first, end)
    the_draw = fixed_draw
    if draw and the_draw is None:
        the_draw = make_draw(seed, [(s.id, s.grade) for s in shops], policy)
    if the_draw is not None and days:
        for sid in the_draw.selected:
            shop = shops_by_id.get(sid)
            if shop is None:
                continue
            score, reasons = risk(shop, policy, first, None, kind="random")
            tasks.append(Task(sid, "random", end, score, reasons + [("random_draw", 0, None)], tier_of(shop.grade)))

    placed, unplaced = _place_tasks(tasks, days, day_capacity, first, policy, seed) if days else ([], [(t, "no_days") for t in tasks])
    by_day: dict[date, list] = {}
    for d, t in placed:
        by_day.setdefault(d, []).append(t)

    last_pair = {s.id: s.last_pair for s in shops}
    visits, routes = [], {}
    for day_no, d in enumerate(days, 1):
        if progress is not None:
            progress(day_no, len(days))
        todays = by_day.get(d, [])
        if not todays:
            continue
        pairs = pairs_by_day[d]
        # A shop visited twice on one day makes no sense: keep the first (highest risk).
        ordered = _sweep([t.shop_id for t in todays], shops_by_id, seat)
        task_by_shop: dict[int, list] = {}
        for t in sorted(todays, key=lambda t: -t.risk):
            task_by_shop.setdefault(t.shop_id, []).append(t)
        # Split the sweep into consecutive chunks, one per pair, by capacity.
        chunks, k, flat = [], 0, []
        for sid in ordered:
            flat.append((sid, task_by_shop[sid].pop(0)))
        # Balanced: each pair takes an even share of what is left, within its capacity.
        for n_left, (pair, cap) in zip(range(len(pairs), 0, -1), pairs):
            take = min(cap, -(-(len(flat) - k) // n_left))
            chunks.append([pair, flat[k:k + take]])
            k += take
        overflow = flat[k:]
        for sid, t in overflow:
            unplaced.append((t, "capacity"))
        # No pair at a shop it visited last time: swap with another pair's visit, else leave unplaced.
        for ci, (pair, items) in enumerate(chunks):
            pset = frozenset(pair)
            for ii, (sid, t) in enumerate(items):
                if last_pair.get(sid) != pset:
                    continue
                swapped = False
                for cj in sorted(range(len(chunks)), key=lambda c: abs(c - ci)):
                    if cj == ci:
                        continue
                    other_pair, other_items = chunks[cj]
                    oset = frozenset(other_pair)
                    if last_pair.get(sid) == oset:
                        continue
                    for jj, (osid, ot) in enumerate(other_items):
                        if last_pair.get(osid) != pset:
                            items[ii], other_items[jj] = (osid, ot), (sid, t)
                            swapped = True
                            break
                    if not swapped and len(other_items) < dict(pairs)[other_pair]:
                        other_items.append((sid, t))
                        items[ii] = None
                        swapped = True
                    if swapped:
                        break
                if not swapped:
                    items[ii] = None
                    unplaced.append((t, "pair_repeat"))
            chunks[ci][1] = [x for x in items if x is not None]
        for pair, items in chunks:
            if not items:
                continue
            pts = [(shops_by_id[sid].lat or seat[0], shops_by_id[sid].lng or seat[1]) for sid, _ in items]
            order = route(pts, seat)
            here, total = seat, 0.0
            for n, idx in enumerate(order, start=1):
                sid, t = items[idx]
                leg = km(here, pts[idx])
                total += leg
                here = pts[idx]
                visits.append(PlannedVisit(sid, t.kind, t.due_on, d, pair, n, t.risk, t.reasons, round(leg, 2)))
                last_pair[sid] = frozenset(pair)
            minutes = len(items) * policy.visit_minutes + total / policy.speed_kmh * 60 * 2
            h0, h1 = policy.working_hours(county)
            hours = (int(h1[:2]) * 60 + int(h1[3:])) - (int(h0[:2]) * 60 + int(h0[3:])) - 60
            routes[(d, pair)] = {"km": round(total, 2), "minutes": int(minutes), "over_hours": minutes > hours}
    return PlanResult(county, start, end, days, visits, unplaced, the_draw, routes)


# ---------------------------------------------------------------- re-planning one shop


def first_free_slot(days, pairs_by_day: dict, load: dict, not_before: date, avoid_pair=None):
    """The first (day, pair) on or after ``not_before`` with spare capacity and not ``avoid_pair``.
    ``load`` maps (day, pair) -> visits already placed."""
    for d in days:
        if d < not_before:
            continue
        for pair, cap in pairs_by_day.get(d, []):
            if avoid_pair is not None and frozenset(pair) == avoid_pair:
                continue
            if load.get((d, pair), 0) < cap:
                return d, pair
    return None
