"""Shared fixtures for the scoring tests: the shipped policy and small test catalogues."""

from __future__ import annotations

import pytest

from scoring import available_catalogues, available_policies, load_catalogue

# A test catalogue with round numbers, so every grade boundary can be reached exactly.
TEST_CATALOGUE = """\
version: "T1"
effective_from: 2020-01-01
indicators:
  - {code: ZM91, dimension: monopoly, severity: minor, points: -1, name_zh: 轻微一分, name_en: minor one, legal_basis: 测试}
  - {code: ZM92, dimension: monopoly, severity: minor, points: -5, name_zh: 轻微五分, name_en: minor five, legal_basis: 测试}
  - {code: ZM93, dimension: monopoly, severity: general, points: -10, name_zh: 一般十分, name_en: general ten, legal_basis: 测试}
  - {code: ZM94, dimension: monopoly, severity: serious, points: -30, name_zh: 严重三十分, name_en: serious thirty, legal_basis: 测试}
  - {code: ZM95, dimension: monopoly, severity: veto, points: -40, name_zh: 否决, name_en: veto, legal_basis: 测试}
  - {code: ZM96, dimension: monopoly, severity: serious, points: -20, admin_penalty: true, name_zh: 行政处罚, name_en: admin penalty, legal_basis: 测试}
  - {code: ZM97, dimension: monopoly, severity: general, points: -6, counts_months: 2, name_zh: 两个月, name_en: two months, legal_basis: 测试}
  - {code: ZM98, dimension: monopoly, severity: veto, points: 0, counts_months: 48, name_zh: 长否决, name_en: long veto, legal_basis: 测试}
  - {code: YX91, dimension: marketing, severity: bonus, points: 1, name_zh: 加一分, name_en: plus one, legal_basis: 测试}
  - {code: YX92, dimension: marketing, severity: bonus, points: 9, name_zh: 加九分, name_en: plus nine, legal_basis: 测试}
  - {code: YX93, dimension: marketing, severity: bonus, points: 10, name_zh: 加十分, name_en: plus ten, legal_basis: 测试}
  - {code: YX94, dimension: marketing, severity: bonus, points: 20, name_zh: 加二十分, name_en: plus twenty, legal_basis: 测试}
  - {code: YX95, dimension: marketing, severity: general, points: -8, name_zh: 营销八分, name_en: marketing eight, legal_basis: 测试}
  - {code: SH91, dimension: social, severity: serious, points: -20, repairable: false, name_zh: 不可修复, name_en: not repairable, legal_basis: 测试}
  - {code: SH92, dimension: social, severity: minor, points: -2, name_zh: 社会两分, name_en: social two, legal_basis: 测试}
  - code: ZM11
    dimension: monopoly
    severity: general
    quantity_unit: 条 carton
    bands:
      - {min_quantity: 1, max_quantity: 9, points: -6}
      - {min_quantity: 10, max_quantity: 49, points: -12}
      - {min_quantity: 50, max_quantity: null, points: -18}
    name_zh: 非本户卷烟
    name_en: cartons for another shop
    legal_basis: 测试
"""

# A later version, in force from 2026-07-01: lighter for some codes, heavier for one.
TEST_CATALOGUE_T2 = """\
version: "T2"
effective_from: 2026-07-01
indicators:
  - {code: ZM93, dimension: monopoly, severity: general, points: -6, name_zh: 一般六分, name_en: lighter general, legal_basis: 测试}
  - {code: ZM94, dimension: monopoly, severity: serious, points: -40, name_zh: 更重, name_en: heavier serious, legal_basis: 测试}
  - {code: ZM95, dimension: monopoly, severity: serious, points: -40, name_zh: 不再否决, name_en: no longer a veto, legal_basis: 测试}
  - {code: ZM92, dimension: monopoly, severity: minor, points: -5, counts_months: 1, name_zh: 更短, name_en: shorter period, legal_basis: 测试}
  - {code: YX93, dimension: marketing, severity: bonus, points: 5, name_zh: 加五分, name_en: smaller bonus, legal_basis: 测试}
  - code: ZM11
    dimension: monopoly
    severity: general
    quantity_unit: 条 carton
    bands:
      - {min_quantity: 1, max_quantity: 19, points: -6}
      - {min_quantity: 20, max_quantity: null, points: -10}
    name_zh: 非本户卷烟
    name_en: cartons for another shop
    legal_basis: 测试
"""

# A still later version (2027-01-01): lighter than T1 for ZM93, but heavier than T2.
TEST_CATALOGUE_T3 = TEST_CATALOGUE_T2.replace('"T2"', '"T3"').replace("2026-07-01", "2027-01-01").replace(
    "points: -6, name_zh: 一般六分", "points: -8, name_zh: 一般八分"
)


@pytest.fixture(scope="session")
def policy():
    return available_policies()["2026.1"]


@pytest.fixture(scope="session")
def shipped():
    return available_catalogues()


@pytest.fixture(scope="session")
def t1():
    return {"T1": load_catalogue(TEST_CATALOGUE, source="T1.yaml")}


@pytest.fixture(scope="session")
def t123():
    return {
        c.version: c
        for c in (
            load_catalogue(TEST_CATALOGUE, source="T1.yaml"),
            load_catalogue(TEST_CATALOGUE_T2, source="T2.yaml"),
            load_catalogue(TEST_CATALOGUE_T3, source="T3.yaml"),
        )
    }
