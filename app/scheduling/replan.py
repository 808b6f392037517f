"""Re-planning after a grade change: the shop's next visit moves to its new interval (bumping a
lower-risk visit when the plan is full), a fall to B adds a warning interview (警示约谈). The grade-change
consumer reads GradeChange events after its cursor; it runs on the job runner (app.jobs), never in a
request. Its cursor is taken for one worker only, and the visits it creates carry a de-duplication key
the database keeps unique, so two workers never create a visit twice."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import func, select

from app.audit.services import record
from app.common.time import local_today, utcnow
from app.extensions import db
from app.retailers.models import Retailer
from app.scheduling import planner as P
from app.scheduling.inputs import officers_of, seat_of
from app.scheduling.models import (
    OPEN,
    InspectionPlan,
    Visit,
)
from app.scheduling.planning import reroute
from app.scheduling.settings import active_policy, policy_row

CONSUMER = "scheduling"
STREAM = "grade_changes"


@lru_cache(maxsize=4096)
def _day_pairs(seed, day, officers):
    return P.day_pairs(seed, day, officers)


class _Replan:
    """What one re-plan reads once and reuses: the policy, each county's officers, each plan's load
    per (day, pair) over a range of days (one grouped query, kept up to date in memory as visits move)."""

    def __init__(self, policy: P.Policy):
        self.policy = policy
        self.officers: dict = {}  # unit_id -> tuple of P.Officer
        self.loads: dict = {}  # plan_id -> (from_day, to_day, {(day, (a, b)): n})

    def officers_for(self, plan) -> tuple:
        if plan.unit_id not in self.officers:
            self.officers[plan.unit_id] = tuple(officers_of(plan.unit, self.policy.default_capacity))
        return self.officers[plan.unit_id]

    def load_for(self, plan, from_day: date, to_day: date | None = None) -> dict:
        """Visits per (day, pair) of the plan in [from_day, to_day] (to_day None: to the end). A
        fresh read sees every change made so far (the session flushes before it)."""
        cached = self.loads.get(plan.id)
        if cached is not None and cached[0] <= from_day and (cached[1] is None or (to_day is not None
                                                                                    and to_day <= cached[1])):
            return cached[2]
        stmt = (select(Visit.planned_on, Visit.officer_a_id, Visit.officer_b_id, func.count(Visit.id))
                .where(Visit.plan_id == plan.id, Visit.status.in_(OPEN), Visit.planned_on >= from_day))
        if to_day is not None:
            stmt = stmt.where(Visit.planned_on <= to_day)
        load = {}
        for d, a, b, n in db.session.execute(stmt.group_by(Visit.planned_on, Visit.officer_a_id, Visit.officer_b_id)):
            load[(d, (a, b))] = n
        self.loads[plan.id] = (from_day, to_day, load)
        return load

    def moved(self, plan_id, old_key, new_key):
        """Keep a cached load in step with a visit that left ``old_key`` and/or took ``new_key``."""
        cached = self.loads.get(plan_id)
        if cached is None:
            return
        load = cached[2]
        if old_key is not None and old_key[1] is not None and None not in old_key[1] and old_key in load:
            load[old_key] = max(0, load[old_key] - 1)
        if new_key is not None:
            load[new_key] = load.get(new_key, 0) + 1


def _slot(plan, retailer_id, not_before, policy, avoid=None, officers=None, ctx: _Replan | None = None):
    """The first (day, pair) in the plan on/after not_before with spare capacity, not the avoided pair."""
    ctx = ctx or _Replan(policy)
    officers = tuple(officers) if officers is not None else ctx.officers_for(plan)
    days = [d for d in (date.fromisoformat(x) for x in plan.summary.get("days", [])) if d >= not_before]
    # Three weeks ahead first (a few hundred rows), then the rest of the plan.
    for horizon in (days[:15], days):
        if not horizon:
            return None
        load = ctx.load_for(plan, horizon[0], horizon[-1])
        pairs_by_day = {d: _day_pairs(plan.pairs_seed, d, officers) for d in horizon}
        slot = P.first_free_slot(horizon, pairs_by_day, load, not_before, avoid_pair=avoid)
        if slot is not None or len(horizon) == len(days):
            return slot
    return None


def _last_done(retailer_id):
    """(date, pair) of the shop's last closed visit, or (None, None)."""
    last = db.session.execute(select(Visit.done_on, Visit.officer_a_id, Visit.officer_b_id).where(
        Visit.retailer_id == retailer_id, Visit.status == "done").order_by(Visit.done_on.desc()).limit(1)).first()
    if last is None:
        return None, None
    pair = (last[1], last[2])
    return last[0], (frozenset(pair) if None not in pair else None)


