"""The access policy: one place that decides who may do what to which object.

Every endpoint declares the action it performs with :func:`requires`; the request guard
(:mod:`app.auth.guard`) refuses any endpoint that declared nothing (deny by default) and checks
the role-level rule before the view runs. Views then load objects through :func:`get_or_404`
and list them through :func:`scope`, so object-level rules (county, own licences) are applied by
the query itself: another county's object simply is not found (404).
"""
from dataclasses import dataclass

from flask import abort
from sqlalchemy import false, select, true

from app.extensions import db


@dataclass(frozen=True)
class Rule:
    roles: frozenset  # roles allowed; empty with public=True means anyone
    public: bool = False  # no sign-in needed
    token: bool = False  # reached with a partner API token (Authorization: Bearer), never a session
    # while True, a user who must change the password may still use it
    allowed_before_password_change: bool = False


STAFF = frozenset({"admin", "supervisor", "inspector", "marketer", "mkt_supervisor"})
ALL_SIGNED_IN = frozenset({"admin", "supervisor", "inspector", "marketer", "mkt_supervisor", "retailer", "partner",
                           "ordering"})
MARKETING = frozenset({"marketer", "mkt_supervisor"})

# Action name -> rule. The whole role-level policy, at a glance.
ACTIONS: dict[str, Rule] = {
    "public": Rule(frozenset(), public=True, allowed_before_password_change=True),
    "session": Rule(ALL_SIGNED_IN, allowed_before_password_change=True),
    "home": Rule(ALL_SIGNED_IN),
    "retailers.read": Rule(STAFF),
    "retailers.write": Rule(frozenset({"admin", "supervisor"})),
    "users.manage": Rule(frozenset({"admin"})),
    "tokens.manage": Rule(frozenset({"admin"})),
    "audit.read": Rule(frozenset({"admin"})),
    "me.retailers": Rule(frozenset({"retailer"})),
    "partner.api": Rule(frozenset({"partner"}), token=True),
    # credit records, live grades, catalogue and policy versions (app/credit)
    "credit.read": Rule(STAFF),
    "credit.record": Rule(frozenset({"admin", "supervisor", "marketer"})),
    "credit.decide": Rule(frozenset({"admin", "supervisor"})),
    "catalogue.manage": Rule(frozenset({"admin"})),
    # retailer side: own credit, commitment, repair, objections, report; supervisors decide
    "me.credit": Rule(frozenset({"retailer"})),
    "notices.read": Rule(frozenset({"admin", "supervisor", "inspector", "marketer", "mkt_supervisor", "retailer"})),
    "repairs.decide": Rule(frozenset({"supervisor"})),
    "evidence.read": Rule(frozenset({"supervisor", "retailer"})),
    "commitments.admin": Rule(frozenset({"admin"})),
    # quarterly evaluation 综合评价: runs city-wide, rows by county; manage = city level only
    "evaluation.read": Rule(frozenset({"admin", "supervisor"})),
    "evaluation.manage": Rule(frozenset({"admin", "supervisor"})),
    # inspection scheduling
    "plans.read": Rule(frozenset({"admin", "supervisor"})),
    "plans.write": Rule(frozenset({"supervisor"})),
    "visits.mine": Rule(frozenset({"inspector"})),
    "visits.complete": Rule(frozenset({"inspector"})),
    "scheduling.policy": Rule(frozenset({"admin"})),
    # field inspections: county inspectors record and read; supervisors read
    "inspections.read": Rule(frozenset({"admin", "supervisor", "inspector"})),
    "inspections.write": Rule(frozenset({"inspector"})),
    # the job runner: a long job's progress (its starter; admins), the background jobs' status, the SMS outbox
    "jobs.read": Rule(frozenset({"admin", "supervisor", "mkt_supervisor"})),
    "jobs.status": Rule(frozenset({"admin", "supervisor"})),
    "sms.manage": Rule(frozenset({"admin"})),
    # Excel exports of the lists (app/exports): those who can watch a long job; each list also asks its own
    # page's action, and the rows are scoped as on the page
    "exports.start": Rule(frozenset({"admin", "supervisor", "mkt_supervisor"})),
    "calendar.manage": Rule(frozenset({"admin"})),
    # licence-verification tasks (虚假户 check): county supervisors close them; admins read
    "licence_checks.read": Rule(frozenset({"admin", "supervisor"})),
    "licence_checks.decide": Rule(frozenset({"supervisor"})),
    # partners: agreements and the read log (admin); red and black lists; the local credit platform
    "partners.manage": Rule(frozenset({"admin"})),
    "lists.read": Rule(frozenset({"admin", "supervisor"})),
    "lists.decide": Rule(frozenset({"supervisor"})),
    "lists.policy": Rule(frozenset({"admin"})),
    "exchange.read": Rule(frozenset({"admin"})),
    # banks (信易贷): a bank's token queries a consenting retailer; retailers and admins list the banks
    "bank.api": Rule(frozenset({"partner"}), token=True),
    "banks.list": Rule(frozenset({"admin", "retailer"})),
    "banks.manage": Rule(frozenset({"admin"})),
    # integrity mutual-aid groups, their ratings, model groups and retailers (app/groups): county staff
    # read; account managers and supervisors keep groups and nominate; supervisors (the panel's
    # secretariat) record ratings, objections, publication and withdrawal, and review nominations
    "groups.read": Rule(frozenset({"admin", "supervisor", "marketer"})),
    "groups.manage": Rule(frozenset({"supervisor", "marketer"})),
    "groups.decide": Rule(frozenset({"supervisor"})),
    # trust supervision (app/trust): AA/AAA retailers send remote self-checks; county inspectors and
    # supervisors review them
    "trust.self_check": Rule(frozenset({"retailer"})),
    "trust.review": Rule(frozenset({"supervisor", "inspector"})),
    # early warnings 失信预警: county and city supervisors own, act on and close them
    "warnings.read": Rule(frozenset({"supervisor"})),
    "warnings.manage": Rule(frozenset({"supervisor"})),
    # the supervisors' map 监管地图: shops of the county (city level: all) by grade, violations' density
    "map.read": Rule(frozenset({"supervisor"})),
    # the assessment of the bureau's own work (通报督促) and its reports: county supervisors their county,
    # city supervisors every county and the city-wide reports
    "assessment.read": Rule(frozenset({"supervisor"})),
    "reports.read": Rule(frozenset({"supervisor"})),
    "reports.request": Rule(frozenset({"supervisor"})),
    # the supervisors' dashboard 监管驾驶舱 (app/dashboard): county figures (city level and admins: all, page
    # and JSON API, read only); "refresh now": supervisors
    "dashboard.read": Rule(frozenset({"admin", "supervisor"})),
    "dashboard.refresh": Rule(frozenset({"supervisor"})),
    # customer tiers and supply (app/service): marketers read their county's; marketing supervisors import
    # the ordering figures, run and publish the month, decide suspensions and their objections; the
    # hardship flag only for marketing supervisors; the ordering system by its token
    "service.read": Rule(frozenset({"admin"}) | MARKETING),
    "service.manage": Rule(frozenset({"mkt_supervisor"})),
    "service.policy": Rule(frozenset({"admin", "mkt_supervisor"})),
    "service.hardship": Rule(frozenset({"mkt_supervisor"})),
    "ordering.api": Rule(frozenset({"ordering"}), token=True),
}

