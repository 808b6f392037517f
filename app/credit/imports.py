"""Bulk entry of confirmed credit records from a CSV file (e.g. the month's late payments 逾期结算).

Columns (header row, any order): licence_no, indicator_code, occurred_on, quantity, decided_on,
case_number, description, and for an administrative penalty penalty_kinds, penalty_content,
penalty_amount (codes or the legal names of app.credit.penalty.KINDS separated by ';', what was decided,
the fine and confiscated amount in yuan); the Chinese headers 许可证号, 指标代码, 发生日期, 数量, 决定日期,
案号, 说明, 处罚类别, 处罚内容, 罚没金额 are accepted too. UTF-8 with or without BOM, or GBK/GB18030 (what Excel in China saves).

The file is parsed strictly (csv with strict=True): a quote that is never closed, text after a closing
quote, a NUL character, a row with fewer cells than the header, or a quote or line break inside any
cell but the description refuses the whole file, naming the line where the broken row starts.

A dry run checks every row and reports every bad one (row number as in the spreadsheet, column,
message in the user's language) and writes nothing. A real run writes nothing unless every row
is good; then it creates all records in the caller's transaction and recomputes the live grades
of every licence they reach, once each.
"""
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import lock_chain, record as audit
from app.common.errors import ServiceError
from app.common.time import local_today
from app.credit import facts, grading, penalty, recording, versions
from app.extensions import db
from app.retailers.models import Retailer

COLUMNS = ("licence_no", "indicator_code", "occurred_on", "quantity", "decided_on", "case_number", "description",
           "penalty_kinds", "penalty_content", "penalty_amount")
REQUIRED = ("licence_no", "indicator_code", "occurred_on", "decided_on")
ALIASES = {
    "许可证号": "licence_no", "许可证编号": "licence_no", "指标代码": "indicator_code", "指标": "indicator_code",
    "发生日期": "occurred_on", "数量": "quantity", "决定日期": "decided_on", "认定日期": "decided_on",
    "案号": "case_number", "文书号": "case_number", "说明": "description", "描述": "description", "备注": "description",
    "处罚类别": "penalty_kinds", "处罚内容": "penalty_content", "罚没金额": "penalty_amount",
}
MAX_ROWS = 5000
# Which column a service error on a field belongs to.
FIELD_COLUMN = {"retailer_id": "licence_no", "status": "indicator_code", "source": "indicator_code",
                "lat": "description", "evidence": "description"}

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@dataclass
class RowError:
    row: int
    column: str
    message: str
    existing_record_id: int | None = None  # a duplicate: the record that already holds the fact


@dataclass
class ImportResult:
    dry_run: bool
    encoding: str | None = None
    rows: int = 0
    valid: int = 0
    created: int = 0
    errors: list = field(default_factory=list)
    record_ids: list = field(default_factory=list)
    retailers: int = 0
    grade_changes: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRejected(ServiceError):
    """A real run with bad rows: nothing was written. ``result`` lists every bad row. The status is 409
    when every bad row is a fact already recorded (the file conflicts with what is stored), else 422."""

    def __init__(self, result: ImportResult):
        from app.credit.schemas import CreditImportResultSchema

        only_duplicates = bool(result.errors) and all(e.existing_record_id for e in result.errors)
        super().__init__({"file": [_("Nothing was imported: %(n)d rows have errors.", n=len(
            {e.row for e in result.errors}))]}, status=409 if only_duplicates else 422,
            details={"result": CreditImportResultSchema().dump(result_dict(result))})
        self.result = result


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (BOM or not) first, then GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), ("utf-8" if encoding == "utf-8-sig" else "gbk")
        except UnicodeDecodeError:
            continue
    raise ValueError("undecodable")