def _last_pair(retailer_id):
    return _last_done(retailer_id)[1]


def _bump(plan, visit, not_before, latest, avoid, officers=None, ctx: _Replan | None = None):
    """No free slot in time: take the slot of the lowest-risk due visit in [not_before, latest] whose
    risk is lower; that visit moves to the first free slot after its day (or becomes pending, with a
    note). Returns the freed (day, pair) or None."""
    ctx = ctx or _Replan(active_policy())
    victim = db.session.scalars(select(Visit).where(
        Visit.plan_id == plan.id, Visit.status.in_(OPEN), Visit.kind == "due", Visit.id != visit.id,
        Visit.retailer_id != visit.retailer_id, Visit.planned_on >= not_before, Visit.planned_on <= latest,
        Visit.risk < visit.risk).order_by(Visit.risk, Visit.planned_on.desc(), Visit.id).limit(1)).first()
    if victim is None:
        return None
    pair = (victim.officer_a_id, victim.officer_b_id)
    if avoid is not None and frozenset(pair) == avoid:
        return None
    day = victim.planned_on
    # Free the victim's slot first (in the cached load), then place the victim after its day.
    victim.officer_a_id = victim.officer_b_id = None
    ctx.moved(plan.id, (day, pair), None)
    after = next((d for d in (date.fromisoformat(x) for x in plan.summary.get("days", [])) if d > day), None)
    slot = _slot(plan, victim.retailer_id, after, ctx.policy, _last_pair(victim.retailer_id), officers,
                 ctx=ctx) if after else None
    victim.updated_at = utcnow()
    if slot is None:
        victim.plan_id, victim.status, victim.note = None, "planned", f"bumped:visit:{visit.id};pending"
    else:
        victim.planned_on, (victim.officer_a_id, victim.officer_b_id) = slot[0], slot[1]
        victim.note = f"bumped:visit:{visit.id}"
        ctx.moved(plan.id, None, slot)
        db.session.flush()
        reroute(plan, slot[0], slot[1], seat_of(plan.unit))
    record("scheduling.visit.bump", "Visit", victim.id, before={"planned_on": day, "officers": list(pair)},
           after={"planned_on": victim.planned_on, "plan": victim.plan_id, "by": visit.id})
    return day, pair


def _place(visit, plan, not_before, policy, note, latest=None, *, avoid=False, ctx: _Replan | None = None):
    """Put ``visit`` in the first free slot of ``plan`` on/after ``not_before`` (bumping a lower-risk
    visit if none is free by ``latest``), or make it pending with a note. ``avoid`` is the shop's last
    pair when the caller already knows it (False: look it up)."""
    ctx = ctx or _Replan(policy)
    if avoid is False:
        avoid = _last_pair(visit.retailer_id)
    officers = ctx.officers_for(plan) if plan else ()
    slot = _slot(plan, visit.retailer_id, not_before, policy, avoid, officers, ctx=ctx) if plan else None
    latest = latest or not_before + timedelta(days=policy.window_days)
    if plan is not None and (slot is None or slot[0] > latest):
        slot = _bump(plan, visit, not_before, latest, avoid, officers, ctx=ctx) or slot
    old_key = (visit.planned_on, (visit.officer_a_id, visit.officer_b_id)) \
        if visit.plan_id is not None and visit.status in OPEN else None
    if slot is None:
        if old_key is not None:
            ctx.moved(visit.plan_id, old_key, None)
        visit.plan_id = None
        visit.status = "planned"
        visit.planned_on = max(not_before, visit.due_on) if visit.kind != "interview" else min(visit.due_on, max(not_before, visit.due_on))
        visit.note = note + ";pending"
        return visit
    day, pair = slot
    if old_key is not None:
        ctx.moved(visit.plan_id, old_key, None)
    ctx.moved(plan.id, None, (day, tuple(pair)))
    visit.plan_id = plan.id
    visit.planned_on = day
    visit.officer_a_id, visit.officer_b_id = pair
    visit.status = "approved" if plan.status == "approved" else "planned"
    visit.note = note
    visit.updated_at = utcnow()
    db.session.flush()
    reroute(plan, day, pair, seat_of(plan.unit))
    return visit


