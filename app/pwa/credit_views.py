"""Staff screens for credit records (phone first): the queue of suspected violations, a record
with its history where a supervisor confirms or dismisses it, the live-grade section of the
retailer page, and entry of records by form or CSV file (account managers and supervisors).
The same services as the API (app.credit.services, app.credit.imports)."""
import base64
import binascii
import zlib
from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.auth import policy
from app.auth.policy import requires
from app.common.errors import ServiceError
from app.common.time import local_today
from app.credit import imports, services, versions
from app.credit.models import CreditRecord, GradeChange
from app.extensions import db
from app.pwa import bp
from app.retailers.models import Retailer

PER_PAGE = 20

STATUS_LABELS = {"suspected": "Suspected", "confirmed": "Confirmed", "dismissed": "Dismissed",
                 "repaired": "Repaired"}
SOURCE_LABELS = {"inspection": "Inspection", "marketer": "Account manager", "supervisor": "Supervisor",
                 "partner": "Partner authority", "import": "File import", "system": "System"}
DIMENSION_LABELS = {"monopoly": "Monopoly compliance", "marketing": "Marketing integrity",
                    "social": "Third-party findings"}
SEVERITY_LABELS = {"minor": "Minor", "general": "General", "serious": "Serious", "veto": "Veto",
                   "bonus": "Bonus"}
RULE_LABELS = {"veto": "Veto: a sale of counterfeit, smuggled or illegal cigarettes gives D",
               "cap": "Cap: an administrative penalty within 12 months caps the grade",
               "new_licence": "New licence: less than 6 months old, graded at most A"}
EVENT_LABELS = {"create": "Recorded", "confirm": "Confirmed", "dismiss": "Dismissed", "dispute": "Objection raised",
                "dispute_closed": "Objection closed", "repair": "Repaired"}
CAUSE_LABELS = {"record.confirm": "a record was confirmed", "record.dismiss": "a record was dismissed",
                "record.repair": "a record was repaired", "record.create": "a record was entered",
                "record.import": "records were imported", "record.dispute": "an objection",
                "lapse": "a record lapsed", "initial": "first grade"}
EVIDENCE_LABELS = {"photo": "Photo", "document": "Document", "text": "Text note"}
_TABLES = {"evidence": EVIDENCE_LABELS, "status": STATUS_LABELS, "source": SOURCE_LABELS, "dimension": DIMENSION_LABELS,
           "severity": SEVERITY_LABELS, "rule": RULE_LABELS, "event": EVENT_LABELS, "cause": CAUSE_LABELS}


def credit_label(table, key):
    return _(_TABLES[table].get(key, key)) if key is not None else ""


def _zh() -> bool:
    return str(get_locale() or "zh").startswith("zh")


def indicator_name(code, version) -> str:
    zh, en = services.indicator_names(code, version)
    return zh if _zh() else en


def name_of(item) -> str:
    """The indicator name of a contribution or rule dict in the page's language."""
    return (item.get("name_zh") if _zh() else item.get("name_en")) or item.get("indicator_code") or ""


def credit_panel(retailer):
    """The live grade of a retailer with its reasons, for the retailer page (None if not allowed)."""
    if not policy.role_allows(current_user, "credit.read", via_token=False):
        return None
    explanation = services.explain(retailer)
    suspected = list(db.session.scalars(select(CreditRecord).where(
        CreditRecord.retailer_id == retailer.id, CreditRecord.status == "suspected")
        .order_by(CreditRecord.occurred_on, CreditRecord.id).limit(10)))
    recent = list(db.session.scalars(select(CreditRecord).where(CreditRecord.retailer_id == retailer.id,
                                                                CreditRecord.status != "suspected")
                                     .order_by(CreditRecord.occurred_on.desc(), CreditRecord.id.desc()).limit(5)))
    return {"g": explanation, "suspected": suspected, "recent": recent}


@bp.app_context_processor
def _credit_helpers():
    return {"credit_label": credit_label, "indicator_name": indicator_name, "credit_panel": credit_panel,
            "credit_name_of": name_of, "credit_queue_count": lambda: services.count_suspected(current_user),
            "credit_may_record": lambda: policy.role_allows(current_user, "credit.record", via_token=False)}


