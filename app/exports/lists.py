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
               i.violation_count, i.inspector.display_name,
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


# ---- the supervisors' inbox: repair requests and objections (/supervise/inbox) ----------------------------

REQUEST_STATUS = {"submitted": _l("Submitted"), "accepted": _l("Accepted"), "more_info": _l("More information needed"),
                  "approved": _l("Repair approved"), "refused": _l("Repair refused"), "open": _l("Open"),
                  "upheld": _l("Upheld"), "rejected": _l("Not upheld")}


def _inbox_schema():
    from marshmallow import Schema, fields, validate

    from app.common.validation import N_

    class InboxQuerySchema(Schema):
        show = fields.Str(validate=validate.OneOf(("open", "all"), error=N_("Must be one of the allowed values.")))
        due = fields.Str(validate=validate.OneOf(("soon", "overdue"), error=N_("Must be one of the allowed values.")))
        unit = fields.Str(validate=validate.Length(max=6, error=N_("Too long.")))

    return InboxQuerySchema()


def _repair_query(user, args, parent):
    from app.repair.inbox import repairs_query

    return repairs_query(user, args)


def _objection_query(user, args, parent):
    from app.repair.inbox import objections_query

    return objections_query(user, args)


def _deadline(dl):
    """(due date, state) of an open deadline as the inbox shows it."""
    if not dl:
        return None, None
    _which, due, state = dl
    return due, (_("Overdue") if state == "overdue" else _("Due soon") if state == "due_soon" else None)


def _repair_rows(items, parent):
    from app.repair.services import repair_deadline
    from app.reports.overview import indicator_name
    from app.trust.services import trusted_ids

    green = trusted_ids([r.retailer_id for r in items])
    for r in items:
        due, state = _deadline(repair_deadline(r))
        yield [r.retailer.licence_no, r.retailer.shop_name, r.retailer.unit.name, indicator_name(r.record),
               str(REQUEST_STATUS.get(r.status, r.status)), r.submitted_on, due, state,
               _("Yes") if r.retailer_id in green else None]


def _objection_rows(items, parent):
    from app.repair.services import objection_deadline
    from app.reports.overview import indicator_name
    from app.trust.services import trusted_ids

    green = trusted_ids([o.retailer_id for o in items])
    for o in items:
        due, state = _deadline(objection_deadline(o))
        yield [o.retailer.licence_no, o.retailer.shop_name, o.retailer.unit.name,
               indicator_name(o.record) if o.record else _("Grade %(g)s", g=o.grade),
               str(REQUEST_STATUS.get(o.status, o.status)), o.submitted_on, due, state,
               _("Yes") if o.retailer_id in green else None]


INBOX_COLUMNS = (LICENCE, SHOP, COUNTY, Column(_l("Record"), width=28), Column(_l("Status"), width=14),
                 Column(_l("Submitted on"), "date", 12), Column(_l("Next deadline"), "date", 12),
                 Column(_l("Deadline state"), width=10), Column(_l("Green channel"), width=8))

register(ExportSpec(
    name="repairs", title=_l("Credit repair requests"), action="repairs.decide", endpoint="pwa.supervise_inbox",
    schema=_inbox_schema, defaults={"show": "open"}, query=_repair_query, rows=_repair_rows, columns=INBOX_COLUMNS))

register(ExportSpec(
    name="objections", title=_l("Objections"), action="repairs.decide", endpoint="pwa.supervise_inbox",
    schema=_inbox_schema, defaults={"show": "open"}, query=_objection_query, rows=_objection_rows,
    columns=INBOX_COLUMNS))


# ---- inspection plans (/plans) and one plan's visits (/plans/<id>) -----------------------------------------

def _plan_query(user, args, parent):
    from app.scheduling.queries import plans_query

    return plans_query(user)