def _covering(plans, day) -> InspectionPlan | None:
    """Among the county's live plans (newest first), the one covering ``day`` (as _plan_covering)."""
    return next((p for p in plans if p.period_start <= day <= p.period_end), None)


def _chunks(ids, n=1000):
    ids = sorted(ids)
    for k in range(0, len(ids), n):
        yield ids[k:k + n]


def _prefetch(retailer_ids, today: date) -> dict:
    """What re-planning reads per licence, for many licences in a few queries: the county, the last
    closed visit (day, pair), the next open due visit (loaded), the suspected or confirmed deductions
    of the last year, and the live plans of the county (newest first)."""
    from app.credit.models import CreditRecord

    out = {rid: {"unit_id": None, "last": (None, None), "next": None, "suspected": 0, "plans": []}
           for rid in retailer_ids}
    for ids in _chunks(out):
        for rid, unit_id in db.session.execute(select(Retailer.id, Retailer.unit_id).where(Retailer.id.in_(ids))):
            out[rid]["unit_id"] = unit_id
        latest = (select(Visit.retailer_id, func.max(Visit.done_on).label("d"))
                  .where(Visit.retailer_id.in_(ids), Visit.status == "done").group_by(Visit.retailer_id).subquery())
        for rid, done_on, a, b in db.session.execute(
                select(Visit.retailer_id, Visit.done_on, Visit.officer_a_id, Visit.officer_b_id)
                .join(latest, (latest.c.retailer_id == Visit.retailer_id) & (latest.c.d == Visit.done_on))
                .where(Visit.status == "done").order_by(Visit.retailer_id, Visit.id.desc())):
            if out[rid]["last"][0] is None:
                out[rid]["last"] = (done_on, frozenset((a, b)) if None not in (a, b) else None)
        for v in db.session.scalars(select(Visit).where(
                Visit.retailer_id.in_(ids), Visit.status.in_(OPEN), Visit.kind == "due", Visit.planned_on >= today)
                .order_by(Visit.retailer_id, Visit.planned_on)):
            if out[v.retailer_id]["next"] is None:
                out[v.retailer_id]["next"] = v
        for rid, n in db.session.execute(select(CreditRecord.retailer_id, func.count(CreditRecord.id)).where(
                CreditRecord.retailer_id.in_(ids), CreditRecord.status.in_(("suspected", "confirmed")),
                CreditRecord.occurred_on >= today - timedelta(days=365), CreditRecord.nominal_points < 0)
                .group_by(CreditRecord.retailer_id)):
            out[rid]["suspected"] = n
    units = {p["unit_id"] for p in out.values() if p["unit_id"] is not None}
    plans: dict = {}
    if units:
        for plan in db.session.scalars(select(InspectionPlan).where(
                InspectionPlan.unit_id.in_(units), InspectionPlan.status.in_(("draft", "approved")))
                .order_by(InspectionPlan.id.desc())):
            plans.setdefault(plan.unit_id, []).append(plan)
    for p in out.values():
        p["plans"] = plans.get(p["unit_id"], [])
    return out


def _new_visit(dedupe_key: str | None, **values) -> Visit | None:
    """Insert a visit, or nothing when a visit with this de-duplication key exists (another worker, or
    an earlier run of the same event, made it). Returns the new visit, loaded, or None."""
    if dedupe_key is None:
        v = Visit(**values)
        db.session.add(v)
        db.session.flush()
        return v
    from app.common.db import insert_ignore

    now = utcnow()
    row = {"plan_id": None, "officer_a_id": None, "officer_b_id": None, "route_order": 0, "leg_km": 0.0,
           "draw_id": None, "inspection_id": None, "outcome": None, "done_on": None, "note": None,
           "created_at": now, "updated_at": now, **values, "dedupe_key": dedupe_key}
    got = insert_ignore(Visit, row, ["dedupe_key"], returning=[Visit.id])
    return db.session.get(Visit, got[0][0]) if got else None