def parse_date(value: str) -> date | None:
    """2026-03-02, 2026/3/2, 2026.3.2, 20260302 or 2026年3月2日; None if blank; ValueError if bad."""
    value = (value or "").strip()
    if not value:
        return None
    m = _DATE.match(value) or _COMPACT_DATE.match(value)
    if not m:
        raise ValueError(value)
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def parse_quantity(value: str) -> int | None:
    value = (value or "").strip().replace(",", "")
    if not value:
        return None
    number = float(value)  # Excel may write 12 as 12.0
    if number != int(number):
        raise ValueError(value)
    return int(number)


class CsvBroken(Exception):
    """The file is not well-formed CSV from ``line`` on (where the broken row starts)."""

    def __init__(self, line: int, problem: str):
        super().__init__(problem)
        self.line = line
        if "end of data" in problem:
            self.message = _("A quoted cell opened on line %(line)d is never closed: a quote (\") is missing. Nothing "
                             "after it can be read, so nothing is imported.", line=line)
        elif "expected after" in problem:
            self.message = _("Line %(line)d: a quote (\") inside a quoted cell must be written twice (\"\").",
                             line=line)
        elif "NUL" in problem:
            self.message = _("Line %(line)d holds a NUL character: this is not a text file.", line=line)
        else:
            self.message = _("Line %(line)d is not valid CSV.", line=line)


