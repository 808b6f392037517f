"""The ordering system's monthly figures: each licence's base tier (1-30, and the city's letter class
where it has one) and the month's order amount and cartons, from a CSV file (upload page or the
ordering system's API token).

Same rules as the credit-record import: the file is parsed strictly (app.credit.imports), a dry run
checks every row and reports every bad one with its line number and column and writes nothing; a real
run writes nothing unless every row is good. One row per licence and month: sending the same file
again changes nothing (idempotent); a row whose figures differ from those stored replaces them, and
the import's audit entry counts created, updated and unchanged rows with the file's SHA-256."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select, tuple_

from app.audit.services import lock_chain, record as audit
from app.common.errors import ServiceError
from app.common.time import utcnow
from app.credit.imports import Layout, RowError, read_table, row_values
from app.extensions import db
from app.retailers.models import Retailer
from app.service.models import OrderingFigure

COLUMNS = ("licence_no", "month", "base_tier", "class_code", "order_amount", "order_cartons")
REQUIRED = ("licence_no", "month", "base_tier")
ALIASES = {"许可证号": "licence_no", "许可证编号": "licence_no", "月份": "month", "统计月份": "month",
           "档位": "base_tier", "客户档位": "base_tier", "分类": "class_code", "客户分类": "class_code",
           "订货金额": "order_amount", "订货金额（元）": "order_amount", "订货量": "order_cartons",
           "订货量（条）": "order_cartons"}
ZH = {"licence_no": "许可证号", "month": "月份", "base_tier": "档位", "class_code": "客户分类",
      "order_amount": "订货金额（元）", "order_cartons": "订货量（条）"}
MAX_ROWS = 50000
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")
# 业态-市场类型-规模: market C 城镇 / X 乡村, format Z 食杂 B 便利 S 超市 N 商场 Y 烟酒 F 娱乐 Q 其他, scale 1-3
_CLASS = re.compile(r"^([CX][ZBSNYFQ][1-3]|[A-E])$")
LAYOUT = Layout(COLUMNS, ALIASES, REQUIRED, MAX_ROWS)


@dataclass
class FiguresResult:
    dry_run: bool
    encoding: str | None = None
    rows: int = 0
    valid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    months: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class FiguresRejected(ServiceError):
    """A real run with bad rows: nothing was written; ``result`` lists every bad row (422)."""

    def __init__(self, result: FiguresResult):
        super().__init__({"file": [_("Nothing was imported: %(n)d rows have errors.",
                                     n=len({e.row for e in result.errors}))]}, status=422,
                         details={"result": result_dict(result)})
        self.result = result


def parse_month(value: str) -> str | None:
    value = (value or "").strip()
    m = _MONTH.match(value) or _COMPACT_MONTH.match(value)
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        return None
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def _amount_fen(value: str) -> int | None:
    value = (value or "").strip().replace(",", "")
    if not value:
        return 0
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", value):
        raise ValueError(value)
    whole, _dot, cents = value.partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


def _whole(value: str, low: int, high: int, default=None) -> int | None:
    value = (value or "").strip().replace(",", "")
    if not value:
        return default
    number = float(value)
    if number != int(number) or not low <= number <= high:
        raise ValueError(value)
    return int(number)


def in_scope(actor, retailer: Retailer) -> bool:
    if actor.role in ("admin", "ordering") or actor.is_city_level:
        return True
    return retailer.unit_id == actor.unit_id


def check(data: bytes, *, actor) -> tuple[FiguresResult, list[dict]]:
    result = FiguresResult(dry_run=True)
    names, raw_rows = read_table(data, result, LAYOUT)
    if names is None:
        return result, []
    li = names.index("licence_no")
    numbers = sorted({cells[li].strip() for _l, cells in raw_rows if li < len(cells) and cells[li].strip()})
    retailers = {}
    for start in range(0, len(numbers), 1000):
        for r in db.session.scalars(select(Retailer).where(Retailer.licence_no.in_(numbers[start:start + 1000]))):
            if in_scope(actor, r):
                retailers[r.licence_no] = r
    seen, good = {}, []
    for line, cells in raw_rows:
        before = len(result.errors)

        def err(column, message, _line=line):
            result.errors.append(RowError(_line, column, message))

        values = row_values(names, cells, LAYOUT, err)
        retailer = retailers.get(values["licence_no"]) if values["licence_no"] else None
        if values["licence_no"] and retailer is None:
            err("licence_no", _("Unknown licence number: %(n)s", n=values["licence_no"]))
        month = parse_month(values["month"]) if values["month"] else None
        if values["month"] and month is None:
            err("month", _("Not a valid month (use YYYY-MM): %(value)s", value=values["month"]))
        tier = None
        if values["base_tier"]:
            try:
                tier = _whole(values["base_tier"], 1, 30)
            except ValueError:
                err("base_tier", _("A tier is a whole number from 1 to 30."))
        code = values["class_code"].upper() or None
        if code and not _CLASS.match(code):
            err("class_code", _("A class is market (C or X), format (Z, B, S, N, Y, F or Q) and scale (1-3), "
                                "e.g. CZ1, or a plain class from A to E."))
        try:
            amount = _amount_fen(values["order_amount"])
        except ValueError:
            err("order_amount", _("An amount in yuan, at most two decimals, e.g. 12345.60."))
            amount = 0
        try:
            cartons = _whole(values["order_cartons"], 0, 10_000_000, default=0)
        except ValueError:
            err("order_cartons", _("A whole number of cartons."))
            cartons = 0
        if retailer is not None and month is not None:
            key = (retailer.id, month)
            if key in seen:
                err("licence_no", _("The same licence and month is already on row %(row)d.", row=seen[key]))
            else:
                seen[key] = line
        if len(result.errors) == before:
            good.append({"retailer_id": retailer.id, "month": month, "base_tier": tier, "class_code": code,
                         "order_amount_fen": amount, "order_cartons": cartons})
    result.valid = len(good)
    result.months = sorted({g["month"] for g in good})
    return result, good


_COMPARED = ("base_tier", "class_code", "order_amount_fen", "order_cartons")


def run(data: bytes, *, actor, dry_run: bool, source: str, filename: str | None = None) -> FiguresResult:
    """Check the file; unless a dry run, write every row (all or nothing). The caller commits."""
    result, good = check(data, actor=actor)
    result.dry_run = dry_run
    if dry_run:
        _count(result, good)
        return result
    if result.errors:
        raise FiguresRejected(result)
    lock_chain()  # serialises importers: the counts below are exact
    existing = _count(result, good)
    now = utcnow()
    for values in good:
        row = existing.get((values["retailer_id"], values["month"]))
        if row is None:
            db.session.add(OrderingFigure(**values, source=source, imported_at=now, imported_by_id=actor.id))
        elif any(getattr(row, k) != values[k] for k in _COMPARED):
            for k in _COMPARED:
                setattr(row, k, values[k])
            row.source, row.imported_at, row.imported_by_id = source, now, actor.id
    db.session.flush()
    audit("ordering_figures.import", "OrderingFigure", None, actor=actor, after={
        "file": filename, "sha256": hashlib.sha256(data).hexdigest(), "source": source, "rows": result.rows,
        "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
        "months": result.months})
    return result


def _count(result, good) -> dict:
    keys = [(g["retailer_id"], g["month"]) for g in good]
    existing = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        for row in db.session.scalars(select(OrderingFigure).where(
                tuple_(OrderingFigure.retailer_id, OrderingFigure.month).in_(chunk))):
            existing[(row.retailer_id, row.month)] = row
    for g in good:
        row = existing.get((g["retailer_id"], g["month"]))
        if row is None:
            result.created += 1
        elif any(getattr(row, k) != g[k] for k in _COMPARED):
            result.updated += 1
        else:
            result.unchanged += 1
    return existing


def result_dict(result: FiguresResult) -> dict:
    return {"ok": result.ok, "dry_run": result.dry_run, "encoding": result.encoding, "rows": result.rows,
            "valid": result.valid, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "months": result.months,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors]}
