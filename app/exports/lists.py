"""The exportable lists: each calls its page's own query function with the page's own filter schema,
and writes the fields the page shows (never an ID number). Labels come from the page's label tables,
in the language of the person who asked (the job runs in their locale)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.exports.registry import Column, ExportSpec, register
from app.extensions import db

SHOP = Column(_l("Shop name"), width=24)
LICENCE = Column(_l("Licence number"), width=16)
COUNTY = Column(_l("County"), width=10)


def _grades(ids) -> dict:
    from app.credit.models import RetailerGrade

    if not ids:
        return {}
    return dict(db.session.execute(select(RetailerGrade.retailer_id, RetailerGrade.grade)
                                   .where(RetailerGrade.retailer_id.in_(ids))).all())


# ---- retailers (/retailers) -------------------------------------------------------------------------------

def _retailer_schema():
    from app.retailers.schemas import RetailerQuerySchema

    return RetailerQuerySchema()


def _retailer_query(user, args, parent):
    from app.retailers.services import list_query

    return list_query(user, args)


def _retailer_rows(items, parent):
    from app.licences.state import licence_state
    from app.pwa.helpers import label

    grades = _grades([r.id for r in items])
    for r in items:
        state = licence_state(r)
        yield [r.licence_no, r.shop_name, r.unit.name, label("format", r.business_format), r.tier,
               grades.get(r.id), state.label, r.licence_expires_on]


register(ExportSpec(
    name="retailers", title=_l("Retailers"), action="retailers.read", endpoint="pwa.retailer_search",
    schema=_retailer_schema, defaults={"status": "registered"}, query=_retailer_query, rows=_retailer_rows,
    columns=(LICENCE, SHOP, COUNTY, Column(_l("Business format"), width=12), Column(_l("Customer tier"), "int", 8),
             Column(_l("Credit grade"), width=8), Column(_l("Licence"), width=20),
             Column(_l("Licence expires on"), "date", 12))))


# ---- suspected violations (/credit/queue) ------------------------------------------------------------------

def _queue_schema():
    from app.credit.schemas import CreditQueueQuerySchema

    return CreditQueueQuerySchema()


def _queue_query(user, args, parent):
    from app.credit.queries import queue_query

    return queue_query(user, args)


def _queue_rows(items, parent):
    from app.common.time import local_today
    from app.pwa.credit_views import credit_label, indicator_name

    today = local_today()
    for rec in items:
        yield [rec.retailer.licence_no, rec.retailer.shop_name, rec.retailer.unit.name,
               indicator_name(rec.indicator_code, rec.catalogue_version), rec.quantity, rec.nominal_points,
               rec.occurred_on, (today - rec.occurred_on).days, credit_label("source", rec.source),
               rec.recorded_by.display_name if rec.recorded_by else None]


register(ExportSpec(
    name="credit_queue", title=_l("Suspected violations"), action="credit.decide", endpoint="pwa.credit_queue",
    schema=_queue_schema, query=_queue_query, rows=_queue_rows,
    columns=(LICENCE, SHOP, COUNTY, Column(_l("Indicator"), width=28), Column(_l("Quantity"), "number", 8),
             Column(_l("Points"), "int", 8), Column(_l("Found on"), "date", 12), Column(_l("Days waiting"), "int", 8),
             Column(_l("Source"), width=12), Column(_l("Recorded by"), width=12))))


# ---- inspections (/inspections) ----------------------------------------------------------------------------

def _inspection_schema():
    from app.inspections.schemas import InspectionQuerySchema

    return InspectionQuerySchema()


def _inspection_query(user, args, parent):
    from app.inspections.services import list_query

    return list_query(user, args)


def _inspection_rows(items, parent):
    from app.inspections.labels import label as L

    for i in items:
        yield [i.occurred_on, i.retailer.licence_no, i.retailer.shop_name, i.unit.name, L("outcome", i.outcome),
               L("geofence", i.geofence), round(i.distance_m) if i.distance_m is not None else None,
               len(i.violations), i.inspector.display_name,
               i.second_officer.display_name if i.second_officer else None]


register(ExportSpec(
    name="inspections", title=_l("Inspections"), action="inspections.read", endpoint="pwa.inspection_list",
    schema=_inspection_schema, query=_inspection_query, rows=_inspection_rows,
    columns=(Column(_l("Date"), "date", 12), LICENCE, SHOP, COUNTY, Column(_l("Outcome"), width=12),
             Column(_l("Check-in"), width=14), Column(_l("Distance (m)"), "int", 10),
             Column(_l("Violations"), "int", 8), Column(_l("Inspector"), width=12),
             Column(_l("Second officer"), width=12))))


# ---- early warnings (/warnings) ----------------------------------------------------------------------------

def _warning_schema():
    from app.api.warnings import WarningQuerySchema

    return WarningQuerySchema()


def _warning_query(user, args, parent):
    from app.warnings.services import list_query

    return list_query(user, args)


def _warning_rows(items, parent):
    from app.pwa.warning_views import KIND_LABELS, OUTCOME_LABELS, STATE_LABELS

    for w in items:
        yield [w.retailer.licence_no, w.retailer.shop_name, w.unit.name, str(KIND_LABELS.get(w.kind, w.kind)),
               w.raised_on, w.owner.display_name if w.owner else None, str(STATE_LABELS.get(w.status, w.status)),
               str(OUTCOME_LABELS.get(w.outcome, "")) if w.outcome else None]


register(ExportSpec(
    name="warnings", title=_l("Early warnings"), action="warnings.read", endpoint="pwa.warnings_list",
    schema=_warning_schema, query=_warning_query, rows=_warning_rows,
    columns=(LICENCE, SHOP, COUNTY, Column(_l("Kind"), width=22), Column(_l("Raised on"), "date", 12),
             Column(_l("Owner"), width=12), Column(_l("State"), width=8), Column(_l("Outcome"), width=28))))


# ---- licence checks (/licence-checks) ----------------------------------------------------------------------

def _check_schema():
    from app.api.licences import LicenceCheckQuerySchema

    return LicenceCheckQuerySchema()


def _check_query(user, args, parent):
    from app.licences.services import list_query

    return list_query(user, args)


def _check_rows(items, parent):
    from app.pwa.licence_views import OUTCOME_LABELS, STATE_LABELS

    for c in items:
        yield [c.retailer.licence_no, c.retailer.shop_name, c.unit.name, c.opened_on, len(c.inspection_ids or []),
               str(STATE_LABELS.get(c.status, c.status)), str(OUTCOME_LABELS.get(c.outcome, "")) if c.outcome else None]


register(ExportSpec(
    name="licence_checks", title=_l("Licence checks"), action="licence_checks.read", endpoint="pwa.licence_checks",
    schema=_check_schema, query=_check_query, rows=_check_rows,
    columns=(LICENCE, SHOP, COUNTY, Column(_l("Opened on"), "date", 12),
             Column(_l("Visits that found no shop"), "int", 10), Column(_l("State"), width=8),
             Column(_l("Outcome"), width=30))))


# ---- red and black lists (/lists) --------------------------------------------------------------------------

def _entry_schema():
    from app.api.lists import EntryQuerySchema

    return EntryQuerySchema()


def _entry_query(user, args, parent):
    from app.lists.services import supervise_query

    return supervise_query(user, args)


def _entry_rows(items, parent):
    from app.pwa.lists_views import CRITERION_LABELS, KIND_LABELS, STATUS_LABELS

    for e in items:
        yield [str(KIND_LABELS.get(e.kind, e.kind)), e.retailer.licence_no, e.retailer.shop_name, e.unit.name,
               str(CRITERION_LABELS.get(e.criterion, "")), str(STATUS_LABELS.get(e.status, e.status)),
               e.exit_proposed_at if e.status == "effective" else None]


register(ExportSpec(
    name="lists", title=_l("Red and black lists"), action="lists.read", endpoint="pwa.list_entries",
    schema=_entry_schema, query=_entry_query, rows=_entry_rows,
    columns=(Column(_l("List"), width=8), LICENCE, SHOP, COUNTY, Column(_l("Criterion"), width=30),
             Column(_l("Status"), width=10), Column(_l("Exit proposed at"), "datetime", 16))))


# ---- commitments in force (/supervise/commitments) ---------------------------------------------------------

def _commitment_schema():
    from app.commitments.services import CommitmentQuerySchema

    return CommitmentQuerySchema()


def _commitment_query(user, args, parent):
    from app.commitments.services import supervise_query

    return supervise_query(user, args)


def _commitment_rows(items, parent):
    for c in items:
        yield [c.retailer.licence_no, c.retailer.shop_name, c.retailer.unit.name, c.signed_on, c.expires_on]


register(ExportSpec(
    name="commitments", title=_l("Credit commitments"), action="repairs.decide", endpoint="pwa.supervise_commitments",
    schema=_commitment_schema, query=_commitment_query, rows=_commitment_rows,
    columns=(LICENCE, SHOP, COUNTY, Column(_l("Signed on"), "date", 12), Column(_l("Valid until"), "date", 12))))


# ---- an evaluation run's rows (/evaluations/<id>) -----------------------------------------------------------

def _evaluation_schema():
    from marshmallow import Schema, fields, validate

    from app.common.validation import N_

    class EvaluationRowQuerySchema(Schema):
        grade = fields.Str(validate=validate.Length(max=3, error=N_("Too long.")))
        unit = fields.Str(validate=validate.Length(max=12, error=N_("Too long.")))
        move = fields.Str(validate=validate.OneOf(("up", "down", "new"), error=N_("Must be one of the allowed values.")))
        q = fields.Str(validate=validate.Length(max=64, error=N_("Too long.")))

    return EvaluationRowQuerySchema()


def _evaluation_run(user, run_id):
    from app.auth import policy
    from app.evaluation.models import EvaluationRun

    return policy.get_or_404(user, "evaluation.read", EvaluationRun, run_id)


def _evaluation_query(user, args, run):
    from app.evaluation.services import rows_query

    return rows_query(run, user, **{k: (str(args[k]).strip() or None) if args.get(k) else None
                                    for k in ("grade", "unit", "move", "q")})


def _evaluation_rows(items, run):
    from app.org.models import OrgUnit
    from app.pwa.evaluation_views import _labels

    rule = _labels()["rule"]
    units = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    for row, r in items:
        yield [r.licence_no, r.shop_name, units.get(row.unit_id), row.grade, row.score, row.previous_grade,
               rule(row.rule_kind) or None]


register(ExportSpec(
    name="evaluation_rows", title=_l("Quarterly evaluation"), action="evaluation.read", endpoint="pwa.evaluation_run",
    schema=_evaluation_schema, parent=_evaluation_run, query=_evaluation_query, rows=_evaluation_rows, scalars=False,
    columns=(LICENCE, SHOP, COUNTY, Column(_l("Grade"), width=8), Column(_l("Score"), "int", 8),
             Column(_l("Previous grade"), width=8), Column(_l("Rule"), width=24))))


# ---- remote self-checks (/self-checks) ---------------------------------------------------------------------

def _self_check_schema():
    from marshmallow import Schema, fields, validate

    from app.common.validation import N_

    class SelfCheckQuerySchema(Schema):
        show = fields.Str(validate=validate.OneOf(("open", "all"), error=N_("Must be one of the allowed values.")))

    return SelfCheckQuerySchema()


def _self_check_query(user, args, parent):
    from app.trust.services import review_query

    return review_query(user, args)


def _self_check_rows(items, parent):
    from app.pwa.group_views import CHECK_STATUS

    for c in items:
        yield [c.retailer.licence_no, c.retailer.shop_name, c.retailer.unit.name, c.grade,
               str(CHECK_STATUS.get(c.status, c.status)), c.submitted_on]


register(ExportSpec(
    name="self_checks", title=_l("Remote self-checks"), action="trust.review", endpoint="pwa.self_checks",
    schema=_self_check_schema, defaults={"show": "open"}, query=_self_check_query, rows=_self_check_rows,
    columns=(LICENCE, SHOP, COUNTY, Column(_l("Grade"), width=8), Column(_l("Status"), width=20),
             Column(_l("Submitted on"), "date", 12))))


# ---- supply suspensions (/service/suspensions) -------------------------------------------------------------

def _suspension_schema():
    from marshmallow import Schema, fields, validate

    from app.common.validation import N_

    class SuspensionQuerySchema(Schema):
        state = fields.Str(validate=validate.OneOf(("active", "lifted", "objected"),
                                                   error=N_("Must be one of the allowed values.")))

    return SuspensionQuerySchema()


def _suspension_query(user, args, parent):
    from app.service.suspensions import list_query

    return list_query(user, args)


def _suspension_rows(items, parent):
    from app.service.present import label

    for s in items:
        yield [s.id, s.retailer.licence_no, s.retailer.shop_name, s.retailer.unit.name, label("kind", s.kind),
               s.starts_on, s.ends_on, _("objection open") if s.objection_status == "open" else None]


register(ExportSpec(
    name="suspensions", title=_l("Supply suspensions"), action="service.read", endpoint="pwa.service_suspensions",
    schema=_suspension_schema, query=_suspension_query, rows=_suspension_rows,
    columns=(Column(_l("Decision"), "int", 8), LICENCE, SHOP, COUNTY, Column(_l("Kind"), width=20),
             Column(_l("From"), "date", 12), Column(_l("To"), "date", 12), Column(_l("Objection"), width=12))))


# ---- integrity mutual-aid groups (/groups) -----------------------------------------------------------------

def _group_schema():
    from marshmallow import Schema, fields, validate

    from app.common.validation import N_

    class GroupQuerySchema(Schema):
        q = fields.Str(validate=validate.Length(max=64, error=N_("Too long.")))

    return GroupQuerySchema()


def _group_query(user, args, parent):
    from app.groups.services import list_query

    return list_query(user, args)


def _group_rows(items, parent):
    from app.groups import services

    counts = services.member_counts([g.id for g in items])
    for g in items:
        rating = services._last_published(g.id)
        yield [g.name, g.unit.name, g.area, counts.get(g.id, 0), rating.stars if rating else 0]


register(ExportSpec(
    name="groups", title=_l("Integrity mutual-aid groups"), action="groups.read", endpoint="pwa.groups",
    schema=_group_schema, query=_group_query, rows=_group_rows,
    columns=(Column(_l("Group"), width=24), COUNTY, Column(_l("Area"), width=24), Column(_l("Members"), "int", 8),
             Column(_l("Stars"), "int", 6))))


# ---- model groups and retailers (/models) ------------------------------------------------------------------

def _award_schema():
    from marshmallow import Schema, fields, validate

    from app.common.validation import N_
    from app.pwa.group_views import AWARD_STATUS

    class AwardQuerySchema(Schema):
        status = fields.Str(validate=validate.OneOf(tuple(AWARD_STATUS), error=N_("Must be one of the allowed values.")))

    return AwardQuerySchema()


def _award_query(user, args, parent):
    from app.groups.services import awards_query

    return awards_query(user, args)


def _award_rows(items, parent):
    from app.org.models import OrgUnit
    from app.pwa.group_views import AWARD_KIND, AWARD_STATUS

    units = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    for a in items:
        yield [a.group.name if a.kind == "group" else a.retailer.shop_name,
               a.retailer.licence_no if a.kind != "group" and a.retailer else None, units.get(a.unit_id),
               str(AWARD_KIND.get(a.kind, a.kind)), str(AWARD_STATUS.get(a.status, a.status)), a.nominated_on,
               a.nominating_group.name if a.nominating_group else None]


register(ExportSpec(
    name="models", title=_l("Model groups and model retailers"), action="groups.read", endpoint="pwa.models",
    schema=_award_schema, query=_award_query, rows=_award_rows,
    columns=(Column(_l("Group or shop"), width=24), LICENCE, COUNTY, Column(_l("Kind"), width=10),
             Column(_l("Status"), width=12), Column(_l("Nominated on"), "date", 12),
             Column(_l("Nominated by the group"), width=20))))


def _extract_labels():  # pragma: no cover - never called, read by pybabel
    _("Export to Excel")