_ENDPOINT_ACTIONS: dict[str, str] = {}


def requires(action: str):
    """Declare the action a view performs. Unknown action names fail at import time."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}; add it to app.auth.policy.ACTIONS")

    def decorator(view):
        view._policy_action = action
        return view

    return decorator


def action_for_view(view) -> str | None:
    view = getattr(view, "view_class", view)
    action = getattr(view, "_policy_action", None)
    if action is None:
        # flask-smorest wraps views: look through functools.wraps chains.
        inner = getattr(view, "__wrapped__", None)
        while inner is not None and action is None:
            action = getattr(inner, "_policy_action", None)
            inner = getattr(inner, "__wrapped__", None)
    return action


def register_endpoints(app):
    """Record every endpoint's declared action; refuse to start if one declared nothing."""
    missing = []
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            _ENDPOINT_ACTIONS[endpoint] = "public"
            continue
        action = action_for_view(view)
        if action is None:
            missing.append(endpoint)
        else:
            _ENDPOINT_ACTIONS[endpoint] = action
    if missing:
        raise RuntimeError(f"endpoints without an access rule (app.auth.policy.requires): {sorted(missing)}")
    app.extensions["policy_endpoints"] = dict(_ENDPOINT_ACTIONS)


def endpoint_action(app, endpoint: str) -> str | None:
    return app.extensions.get("policy_endpoints", {}).get(endpoint)