def _strict_rows(text: str):
    """(first line of the row, cells) for each row, parsed strictly: a quote that is never closed, or
    text after a closing quote, raises CsvBroken naming the line where that row starts (the lenient
    parser would swallow the rest of the file into one cell, e.g. a case number)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvBroken(start, str(exc)) from None
        if any("\x00" in cell for cell in cells):  # Python's csv lets it through; PostgreSQL text cannot hold it
            raise CsvBroken(start, "line contains NUL")
        yield start, cells


@dataclass(frozen=True)
class Layout:
    """What a CSV import accepts: its columns, the Chinese (or other) headers taken for them, the
    required ones, the most rows per file, and the columns whose cells may hold quotes or line breaks."""
    columns: tuple
    aliases: dict
    required: tuple
    max_rows: int
    free_text: tuple = ()


def read_header(cells, result, layout: Layout) -> list | None:
    names, seen = [], set()
    for cell in cells:
        raw = (cell or "").strip().lstrip("\ufeff")
        name = layout.aliases.get(raw, raw.lower().replace(" ", "_"))
        if not raw:
            names.append(None)
            continue
        if name not in layout.columns:
            result.errors.append(RowError(1, raw, _("Unknown column %(name)s. The columns are: %(columns)s.",
                                                     name=raw, columns=", ".join(layout.columns))))
        elif name in seen:
            result.errors.append(RowError(1, raw, _("Column %(name)s appears twice.", name=raw)))
        seen.add(name)
        names.append(name if name in layout.columns else None)
    for name in layout.required:
        if name not in seen:
            result.errors.append(RowError(1, name, _("The column %(name)s is missing.", name=name)))
    return None if result.errors else names


def read_table(data: bytes, result, layout: Layout) -> tuple[list | None, list]:
    """Decode and parse a whole file strictly: returns the column names and the non-empty rows as
    (line, cells), or (None, []) with the reasons in ``result.errors``. Sets ``result.encoding`` and
    ``result.rows``."""
    try:
        text, result.encoding = decode(data)
    except ValueError:
        result.errors.append(RowError(0, "file", _("The file is not text in UTF-8 or GBK. Save it as CSV.")))
        return None, []
    rows = _strict_rows(text)
    try:
        first = next(rows, None)
    except CsvBroken as exc:
        result.errors.append(RowError(exc.line, "file", exc.message))
        return None, []
    header = first[1] if first else None
    if not header or not any((c or "").strip() for c in header):
        result.errors.append(RowError(1, "file", _("The file is empty: the first row must name the columns.")))
        return None, []
    names = read_header(header, result, layout)
    if names is None:
        return None, []
    raw_rows = []
    try:
        for line, cells in rows:
            if not any((c or "").strip() for c in cells):
                continue
            raw_rows.append((line, cells))
            if len(raw_rows) > layout.max_rows:
                result.errors.append(RowError(line, "file", _(
                    "At most %(n)d rows per file; split the file.", n=layout.max_rows)))
                return None, []
    except CsvBroken as exc:  # the whole file is refused: what follows a broken quote cannot be trusted
        result.errors.append(RowError(exc.line, "file", exc.message))
        return None, []
    result.rows = len(raw_rows)
    if not raw_rows:
        result.errors.append(RowError(2, "file", _("The file has no data rows.")))
        return None, []
    return names, raw_rows


def row_values(names, cells, layout: Layout, err) -> dict:
    """One row's cells by column name (stripped), reporting through ``err(column, message)`` a row
    whose cell count differs from the header, a quote or line break outside free-text columns, and
    a missing required value."""
    values = {name: "" for name in layout.columns}
    if len(cells) > len(names) and any(c.strip() for c in cells[len(names):]):
        err("file", _("This row has more cells than the header has columns."))
    elif len(cells) < len(names):
        err("file", _("This row has fewer cells than the header has columns: a separator or a quote is "
                      "missing."))
    for name, cell in zip(names, cells):
        if name:
            values[name] = (cell or "").strip()
            if name not in layout.free_text and any(ch in values[name] for ch in '"\r\n'):
                err(name, _("This cell holds a quote (\") or a line break: the quoting of the file is broken. "
                            "Save the file again as CSV."))
    for name in layout.required:
        if not values[name]:
            err(name, _("Missing data for required field."))
    return values


LAYOUT = Layout(COLUMNS, ALIASES, REQUIRED, MAX_ROWS, free_text=("description",))


def check(data: bytes, *, actor) -> tuple[ImportResult, list[dict]]:
    """Parse and check every row. Returns the result (with every error) and the good rows' values."""
    result = ImportResult(dry_run=True)
    names, raw_rows = read_table(data, result, LAYOUT)
    if names is None:
        return result, []

    # One query for every licence named in the file, limited to what the actor may reach.
    numbers = set()
    for _line, cells in raw_rows:
        for name, cell in zip(names, cells):
            if name == "licence_no" and cell.strip():
                numbers.add(cell.strip())
    retailers = {}
    for start in range(0, len(numbers), 1000):
        chunk = sorted(numbers)[start:start + 1000]
        for r in db.session.scalars(select(Retailer).where(Retailer.licence_no.in_(chunk))):
            if recording.in_scope(actor, r):
                retailers[r.licence_no] = r
    cats = versions.catalogues()
    today = local_today()
    seen = {}
    good = []
    for line, cells in raw_rows:
        errors_before = len(result.errors)

        def err(column, message, _line=line):
            result.errors.append(RowError(_line, column, message))

        values = row_values(names, cells, LAYOUT, err)
        retailer = None
        if values["licence_no"]:
            retailer = retailers.get(values["licence_no"])
            if retailer is None:
                err("licence_no", _("Unknown licence number: %(n)s", n=values["licence_no"]))
        parsed = {}
        for name in ("occurred_on", "decided_on"):
            try:
                parsed[name] = parse_date(values[name])
            except ValueError:
                err(name, _("Not a valid date (use YYYY-MM-DD): %(value)s", value=values[name]))
                parsed[name] = None
        try:
            parsed["quantity"] = parse_quantity(values["quantity"])
        except ValueError:
            err("quantity", _("Not a valid integer."))
            parsed["quantity"] = None
        if len(values["case_number"]) > 64:
            err("case_number", _("Too long."))
        if len(values["description"]) > recording.MAX_TEXT:
            err("description", _("Too long."))
        kinds = penalty.parse_kinds(values["penalty_kinds"])
        code = values["indicator_code"].upper()
        if retailer is not None and parsed["occurred_on"] is not None and code:
            errors, _cat, _ind = recording.validate_record(
                retailer, code, occurred_on=parsed["occurred_on"], source="import", actor=actor,
                quantity=parsed["quantity"], status="confirmed", case_number=values["case_number"] or None,
                decided_on=parsed["decided_on"], description=values["description"], today=today, cats=cats,
                penalty_kinds=kinds, penalty_content=values["penalty_content"],
                penalty_amount=values["penalty_amount"])
            for fname, messages in errors.items():
                column = FIELD_COLUMN.get(fname, fname)
                if column == "decided_on" and parsed["decided_on"] is None:
                    continue  # already reported as missing or as not a valid date
                for message in messages:
                    err(column, message)
            key = facts.identity(retailer.id, code, parsed["occurred_on"], values["case_number"])
            if key in seen:
                err("indicator_code", _("The same fact (licence, indicator, date, case number) is already on row "
                                        "%(row)d.", row=seen[key]))
            else:
                seen[key] = line
                existing = facts.holder(*key)
                if existing is not None:
                    result.errors.append(RowError(line, "indicator_code", facts.message(existing, with_link=False),
                                                  existing.id))
        if len(result.errors) == errors_before:
            good.append({"line": line, "retailer": retailer, "indicator_code": code,
                         "occurred_on": parsed["occurred_on"],
                         "quantity": parsed["quantity"], "decided_on": parsed["decided_on"],
                         "case_number": values["case_number"] or None, "description": values["description"],
                         "penalty_kinds": kinds, "penalty_content": values["penalty_content"],
                         "penalty_amount": values["penalty_amount"]})
    result.valid = len(good)
    return result, good