def _plan_rows(items, parent):
    from app.pwa.scheduling_views import PERIOD_LABELS, STATUS_LABELS
    from app.scheduling.queries import plan_visit_counts

    counts = plan_visit_counts([p.id for p in items])
    for p in items:
        yield [p.unit.name, p.period_start, p.period_end, str(PERIOD_LABELS.get(p.period_kind, p.period_kind)),
               str(STATUS_LABELS.get(p.status, p.status)), counts.get(p.id, 0)]


register(ExportSpec(
    name="plans", title=_l("Inspection plans"), action="plans.read", endpoint="pwa.plans",
    query=_plan_query, rows=_plan_rows,
    columns=(COUNTY, Column(_l("From"), "date", 12), Column(_l("To"), "date", 12), Column(_l("Period"), width=8),
             Column(_l("Status"), width=10), Column(_l("Visits"), "int", 8))))


def _plan_parent(user, plan_id):
    from app.auth import policy
    from app.scheduling.models import InspectionPlan

    return policy.get_or_404(user, "plans.read", InspectionPlan, plan_id)


def _plan_visit_query(user, args, plan):
    from app.scheduling.queries import plan_visits_query

    return plan_visits_query(plan)


def _plan_visit_rows(items, plan):
    from app.pwa.scheduling_views import KIND_LABELS, STATUS_LABELS, reason_text
    from app.scheduling.inputs import live_grades
    from app.scheduling.queries import plan_layout

    positions = plan_layout(plan)["positions"]
    grades = live_grades({v.retailer_id for v in items})
    for v in items:
        officers = "、".join(o.display_name for o in (v.officer_a, v.officer_b) if o is not None)
        yield [positions.get(v.id), v.planned_on, officers or None, v.retailer.licence_no, v.retailer.shop_name,
               v.retailer.address, str(KIND_LABELS.get(v.kind, v.kind)), grades.get(v.retailer_id, "A"),
               str(STATUS_LABELS.get(v.status, v.status)), v.risk, "；".join(reason_text(r) for r in v.reasons or []),
               v.leg_km]


register(ExportSpec(
    name="plan_visits", title=_l("Visits of the plan"), action="plans.read", endpoint="pwa.plan_review",
    parent=_plan_parent, parent_arg="plan_id", query=_plan_visit_query, rows=_plan_visit_rows,
    columns=(Column(_l("Position"), width=8), Column(_l("Date"), "date", 12), Column(_l("Officers"), width=16),
             LICENCE, SHOP, Column(_l("Address"), width=28), Column(_l("Kind"), width=10), Column(_l("Grade"), width=6),
             Column(_l("Status"), width=8), Column(_l("Risk"), "int", 6), Column(_l("Reasons"), width=36),
             Column(_l("Distance (km)"), "number", 8))))


# ---- coverage and the officers' load (/coverage) -----------------------------------------------------------

def _coverage_schema():
    from marshmallow import Schema, fields, validate

    from app.common.validation import N_

    class CoverageQuerySchema(Schema):
        unit = fields.Str(validate=validate.Length(max=6, error=N_("Too long.")))

    return CoverageQuerySchema()


def _coverage_query(user, args, parent):
    from app.scheduling.queries import county_units, coverage

    return coverage(county_units(user, args.get("unit") or None))


def _coverage_rows(items, parent):
    for r in items:
        yield [r["unit"].name, r["grade"], r["shops"], r["planned"], r["done"], r["overdue"],
               round(r["within_share"] * 100) if r["within_share"] is not None else None]


register(ExportSpec(
    name="coverage", title=_l("Coverage by county and grade"), action="plans.read", endpoint="pwa.coverage",
    schema=_coverage_schema, query=_coverage_query, rows=_coverage_rows,
    columns=(COUNTY, Column(_l("Grade"), width=6), Column(_l("Shops"), "int", 8), Column(_l("Planned"), "int", 8),
             Column(_l("Done"), "int", 8), Column(_l("Overdue"), "int", 8),
             Column(_l("Inspected within interval (%)"), "int", 12))))


def _load_query(user, args, parent):
    from app.scheduling.queries import county_units, officer_loads

    return officer_loads(county_units(user, args.get("unit") or None))