def role_allows(user, action: str, *, via_token: bool) -> bool:
    rule = ACTIONS[action]
    if rule.public:
        return True
    if user is None or not user.is_authenticated:
        return False
    if rule.token != via_token:
        return False
    return user.role in rule.roles


# ---- object level -------------------------------------------------------------------------

def _retailer_clause(user, action):
    from app.auth.models import user_retailers
    from app.retailers.models import Retailer

    if user.role == "admin":
        return true()
    if user.role in ("supervisor", "inspector", "marketer", "mkt_supervisor"):
        if action == "retailers.write" and user.role != "supervisor":
            return false()
        if user.is_city_level:
            return true()
        return Retailer.unit_id == user.unit_id
    if user.role == "retailer" and action in ("me.retailers", "me.credit", "trust.self_check"):
        return Retailer.id.in_(select(user_retailers.c.retailer_id).where(user_retailers.c.user_id == user.id))
    return false()


def _user_clause(user, action):
    from app.auth.models import User

    return true() if user.role == "admin" else User.id == user.id


def _token_clause(user, action):
    return true() if user.role == "admin" else false()


def _plan_clause(user, action):
    from app.scheduling.models import InspectionPlan

    if user.role == "admin":
        return true()
    if user.role == "supervisor":
        return true() if user.is_city_level else InspectionPlan.unit_id == user.unit_id
    return false()


def _visit_clause(user, action):
    from app.scheduling.models import Visit

    if user.role == "admin" and action == "plans.read":
        return true()
    if user.role == "supervisor":
        return true() if user.is_city_level else Visit.unit_id == user.unit_id
    if user.role == "inspector" and action in ("visits.mine", "visits.complete"):
        mine = (Visit.officer_a_id == user.id) | (Visit.officer_b_id == user.id)
        return mine & Visit.status.in_(("approved", "done", "missed"))
    return false()


def _own_licences(user):
    from app.auth.models import user_retailers

    return select(user_retailers.c.retailer_id).where(user_retailers.c.user_id == user.id)


def _by_retailer_clause(model_name):
    """Objects that belong to one licence (repair requests, objections, commitments, evidence):
    supervisors reach their county's (city level: all), a retailer only its own licences'."""

    def clause_fn(user, action):
        from app.retailers.models import Retailer

        model = _retailer_side_models()[model_name]
        if user.role == "supervisor" and action in ("repairs.decide", "evidence.read"):
            if user.is_city_level:
                return true()
            return model.retailer_id.in_(select(Retailer.id).where(Retailer.unit_id == user.unit_id))
        if user.role == "retailer" and action in ("me.credit", "evidence.read"):
            return model.retailer_id.in_(_own_licences(user))
        return false()

    return clause_fn


def _retailer_side_models():
    from app.commitments.models import Commitment
    from app.licence_requests.models import LicenceRequest
    from app.repair.models import EvidenceFile, Objection, RepairRequest

    return {"RepairRequest": RepairRequest, "Objection": Objection, "Commitment": Commitment,
            "EvidenceFile": EvidenceFile, "LicenceRequest": LicenceRequest}


def _notice_clause(user, action):
    from app.notices.models import Notice

    return Notice.user_id == user.id


_CLAUSES = {"Retailer": _retailer_clause, "User": _user_clause, "ApiToken": _token_clause,
            "RepairRequest": _by_retailer_clause("RepairRequest"), "Objection": _by_retailer_clause("Objection"),
            "Commitment": _by_retailer_clause("Commitment"), "EvidenceFile": _by_retailer_clause("EvidenceFile"),
            "Notice": _notice_clause, "LicenceRequest": _by_retailer_clause("LicenceRequest")}
_CLAUSES.update({"InspectionPlan": _plan_clause, "Visit": _visit_clause})


def _credit_record_clause(user, action):
    """County staff: records of their county's retailers (city level: all); a retailer: its own
    licences' records, only through /me actions."""
    from app.credit.models import CreditRecord
    from app.retailers.models import Retailer

    if user.role == "admin":
        return true()
    if user.role in ("supervisor", "inspector", "marketer", "mkt_supervisor"):
        if user.is_city_level:
            return true()
        return CreditRecord.retailer_id.in_(select(Retailer.id).where(Retailer.unit_id == user.unit_id))
    if user.role == "retailer" and action in ("me.retailers", "me.credit"):
        return CreditRecord.retailer_id.in_(_own_licences(user))
    return false()


def _credit_versions_clause(user, action):
    """Catalogue and policy versions: whoever the action's role rule admits reaches every version."""
    return true()