def _may_decide() -> bool:
    return policy.role_allows(current_user, "credit.decide", via_token=False)


@bp.route("/credit/queue")
@requires("credit.decide")
def credit_queue():
    """Suspected violations awaiting a decision, oldest first."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    stmt = services.queue_query(current_user)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = list(db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    return render_template("credit/queue.html", rows=rows, page=page, pages=pages, total=total,
                           today=local_today())


def _render_record(rec, *, errors=None, values=None, status=200):
    changes = list(db.session.scalars(select(GradeChange).where(GradeChange.record_id == rec.id)
                                      .order_by(GradeChange.id)))
    live = services.current_grade(rec.retailer)
    today = local_today()
    values = values or {}
    values.setdefault("decided_on", today.isoformat())
    return render_template("credit/record.html", rec=rec, changes=changes, live=live, errors=errors or {},
                           values=values, may_decide=_may_decide(), today=today,
                           next_id=_next_in_queue(rec) if _may_decide() else None), status


def _next_in_queue(rec):
    stmt = services.queue_query(current_user).where(CreditRecord.id != rec.id).limit(1)
    nxt = db.session.scalars(stmt).first()
    return nxt.id if nxt else None


@bp.route("/credit/records/<int:record_id>")
@requires("credit.read")
def credit_record(record_id):
    """A record, its evidence and full history; a supervisor decides it here."""
    rec = policy.get_or_404(current_user, "credit.read", CreditRecord, record_id)
    response = _render_record(rec)
    db.session.commit()  # a lapsed live grade recomputed on read is kept
    return response


def _parse_date(value):
    try:
        return date.fromisoformat((value or "").strip()) if (value or "").strip() else None
    except ValueError:
        return "bad"


def _grade_message(retailer, before, after, rec):
    name = indicator_name(rec.indicator_code, rec.catalogue_version)
    if before is None or before[0] != after.grade:
        return _("%(shop)s: grade %(old)s → %(new)s (score %(old_score)s → %(new_score)s), because of record "
                 "%(id)d: %(indicator)s.", shop=retailer.shop_name, old=before[0] if before else "-", new=after.grade,
                 old_score=before[1] if before else "-", new_score=after.score, id=rec.id, indicator=name)
    return _("%(shop)s: grade stays %(grade)s (score %(old_score)s → %(new_score)s).", shop=retailer.shop_name,
             grade=after.grade, old_score=before[1], new_score=after.score)


@bp.route("/credit/records/<int:record_id>/confirm", methods=["POST"])
@requires("credit.decide")
def credit_confirm(record_id):
    rec = policy.get_or_404(current_user, "credit.decide", CreditRecord, record_id)
    values = {"case_number": (request.form.get("case_number") or "").strip(),
              "decided_on": (request.form.get("decided_on") or "").strip()}
    decided_on = _parse_date(values["decided_on"])
    if decided_on == "bad":
        return _render_record(rec, errors={"decided_on": [_("Not a valid date.")]}, values=values, status=422)
    try:
        old = services.current_grade(rec.retailer)
        before = (old.grade, old.score)
        services.confirm(rec, values["case_number"], decided_on, current_user)
        after = services.current_grade(rec.retailer)
        message = _grade_message(rec.retailer, before, after, rec)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        rec = db.session.get(CreditRecord, record_id)
        return _render_record(rec, errors=exc.errors, values=values, status=exc.status)
    flash(_("Confirmed.") + " " + message, "ok")
    return redirect(url_for("pwa.credit_record", record_id=rec.id, decided=1))


@bp.route("/credit/records/<int:record_id>/dismiss", methods=["POST"])
@requires("credit.decide")
def credit_dismiss(record_id):
    rec = policy.get_or_404(current_user, "credit.decide", CreditRecord, record_id)
    values = {"reason": (request.form.get("reason") or "").strip()}
    try:
        services.dismiss(rec, values["reason"], current_user)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        rec = db.session.get(CreditRecord, record_id)
        return _render_record(rec, errors=exc.errors, values=values, status=exc.status)
    flash(_("Dismissed: the record does not count."), "ok")
    return redirect(url_for("pwa.credit_record", record_id=rec.id, decided=1))


# Labels are passed through gettext at render time; list them for extraction.
def _extract_labels():  # pragma: no cover - never called, read by pybabel
    _("Suspected"), _("Confirmed"), _("Dismissed"), _("Repaired"), _("Inspection"), _("Account manager")
    _("Supervisor"), _("Partner authority"), _("File import"), _("System"), _("Monopoly compliance")
    _("Marketing integrity"), _("Third-party findings"), _("Minor"), _("General"), _("Serious"), _("Veto"), _("Bonus")
    _("Veto: a sale of counterfeit, smuggled or illegal cigarettes gives D")
    _("Cap: an administrative penalty within 12 months caps the grade")
    _("New licence: less than 6 months old, graded at most A")
    _("Recorded"), _("Objection raised"), _("Objection closed"), _("a record was confirmed")
    _("a record was dismissed"), _("a record was repaired"), _("a record was entered"), _("records were imported")
    _("an objection"), _("a record lapsed"), _("first grade"), _("Photo"), _("Document"), _("Text note")


# ---- entering records: one by form, many by CSV file --------------------------------------------
# Marketers (客户经理) record 营销 indicators only, supervisors and admins any indicator: the service
# (services.validate_record / create_record, imports.run) decides; the pages only ask it and show why.

IMPORT_COLUMN_LABELS = {"licence_no": "Licence number", "indicator_code": "Indicator code",
                        "occurred_on": "Happened on", "quantity": "Quantity", "decided_on": "Decision date",
                        "case_number": "Case number", "description": "Description", "file": "File"}
ENTRY_FIELDS = ("licence_no", "indicator_code", "quantity", "occurred_on", "status", "decided_on", "case_number",
                "description", "evidence")
# Which form field shows a service error on a field the form does not have.
ENTRY_FIELD_OF = {"retailer_id": "licence_no", "source": "indicator_code", "lat": "general"}
MAX_EVIDENCE_LINES = 20


def _entry_source(user) -> str:
    """The source the service expects for a page entry (the API's default too)."""
    return "marketer" if user.role == "marketer" else "supervisor"


class _OwnCountyRetailer:
    """Stands for a retailer of the user's own county when asking the service which indicators the user
    may record at all (the real retailer is checked again on entry)."""

    def __init__(self, user):
        self.unit_id = user.unit_id


def _recordable_groups(user):
    """The indicators of the catalogue in force today this user may record, grouped by dimension."""
    catalogue = versions.catalogue_on(local_today())
    if catalogue is None:
        return []
    stand_in, source = _OwnCountyRetailer(user), _entry_source(user)
    groups = {}
    for ind in catalogue.indicators:
        if services._permission_errors(user, stand_in, ind, source=source, status="confirmed"):
            continue
        groups.setdefault(ind.dimension, []).append(ind)
    order = list(DIMENSION_LABELS)
    return [(dim, groups[dim]) for dim in sorted(groups, key=lambda d: order.index(d) if d in order else 99)]


def _retailer_by_licence(licence_no):
    if not licence_no:
        return None
    return db.session.scalars(policy.scope(current_user, "credit.record", select(Retailer), Retailer)
                              .where(Retailer.licence_no == licence_no)).first()


def _render_entry(values, *, errors=None, retailer=None, status=200):
    groups = _recordable_groups(current_user)
    banded = [f"{ind.code} ({ind.quantity_unit})" for _dim, inds in groups for ind in inds if ind.banded]
    return render_template("credit/new_record.html", values=values, errors=errors or {}, retailer=retailer,
                           groups=groups, banded=banded, source=_entry_source(current_user),
                           today=local_today()), status


def _parse_quantity(value, errors):
    if not value:
        return None
    try:
        return imports.parse_quantity(value)
    except ValueError:
        errors["quantity"] = [_("Not a valid integer.")]
        return None


def _parse_evidence(text, errors):
    refs = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(refs) > MAX_EVIDENCE_LINES or any(len(r) > 512 for r in refs):
        errors["evidence"] = [_("Too long.")]
    elif any(r.startswith("/") for r in refs):
        errors["evidence"] = [_("A reference is a document or voucher number; it cannot start with /.")]
    return [{"kind": "document", "ref": r} for r in refs]


@bp.route("/credit/records/new", methods=["GET", "POST"])
@requires("credit.record")
def credit_record_new():
    """Record one credit fact about a retailer (account managers: 营销 indicators only)."""
    if request.method == "GET":
        values = {"occurred_on": local_today().isoformat(), "decided_on": local_today().isoformat(),
                  "status": "confirmed"}
        retailer = None
        retailer_id = request.args.get("retailer", type=int)
        if retailer_id:
            retailer = policy.get_or_404(current_user, "credit.record", Retailer, retailer_id)
            values["licence_no"] = retailer.licence_no
        return _render_entry(values, retailer=retailer)

    values = {name: (request.form.get(name) or "").strip() for name in ENTRY_FIELDS}
    errors: dict[str, list[str]] = {}
    retailer = _retailer_by_licence(values["licence_no"])
    if not values["licence_no"]:
        errors["licence_no"] = [_("Missing data for required field.")]
    elif retailer is None:
        errors["licence_no"] = [_("Unknown licence number: %(n)s", n=values["licence_no"])]
    if not values["indicator_code"]:
        errors["indicator_code"] = [_("Missing data for required field.")]
    status = values["status"] if values["status"] in ("confirmed", "suspected") else "confirmed"
    occurred_on = _parse_date(values["occurred_on"])
    if occurred_on == "bad":
        errors["occurred_on"] = [_("Not a valid date.")]
    elif occurred_on is None:
        errors["occurred_on"] = [_("Missing data for required field.")]
    decided_on = _parse_date(values["decided_on"]) if status == "confirmed" else None
    if decided_on == "bad":
        errors["decided_on"] = [_("Not a valid date.")]
    quantity = _parse_quantity(values["quantity"], errors)
    evidence = _parse_evidence(values["evidence"], errors)
    kwargs = dict(occurred_on=occurred_on if occurred_on != "bad" else None, source=_entry_source(current_user),
                  actor=current_user, quantity=quantity, status=status, description=values["description"],
                  evidence=evidence, case_number=(values["case_number"] or None) if status == "confirmed" else None,
                  decided_on=decided_on if decided_on != "bad" else None)
    if retailer is not None:
        found, _cat, _ind = services.validate_record(retailer, values["indicator_code"], **kwargs)
        for name, messages in found.items():
            field = ENTRY_FIELD_OF.get(name, name)
            if field in errors:
                continue  # the page's own message (e.g. "not a valid date") says it better
            errors.setdefault(field, []).extend(messages)
        if not errors and kwargs["occurred_on"] is not None:
            existing = services.duplicate_of(retailer.id, values["indicator_code"].upper(), kwargs["occurred_on"])
            if existing is not None:
                errors["indicator_code"] = [_("This fact (licence, indicator, date) is already recorded as record "
                                              "%(id)d.", id=existing)]
    if errors:
        db.session.rollback()
        return _render_entry(values, errors=errors, retailer=retailer, status=422)
    try:
        old = services.current_grade(retailer)
        before = (old.grade, old.score)
        rec = services.create_record(retailer, values["indicator_code"], **kwargs)
        after = services.current_grade(retailer)
        message = (_grade_message(retailer, before, after, rec) if status == "confirmed"
                   else _("A suspected record counts once a supervisor confirms it."))
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        errors = {}
        for name, messages in exc.errors.items():
            errors.setdefault(ENTRY_FIELD_OF.get(name, name), []).extend(messages)
        return _render_entry(values, errors=errors, retailer=_retailer_by_licence(values["licence_no"]),
                             status=exc.status)
    flash(_("Recorded as record %(id)d.", id=rec.id) + " " + message, "ok")
    return redirect(url_for("pwa.credit_record", record_id=rec.id))


def _import_sample():
    today = local_today()
    header = ",".join(imports.COLUMNS)
    line = ",".join(["320812000123", "YX01", (today - timedelta(days=5)).isoformat(), "",
                     (today - timedelta(days=2)).isoformat(), "", "3月货款逾期5天"])
    return header, line


def _import_columns():
    aliases = {}
    for alias, name in imports.ALIASES.items():
        aliases.setdefault(name, alias)
    return [{"name": name, "zh": aliases.get(name, ""), "label": _(IMPORT_COLUMN_LABELS[name]),
             "required": name in imports.REQUIRED} for name in imports.COLUMNS]


def _bad_rows(result):
    """Errors grouped by row: [(row, [(column label, message), ...]), ...] in file order."""
    rows = {}
    for e in result.errors:
        label = _(IMPORT_COLUMN_LABELS[e.column]) if e.column in IMPORT_COLUMN_LABELS else e.column
        rows.setdefault(e.row, []).append((label, e.message))
    return sorted(rows.items())


MAX_KEPT_BYTES = 16 * 1024 * 1024  # what a kept file may decompress to (the upload limit)


def keep_content(data: bytes) -> str:
    """The checked file for the hidden field: compressed (a form field may hold 500 kB at most) and base64."""
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


def kept_content(text: str) -> bytes:
    """The file back from the hidden field; ValueError if it is not what keep_content made."""
    try:
        packed = base64.b64decode(text, validate=True)
        inflater = zlib.decompressobj()
        data = inflater.decompress(packed, MAX_KEPT_BYTES)
    except (binascii.Error, zlib.error) as exc:
        raise ValueError("not a kept file") from exc
    if inflater.unconsumed_tail or not inflater.eof:
        raise ValueError("not a kept file")
    return data


def _render_import(*, result=None, content=None, filename=None, errors=None, status=200):
    header, line = _import_sample()
    return render_template("credit/import.html", result=result, bad_rows=_bad_rows(result) if result else [],
                           content=content, filename=filename, errors=errors or {}, columns=_import_columns(),
                           sample_header=header, sample_line=line, max_rows=imports.MAX_ROWS,
                           marketer=current_user.role == "marketer"), status


@bp.route("/credit/import", methods=["GET", "POST"])
@requires("credit.record")
def credit_import():
    """Enter many records from a CSV file: check first (nothing written), then import all rows or none.

    The checked file travels to the import step in a hidden field (the uploaded bytes, compressed and
    base64-encoded: no server-side state); the import checks every row again, so the field needs no trust."""
    if request.method == "GET":
        return _render_import()
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data, filename = upload.read(), upload.filename
    elif request.form.get("content"):
        try:
            data = kept_content(request.form["content"])
        except ValueError:
            return _render_import(errors={"file": [_("Choose the CSV file again.")]}, status=422)
        filename = (request.form.get("filename") or "")[:200] or None
    else:
        return _render_import(errors={"file": [_("Choose a CSV file.")]}, status=422)
    if request.form.get("action") == "import":
        try:
            result = imports.run(data, actor=current_user, dry_run=False, filename=filename)
            db.session.commit()
        except imports.ImportRejected as exc:
            db.session.rollback()
            return _render_import(result=exc.result, filename=filename, errors=exc.errors, status=422)
        flash(_("Imported: %(n)d records created for %(r)d licences; %(g)d grades changed.", n=result.created,
                r=result.retailers, g=result.grade_changes), "ok")
        return redirect(url_for("pwa.credit_import", created=result.created))
    result = imports.run(data, actor=current_user, dry_run=True, filename=filename)
    db.session.rollback()
    content = keep_content(data) if result.ok else None
    return _render_import(result=result, content=content, filename=filename, status=200 if result.ok else 422)


def _extract_entry_labels():  # pragma: no cover - never called, read by pybabel
    _("Licence number"), _("Indicator code"), _("Happened on"), _("Quantity"), _("Decision date")
    _("Case number"), _("Description"), _("File")
