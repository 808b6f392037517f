"""The indicator catalogue (信用评价指标体系): versioned list of what counts for or against a retailer.

Each version is a YAML file under `scoring/catalogues/`. A record keeps the version it was
made under; the engine may apply a later, lighter version (从旧兼从轻).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ._yaml import DataFileError, Reader, read_text
from .policy import SEVERITIES, GradePolicy

CATALOGUE_DIR = Path(__file__).parent / "catalogues"

DIMENSIONS = ("monopoly", "marketing", "social")
"""专卖 monopoly compliance, 营销 marketing integrity, 社会 third-party findings."""

CODE_PREFIX = {"ZM": "monopoly", "YX": "marketing", "SH": "social"}

SEVERITY_POINTS: dict[str, tuple[int | None, int | None]] = {
    "minor": (-5, -1),  # 轻微: at most 5 points deducted
    "general": (-19, -6),  # 一般: in between
    "serious": (None, -20),  # 严重: at least 20 points deducted
    "veto": (None, 0),  # 否决: the grade is the veto grade; any deduction (or none)
    "bonus": (1, None),  # 加分
}
"""Allowed points per severity class (the definition of the classes, not a tunable)."""


class CatalogueError(DataFileError):
    """A catalogue file refused to load (message names the file and the line)."""


@dataclass(frozen=True)
class Band:
    """Points for a quantity range, both ends inclusive; max_quantity None = open-ended."""

    min_quantity: int
    max_quantity: int | None
    points: int

    def contains(self, quantity: int) -> bool:
        return quantity >= self.min_quantity and (self.max_quantity is None or quantity <= self.max_quantity)


@dataclass(frozen=True)
class RepairRule:
    repairable: bool
    after_months: int | None  # minimum period before a repair may be asked for


@dataclass(frozen=True)
class Indicator:
    code: str
    dimension: str
    name_zh: str
    name_en: str
    severity: str
    legal_basis: str
    points: int | None = None
    bands: tuple[Band, ...] = ()
    quantity_unit: str | None = None
    counts_months: int | None = None  # None: the policy's period for the severity
    repairable: bool | None = None  # None: the policy's rule for the severity
    repair_after_months: int | None = None
    admin_penalty: bool = False
    published: bool | None = None
    line: int = field(default=0, compare=False)

    @property
    def banded(self) -> bool:
        return bool(self.bands)

    @property
    def is_bonus(self) -> bool:
        return self.severity == "bonus"

    def points_for(self, quantity: int | None = None) -> int:
        """Points for one record; a banded indicator needs the quantity (ValueError otherwise)."""
        if not self.bands:
            return self.points
        if quantity is None:
            raise ValueError(f"indicator {self.code} is banded by {self.quantity_unit}: a quantity is required")
        for band in self.bands:
            if band.contains(quantity):
                return band.points
        raise ValueError(f"indicator {self.code}: quantity {quantity} is outside every band")

    def counts_months_under(self, policy: GradePolicy) -> int:
        return self.counts_months or policy.severity(self.severity).counts_months

    def repair_rule(self, policy: GradePolicy) -> RepairRule:
        default = policy.severity(self.severity)
        repairable = default.repairable if self.repairable is None else self.repairable
        if not repairable:
            return RepairRule(False, None)
        after = self.repair_after_months
        if after is None:
            after = default.repair_after_months or 0
        return RepairRule(True, after)

    def published_under(self, policy: GradePolicy) -> bool:
        return policy.severity(self.severity).published if self.published is None else self.published


@dataclass(frozen=True)
class Catalogue:
    version: str
    effective_from: dt.date
    indicators: tuple[Indicator, ...]
    source: str = field(default="", compare=False)
    _by_code: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_by_code", {i.code: i for i in self.indicators})

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self._by_code)

    def indicator(self, code: str) -> Indicator:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"catalogue {self.version} has no indicator '{code}'") from None


# ---------------------------------------------------------------- loading

_INDICATOR_REQUIRED = ("code", "dimension", "name_zh", "name_en", "severity", "legal_basis")
_INDICATOR_OPTIONAL = (
    "points", "bands", "quantity_unit", "counts_months", "repairable", "repair_after_months",
    "admin_penalty", "published",
)
_CODE = re.compile(r"^(ZM|YX|SH)\d{2,3}$")


def load_catalogue(text_or_path: str | Path, *, source: str | None = None) -> Catalogue:
    """Load and validate a catalogue from YAML text or a file path; raise `CatalogueError` if bad."""
    name, text = read_text(text_or_path, source)
    r = Reader(name, CatalogueError)
    top = r.mapping(r.compose(text), "catalogue", required=("version", "effective_from", "indicators"))
    version = r.scalar(top["version"], str, "version")
    effective_from = r.scalar(top["effective_from"], dt.date, "effective_from")
    items = r.sequence(top["indicators"], "indicators")
    if not items:
        r.fail(top["indicators"], "indicators: the list is empty")
    indicators: list[Indicator] = []
    first_line: dict[str, int] = {}
    for node in items:
        indicator = _read_indicator(r, node)
        if indicator.code in first_line:
            r.fail(node, f"duplicate code {indicator.code} (first defined on line {first_line[indicator.code]})")
        first_line[indicator.code] = indicator.line
        indicators.append(indicator)
    return Catalogue(version, effective_from, tuple(indicators), source=name)


def _read_indicator(r: Reader, node) -> Indicator:
    line = r.line(node)
    entry = r.mapping(node, f"indicator at line {line}", required=_INDICATOR_REQUIRED, optional=_INDICATOR_OPTIONAL)
    code = r.scalar(entry["code"], str, "code")
    if not _CODE.match(code):
        r.fail(entry["code"], f"code '{code}' must be ZM, YX or SH followed by 2-3 digits")
    what = f"indicator {code}"

    dimension = r.scalar(entry["dimension"], str, f"{what}: dimension")
    if dimension not in DIMENSIONS:
        r.fail(entry["dimension"], f"{what}: unknown dimension '{dimension}' (one of {', '.join(DIMENSIONS)})")
    if CODE_PREFIX[code[:2]] != dimension:
        r.fail(entry["dimension"], f"{what}: code prefix {code[:2]} belongs to dimension {CODE_PREFIX[code[:2]]}")
    severity = r.scalar(entry["severity"], str, f"{what}: severity")
    if severity not in SEVERITIES:
        r.fail(entry["severity"], f"{what}: unknown severity '{severity}' (one of {', '.join(SEVERITIES)})")

    points = None
    bands: tuple[Band, ...] = ()
    if ("points" in entry) == ("bands" in entry):
        r.fail(node, f"{what}: give either points or bands (exactly one)")
    if "points" in entry:
        points = r.scalar(entry["points"], int, f"{what}: points")
        _check_points(r, entry["points"], what, severity, points)
        if "quantity_unit" in entry:
            r.fail(entry["quantity_unit"], f"{what}: quantity_unit is only for banded indicators")
        unit = None
    else:
        bands = _read_bands(r, entry["bands"], what, severity)
        if "quantity_unit" not in entry:
            r.fail(node, f"{what}: a banded indicator needs quantity_unit")
        unit = r.scalar(entry["quantity_unit"], str, f"{what}: quantity_unit")

    counts = r.whole(entry["counts_months"], f"{what}: counts_months", minimum=1) if "counts_months" in entry else None
    repairable = r.scalar(entry["repairable"], bool, f"{what}: repairable") if "repairable" in entry else None
    after = None
    if "repair_after_months" in entry:
        after = r.whole(entry["repair_after_months"], f"{what}: repair_after_months")
        if repairable is False:
            r.fail(entry["repair_after_months"], f"{what}: repair_after_months given but repairable is false")
    if severity == "bonus" and repairable:
        r.fail(entry["repairable"], f"{what}: a bonus cannot be repairable")
    if repairable and after is None and severity in ("minor", "bonus"):
        r.fail(entry["repairable"], f"{what}: repairable {severity} indicator needs repair_after_months")
    admin_penalty = r.scalar(entry["admin_penalty"], bool, f"{what}: admin_penalty") if "admin_penalty" in entry else False
    if admin_penalty and severity == "bonus":
        r.fail(entry["admin_penalty"], f"{what}: a bonus cannot be an administrative penalty")

    return Indicator(
        code=code,
        dimension=dimension,
        name_zh=r.scalar(entry["name_zh"], str, f"{what}: name_zh"),
        name_en=r.scalar(entry["name_en"], str, f"{what}: name_en"),
        severity=severity,
        legal_basis=r.scalar(entry["legal_basis"], str, f"{what}: legal_basis"),
        points=points,
        bands=bands,
        quantity_unit=unit,
        counts_months=counts,
        repairable=repairable,
        repair_after_months=after,
        admin_penalty=admin_penalty,
        published=r.scalar(entry["published"], bool, f"{what}: published") if "published" in entry else None,
        line=r.line(node),
    )


def _check_points(r: Reader, node, what: str, severity: str, points: int) -> None:
    low, high = SEVERITY_POINTS[severity]
    if (low is not None and points < low) or (high is not None and points > high):
        if severity == "bonus":
            rule = "a bonus must add points (> 0)"
        elif severity == "veto":
            rule = "a veto may deduct points but never add any"
        elif low is None:
            rule = f"{severity} means at least {-high} points deducted (points <= {high})"
        else:
            rule = f"{severity} means {-high} to {-low} points deducted ({low} <= points <= {high})"
        r.fail(node, f"{what}: severity {severity} does not match points {points}: {rule}")


def _read_bands(r: Reader, node, what: str, severity: str) -> tuple[Band, ...]:
    items = r.sequence(node, f"{what}: bands")
    if not items:
        r.fail(node, f"{what}: bands is empty")
    bands: list[Band] = []
    for i, item in enumerate(items):
        entry = r.mapping(item, f"{what}: band {i + 1}", required=("min_quantity", "max_quantity", "points"))
        low = r.whole(entry["min_quantity"], f"{what}: min_quantity", minimum=1)
        high = r.whole(entry["max_quantity"], f"{what}: max_quantity", minimum=1, nullable=True)
        points = r.scalar(entry["points"], int, f"{what}: band points")
        _check_points(r, entry["points"], what, severity, points)
        if high is not None and high < low:
            r.fail(entry["max_quantity"], f"{what}: band {low}-{high} ends before it starts")
        if bands:
            previous = bands[-1]
            if previous.max_quantity is None:
                r.fail(item, f"{what}: only the last band may be open-ended (max_quantity: null)")
            if low <= previous.max_quantity:
                r.fail(entry["min_quantity"], f"{what}: bands overlap ({low} is already in the band ending at {previous.max_quantity})")
            if low > previous.max_quantity + 1:
                r.fail(entry["min_quantity"], f"{what}: gap between bands ({previous.max_quantity + 1} to {low - 1} not covered)")
        bands.append(Band(low, high, points))
    return tuple(bands)


# ---------------------------------------------------------------- shipped versions


def available_catalogues() -> dict[str, Catalogue]:
    """The shipped catalogue versions (scoring/catalogues/*.yaml), by version, oldest first."""
    return dict(_shipped_catalogues())


@lru_cache(maxsize=1)
def _shipped_catalogues() -> tuple[tuple[str, Catalogue], ...]:
    loaded = []
    for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
        catalogue = load_catalogue(path)
        if catalogue.version != path.stem:
            raise CatalogueError(str(path), None, f"version '{catalogue.version}' does not match the file name")
        loaded.append(catalogue)
    loaded.sort(key=lambda c: c.effective_from)
    return tuple((c.version, c) for c in loaded)


def catalogue_for(as_of: dt.date, catalogues: Mapping[str, Catalogue] | Iterable[Catalogue]) -> Catalogue:
    """The catalogue in force on `as_of`: the latest effective_from <= as_of."""
    items = catalogues.values() if isinstance(catalogues, Mapping) else catalogues
    in_force = [c for c in items if c.effective_from <= as_of]
    if not in_force:
        raise LookupError(f"no indicator catalogue is in force on {as_of.isoformat()}")
    return max(in_force, key=lambda c: c.effective_from)