_CLAUSES.update({"CreditRecord": _credit_record_clause, "CatalogueVersion": _credit_versions_clause,
                 "PolicyVersion": _credit_versions_clause})


def _evaluation_run_clause(user, action):
    """Every supervisor sees the runs (rows are scoped); only the city level runs, reviews, publishes."""
    if user.role == "admin" or (user.role == "supervisor" and user.is_city_level):
        return true()
    if user.role == "supervisor" and action == "evaluation.read":
        return true()
    return false()


def _evaluation_row_clause(user, action):
    from app.evaluation.models import EvaluationRow

    if user.role == "admin" or (user.role == "supervisor" and user.is_city_level):
        return true()
    if user.role == "supervisor" and action == "evaluation.read":
        return EvaluationRow.unit_id == user.unit_id
    return false()


_CLAUSES.update({"EvaluationRun": _evaluation_run_clause, "EvaluationRow": _evaluation_row_clause})


def _inspection_clause(user, action):
    """Inspections of the user's county: inspectors read and write, supervisors read (city: all)."""
    from app.inspections.models import Inspection

    if user.role == "admin":
        return true() if action == "inspections.read" else false()
    if user.role == "supervisor" and action == "inspections.read":
        return true() if user.is_city_level else Inspection.unit_id == user.unit_id
    if user.role == "inspector" and action in ("inspections.read", "inspections.write"):
        return Inspection.unit_id == user.unit_id
    return false()


_CLAUSES.update({"Inspection": _inspection_clause})


def _job_clause(user, action):
    """A long job is seen by whoever started it; an admin sees every job."""
    from app.jobs.models import Job

    return true() if user.role == "admin" else Job.created_by_id == user.id


def _sms_clause(user, action):
    return true() if user.role == "admin" else false()


_CLAUSES.update({"Job": _job_clause, "SmsOutbox": _sms_clause})


def _licence_check_clause(user, action):
    """Licence checks of the supervisor's county (city level: all); admins read them all."""
    from app.licences.models import LicenceCheck

    if user.role == "admin":
        return true() if action == "licence_checks.read" else false()
    if user.role == "supervisor":
        return true() if user.is_city_level else LicenceCheck.unit_id == user.unit_id
    return false()


_CLAUSES.update({"LicenceCheck": _licence_check_clause})


def _bureau_report_clause(user, action):
    """City supervisors reach every report; a county supervisor only its own county's (never the
    city-wide ones, whose unit is empty)."""
    from app.reports.models import BureauReport

    if user.role != "supervisor":
        return false()
    return true() if user.is_city_level else BureauReport.unit_id == user.unit_id


_CLAUSES.update({"BureauReport": _bureau_report_clause})


def _list_entry_clause(user, action):
    """List entries of the supervisor's county (city level: all); admins read all; a retailer its own."""
    from app.lists.models import ListEntry

    if user.role == "admin":
        return true() if action == "lists.read" else false()
    if user.role == "supervisor" and action in ("lists.read", "lists.decide"):
        return true() if user.is_city_level else ListEntry.unit_id == user.unit_id
    if user.role == "retailer" and action == "me.credit":
        return ListEntry.retailer_id.in_(_own_licences(user))
    return false()


def _admin_only_clause(user, action):
    return true() if user.role == "admin" else false()


def _partner_finding_clause(user, action):
    """A partner reaches only the findings it sent."""
    from app.partners.models import PartnerFinding

    if user.role == "partner" and action == "partner.api":
        return PartnerFinding.partner_id == user.id
    return false()


def _list_objection_clause(user, action):
    from app.lists.models import ListObjection

    if user.role == "supervisor" and action == "lists.decide":
        from app.lists.models import ListEntry

        if user.is_city_level:
            return true()
        return ListObjection.entry_id.in_(select(ListEntry.id).where(ListEntry.unit_id == user.unit_id))
    return false()


_CLAUSES.update({"ListObjection": _list_objection_clause, "ListEntry": _list_entry_clause,
                 "PartnerNotification": _admin_only_clause, "ExchangeBatch": _admin_only_clause,
                 "PartnerFinding": _partner_finding_clause})


def _bank_consent_clause(user, action):
    """A retailer reaches its own licences' consents (to revoke them); nobody else through the policy
    (a bank's queries are checked against the consent by app.banks.services.check)."""
    from app.banks.models import BankConsent

    if user.role == "retailer" and action == "me.credit":
        return BankConsent.retailer_id.in_(_own_licences(user))
    return false()