def _cadence(retailer_id, unit_id, first, target, grade, plans, policy, note, event_id, suspected, *, ctx, avoid):
    """The mandatory cycle follows the new grade from the shop's next visit on: one due visit every
    ``interval(grade)`` days in the county's live plans (a fall to D: every 14 days from that day, not
    one visit). The shop's later open due visits are kept where they already fall in the new cadence's
    window, moved when not, created when missing (keyed by the event, so a replay adds none) and
    cancelled with a note when the new grade needs fewer (a rise). Returns the visits changed."""
    interval = policy.interval(grade)
    base = first.planned_on if first is not None and first.plan_id is not None else target
    later = list(db.session.scalars(select(Visit).where(
        Visit.retailer_id == retailer_id, Visit.kind == "due", Visit.status.in_(OPEN), Visit.plan_id.is_not(None),
        Visit.planned_on > base, Visit.id != getattr(first, "id", None)).order_by(Visit.planned_on, Visit.id)))
    end = max((p.period_end for p in plans), default=base)
    wanted = []
    day = base + timedelta(days=interval)
    while day <= end:
        plan = _covering(plans, day)
        if plan is not None:
            wanted.append((day, plan))
        day += timedelta(days=interval)
    changed = []
    shop = P.Shop(retailer_id, grade, last_inspected=None, suspected_recent=suspected)
    for k, (day, plan) in enumerate(wanted):
        score, reasons = P.risk(shop, policy, day, None)
        reasons = [list(r) for r in reasons] + [["grade_change", 0, note.split(":", 1)[1].replace(">", "→")]]
        if k < len(later):
            v = later[k]
            if day <= v.planned_on <= day + timedelta(days=policy.window_days) and v.plan_id == plan.id:
                continue
            before = {"planned_on": v.planned_on, "plan": v.plan_id}
            old_plan, old_key = v.plan, (v.planned_on, (v.officer_a_id, v.officer_b_id))
            v.due_on, v.risk, v.reasons = day, score, reasons
            _place(v, plan, day, policy, note + ";cadence", avoid=avoid, ctx=ctx)
            if old_plan is not None and old_key[0] != v.planned_on:
                reroute(old_plan, old_key[0], old_key[1], seat_of(old_plan.unit))
            record("scheduling.visit.regrade", "Visit", v.id, before=before,
                   after={"planned_on": v.planned_on, "plan": v.plan_id, "note": v.note})
            changed.append(v)
            continue
        v = _new_visit(f"due:grade:{event_id}:{k + 1}" if event_id else None, retailer_id=retailer_id,
                       unit_id=unit_id, kind="due", status="planned", due_on=day, planned_on=day, risk=score,
                       reasons=reasons)
        if v is None:  # a replayed event: made the first time
            continue
        _place(v, plan, day, policy, note + ";cadence", avoid=avoid, ctx=ctx)
        record("scheduling.visit.regrade", "Visit", v.id, after={"planned_on": v.planned_on, "plan": v.plan_id,
                                                                 "cadence": interval})
        changed.append(v)
    now = utcnow()
    for v in later[len(wanted):]:  # the new grade needs fewer visits: cancelled, with a note, never dropped
        old_key = (v.planned_on, (v.officer_a_id, v.officer_b_id))
        ctx.moved(v.plan_id, old_key, None)
        v.status, v.note, v.updated_at = "cancelled", note + ";cadence:fewer", now
        db.session.flush()
        reroute(v.plan, old_key[0], old_key[1], seat_of(v.plan.unit))
        record("scheduling.visit.cancel", "Visit", v.id, before={"planned_on": v.planned_on, "status": "open"},
               after={"status": "cancelled", "note": v.note})
        changed.append(v)
    return changed


