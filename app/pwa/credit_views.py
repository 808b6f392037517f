"""Supervisor screens for credit records (phone first): the queue of suspected violations, a record
with its history where a supervisor confirms or dismisses it, and the live-grade section of the
retailer page. The same services as the API (app.credit.services)."""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.auth import policy
from app.auth.policy import requires
from app.common.errors import ServiceError
from app.common.time import local_today
from app.credit import services
from app.credit.models import CreditRecord, GradeChange
from app.extensions import db
from app.pwa import bp

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
            "credit_name_of": name_of, "credit_queue_count": lambda: services.count_suspected(current_user)}


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
