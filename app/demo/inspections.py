"""The demo city's past inspections: about fifteen months of completed visits, so that the first
scheduling plan finds a realistic "last inspection" for every shop (app.scheduling.inputs.last_visits
reads ``inspections`` with outcome ``inspected``) instead of making every shop due at once.

``generate_inspections(seed, city, records, today)`` is pure (standard library, ``scoring`` and the
pure scheduling policy): the same arguments give the same inspections. ``write_inspections`` and
``write_findings`` store them in bulk; ``app.demo.history.load_history`` calls them around the
credit records, so each inspection-sourced record points at the inspection that found it.

How the history is made:

- **The cycle** (差异化监管): every active or suspended licence is visited every ``interval_days`` of
  its grade in the scheduling policy (AAA 180, AA 120, A 90, B 60, C 30, D 14 days by default). The
  grade is the engine's grade at each quarter end of the window (and today), from the generated
  credit records, so a shop that fell to C is visited monthly from then on. The first visit of the
  window is at a uniformly random phase of its interval (a new licence: within its first weeks), so
  due dates are staggered. Each next visit lands a few days either side of its due date, now and
  then much later (a backlog); a stricter grade at a quarter end brings the next visit forward, as
  the planner's re-scheduling does. Visits fall on working days (China's official calendar).
- **Findings**: one inspection on the date of every inspection-sourced credit record of
  ``app.demo.history`` (confirmed, dismissed, repaired or still suspected), with those violations;
  the cycle restarts from it. Every other inspection finds nothing ("no violation").
- Now and then (about 1 %) the shop is found closed; the pair comes back a few days later.
- **Officers**: two inspectors of the shop's county, from that day's random pairing of the county's
  inspectors (as the planner pairs them), never the same pair as the shop's previous visit, at most
  ``default_capacity`` visits per pair and day (a cycle visit over capacity moves to the next
  working day).
- Check-in positions are within a few tens of metres of the shop (a few without GPS, with the
  reason); the retailer signs (a few refuse after a finding). No photo or signature image is stored:
  the ``notes`` of every row say that it is generated demo data.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import scoring

WINDOW_DAYS = 455  # fifteen months of cycle visits before today
JITTER = (-6, 10)  # days either side of the due date
P_BACKLOG = 0.05
BACKLOG = (15, 45)
P_CLOSED = 0.012
REVISIT = (2, 8)
NEW_LICENCE_FIRST = (10, 40)  # a new licence is first inspected within these days of issue
P_NO_GPS = 0.02
P_REFUSED = 0.15  # of inspections with a finding: the retailer refuses to sign
GEOFENCE_METRES = 200
DEMO_NOTE = "演示数据：生成的历史检查记录（未附现场照片和签名图像）"
NO_GPS_REASON = "室内定位失败，已在店内拍照确认"
REFUSAL_REASON = "当事人对检查结果有异议，拒绝签字"
UUID_NAMESPACE = uuid.UUID("6f1c1a52-0a4e-4c7e-9f4e-5d3b2a1c0e99")


@dataclass
class DemoInspection:
    key: int
    licence_no: str
    county_code: str
    occurred_on: date
    kind: str  # cycle | finding | revisit
    outcome: str  # inspected | closed
    grade: str  # the grade whose interval led to this visit (the grade at the time)
    officers: tuple = ()  # usernames of the two inspectors
    record_keys: tuple = ()  # DemoRecord.key of the violations found
    started_at: datetime | None = None  # naive UTC
    minutes: int = 20
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None
    distance_m: float | None = None
    signature: str = "signed"  # signed | refused (inspected); not_applicable (closed)
    extra: dict = field(default_factory=dict)


def _rng(seed: int, name: str) -> random.Random:
    return random.Random(f"huaian-demo:{seed}:inspections:{name}")


def quarter_ends(start: date, today: date) -> list[date]:
    """The quarter ends in [start, today), and today: where the grade of each shop is taken."""
    out = []
    day = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while True:
        nxt = date(day.year + (day.month + 2) // 12, (day.month + 2) % 12 + 1, 1)
        end = nxt - timedelta(days=1)
        if end >= today:
            break
        if end >= start:
            out.append(end)
        day = nxt
    return out + [today]


def grades_on(records, retailers, days, today) -> dict:
    """{day: {licence: grade}} by the engine, from the generated records alone (pure). Licences not
    issued yet on a day are left out. The catalogue and policy in force ``today`` are used for every
    day (the platform's first versions also grade the migrated history)."""
    from app.demo.history import engine_setup

    catalogues, policy, inputs_of = engine_setup(records, retailers, today)
    out = {day: {} for day in days}
    for r in retailers:
        if r["status"] == "cancelled":
            continue
        inputs = inputs_of(r)
        for day in days:
            if r["licence_issued_on"] > day:
                continue
            out[day][r["licence_no"]] = scoring.compute(inputs, as_of=day, catalogues=catalogues, policy=policy,
                                                        licensed_on=r["licence_issued_on"]).grade
    return out


def _pairs(seed: int, county: str, day: date, officers: list) -> list:
    """That day's pairs of the county's inspectors: shuffled with a seeded generator, paired in order."""
    people = list(officers)
    random.Random(f"huaian-demo:{seed}:inspections:pairs:{county}:{day.isoformat()}").shuffle(people)
    return [tuple(sorted(people[k:k + 2])) for k in range(0, len(people) - 1, 2)]


def _metres(lat1, lng1, lat2, lng2) -> float:
    x = math.radians(lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371000.0 * math.hypot(x, y)


def generate_inspections(seed: int, city, records, today: date, *, policy=None) -> list[DemoInspection]:
    """The past inspections of ``city`` (app.demo.generator.City) given its credit ``records``
    (app.demo.history.generate_history). Sorted by day, county, licence; ``key`` is the position."""
    from app.scheduling.policy import default_policy
    from app.scheduling.workdays import is_workday

    policy = policy or default_policy(today)
    capacity = policy.default_capacity
    start = today - timedelta(days=WINDOW_DAYS)
    shops = [r for r in sorted(city.retailers, key=lambda r: r["licence_no"]) if r["status"] != "cancelled"]
    by_no = {r["licence_no"]: r for r in shops}
    checkpoints = quarter_ends(start, today)
    grades = grades_on(records, shops, checkpoints, today)

    def grade_at(licence, day):
        g = None
        for c in checkpoints:
            if c > day and g is not None:
                break
            g = grades[c].get(licence, g)
        return g or "A"

    def on_workday(day, rng=None):
        """``day`` if it is a working day, else (with ``rng``) one of the working days within four
        days of it, at random, so weekends do not pile up on Fridays and Mondays; else the next one."""
        if is_workday(day):
            return day
        if rng is not None:
            near = [day + timedelta(days=k) for k in range(-4, 5) if is_workday(day + timedelta(days=k))]
            if near:
                return near[rng.randrange(len(near))]
        while not is_workday(day):
            day += timedelta(days=1)
        return day

    # Findings: the days of the inspection-sourced records, per licence.
    found = defaultdict(lambda: defaultdict(list))
    for rec in records:
        if rec.source == "inspection" and rec.licence_no in by_no:
            found[rec.licence_no][rec.occurred_on].append(rec.key)

    rng = _rng(seed, "cycle")
    planned = []  # (day, county, licence, kind, outcome, grade, record keys)
    for r in shops:
        licence = r["licence_no"]
        anchors = sorted(found.get(licence, {}))

        def next_after(last):
            g = grade_at(licence, last)
            interval = policy.interval(g)
            jitter = rng.randint(*BACKLOG) if rng.random() < P_BACKLOG else rng.randint(*JITTER)
            t = last + timedelta(days=interval + jitter)
            for c in checkpoints:  # a stricter grade at a quarter end brings the visit forward
                if last < c < t and c < today:
                    stricter = policy.interval(grade_at(licence, c))
                    if stricter < interval:
                        t = min(t, max(c + timedelta(days=rng.randint(1, 10)),
                                       last + timedelta(days=stricter + rng.randint(*JITTER))))
                        break
            if t >= today:  # not visited yet: no working day to find (nor calendar data to need)
                return t
            t = on_workday(max(t, last + timedelta(days=1)), rng)
            return t if t > last else on_workday(last + timedelta(days=1))

        issued = r["licence_issued_on"]
        if issued + timedelta(days=NEW_LICENCE_FIRST[0]) > start:
            first = issued + timedelta(days=rng.randint(*NEW_LICENCE_FIRST))
        else:
            first = start + timedelta(days=rng.randint(0, policy.interval(grade_at(licence, start)) - 1))
        if first < today:
            first = on_workday(first, rng)
        t, ai, revisit = first, 0, False
        while True:
            a = anchors[ai] if ai < len(anchors) else None
            if a is not None and (a <= t or t >= today):
                planned.append((a, r["county_code"], licence, "finding", "inspected", grade_at(licence, a),
                                tuple(found[licence][a])))
                ai += 1
                t = max(next_after(a), first) if a < start else next_after(a)
                revisit = False
                continue
            if t >= today:
                break
            if not revisit and rng.random() < P_CLOSED:
                planned.append((t, r["county_code"], licence, "cycle", "closed", grade_at(licence, t), ()))
                back = on_workday(t + timedelta(days=rng.randint(*REVISIT)), rng)
                t, revisit = (back if back > t else on_workday(t + timedelta(days=1))), True
                continue
            planned.append((t, r["county_code"], licence, "revisit" if revisit else "cycle", "inspected",
                            grade_at(licence, t), ()))
            revisit = False
            t = next_after(t)

    # Officers, day by day: that day's pairs, capacity per pair, never the previous pair again.
    officers = defaultdict(list)
    for u in city.users:
        if u["role"] == "inspector" and u.get("county_code"):
            officers[u["county_code"]].append(u["username"])
    for code in officers:
        officers[code].sort(key=lambda name: (len(name), name))
    pending = defaultdict(list)
    for item in planned:
        pending[item[0]].append(item)
    last_pair = {}
    done = []
    day = min(pending) if pending else today
    order = {"finding": 0, "revisit": 1, "cycle": 2}
    while pending:
        items = pending.pop(day, [])
        by_county = defaultdict(list)
        for item in items:
            by_county[item[1]].append(item)
        for county in sorted(by_county):
            todays = sorted(by_county[county], key=lambda x: (order[x[3]], x[2], x[4]))
            pairs = _pairs(seed, county, day, officers.get(county, []))
            if not pairs:
                continue
            load = [0] * len(pairs)
            for item in todays:
                avoid = last_pair.get(item[2])
                choices = [k for k in sorted(range(len(pairs)), key=lambda k: (load[k], k))
                           if frozenset(pairs[k]) != avoid or len(pairs) == 1]
                if item[3] != "finding":  # a finding's day is fixed; a cycle visit waits for capacity
                    choices = [k for k in choices if load[k] < capacity]
                    if not choices:
                        moved = on_workday(day + timedelta(days=1))
                        if moved < today:
                            pending[moved].append((moved,) + item[1:])
                        continue
                k = choices[0]
                load[k] += 1
                if item[4] == "inspected":
                    last_pair[item[2]] = frozenset(pairs[k])
                done.append(item + (pairs[k],))
        day += timedelta(days=1)

    done.sort(key=lambda x: (x[0], x[1], x[2], order[x[3]]))
    detail = _rng(seed, "details")
    out = []
    for key, (day, county, licence, kind, outcome, grade, keys, pair) in enumerate(done):
        shop = by_no[licence]
        hour = detail.randint(8, 16) if is_workday(day) else detail.randint(9, 15)
        minute = detail.choice((0, 10, 15, 20, 30, 40, 45, 50))
        local = datetime(day.year, day.month, day.day, hour, minute)
        minutes = detail.randint(12, 35) + (15 if keys else 0) if outcome == "inspected" else detail.randint(3, 8)
        lat = lng = acc = dist = None
        if detail.random() >= P_NO_GPS:
            dist_target = abs(detail.gauss(0, 25))
            angle = detail.uniform(0, 2 * math.pi)
            lat = round(shop["lat"] + dist_target * math.sin(angle) / 111_000.0, 6)
            lng = round(shop["lng"] + dist_target * math.cos(angle) / (111_000.0 * math.cos(math.radians(shop["lat"]))),
                        6)
            acc = float(detail.choice((5, 8, 10, 12, 15, 20, 30, 45)))
            dist = round(_metres(shop["lat"], shop["lng"], lat, lng), 1)
        signature = "not_applicable" if outcome != "inspected" else (
            "refused" if keys and detail.random() < P_REFUSED else "signed")
        out.append(DemoInspection(key=key, licence_no=licence, county_code=county, occurred_on=day, kind=kind,
                                  outcome=outcome, grade=grade, officers=pair, record_keys=keys,
                                  started_at=local - timedelta(hours=8), minutes=minutes, lat=lat, lng=lng,
                                  accuracy_m=acc, distance_m=dist, signature=signature))
    return out


def last_inspected(inspections) -> dict:
    """licence -> (day, pair) of its latest inspection with outcome ``inspected``: what the planner reads."""
    out = {}
    for insp in inspections:
        if insp.outcome == "inspected":
            out[insp.licence_no] = (insp.occurred_on, frozenset(insp.officers))
    return out


# ---- writing ----------------------------------------------------------------------------------


def _content(insp: DemoInspection, seed: int) -> dict:
    return {"demo_seed": seed, "key": insp.key, "licence_no": insp.licence_no, "occurred_on": insp.occurred_on,
            "outcome": insp.outcome, "officers": list(insp.officers), "records": list(insp.record_keys),
            "started_at": insp.started_at, "lat": insp.lat, "lng": insp.lng}


def write_inspections(seed: int, city, inspections, records) -> dict:
    """Insert the inspections and their checklist results in bulk (explicit ids). Returns
    ``{DemoRecord.key: (inspection id, lat, lng, inspector id)}`` for the records they found. The caller commits."""
    from flask import current_app
    from sqlalchemy import func, insert, select, text

    from app.auth.models import User
    from app.extensions import db
    from app.inspections.models import Inspection, InspectionCheck
    from app.org.models import OrgUnit
    from app.retailers.models import Retailer

    if not inspections:
        return {}
    retailer_ids = dict(db.session.execute(select(Retailer.licence_no, Retailer.id)).all())
    unit_ids = dict(db.session.execute(select(OrgUnit.code, OrgUnit.id)).all())
    user_ids = dict(db.session.execute(select(User.username, User.id).where(User.role == "inspector")).all())
    by_key = {rec.key: rec for rec in records}
    operator = {r["licence_no"]: r["operator_name"] for r in city.retailers}
    checklist = current_app.config["INSPECTION_CHECKLIST"]
    item_of = {item.get("indicator"): item["code"] for item in checklist if item.get("indicator")}
    first = (db.session.scalar(select(func.max(Inspection.id))) or 0) + 1
    rows, checks, found = [], [], {}
    for n, insp in enumerate(inspections):
        iid = first + n
        finished = insp.started_at + timedelta(minutes=insp.minutes)
        content = json.dumps(_content(insp, seed), sort_keys=True, ensure_ascii=False, default=str)
        a, b = insp.officers
        if insp.outcome == "inspected":
            outcome_note = ""
            notes = ("发现违规，已现场取证；" if insp.record_keys else "检查未发现违规；") + DEMO_NOTE
        else:
            outcome_note = "到店时店门关闭，联系经营者未果，择日复查"
            notes = DEMO_NOTE
        rows.append({
            "id": iid, "client_uuid": str(uuid.uuid5(UUID_NAMESPACE, f"{seed}:inspection:{insp.key}")),
            "content_hash": hashlib.sha256(content.encode()).hexdigest(),
            "retailer_id": retailer_ids[insp.licence_no], "unit_id": unit_ids[insp.county_code],
            "inspector_id": user_ids[a], "second_officer_id": user_ids[b], "outcome": insp.outcome,
            "outcome_note": outcome_note, "notes": notes, "started_at": insp.started_at, "finished_at": finished,
            "received_at": finished + timedelta(minutes=3 + insp.key % 50), "occurred_on": insp.occurred_on,
            "lat": insp.lat, "lng": insp.lng, "accuracy_m": insp.accuracy_m,
            "position_at": insp.started_at + timedelta(minutes=1) if insp.lat is not None else None,
            "distance_m": insp.distance_m,
            "geofence": "no_gps" if insp.lat is None else (
                "inside" if insp.distance_m <= GEOFENCE_METRES else "outside"),
            "geofence_radius_m": GEOFENCE_METRES,
            "location_reason": NO_GPS_REASON if insp.lat is None else "",
            "signature_status": insp.signature,
            "signer_name": operator[insp.licence_no] if insp.signature == "signed" else "",
            "signature_refusal_reason": REFUSAL_REASON if insp.signature == "refused" else "",
        })
        for key in insp.record_keys:
            found[key] = (iid, insp.lat, insp.lng, user_ids[a])
        if insp.outcome != "inspected":
            continue
        failed = {}
        for key in insp.record_keys:
            rec = by_key[key]
            code = item_of.get(rec.indicator_code)
            if code and code not in failed:
                failed[code] = rec.description
        for pos, item in enumerate(checklist):
            note = failed.get(item["code"], "")
            checks.append({"inspection_id": iid, "position": pos, "item_code": item["code"],
                           "label": item.get("label_zh") or item["label"], "result": "fail" if note else "pass",
                           "note": note})
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Inspection.__table__), rows[start:start + 5000])
    for start in range(0, len(checks), 20000):
        db.session.execute(insert(InspectionCheck.__table__), checks[start:start + 20000])
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('inspections', 'id'), :n)"),
                           {"n": first + len(rows) - 1})
    return found


def write_findings(records, record_ids: dict, found: dict, today: date) -> int:
    """One InspectionViolation per inspection-sourced record, pointing at its credit record.
    ``record_ids``: DemoRecord.key -> credit record id. Returns how many were written."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.inspections.models import InspectionViolation

    catalogue = scoring.catalogue_for(today, scoring.available_catalogues())  # as app.demo.history records
    rows, position = [], defaultdict(int)
    for rec in records:
        if rec.key not in found:
            continue
        iid = found[rec.key][0]
        ind = catalogue.indicator(rec.indicator_code)
        rows.append({"inspection_id": iid, "position": position[iid], "indicator_code": rec.indicator_code,
                     "catalogue_version": catalogue.version, "indicator_name": ind.name_zh, "quantity": rec.quantity,
                     "description": rec.description, "credit_record_id": record_ids[rec.key]})
        position[iid] += 1
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(InspectionViolation.__table__), rows[start:start + 5000])
    return len(rows)