def on_grade_change(retailer_id: int, from_grade, to_grade: str, as_of: date, *, today: date | None = None,
                    event_id: int | None = None, policy: P.Policy | None = None, pre: dict | None = None):
    """React to one grade change: move the shop's next visit by the new interval; a fall to B adds a
    warning interview (警示约谈) within ``interview_days``. ``event_id`` (the GradeChange) keys the
    visits it creates, so replaying the event creates nothing twice.

    Reads only what it needs (the shop's last closed visit and next open one, the plan's load per day
    and pair from the new date on, the county's officers), each once; see docs/scheduling.md. The
    consumer passes the policy and what it read in bulk for the whole batch (``pre``, see
    :func:`_prefetch`), so a batch of events costs a few queries, not a few per event."""
    today = today or local_today()
    policy = policy or P.Policy.from_dict(policy_row(today).data)
    ctx = _Replan(policy)
    if pre is None:
        pre = _prefetch([retailer_id], today)[retailer_id]
    unit_id = pre["unit_id"]
    if unit_id is None:
        return []
    touched = []
    last_done, last_pair = pre["last"]
    nxt = pre["next"]
    plans = pre["plans"]
    target = today if last_done is None else max(today, last_done + timedelta(days=policy.interval(to_grade)))
    note = f"grade:{from_grade or '-'}>{to_grade}"

    suspected = pre["suspected"]
    score, reasons = P.risk(P.Shop(retailer_id, to_grade, last_inspected=last_done, suspected_recent=suspected),
                            policy, today, None if last_done is None else last_done + timedelta(
                                days=policy.interval(to_grade)))
    reasons = [list(r) for r in reasons] + [["grade_change", 0, f"{from_grade or '-'}→{to_grade}"]]
    if nxt is not None:
        nxt.risk, nxt.reasons = score, reasons
        if nxt.planned_on > target + timedelta(days=policy.window_days) or nxt.planned_on < target:
            before = {"planned_on": nxt.planned_on, "officers": [nxt.officer_a_id, nxt.officer_b_id]}
            old_key = (nxt.planned_on, (nxt.officer_a_id, nxt.officer_b_id))
            nxt.due_on = target  # before the next read, so one UPDATE carries risk, reasons and due date
            old_plan = nxt.plan
            plan = old_plan if old_plan and old_plan.period_start <= target <= old_plan.period_end else \
                _covering(plans, target)
            _place(nxt, plan, target, policy, note, avoid=last_pair, ctx=ctx)
            if old_plan is not None and old_key[0] != nxt.planned_on:
                reroute(old_plan, old_key[0], old_key[1], seat_of(old_plan.unit))
            record("scheduling.visit.regrade", "Visit", nxt.id, before=before,
                   after={"planned_on": nxt.planned_on, "plan": nxt.plan_id, "note": nxt.note})
            touched.append(nxt)
    else:
        plan = _covering(plans, target)
        v = _new_visit(f"due:grade:{event_id}" if event_id else None, retailer_id=retailer_id, unit_id=unit_id,
                       kind="due", status="planned", due_on=target, planned_on=target, risk=score,
                       reasons=reasons) if plan is not None else None
        if v is not None:
            _place(v, plan, target, policy, note, avoid=last_pair, ctx=ctx)
            record("scheduling.visit.regrade", "Visit", v.id, after={"planned_on": v.planned_on, "plan": v.plan_id})
            touched.append(v)
    first = nxt if nxt is not None else (touched[-1] if touched else None)
    touched += _cadence(retailer_id, unit_id, first, target, to_grade, plans, policy, note, event_id, suspected,
                        ctx=ctx, avoid=last_pair)
    order = {g: i for i, g in enumerate(P.GRADES)}
    due = as_of + timedelta(days=policy.interview_days)
    v = _new_visit(f"interview:grade:{event_id}" if event_id else None, retailer_id=retailer_id, unit_id=unit_id,
                   kind="interview", status="planned", due_on=due, planned_on=due,
                   risk=score + policy.interview_points,
                   reasons=reasons + [["interview", policy.interview_points, None]]) \
        if to_grade == "B" and (from_grade is None or order.get(from_grade, 0) < order["B"]) else None
    if v is not None:
        plan = _covering(plans, today)
        _place(v, plan, today, policy, note, latest=due, avoid=last_pair, ctx=ctx)
        if v.plan_id is not None and v.planned_on > due:  # no room before the deadline: keep it pending
            v.plan_id, v.status, v.planned_on, v.note = None, "planned", due, note + ";pending"
        record("scheduling.interview.create", "Visit", v.id, after={"due_on": due, "planned_on": v.planned_on})
        from app.notices.services import notify_interview

        notify_interview(v)  # the retailer is told of the interview and its deadline (信息告知)
        if v.status == "approved":  # placed straight into an approved plan: the day is known too
            notify_interview(v, scheduled=True)
        touched.append(v)
    db.session.flush()
    return touched