_CLAUSES.update({"BankConsent": _bank_consent_clause})


def _group_unit_clause(model_name):
    """Groups, ratings and awards of the user's county (city level and admins: all)."""

    def clause_fn(user, action):
        from app.groups.models import GroupRating, IntegrityGroup, ModelAward

        model = {"IntegrityGroup": IntegrityGroup, "GroupRating": GroupRating, "ModelAward": ModelAward}[model_name]
        if user.role == "admin" and action == "groups.read":
            return true()
        if user.role in ("supervisor", "marketer") and action.startswith("groups."):
            return true() if user.is_city_level else model.unit_id == user.unit_id
        return false()

    return clause_fn


def _self_check_clause(user, action):
    from app.trust.models import SelfCheck

    if user.role in ("supervisor", "inspector") and action == "trust.review":
        return true() if user.is_city_level else SelfCheck.unit_id == user.unit_id
    if user.role == "retailer" and action == "trust.self_check":
        return SelfCheck.retailer_id.in_(_own_licences(user))
    return false()


_CLAUSES.update({"IntegrityGroup": _group_unit_clause("IntegrityGroup"),
                 "GroupRating": _group_unit_clause("GroupRating"),
                 "ModelAward": _group_unit_clause("ModelAward"), "SelfCheck": _self_check_clause})


def _warning_clause(user, action):
    """Early warnings of the supervisor's county (city level: all)."""
    from app.warnings.models import EarlyWarning

    if user.role == "supervisor":
        return true() if user.is_city_level else EarlyWarning.unit_id == user.unit_id
    return false()


_CLAUSES.update({"EarlyWarning": _warning_clause})


def _dashboard_figure_clause(user, action):
    """Dashboard figures of the supervisor's county (city level: all); admins read all."""
    from app.dashboard.models import DashboardFigure

    if user.role == "admin":
        return true()
    if user.role == "supervisor":
        return true() if user.is_city_level else DashboardFigure.unit_id == user.unit_id
    return false()


_CLAUSES.update({"DashboardFigure": _dashboard_figure_clause})


def _service_run_clause(user, action):
    """Runs and policy versions: whoever the action's role rule admits (rows are scoped by county)."""
    return true()


def _by_unit_clause(model_name):
    """Service rows, suspensions and hardship flags: the user's county (city level and admins: all); a
    retailer reaches its own licences' suspensions through the /me pages."""

    def clause_fn(user, action):
        from app.service import models

        model = getattr(models, model_name)
        if user.role == "admin":
            return true()
        if user.role in ("marketer", "mkt_supervisor"):
            return true() if user.is_city_level else model.unit_id == user.unit_id
        if user.role == "retailer" and action == "me.credit" and model_name == "SupplySuspension":
            return model.retailer_id.in_(_own_licences(user))
        return false()

    return clause_fn


_CLAUSES.update({"ServiceRun": _service_run_clause, "ServicePolicy": _service_run_clause,
                 "ServiceRow": _by_unit_clause("ServiceRow"), "SupplySuspension": _by_unit_clause("SupplySuspension"),
                 "HardshipFlag": _by_unit_clause("HardshipFlag")})


def clause(user, action: str, model):
    """The WHERE clause limiting ``model`` to what ``user`` may reach for ``action``."""
    if not role_allows(user, action, via_token=getattr(user, "via_token", False)):
        return false()
    fn = _CLAUSES.get(model.__name__)
    if fn is None:
        return false()  # deny by default: a model with no object rule is reachable by nobody
    return fn(user, action)


def scope(user, action: str, stmt, model):
    """Scope a SELECT over ``model`` to the objects ``user`` may reach."""
    return stmt.where(clause(user, action, model))


def can(user, action: str, obj) -> bool:
    """May ``user`` do ``action`` to this already loaded object?"""
    model = type(obj)
    stmt = select(model.id).where(model.id == obj.id, clause(user, action, model))
    return db.session.execute(stmt).first() is not None


def get_or_404(user, action: str, model, object_id, *, for_update=False):
    """Load one object through the policy: missing and out of scope both answer 404."""
    stmt = select(model).where(model.id == object_id, clause(user, action, model))
    obj = db.session.scalars(stmt).first()
    if obj is None:
        from app.auth.security_log import log_event

        if db.session.get(model, object_id) is not None:
            log_event("out_of_scope", detail=f"{model.__name__} {object_id} for {action}")
        abort(404)
    return obj
