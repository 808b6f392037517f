"""Staff screens for credit records (phone first): the queue of suspected violations, a record
with its history where a supervisor confirms or dismisses it, the live-grade section of the
retailer page, and entry of records by form or CSV file (account managers and supervisors).
The same services as the API (app.credit.recording, grading, queries, imports)."""
import base64
import binascii
import zlib
from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.audit.services import lock_chain
from app.auth import policy
from app.auth.policy import requires
from app.common.boundary import form_page, refusal
from app.common import bilingual
from app.common.errors import ServiceError
from app.common.forms import PageForm, load_form
from app.common.paging import paginate
from app.common.time import local_today
from app.credit import facts, grading, imports, penalty, queries, recording, versions
from app.credit.forms import ConfirmForm, DismissForm, ImportForm, RecordEntryForm
from app.common.validation import N_
from app.credit.models import CreditRecord, GradeChange
from app.extensions import db
from app.pwa import bp
from app.retailers.models import Retailer

PER_PAGE = 20

STATUS_LABELS = {"suspected": "Suspected", "confirmed": "Confirmed", "dismissed": "Dismissed",
                 "repaired": "Repaired", "ended": N_("Ended early")}
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
                "dispute_closed": "Objection closed", "repair": "Repaired", "end": N_("Ended early"),
                "found_again": "Found again on another inspection"}
CAUSE_LABELS = {"record.confirm": "a record was confirmed", "record.dismiss": "a record was dismissed",
                "record.repair": "a record was repaired", "record.create": "a record was entered",
                "record.end": N_("a bonus ended early"),
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
    zh, en = queries.indicator_names(code, version)
    return zh if _zh() else en


def name_of(item) -> str:
    """The indicator name of a contribution or rule dict in the page's language."""
    return (item.get("name_zh") if _zh() else item.get("name_en")) or item.get("indicator_code") or ""


def credit_panel(retailer):
    """The live grade of a retailer with its reasons, for the retailer page (None if not allowed)."""
    if not policy.role_allows(current_user, "credit.read", via_token=False):
        return None
    explanation = grading.explain(retailer)
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
            "credit_name_of": name_of, "credit_queue_count": lambda: queries.count_suspected(current_user),
            "credit_may_record": lambda: policy.role_allows(current_user, "credit.record", via_token=False)}


def _may_decide() -> bool:
    return policy.role_allows(current_user, "credit.decide", via_token=False)


@bp.route("/credit/queue")
@requires("credit.decide")
def credit_queue():
    """Suspected violations awaiting a decision, oldest first; filtered by county, indicator and age
    (kept in the URL)."""
    from app.credit.schemas import CreditQueueQuerySchema
    from app.pwa.filters import parse_filters
    from app.pwa.views import _counties_for

    args, errors = parse_filters(CreditQueueQuerySchema())
    stmt = queries.queue_query(current_user, args)
    p = paginate(stmt, per_page=PER_PAGE)
    rows, total = p.items, p.total
    return render_template("credit/queue.html", rows=rows, p=p, total=total, args=args,
                           errors=errors, today=local_today(), counties=_counties_for(current_user),
                           indicators=_queue_indicators(), ages=(3, 7, 14, 30)), (400 if errors else 200)  # a filter value refused: named on the page


def _queue_indicators() -> list[tuple[str, str]]:
    """(code, name) of the indicators a suspected record may carry, for the filter."""
    cats = versions.catalogues()
    if not cats:
        return []
    catalogue = list(cats.values())[-1]
    return [(i.code, i.name_zh if _zh() else i.name_en) for i in catalogue.indicators if not i.is_bonus]




def _next_in_queue(rec):
    stmt = queries.queue_query(current_user).where(CreditRecord.id != rec.id).limit(1)
    nxt = db.session.scalars(stmt).first()
    return nxt.id if nxt else None