def stale_events(events) -> set:
    """The ids of grade changes older than the shop's current grade, which re-planning ignores: a later
    grade change of the same licence exists (e.g. a repair took it back to A), or the live grade was
    computed after the event and is another grade. Acting on them would move visits by a grade the
    shop no longer has, or tell it of a warning interview (警示约谈) it no longer owes."""
    from app.credit.models import GradeChange, RetailerGrade

    ids = sorted({e.retailer_id for e in events})
    newest, live = {}, {}
    for chunk in _chunks(ids):
        newest.update(db.session.execute(select(GradeChange.retailer_id, func.max(GradeChange.id))
                                         .where(GradeChange.retailer_id.in_(chunk))
                                         .group_by(GradeChange.retailer_id)).all())
        for rid, grade, at in db.session.execute(select(RetailerGrade.retailer_id, RetailerGrade.grade,
                                                        RetailerGrade.computed_at)
                                                 .where(RetailerGrade.retailer_id.in_(chunk))):
            live[rid] = (grade, at)
    out = set()
    for e in events:
        grade, at = live.get(e.retailer_id, (None, None))
        if newest.get(e.retailer_id, e.id) > e.id or (
                grade is not None and grade != e.to_grade and at is not None and e.at is not None and at >= e.at):
            out.add(e.id)
    return out


def consume_grade_changes(*, today: date | None = None, limit: int = 1000) -> int:
    """Read up to ``limit`` GradeChange events after this consumer's cursor, react to each, advance the
    cursor; the caller commits. The cursor is taken for this transaction only (another worker holding it:
    returns 0 at once)."""
    from app.credit.models import GradeChange
    from app.credit.streams import take_cursor

    cursor = take_cursor(CONSUMER, STREAM)
    if cursor is None:
        return 0
    events = db.session.scalars(select(GradeChange).where(GradeChange.id > cursor.last_id)
                                .order_by(GradeChange.id).limit(limit)).all()
    if not events:
        return 0
    today = today or local_today()
    policy = P.Policy.from_dict(policy_row(today).data)
    stale = stale_events(events)
    events_live = [e for e in events if e.id not in stale]
    seen = Counter(e.retailer_id for e in events_live)
    # Read in bulk for licences with one event in the batch; a licence with several is read afresh each
    # time, since its first event may have moved its visits.
    pre = _prefetch([rid for rid, n in seen.items() if n == 1], today)
    for e in events_live:
        on_grade_change(e.retailer_id, e.from_grade, e.to_grade, e.as_of, today=today, event_id=e.id,
                        policy=policy, pre=pre.get(e.retailer_id))
    # once for the batch (set per event, every flush inside the loop would write it again)
    cursor.last_id = events[-1].id
    db.session.flush()
    return len(events)


