"""Loading the catalogue and policy files: the shipped ones pass, bad ones refuse with a line number."""

from __future__ import annotations

import ast
import datetime as dt
import sys
from pathlib import Path

import pytest

import scoring
from scoring import (
    CatalogueError,
    PolicyError,
    available_catalogues,
    available_policies,
    catalogue_for,
    load_catalogue,
    load_policy,
    policy_for,
)
from scoring.catalogue import CATALOGUE_DIR
from scoring.policy import POLICY_DIR

SHIPPED_CATALOGUE = (CATALOGUE_DIR / "2026.1.yaml").read_text(encoding="utf-8")
SHIPPED_POLICY = (POLICY_DIR / "2026.1.yaml").read_text(encoding="utf-8")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line containing `needle`."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} not in text"
    return hits[occurrence - 1]


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


# ---------------------------------------------------------------- shipped files


def test_shipped_catalogue_loads_with_enough_indicators():
    catalogues = available_catalogues()
    assert "2026.1" in catalogues
    catalogue = catalogues["2026.1"]
    assert catalogue.effective_from == dt.date(2026, 1, 1)
    assert len(catalogue.indicators) >= 25
    assert {i.dimension for i in catalogue.indicators} == {"monopoly", "marketing", "social"}


@pytest.mark.parametrize(
    "words, severity",
    [
        ("假冒、走私、非法生产", "veto"),
        ("涂改、擦除", None),
        ("非法渠道", None),
        ("超越许可范围或异地经营", None),
        ("出租、出借", None),
        ("阻碍、拒绝专卖执法", None),
        ("向未成年人销售卷烟", None),
        ("不向未成年人销售烟草制品标志", None),
        ("悬挂烟草专卖许可证", None),
        ("未及时办理变更", None),
        ("非本户或跨区域", None),
        ("逾期未完成整改", None),
        ("警示约谈", None),
        ("违反信用承诺", None),
        ("逾期结算货款", None),
        ("倒货", None),
        ("明码标价", None),
        ("信息采集", None),
        ("全年履行信用承诺", "bonus"),
        ("培训", "bonus"),
        ("红名单", "bonus"),
        ("三星诚信互助小组", "bonus"),
        ("四星诚信互助小组", "bonus"),
        ("五星诚信互助小组", "bonus"),
        ("示范户", "bonus"),
        ("市场监管部门行政处罚", None),
        ("消费者投诉", None),
        ("严重失信主体名单", "serious"),
    ],
)
def test_shipped_catalogue_covers_required_indicator(words, severity):
    catalogue = available_catalogues()["2026.1"]
    found = [i for i in catalogue.indicators if words in i.name_zh]
    assert len(found) == 1, f"exactly one indicator should be about {words}"
    if severity:
        assert found[0].severity == severity


def test_shipped_catalogue_details(policy):
    catalogue = available_catalogues()["2026.1"]
    fake = catalogue.indicator("ZM01")
    assert fake.severity == "veto" and fake.admin_penalty and fake.points < 0
    cartons = catalogue.indicator("ZM11")
    assert cartons.banded and cartons.quantity_unit == "条 carton"
    assert [cartons.points_for(q) for q in (1, 9, 10, 49, 50, 500)] == [-6, -6, -12, -12, -18, -18]
    with pytest.raises(ValueError, match="quantity is required"):
        cartons.points_for(None)
    with pytest.raises(ValueError, match="outside every band"):
        cartons.points_for(0)
    assert catalogue.indicator("SH01").admin_penalty
    assert not catalogue.indicator("SH03").repair_rule(policy).repairable
    assert catalogue.indicator("ZM08").counts_months_under(policy) == 3
    assert not catalogue.indicator("ZM08").published_under(policy)
    assert catalogue.indicator("ZM14").counts_months_under(policy) == 12
    assert catalogue.indicator("ZM02").counts_months_under(policy) == 36
    assert catalogue.indicator("ZM01").repair_rule(policy).after_months == 12
    assert all(i.legal_basis.startswith(("《", "卷烟购销合同")) for i in catalogue.indicators)
    with pytest.raises(KeyError):
        catalogue.indicator("ZM00")


