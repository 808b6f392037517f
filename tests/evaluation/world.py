"""Random worlds for the evaluation tests: retailers, operators with several licences, records of every
indicator in every status, repairs, quantity bands, and catalogue versions, written with bulk inserts.

Everything is also kept in Python (``World``) so the tests can score each licence with the pure
engine independently of the database."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import insert, select

from app.credit.models import CreditRecord
from app.extensions import db
from app.retailers.models import Operator, Retailer
from scoring import RecordInput, available_catalogues, available_policies, load_catalogue, load_policy

SHIPPED_POLICY = available_policies()["2026.1"]

# A second catalogue version, in force from 2026-07-01: lighter for some codes (the veto and a penalty
# cap disappear, shorter periods, smaller deductions, other bands), heavier for others (ignored), a
# bonus made smaller (ignored: bonuses keep their version), a code retired, a code added.
LATER_CATALOGUE = """\
version: "2026.2"
effective_from: 2026-07-01
indicators:
  - {code: ZM01, dimension: monopoly, severity: serious, points: -30, name_zh: 不再否决, name_en: no longer a veto, legal_basis: 测试}
  - {code: ZM02, dimension: monopoly, severity: serious, points: -20, admin_penalty: true, counts_months: 6, name_zh: 更短, name_en: shorter, legal_basis: 测试}
  - {code: ZM03, dimension: monopoly, severity: general, points: -12, name_zh: 不再处罚, name_en: no longer a penalty, legal_basis: 测试}
  - {code: ZM04, dimension: monopoly, severity: general, points: -10, admin_penalty: true, name_zh: 相同, name_en: same, legal_basis: 测试}
  - {code: ZM14, dimension: monopoly, severity: general, points: -15, name_zh: 更重, name_en: heavier, legal_basis: 测试}
  - {code: ZM15, dimension: monopoly, severity: general, points: -7, name_zh: 新增, name_en: new indicator, legal_basis: 测试}
  - {code: YX01, dimension: marketing, severity: bonus, points: 2, name_zh: 变成加分, name_en: turned into a bonus, legal_basis: 测试}
  - {code: YX02, dimension: marketing, severity: serious, points: -20, counts_months: 24, name_zh: 更短, name_en: shorter, legal_basis: 测试}
  - {code: YX55, dimension: marketing, severity: bonus, points: 4, name_zh: 示范户, name_en: smaller bonus, legal_basis: 测试}
  - {code: SH01, dimension: social, severity: general, points: -8, name_zh: 较轻, name_en: lighter, legal_basis: 测试}
  - code: ZM11
    dimension: monopoly
    severity: general
    quantity_unit: 条 carton
    bands:
      - {min_quantity: 1, max_quantity: 19, points: -6}
      - {min_quantity: 20, max_quantity: null, points: -10}
    legal_basis: 测试
    name_zh: 非本户卷烟
    name_en: cartons
"""
# A third version not yet in force on most dates: lighter still for ZM11 and ZM12.
FUTURE_CATALOGUE = """\
version: "2027.1"
effective_from: 2027-01-01
indicators:
  - {code: ZM12, dimension: monopoly, severity: general, points: -6, name_zh: 更轻, name_en: lighter, legal_basis: 测试}
  - code: ZM11
    dimension: monopoly
    severity: general
    quantity_unit: 条 carton
    bands:
      - {min_quantity: 1, max_quantity: 29, points: -6}
      - {min_quantity: 30, max_quantity: 59, points: -8}
      - {min_quantity: 60, max_quantity: null, points: -9}
    legal_basis: 测试
    name_zh: 非本户卷烟
    name_en: cartons