def run(data: bytes, *, actor, dry_run: bool, filename: str | None = None) -> ImportResult:
    """Check the file; unless a dry run, create every record (all or nothing) and recompute grades.

    Raises ImportRejected (422, nothing written) when a real run finds any bad row. The caller
    commits."""
    result, good = check(data, actor=actor)
    result.dry_run = dry_run
    if dry_run:
        return result
    if result.errors:
        raise ImportRejected(result)
    lock_chain()  # as every credit writer: the audit chain's lock before any grade or record
    reached = {}
    for values in good:
        retailer = values["retailer"]
        reached[retailer.id] = retailer
    if reached:
        operators = {r.operator_id for r in reached.values()}
        for r in db.session.scalars(select(Retailer).where(Retailer.operator_id.in_(operators))):
            reached[r.id] = r
    reach = sorted(reached.values(), key=lambda r: r.id)
    # Baseline: every reached licence has its grade for today before the records land.
    grading.refresh_subset(reach)
    for values in good:
        line = values.pop("line")
        try:
            rec = recording.create_record(values.pop("retailer"), values.pop("indicator_code"), source="import",
                                         actor=actor, status="confirmed", recompute=False, **values)
        except facts.DuplicateFact as exc:  # recorded meanwhile by another request: refuse the whole file
            result.errors.append(RowError(line, "indicator_code", facts.message(exc.existing, with_link=False),
                                          exc.existing.id))
            result.record_ids = []
            raise ImportRejected(result) from None
        result.record_ids.append(rec.id)
    result.created = len(result.record_ids)
    result.retailers = len(reach)
    result.grade_changes = grading.recompute_many(reach, "record.import")
    audit("credit_record.import", "credit_record", None, actor=actor, after={
        "file": filename, "sha256": hashlib.sha256(data).hexdigest(), "encoding": result.encoding,
        "rows": result.rows, "created": result.created, "first_id": min(result.record_ids, default=None),
        "last_id": max(result.record_ids, default=None), "retailers": result.retailers,
        "grade_changes": result.grade_changes})
    return result


def result_dict(result: ImportResult) -> dict:
    return {"dry_run": result.dry_run, "encoding": result.encoding, "rows": result.rows, "valid": result.valid,
            "created": result.created, "errors": [e.__dict__ for e in result.errors],
            "record_ids": result.record_ids, "retailers": result.retailers, "grade_changes": result.grade_changes}


__all__ = ["check", "run", "decode", "parse_date", "ImportResult", "ImportRejected"]