def test_shipped_policy_is_the_default_policy():
    policy = available_policies()["2026.1"]
    assert policy.base_score == 100 and policy.bonus_ceiling == 30
    assert [(g.grade, g.min_score) for g in policy.grades] == [
        ("AAA", 120), ("AA", 110), ("A", 100), ("B", 85), ("C", 70), ("D", None),
    ]
    assert {s.severity: s.counts_months for s in policy.severities} == {
        "minor": 3, "general": 12, "serious": 36, "veto": 36, "bonus": 12,
    }
    assert not policy.severity("minor").published and not policy.severity("minor").repairable
    assert policy.severity("general").publish_min_months == 3 == policy.severity("general").repair_after_months
    assert policy.severity("serious").publish_min_months == 12 == policy.severity("serious").repair_after_months
    assert policy.severity("veto").repairable and policy.severity("veto").repair_after_months == 12
    assert (policy.veto_grade, policy.veto_months) == ("D", 36)
    assert (policy.admin_penalty_cap.grade, policy.admin_penalty_cap.months) == ("A", 12)
    assert (policy.new_licence.months, policy.new_licence.max_grade) == (6, "A")
    table = {
        m.grade: (m.inspection_interval_days, m.random_draw_share, m.supply_coefficient) for m in policy.measures
    }
    assert table == {
        "AAA": (180, 0.02, 1.2), "AA": (120, 0.03, 1.1), "A": (90, 0.05, 1.0),
        "B": (60, 0.10, 0.9), "C": (30, 0.20, 0.7), "D": (14, 0.30, 0.0),
    }
    assert policy.measures_for("AAA").lists == ("red",) and policy.measures_for("D").lists == ("black",)
    assert policy.measures_for("B").warning_interview_days == 30
    assert "suspended pending review" in policy.measures_for("D").supply_note


def test_version_in_force_by_date(t123):
    assert catalogue_for(dt.date(2026, 6, 30), t123).version == "T1"
    assert catalogue_for(dt.date(2026, 7, 1), t123).version == "T2"
    assert catalogue_for(dt.date(2030, 1, 1), t123.values()).version == "T3"
    with pytest.raises(LookupError):
        catalogue_for(dt.date(2019, 12, 31), t123)
    policies = available_policies()
    assert policy_for(dt.date(2026, 1, 1), policies).version == "2026.1"
    with pytest.raises(LookupError):
        policy_for(dt.date(2025, 12, 31), policies)


def test_load_from_path_and_text_agree():
    from_path = load_catalogue(CATALOGUE_DIR / "2026.1.yaml")
    from_text = load_catalogue(SHIPPED_CATALOGUE)
    assert from_path == from_text
    assert load_policy(str(POLICY_DIR / "2026.1.yaml")) == load_policy(SHIPPED_POLICY)