"""


def catalogues_for_tests() -> dict:
    versions = dict(available_catalogues())
    for text_ in (LATER_CATALOGUE, FUTURE_CATALOGUE):
        catalogue = load_catalogue(text_, source="test.yaml")
        versions[catalogue.version] = catalogue
    return versions


def variant_policy():
    """A policy where the veto gives C (not the worst grade), new licences are capped at AA, the
    penalty cap is AA for 18 months, bonuses stop at 18 and the thresholds differ."""
    source = open(SHIPPED_POLICY.source, encoding="utf-8").read()
    for old, new in (("veto_grade: D", "veto_grade: C"), ("new_licence: {months: 6, max_grade: A}",
                     "new_licence: {months: 9, max_grade: AA}"), ("bonus_ceiling: 30", "bonus_ceiling: 18"), ("min_score: 120", "min_score: 114"),
                     ("admin_penalty_cap: {grade: A, months: 12}", "admin_penalty_cap: {grade: AA, months: 18}"),
                     ("min_score: 110", "min_score: 108"), ("veto_months: 36", "veto_months: 24")):
        assert old in source, old
        source = source.replace(old, new)
    return load_policy(source, source="variant.yaml")


@dataclass
class World:
    retailers: dict = field(default_factory=dict)  # id -> dict(operator_id, issued, status, unit_id)
    records: list = field(default_factory=list)  # dicts as inserted (with id)

    def inputs(self, retailer_id: int, as_of: dt.date) -> list[RecordInput]:
        """What the engine gets for one licence: own records and the operator's other licences'."""
        op = self.retailers[retailer_id]["operator_id"]
        out = []
        for r in self.records:
            if r["status"] not in ("confirmed", "repaired") or r["decided_on"] is None:
                continue
            own = r["retailer_id"] == retailer_id
            if not own and r["operator_id"] != op:
                continue
            out.append(RecordInput(id=r["id"], indicator_code=r["indicator_code"],
                                   catalogue_version=r["catalogue_version"], decided_on=r["decided_on"],
                                   quantity=r["quantity"], repaired_on=r["repaired_on"], via_operator=not own))
        return out

    def evaluated(self, as_of: dt.date) -> list[int]:
        return sorted(i for i, r in self.retailers.items() if r["issued"] <= as_of and r["status"] != "cancelled")


def _day(rng, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def build_world(rng: random.Random, units: dict, *, n_operators=80, n_records=1500, catalogues=None,
                first=dt.date(2023, 1, 1), last=dt.date(2027, 3, 31), bonus_heavy=0.3) -> World:
    catalogues = catalogues or catalogues_for_tests()
    county_units = [u for code, u in sorted(units.items()) if u.level == "county"][:3]
    world = World()
    tag = rng.getrandbits(40)
    op_ids = list(db.session.scalars(insert(Operator).returning(Operator.id, sort_by_parameter_order=True),
                                     [{"id_hash": f"{tag:x}-{k}", "name": f"经营者{k}"} for k in range(n_operators)]))
    retailer_rows = []
    n = 0
    for op in op_ids:
        for _ in range(rng.choice((1, 1, 1, 1, 2, 2, 3))):
            n += 1
            issued = rng.choice((_day(rng, dt.date(2012, 1, 1), dt.date(2025, 12, 31)),
                                 _day(rng, dt.date(2025, 6, 1), dt.date(2027, 3, 31))))
            unit = rng.choice(county_units)
            status = rng.choices(("active", "suspended", "cancelled"), (0.85, 0.07, 0.08))[0]
            retailer_rows.append({
                "licence_no": f"{unit.code}{(tag + n) % 1_000_000:06d}", "shop_name": f"测试{n}号便利店",
                "name_initials": f"cs{n}", "operator_id": op, "operator_name": "王小明", "address": "淮安市",
                "unit_id": unit.id, "market_type": "city", "business_format": "grocery",
                "licence_issued_on": issued, "licence_expires_on": dt.date(2031, 1, 1), "status": status,
                "tier": 10, "version": 1})
    ids = list(db.session.scalars(insert(Retailer).returning(Retailer.id, sort_by_parameter_order=True),
                                  retailer_rows))
    for rid, row in zip(ids, retailer_rows):
        world.retailers[rid] = {"operator_id": row["operator_id"], "issued": row["licence_issued_on"],
                                "status": row["status"], "unit_id": row["unit_id"]}

    versions = sorted(catalogues.values(), key=lambda c: c.effective_from)
    bonus_codes = [i.code for i in versions[0].indicators if i.is_bonus]
    # A few licences collect many bonuses, so the ceiling clips in every order of dimensions.
    collectors = rng.sample(ids, max(1, len(ids) // 8))
    records = []
    held = set()
    for _ in range(n_records):
        catalogue = rng.choice(versions)
        if rng.random() < bonus_heavy:
            retailer_id = rng.choice(collectors)
            catalogue = versions[0]
            code = rng.choice(bonus_codes)
        else:
            retailer_id = rng.choice(ids)
            code = rng.choice(catalogue.codes)
        indicator = catalogue.indicator(code)
        quantity = rng.choice((1, 5, 9, 10, 19, 20, 29, 30, 49, 50, 59, 60, 80)) if indicator.banded else \
            rng.choice((None, None, None, 3))
        status = rng.choices(("confirmed", "repaired", "suspected", "dismissed"), (0.7, 0.12, 0.1, 0.08))[0]
        decided = None if status == "suspected" and rng.random() < 0.8 else _day(rng, first, last)
        repaired = _day(rng, decided, last + dt.timedelta(days=200)) if status == "repaired" and decided else None
        operator_id = world.retailers[retailer_id]["operator_id"]
        if rng.random() < 0.05:
            operator_id = rng.choice(op_ids)  # the licence changed hands since
        occurred = decided or first
        while status != "dismissed" and (retailer_id, code, occurred) in held:
            occurred -= dt.timedelta(days=1)  # one fact, one record: the same shop's same finding on another day
        if status != "dismissed":
            held.add((retailer_id, code, occurred))
        records.append({
            "retailer_id": retailer_id, "operator_id": operator_id, "indicator_code": code,
            "catalogue_version": catalogue.version, "dimension": indicator.dimension, "quantity": quantity,
            "nominal_points": indicator.points_for(quantity) if (quantity or not indicator.banded) else 0,
            "occurred_on": occurred, "source": "supervisor", "status": status, "disputed": False,
            "decided_on": decided, "repaired_on": repaired, "description": "", "evidence": []})
    record_ids = list(db.session.scalars(
        insert(CreditRecord).returning(CreditRecord.id, sort_by_parameter_order=True), records))
    for rid, row in zip(record_ids, records):
        world.records.append({**row, "id": rid})
    db.session.commit()
    return world


def evaluated_ids(as_of):
    return list(db.session.scalars(select(Retailer.id).where(Retailer.licence_issued_on <= as_of,
                                                             Retailer.status != "cancelled")))
