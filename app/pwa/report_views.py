"""The assessment of the bureau's own work (/assessment: counties ranked, officers paged, by month or
quarter) and the bureau's reports (/reports: the kept PDFs, scoped, paged; ask for one → job page →
download)."""
from flask import redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.assessment import figures as F
from app.auth import policy
from app.auth.policy import requires
from app.common.boundary import form_page
from app.common.errors import ServiceError
from app.common.forms import PageForm
from app.common.paging import paginate
from app.common.time import local_today
from app.extensions import db
from app.org.models import OrgUnit
from app.pwa import bp
from app.reports import bureau
from app.reports.forms import ReportRequestForm
from app.reports.models import REPORT_KINDS, BureauReport

OFFICERS_PER_PAGE = 20
REPORTS_PER_PAGE = 20


def _scope_units():
    """None for a city supervisor (every county), else the supervisor's own county."""
    return None if current_user.is_city_level else [current_user.unit_id]


def _period(default: str):
    """The period asked for in the query string, or the default; an unreadable one is the default with a message."""
    raw = (request.args.get("period") or "").strip()
    if not raw:
        return F.parse_period(default), None
    try:
        return F.parse_period(raw), None
    except ValueError:
        return F.parse_period(default), _("Give a month such as 2026-11 or a quarter such as 2026Q4.")


@bp.route("/assessment")
@requires("assessment.read")
def assessment():
    today = local_today()
    period, error = _period(F.previous_month(today))
    units = _scope_units()
    counties = F.by_county(period, units)
    p = paginate(F.officers_query(units), per_page=OFFICERS_PER_PAGE)
    officers = F.by_officer(period, p.items, units)
    names = {u.id: u.name for u in F.counties(units)}
    return render_template("reports/assessment.html", period=period, periods=F.recent_periods(today),
                           counties=counties, city=F.totals(counties), officers=officers, p=p, names=names,
                           period_error=error, city_level=current_user.is_city_level)


def _county_choices():
    stmt = select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)
    if not current_user.is_city_level:
        stmt = stmt.where(OrgUnit.id == current_user.unit_id)
    return list(db.session.scalars(stmt))


@bp.route("/reports")
@requires("reports.read")
def reports_list():
    kind = request.args.get("kind") or None
    if kind not in REPORT_KINDS:
        kind = None
    stmt = policy.scope(current_user, "reports.read", select(BureauReport), BureauReport)
    if kind:
        stmt = stmt.where(BureauReport.kind == kind)
    p = paginate(stmt.order_by(BureauReport.generated_at.desc(), BureauReport.id.desc()),
                 per_page=REPORTS_PER_PAGE)
    today = local_today()
    initial = {"kind": "monthly_update", "period": F.previous_month(today),
               "unit": "" if current_user.is_city_level else (current_user.unit.code if current_user.unit else "")}
    form = PageForm(ReportRequestForm(), initial=initial, endpoint="pwa.report_request")
    return render_template("reports/list.html", p=p, rows=p.items, kind=kind, kinds=REPORT_KINDS,
                           kind_label=bureau.kind_label, form=form, counties=_county_choices(),
                           periods=F.recent_periods(today), city_level=current_user.is_city_level), form.status


@bp.route("/reports", methods=["POST"])
@requires("reports.request")
@form_page(on_refusal="pwa.reports_list")
def report_request():
    """Ask for a report: checked at once (kind, period ended, scope), made on the worker (a job page
    that links to the file when it is ready)."""
    from app.jobs import services as jobs

    data = PageForm(ReportRequestForm(), endpoint="pwa.report_request").data
    unit = None
    if data.get("unit"):
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == data["unit"], OrgUnit.level == "county"))
        if unit is None:
            raise ServiceError({"unit": [_("Unknown county.")]})
    period = bureau.check_request(data["kind"], data["period"], unit, current_user)
    job = jobs.start("report.generate", {"kind": data["kind"], "period": period.key,
                                         "unit": unit.code if unit is not None else None}, current_user)
    return redirect(url_for("pwa.job_page", job_id=job.id))


@bp.route("/reports/<int:report_id>/file")
@requires("reports.read")
def report_file(report_id):
    """The kept PDF, as it was made (its SHA-256 in the ETag)."""
    report = policy.get_or_404(current_user, "reports.read", BureauReport, report_id)
    scope = report.unit.code if report.unit is not None else "city"
    response = send_file(bureau.file_path(report), mimetype="application/pdf", as_attachment=True,
                         download_name=f"{report.kind}-{report.period}-{scope}.pdf", etag=report.sha256, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