def test_scoring_package_imports_only_stdlib_and_yaml():
    allowed = set(sys.stdlib_module_names) | {"yaml", "scoring"}
    for path in Path(scoring.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


# ---------------------------------------------------------------- bad catalogues


BAD_CATALOGUES = [
    # (what, old text, new text, text on the expected line ("# HERE" marks it when not unique), message part)
    (
        "unknown key",
        "    name_en: Licence not displayed in the shop\n",
        "    name_en: Licence not displayed in the shop\n    colour: red\n",
        "colour: red",
        "unknown key 'colour'",
    ),
    ("missing key", "    name_en: Licence details out of date (change not filed)\n", "", "- code: ZM10", "missing key(s) name_en"),
    ("duplicate code", "  - code: ZM13\n", "  - code: ZM12  # HERE\n", "# HERE", "duplicate code ZM12"),
    ("wrong type", "    points: -40\n", "    points: thirty\n", "points: thirty", "must be an integer"),
    (
        "severity does not match points (minor)",
        "    points: -2\n    legal_basis: 《烟草专卖许可证管理办法》",
        "    points: -8  # HERE\n    legal_basis: 《烟草专卖许可证管理办法》",
        "# HERE",
        "severity minor does not match points -8",
    ),
    ("severity does not match points (serious)", "    points: -25\n", "    points: -15\n", "points: -15", "severity serious does not match points -15"),
    (
        "bonus with negative points",
        "    points: 10\n    legal_basis: 《淮安市烟草专卖信用监管实施方案》",
        "    points: -10  # HERE\n    legal_basis: 《淮安市烟草专卖信用监管实施方案》",
        "# HERE",
        "a bonus must add points",
    ),
    (
        "overlapping bands",
        "{min_quantity: 10, max_quantity: 49, points: -12}",
        "{min_quantity: 9, max_quantity: 49, points: -12}",
        "min_quantity: 9,",
        "bands overlap",
    ),
    (
        "gapped bands",
        "{min_quantity: 50, max_quantity: null, points: -18}",
        "{min_quantity: 60, max_quantity: null, points: -18}",
        "min_quantity: 60",
        "gap between bands (50 to 59",
    ),
    (
        "open band not last",
        "{min_quantity: 10, max_quantity: 49, points: -12}",
        "{min_quantity: 10, max_quantity: null, points: -12}",
        "min_quantity: 50",
        "only the last band may be open-ended",
    ),
    (
        "band points do not match severity",
        "{min_quantity: 50, max_quantity: null, points: -18}",
        "{min_quantity: 50, max_quantity: null, points: -25}  # HERE",
        "# HERE",
        "severity general does not match points -25",
    ),
    (
        "unknown dimension",
        "  - code: YX03\n    dimension: marketing\n",
        "  - code: YX03\n    dimension: pricing\n",
        "dimension: pricing",
        "unknown dimension 'pricing'",
    ),
    (
        "unknown severity",
        "    severity: veto\n",
        "    severity: grave\n",
        "severity: grave",
        "unknown severity 'grave'",
    ),
    (
        "code prefix against dimension",
        "  - code: SH02\n    dimension: social\n",
        "  - code: YX99\n    dimension: social  # HERE\n",
        "# HERE",
        "code prefix YX belongs to dimension marketing",
    ),
    (
        "both points and bands",
        "    quantity_unit: 条 carton\n",
        "    quantity_unit: 条 carton\n    points: -6\n",
        "- code: ZM11",
        "either points or bands",
    ),
    ("banded without unit", "    quantity_unit: 条 carton\n", "", "- code: ZM11", "needs quantity_unit"),
    ("unquoted version", 'version: "2026.1"', "version: 2026.1", "version: 2026.1", "quote it"),
    ("bad date", "effective_from: 2026-01-01", "effective_from: next year", "effective_from: next year", "must be a date"),
    (
        "repeated key in one indicator",
        "    legal_basis: 《中华人民共和国未成年人保护法》《中华人民共和国烟草专卖法》\n",
        "    legal_basis: 《中华人民共和国未成年人保护法》《中华人民共和国烟草专卖法》\n    severity: minor  # HERE\n",
        "# HERE",
        "key 'severity' appears twice",
    ),
    ("not YAML", "    name_zh: 出租、出借、转让烟草专卖许可证\n", "    name_zh: [出租、出借\n", None, "not valid YAML"),
]


@pytest.mark.parametrize("what, old, new, marker, fragment", BAD_CATALOGUES, ids=[c[0] for c in BAD_CATALOGUES])
def test_bad_catalogue_refuses_with_line(what, old, new, marker, fragment):
    text = edit(SHIPPED_CATALOGUE, old, new)
    with pytest.raises(CatalogueError) as info:
        load_catalogue(text, source="bad.yaml")
    message = str(info.value)
    assert fragment in message, message
    if marker is None:  # a syntax error: the parser's own line
        assert isinstance(info.value.line, int) and message.startswith(f"bad.yaml, line {info.value.line}:")
        return
    expected = line_of(text, marker)
    assert info.value.line == expected, message
    assert message.startswith(f"bad.yaml, line {expected}:")


def test_bad_catalogue_file_names_the_file(tmp_path):
    path = tmp_path / "9999.1.yaml"
    path.write_text(edit(SHIPPED_CATALOGUE, "    points: -40\n", "    points: thirty\n"), encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    assert str(path) in str(info.value)
    assert info.value.line == line_of(path.read_text(encoding="utf-8"), "points: thirty")


def test_empty_catalogue_refuses():
    with pytest.raises(CatalogueError, match="line 1: the file is empty"):
        load_catalogue("", source="empty.yaml")
    with pytest.raises(CatalogueError, match="line 3: indicators: the list is empty"):
        load_catalogue('version: "X"\neffective_from: 2026-01-01\nindicators: []\n', source="x.yaml")


# ---------------------------------------------------------------- bad policies

BAD_POLICIES = [
    ("grades not descending", "{grade: AA, min_score: 110}", "{grade: AA, min_score: 125}", "grade: AA,", "strictly descending"),
    ("worst grade bounded", "{grade: D, min_score: null}", "{grade: D, min_score: 0}", "grade: D,", "must have min_score: null"),
    ("null in the middle", "{grade: B, min_score: 85}", "{grade: B, min_score: null}", "grade: B,", "only the worst grade"),
    ("duplicate grade", "{grade: C, min_score: 70}", "{grade: B, min_score: 70}", "{grade: B, min_score: 70}", "appears twice"),
    ("unknown top key", "bonus_ceiling: 30\n", "bonus_ceiling: 30\nbonus_floor: 0\n", "bonus_floor", "unknown key 'bonus_floor'"),
    ("wrong type", "veto_months: 36", "veto_months: three years", "veto_months:", "must be an integer"),
    ("unknown veto grade", "veto_grade: D", "veto_grade: E", "veto_grade:", "'E' is not one of the grades"),
    (
        "cap grade unknown",
        "admin_penalty_cap: {grade: A, months: 12}",
        "admin_penalty_cap: {grade: A+, months: 12}",
        "admin_penalty_cap:",
        "not one of the grades",
    ),
    ("share above one", "random_draw_share: 0.30", "random_draw_share: 1.30", "random_draw_share: 1.30", "between 0 and 1"),
    ("unknown list", "lists: [black]", "lists: [grey]", "lists: [grey]", "'grey' is not one of red, black"),
    (
        "repairable without period",
        "    repairable: true\n    repair_after_months: 3\n",
        "    repairable: true\n    repair_after_months: null  # HERE\n",
        "# HERE",
        "need repair_after_months",
    ),
    ("counts_months zero", "    counts_months: 3\n", "    counts_months: 0\n", "counts_months: 0", "at least 1"),
    ("unknown severity", "  bonus:      # 加分\n", "  extra:      # 加分\n", "  extra:", "unknown key 'extra'"),
    ("top key missing", "veto_months: 36\n", "", "version:", "missing key(s) veto_months"),
]


@pytest.mark.parametrize("what, old, new, marker, fragment", BAD_POLICIES, ids=[c[0] for c in BAD_POLICIES])
def test_bad_policy_refuses_with_line(what, old, new, marker, fragment):
    text = edit(SHIPPED_POLICY, old, new)
    with pytest.raises(PolicyError) as info:
        load_policy(text, source="policy.yaml")
    message = str(info.value)
    assert fragment in message, message
    expected = line_of(text, marker)
    assert info.value.line == expected, message
    assert message.startswith(f"policy.yaml, line {expected}:")


def test_policy_measures_must_cover_every_grade():
    text = SHIPPED_POLICY[: SHIPPED_POLICY.index("  D:\n    regime_zh")]
    with pytest.raises(PolicyError) as info:
        load_policy(text, source="p.yaml")
    assert "measures: missing key(s) D" in str(info.value)
    assert info.value.line == line_of(text, "  AAA:")  # where the measures mapping starts