@bp.route("/credit/records/<int:record_id>")
@requires("credit.read")
def credit_record(record_id):
    """A record, its evidence and full history; a supervisor decides it here (a refused decision is
    shown here again, with its input and errors)."""
    rec = policy.get_or_404(current_user, "credit.read", CreditRecord, record_id)
    refused = refusal("pwa.credit_confirm", record_id=rec.id) or refusal("pwa.credit_dismiss", record_id=rec.id)
    changes = list(db.session.scalars(select(GradeChange).where(GradeChange.record_id == rec.id)
                                      .order_by(GradeChange.id)))
    live = grading.current_grade(rec.retailer)
    today = local_today()
    values = {"decided_on": today.isoformat(), **refused.values}
    from app.auth.policy import role_allows
    from app.groups.services import decision_of

    return render_template("credit/record.html", rec=rec, changes=changes, live=live, errors=refused.errors,
                           values=values, may_decide=_may_decide(), today=today, decision=decision_of(rec.id),
                           penalty_kinds=penalty.KINDS, penalty_text=penalty.category_text,
                           may_see_groups=role_allows(current_user, "groups.read", via_token=False),
                           next_id=_next_in_queue(rec) if _may_decide() else None)


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
@form_page(on_refusal="pwa.credit_record")
def credit_confirm(record_id):
    rec = policy.get_or_404(current_user, "credit.decide", CreditRecord, record_id)
    data = load_form(ConfirmForm())
    lock_chain()  # before the grade below: the lock order of every credit writer (app.credit.recording)
    old = grading.current_grade(rec.retailer)
    before = (old.grade, old.score)
    recording.confirm(rec, data["case_number"], data["decided_on"], current_user,
                      penalty_kinds=data["penalty_kinds"], penalty_content=data["penalty_content"],
                      penalty_amount=data["penalty_amount"])
    after = grading.current_grade(rec.retailer)
    flash(_("Confirmed.") + " " + _grade_message(rec.retailer, before, after, rec), "ok")
    return redirect(url_for("pwa.credit_record", record_id=rec.id, decided=1))


@bp.route("/credit/records/<int:record_id>/dismiss", methods=["POST"])
@requires("credit.decide")
@form_page(on_refusal="pwa.credit_record")
def credit_dismiss(record_id):
    rec = policy.get_or_404(current_user, "credit.decide", CreditRecord, record_id)
    recording.dismiss(rec, load_form(DismissForm())["reason"], current_user)
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
    _("Recorded"), _("Objection raised"), _("Objection closed"), _("Found again on another inspection")
    _("a record was confirmed")
    _("a record was dismissed"), _("a record was repaired"), _("a record was entered"), _("records were imported")
    _("an objection"), _("a record lapsed"), _("first grade"), _("Photo"), _("Document"), _("Text note")
    _("Penalty kinds")


# ---- entering records: one by form, many by CSV file --------------------------------------------
# Marketers (客户经理) record 营销 indicators only, supervisors and admins any indicator: the service
# (recording.validate_record / create_record, imports.run) decides; the pages only ask it and show why.

IMPORT_COLUMN_LABELS = {"licence_no": "Licence number", "indicator_code": "Indicator code",
                        "occurred_on": "Happened on", "quantity": "Quantity", "decided_on": "Decision date",
                        "case_number": "Case number", "description": "Description", "file": "File",
                        "penalty_kinds": "Penalty kinds", "penalty_content": "What was decided",
                        "penalty_amount": "Fine and confiscated amount (yuan)"}
# Which form field shows a service error on a field the form does not have.
ENTRY_FIELD_OF = {"retailer_id": "licence_no", "source": "indicator_code", "lat": "general"}


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
        if recording._permission_errors(user, stand_in, ind, source=source, status="confirmed"):
            continue
        groups.setdefault(ind.dimension, []).append(ind)
    order = list(DIMENSION_LABELS)
    return [(dim, groups[dim]) for dim in sorted(groups, key=lambda d: order.index(d) if d in order else 99)]


def _retailer_by_licence(licence_no):
    if not licence_no:
        return None
    return db.session.scalars(policy.scope(current_user, "credit.record", select(Retailer), Retailer)
                              .where(Retailer.licence_no == licence_no)).first()


def _entry_errors(errors) -> dict:
    """Field errors on the entry form's fields (a service error on a field the form lacks goes to the
    field that caused it)."""
    out: dict[str, list[str]] = {}
    for name, messages in (errors or {}).items():
        out.setdefault(ENTRY_FIELD_OF.get(name, name), []).extend(messages)
    return out


def _check_entry(data: dict, errors: dict, retailer) -> dict:
    """The form's own errors, then the service's check (validate_record): all at once, the form's own
    message first where both speak of one field."""
    errors = dict(errors)
    if data.get("licence_no") and retailer is None:
        errors["licence_no"] = [_("Unknown licence number: %(n)s", n=data["licence_no"])]
    if retailer is None or "indicator_code" not in data:
        return errors
    found, _cat, _ind = recording.validate_record(retailer, data["indicator_code"], **_entry_kwargs(data))
    for field, messages in _entry_errors(found).items():
        if field not in errors:  # the page's own message (e.g. "not a valid date") says it better
            errors.setdefault(field, []).extend(messages)
    return errors  # a fact already recorded is refused by the database's unique index (app.credit.facts)