def _load_rows(items, parent):
    for _uid, load in items:
        yield [load["name"], load["planned"], load["approved"], load["done"], load["missed"]]


register(ExportSpec(
    name="officer_loads", title=_l("Officers' load"), action="plans.read", endpoint="pwa.coverage",
    schema=_coverage_schema, query=_load_query, rows=_load_rows,
    columns=(Column(_l("Officer"), width=14), Column(_l("Draft"), "int", 8), Column(_l("Approved"), "int", 8),
             Column(_l("Done"), "int", 8), Column(_l("Overdue"), "int", 8))))


# ---- monthly service runs (/service) and a run's rows (/service/runs/<id>) --------------------------------

def _service_run_query(user, args, parent):
    from app.service.runs import list_query

    return list_query(user)


def _service_run_rows(items, parent):
    from app.service.present import label

    for run in items:
        yield [run.cycle, label("state", run.state), run.as_of, run.licence_count,
               (run.summary or {}).get("changed", 0), (run.summary or {}).get("suspended", 0), run.published_at]


register(ExportSpec(
    name="service_runs", title=_l("Tiers and supply"), action="service.read", endpoint="pwa.service_runs",
    query=_service_run_query, rows=_service_run_rows,
    columns=(Column(_l("Ordering month"), width=10), Column(_l("State"), width=10), Column(_l("Computed on"), "date", 12),
             Column(_l("Licences"), "int", 10), Column(_l("Changed"), "int", 8),
             Column(_l("Supply suspended"), "int", 10), Column(_l("Published"), "datetime", 16))))


def _service_row_schema():
    from marshmallow import Schema, fields, validate

    from app.common.validation import N_
    from app.service.runs import ROW_SHOW

    class ServiceRowQuerySchema(Schema):
        grade = fields.Str(validate=validate.OneOf(("AAA", "AA", "A", "B", "C", "D"),
                                                   error=N_("Must be one of the allowed values.")))
        show = fields.Str(validate=validate.OneOf(ROW_SHOW, error=N_("Must be one of the allowed values.")))
        q = fields.Str(validate=validate.Length(max=64, error=N_("Too long.")))

    return ServiceRowQuerySchema()


def _service_run_parent(user, run_id):
    from app.auth import policy
    from app.service.models import ServiceRun

    return policy.get_or_404(user, "service.read", ServiceRun, run_id)


def _service_row_query(user, args, run):
    from app.service.runs import rows_query

    return rows_query(user, run, {k: (str(args[k]).strip() or None) if args.get(k) else None
                                  for k in ("grade", "show", "q")})


def _service_row_rows(items, run, user):
    from app.org.models import OrgUnit
    from app.service.present import coefficient, reason_text
    from app.service.runs import staff_reasons

    staff = staff_reasons(user)
    units = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    for row, r in items:
        reasons = [reason_text(x) for x in row.reasons or [] if staff or not (x.get("params") or {}).get("staff_only")]
        yield [r.licence_no, r.shop_name, units.get(row.unit_id), row.grade, row.base_tier, row.tier,
               row.class_code, row.class_adjusted, None if row.suspended else coefficient(row.coefficient_pct),
               _("Yes") if row.suspended else None, _("Yes") if row.changed else None, "；".join(reasons)]


register(ExportSpec(
    name="service_rows", title=_l("Each licence's tier and supply"), action="service.read", endpoint="pwa.service_run",
    schema=_service_row_schema, parent=_service_run_parent, query=_service_row_query, rows=_service_row_rows,
    scalars=False, with_user=True,
    columns=(LICENCE, SHOP, COUNTY, Column(_l("Grade"), width=6), Column(_l("Base tier"), "int", 8),
             Column(_l("Tier"), "int", 8), Column(_l("Class"), width=6), Column(_l("Adjusted class"), width=8),
             Column(_l("Coefficient"), width=8), Column(_l("Supply suspended"), width=8),
             Column(_l("Changed"), width=8), Column(_l("Reasons"), width=40))))


def _extract_labels():  # pragma: no cover - never called, read by pybabel
    _("Export to Excel")