def ensure_warning_interviews(*, today: date | None = None, unit_ids=None) -> int:
    """Every B shop owes a warning interview (警示约谈) in the window after it became B: a daily job
    (``scheduling.interviews``) and each new plan (for its county) give one to every active B licence
    that has none, not only to the shops whose fall to B the consumer saw (a grade set before it ran,
    an event it skipped, a cancelled interview). The window starts on the day of the latest change to
    B (the live grade's date when no change is recorded); an interview visit not cancelled, due in the
    window, or an interview held on site since then, counts. Shops whose change to B the consumer has
    not read yet are left to it. Keyed ``interview:b:<licence>:<day>`` (unique): two runs add one.
    Returns the number of interviews created."""
    from app.credit.models import EventCursor, GradeChange, RetailerGrade
    from app.notices.services import notify_interview

    today = today or local_today()
    policy = P.Policy.from_dict(policy_row(today).data)
    stmt = (select(Retailer.id, Retailer.unit_id, RetailerGrade.as_of)
            .join(RetailerGrade, RetailerGrade.retailer_id == Retailer.id)
            .where(RetailerGrade.grade == "B", Retailer.status == "active"))
    if unit_ids is not None:
        stmt = stmt.where(Retailer.unit_id.in_(list(unit_ids)))
    shops = {rid: (unit_id, as_of) for rid, unit_id, as_of in db.session.execute(stmt)}
    if not shops:
        return 0
    read_up_to = db.session.scalar(select(EventCursor.last_id).where(EventCursor.consumer == CONSUMER,
                                                                     EventCursor.stream == STREAM)) or 0
    since, unread = {}, set()
    held = {}
    for chunk in _chunks(shops):
        for rid, day, last_id in db.session.execute(
                select(GradeChange.retailer_id, func.max(GradeChange.as_of), func.max(GradeChange.id))
                .where(GradeChange.retailer_id.in_(chunk), GradeChange.to_grade == "B")
                .group_by(GradeChange.retailer_id)):
            since[rid] = day
            if last_id > read_up_to:
                unread.add(rid)
        for rid, due in db.session.execute(
                select(Visit.retailer_id, func.max(Visit.due_on))
                .where(Visit.retailer_id.in_(chunk), Visit.kind == "interview", Visit.status != "cancelled")
                .group_by(Visit.retailer_id)):
            held[rid] = due
        try:
            from app.inspections.models import Inspection, Interview
        except ImportError:  # pragma: no cover
            continue
        for rid, day in db.session.execute(
                select(Inspection.retailer_id, func.max(Inspection.occurred_on))
                .join(Interview, Interview.inspection_id == Inspection.id)
                .where(Inspection.retailer_id.in_(chunk), Interview.kind == "warning")
                .group_by(Inspection.retailer_id)):
            held[rid] = max(held.get(rid) or day, day)
    plans: dict = {}
    made = 0
    ctx = _Replan(policy)
    for rid, (unit_id, graded_on) in sorted(shops.items()):
        if rid in unread:
            continue
        start = since.get(rid) or graded_on or today
        if held.get(rid) is not None and held[rid] >= start:
            continue
        due = start + timedelta(days=policy.interview_days)
        score, reasons = P.risk(P.Shop(rid, "B"), policy, today, None, kind="interview")
        v = _new_visit(f"interview:b:{rid}:{start.isoformat()}", retailer_id=rid, unit_id=unit_id, kind="interview",
                       status="planned", due_on=due, planned_on=today, risk=score,
                       reasons=[list(r) for r in reasons])
        if v is None:
            continue
        if unit_id not in plans:
            plans[unit_id] = list(db.session.scalars(select(InspectionPlan).where(
                InspectionPlan.unit_id == unit_id, InspectionPlan.status.in_(("draft", "approved")))
                .order_by(InspectionPlan.id.desc())))
        plan = _covering(plans[unit_id], today)
        _place(v, plan, today, policy, "interview:b", latest=max(due, today), ctx=ctx)
        if v.plan_id is not None and v.planned_on > max(due, today):  # no room before the deadline: pending
            v.plan_id, v.status, v.planned_on, v.note = None, "planned", max(due, today), "interview:b;pending"
        record("scheduling.interview.create", "Visit", v.id,
               after={"due_on": due, "planned_on": v.planned_on, "since": start, "by": "b-check"})
        notify_interview(v)
        if v.status == "approved":
            notify_interview(v, scheduled=True)
        made += 1
    db.session.flush()
    return made
def schedule_onsite(retailer_id: int, *, dedupe_key: str, reason: str, today: date | None = None) -> Visit | None:
    """An on-site check the shop must have soon (e.g. after a failed remote self-check): a due visit,
    placed in the county's live plan covering today (bumping a lower-risk visit if needed) or left
    pending for the next plan. The key makes it once per cause."""
    today = today or local_today()
    policy = P.Policy.from_dict(policy_row(today).data)
    pre = _prefetch([retailer_id], today)[retailer_id]
    if pre["unit_id"] is None:
        return None
    latest = today + timedelta(days=policy.window_days)
    v = _new_visit(dedupe_key, retailer_id=retailer_id, unit_id=pre["unit_id"], kind="due", status="planned",
                   due_on=latest, planned_on=today, risk=policy.interview_points,
                   reasons=[[reason, policy.interview_points, None]])
    if v is None:
        return None
    plan = _covering(pre["plans"], today)
    _place(v, plan, today, policy, reason, latest=latest, avoid=pre["last"][1])
    record("scheduling.visit.onsite", "Visit", v.id, after={"planned_on": v.planned_on, "plan": v.plan_id,
                                                            "reason": reason})
    db.session.flush()
    return v