def _entry_kwargs(data: dict) -> dict:
    return dict(occurred_on=data.get("occurred_on"), source=_entry_source(current_user), actor=current_user,
                quantity=data.get("quantity"), status=data.get("status", "confirmed"),
                description=data.get("description", ""), evidence=data.get("evidence", []),
                case_number=data.get("case_number"), decided_on=data.get("decided_on"))


@bp.route("/credit/records/new", methods=["GET", "POST"])
@requires("credit.record")
@form_page
def credit_record_new():
    """Record one credit fact about a retailer (account managers: 营销 indicators only)."""
    today = local_today().isoformat()
    form = PageForm(RecordEntryForm(), initial={"occurred_on": today, "decided_on": today, "status": "confirmed"})
    retailer = None
    if form.submitted:
        data, errors = form.parse()
        retailer = _retailer_by_licence(data.get("licence_no"))
        errors = _check_entry(data, errors, retailer)
        if errors:
            raise ServiceError(errors)
        lock_chain()  # before the grade below: the lock order of every credit writer (app.credit.recording)
        old = grading.current_grade(retailer)
        before = (old.grade, old.score)
        rec = recording.create_record(retailer, data["indicator_code"], **_entry_kwargs(data))
        after = grading.current_grade(retailer)
        message = (_grade_message(retailer, before, after, rec) if data["status"] == "confirmed"
                   else _("A suspected record counts once a supervisor confirms it."))
        flash(_("Recorded as record %(id)d.", id=rec.id) + " " + message, "ok")
        return redirect(url_for("pwa.credit_record", record_id=rec.id))
    values = form.values
    if form.refused:
        retailer = _retailer_by_licence(values.get("licence_no"))
    elif request.args.get("retailer", type=int):
        retailer = policy.get_or_404(current_user, "credit.record", Retailer, request.args.get("retailer", type=int))
        values["licence_no"] = retailer.licence_no
    groups = _recordable_groups(current_user)
    banded = [f"{ind.code} ({bilingual.pick(ind.quantity_unit)})"
              for _dim, inds in groups for ind in inds if ind.banded]
    duplicate = form.refused.error if isinstance(form.refused.error, facts.DuplicateFact) else None
    existing = db.session.get(CreditRecord, duplicate.existing.id) if duplicate else None
    return render_template("credit/new_record.html", values=values, errors=_entry_errors(form.errors),
                           retailer=retailer, groups=groups, banded=banded, source=_entry_source(current_user),
                           today=local_today(), existing=existing), form.status


def _import_sample():
    today = local_today()
    header = ",".join(imports.COLUMNS)
    line = ",".join(["320812000123", "YX01", (today - timedelta(days=5)).isoformat(), "",
                     (today - timedelta(days=2)).isoformat(), "", "3月货款逾期5天", "", "", ""])
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
        rows.setdefault(e.row, []).append((label, e.message, e.existing_record_id))
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
@form_page
def credit_import():
    """Enter many records from a CSV file: check first (nothing written), then import all rows or none.

    The checked file travels to the import step in a hidden field (the uploaded bytes, compressed and
    base64-encoded: no server-side state); the import checks every row again, so the field needs no trust."""
    form = PageForm(ImportForm())
    if not form.submitted:  # the page, or a refused check or import shown again
        upload = request.files.get("file")
        filename = form.values.get("filename") or (upload.filename[:200] if upload and upload.filename else None)
        return _render_import(result=getattr(form.refused.error, "result", None), filename=filename,
                              errors=form.errors, status=form.status)
    data = form.data
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        content, filename = upload.read(), upload.filename[:200]
    elif data["content"]:
        try:
            content = kept_content(data["content"])
        except ValueError:
            raise ServiceError({"file": [_("Choose the CSV file again.")]}) from None
        filename = data["filename"]
    else:
        raise ServiceError({"file": [_("Choose a CSV file.")]})
    if data["action"] == "import":
        result = imports.run(content, actor=current_user, dry_run=False, filename=filename)
        flash(_("Imported: %(n)d records created for %(r)d licences; %(g)d grades changed.", n=result.created,
                r=result.retailers, g=result.grade_changes), "ok")
        return redirect(url_for("pwa.credit_import", created=result.created))
    result = imports.run(content, actor=current_user, dry_run=True, filename=filename)  # writes nothing
    kept = keep_content(content) if result.ok else None
    return _render_import(result=result, content=kept, filename=filename, status=200 if result.ok else 422)


def _extract_entry_labels():  # pragma: no cover - never called, read by pybabel
    _("Licence number"), _("Indicator code"), _("Happened on"), _("Quantity"), _("Decision date")
    _("Case number"), _("Description"), _("File")
