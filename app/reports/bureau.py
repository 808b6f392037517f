"""The bureau's own reports, as PDF files kept under REPORTS_DIR (WeasyPrint, WenQuanYi Micro Hei):

- ``monthly_update`` 月度动态更新: a month's movement in a county or the whole city (new records by
  type, grade changes, visits, deadlines, warnings);
- ``quarterly_analysis`` 统计分析报告: a quarter after its evaluation is published (grade distribution
  per county and its change against the previous published quarter, violations by type, repairs and
  objections, inspection coverage, warnings), with charts and tables;
- ``ranking`` 通报: the counties ranked on the month's assessment figures (city-wide only).

:func:`generate` gathers the figures, renders and stores the file and writes the row and the audit entry
in the caller's transaction (the file is removed again unless it commits). The job runner calls it for
a report asked for on a page; :func:`periodic` makes the month's and the quarter's reports when due."""
from __future__ import annotations

import hashlib
import os
import secrets
from collections import Counter, defaultdict

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.assessment import figures as F
from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.extensions import db
from app.reports.models import REPORT_KINDS, BureauReport
from app.storage import pending

GRADES = ("AAA", "AA", "A", "B", "C", "D")
CITY_ONLY = ("quarterly_analysis", "ranking")


def reports_dir() -> str:
    return current_app.config.get("REPORTS_DIR") or os.path.join(current_app.instance_path, "bureau-reports")


def file_path(report: BureauReport) -> str:
    return os.path.join(reports_dir(), report.file_key)


def kind_label(kind: str) -> str:
    return {"monthly_update": _("Monthly update (月度动态更新)"),
            "quarterly_analysis": _("Quarterly statistical analysis (统计分析报告)"),
            "ranking": _("Monthly county ranking (通报)")}.get(kind, kind)


# ---------------------------------------------------------------- checking a request

def check_request(kind: str, period_key: str, unit, actor) -> F.Period:
    """What may be asked for: a known kind, a period of its kind that has ended, a scope the actor holds.
    Raises ServiceError with the field's message."""
    if kind not in REPORT_KINDS:
        raise ServiceError({"kind": [_("Choose a kind of report.")]})
    try:
        period = F.parse_period(period_key)
    except ValueError:
        raise ServiceError({"period": [_("Give a month such as 2026-11 or a quarter such as 2026Q4.")]}) from None
    want = "quarter" if kind == "quarterly_analysis" else "month"
    if period.kind != want:
        raise ServiceError({"period": [_("This report is for a quarter (such as 2026Q4).") if want == "quarter"
                                       else _("This report is for a month (such as 2026-11).")]})
    if period.end >= local_today():
        raise ServiceError({"period": [_("The period has not ended yet.")]})
    city = actor is None or actor.is_city_level
    if kind in CITY_ONLY and unit is not None:
        raise ServiceError({"unit": [_("This report covers the whole city.")]})
    if not city and (kind in CITY_ONLY or unit is None or unit.id != actor.unit_id):
        raise ServiceError({"unit": [_("You may ask only for your own county's monthly update.")]}, status=403)
    if kind == "quarterly_analysis" and published_run(period.key) is None:
        raise ServiceError({"period": [_("The evaluation of %(q)s is not published yet.", q=period.key)]})
    return period


def published_run(quarter: str):
    from app.evaluation.models import EvaluationRun

    return db.session.scalars(select(EvaluationRun).where(EvaluationRun.quarter == quarter,
                                                          EvaluationRun.status == "published")
                              .order_by(EvaluationRun.id.desc())).first()


# ---------------------------------------------------------------- figures of each kind

def _unit_names():
    from app.org.models import OrgUnit

    return {u.id: u for u in db.session.scalars(select(OrgUnit))}


def violations_by_type(period: F.Period, unit_ids=None) -> list[dict]:
    """Negative records confirmed in the period, by indicator: code, name, count (most first)."""
    from app.credit.models import CreditRecord
    from app.repair import credit_link
    from app.retailers.models import Retailer

    stmt = (select(CreditRecord.indicator_code, CreditRecord.catalogue_version, func.count(CreditRecord.id))
            .where(CreditRecord.decided_on >= period.start, CreditRecord.decided_on <= period.end,
                   CreditRecord.status.in_(("confirmed", "repaired", "ended")), CreditRecord.nominal_points < 0)
            .group_by(CreditRecord.indicator_code, CreditRecord.catalogue_version))
    if unit_ids is not None:
        stmt = stmt.join(Retailer, Retailer.id == CreditRecord.retailer_id).where(Retailer.unit_id.in_(unit_ids))
    counts, names = Counter(), {}
    cats = credit_link.catalogues()
    for code, version, n in db.session.execute(stmt):
        counts[code] += n
        if code not in names:
            try:
                names[code] = cats[version].indicator(code).name_zh
            except KeyError:
                names[code] = code
    return [{"code": c, "name": names[c], "count": n} for c, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]


def grade_distribution(run) -> dict:
    """{unit_id: Counter(grade -> licences)} of one evaluation run."""
    from app.evaluation.models import EvaluationRow

    out = defaultdict(Counter)
    if run is None:
        return out
    for unit_id, grade, n in db.session.execute(
            select(EvaluationRow.unit_id, EvaluationRow.grade, func.count())
            .where(EvaluationRow.run_id == run.id).group_by(EvaluationRow.unit_id, EvaluationRow.grade)):
        out[unit_id][grade] += n
    return out


def grade_moves(run) -> Counter:
    """Licences whose grade went up or down against the last published grade, and new ones."""
    from app.evaluation.models import EvaluationRow

    order = {g: i for i, g in enumerate(GRADES)}
    moves = Counter()
    for grade, prev, n in db.session.execute(
            select(EvaluationRow.grade, EvaluationRow.previous_grade, func.count())
            .where(EvaluationRow.run_id == run.id).group_by(EvaluationRow.grade, EvaluationRow.previous_grade)):
        if prev is None:
            moves["new"] += n
        elif order.get(grade, 9) < order.get(prev, 9):
            moves["up"] += n
        elif order.get(grade, 9) > order.get(prev, 9):
            moves["down"] += n
        else:
            moves["same"] += n
    return moves


def coverage(period: F.Period, unit_ids=None) -> dict:
    """{unit_id: (licences in the register, licences visited in the period)}."""
    from app.retailers.counts import registered
    from app.retailers.models import Retailer
    from app.scheduling.models import Visit

    shops = select(Retailer.unit_id, func.count(Retailer.id)).where(registered()).group_by(Retailer.unit_id)
    seen = (select(Visit.unit_id, func.count(func.distinct(Visit.retailer_id)))
            .where(Visit.status == "done", Visit.done_on >= period.start, Visit.done_on <= period.end)
            .group_by(Visit.unit_id))
    if unit_ids is not None:
        shops = shops.where(Retailer.unit_id.in_(unit_ids))
        seen = seen.where(Visit.unit_id.in_(unit_ids))
    out = {u: [n, 0] for u, n in db.session.execute(shops)}
    for u, n in db.session.execute(seen):
        out.setdefault(u, [0, 0])[1] = n
    return out


def grade_changes(period: F.Period, unit_ids=None) -> dict:
    """{unit_id: Counter(up/down)} of live grade changes in the period."""
    from app.credit.models import GradeChange
    from app.retailers.models import Retailer

    order = {g: i for i, g in enumerate(GRADES)}
    stmt = (select(Retailer.unit_id, GradeChange.from_grade, GradeChange.to_grade, func.count())
            .join(Retailer, Retailer.id == GradeChange.retailer_id)
            .where(GradeChange.as_of >= period.start, GradeChange.as_of <= period.end,
                   GradeChange.from_grade.is_not(None))
            .group_by(Retailer.unit_id, GradeChange.from_grade, GradeChange.to_grade))
    if unit_ids is not None:
        stmt = stmt.where(Retailer.unit_id.in_(unit_ids))
    out = defaultdict(Counter)
    for unit, a, b, n in db.session.execute(stmt):
        if order.get(b, 9) < order.get(a, 9):
            out[unit]["up"] += n
        elif order.get(b, 9) > order.get(a, 9):
            out[unit]["down"] += n
    return out


def content(kind: str, period: F.Period, unit=None) -> dict:
    """Everything the template of ``kind`` prints."""
    unit_ids = [unit.id] if unit is not None else None
    counties = F.by_county(period, unit_ids)
    ctx = {"kind": kind, "period": period, "unit": unit, "counties": counties, "city": F.totals(counties),
           "units": _unit_names(), "grades": GRADES, "generated_on": local_today()}
    if kind == "monthly_update":
        ctx["violations"] = violations_by_type(period, unit_ids)
        ctx["changes"] = grade_changes(period, unit_ids)
        ctx["coverage"] = coverage(period, unit_ids)
    elif kind == "quarterly_analysis":
        run = published_run(period.key)
        if run is None:
            raise ServiceError({"period": [_("The evaluation of %(q)s is not published yet.", q=period.key)]})
        prev = published_run(period.previous().key)
        ctx.update(run=run, prev_run=prev, dist=grade_distribution(run), prev_dist=grade_distribution(prev),
                   moves=grade_moves(run), violations=violations_by_type(period), coverage=coverage(period))
    ctx["charts"] = charts(kind, ctx)
    return ctx


def charts(kind: str, ctx: dict) -> dict:
    """The report's charts as inline SVG (app.charts: no JavaScript, sized for WeasyPrint)."""
    from app import charts as C

    out = {}
    counties = ctx["counties"]
    if kind == "quarterly_analysis":
        dist = ctx["dist"]
        rows = [C.StackRow(line.unit.name, [C.Segment(g, dist.get(line.unit.id, {}).get(g, 0)) for g in GRADES])
                for line in counties]
        out["grades"] = C.stacked_bar_chart(rows, C.grade_series(), title=_("Grade distribution by county"),
                                            width=640, percent=True)
        cov = ctx["coverage"]
        out["coverage"] = C.bar_chart(
            [C.Bar(line.unit.name, round(100 * cov[line.unit.id][1] / cov[line.unit.id][0], 1)
                   if cov.get(line.unit.id, [0])[0] else 0) for line in counties],
            title=_("Licences visited in the quarter (%)"), width=640, unit="%", max_value=100)
    if kind in ("quarterly_analysis", "monthly_update") and ctx.get("violations"):
        out["violations"] = C.bar_chart([C.Bar(f"{v['code']} {v['name']}", v["count"]) for v in ctx["violations"][:10]],
                                        title=_("Violations by type"), width=640)
    if kind == "ranking":
        out["ranking"] = C.bar_chart([C.Bar(f"{line.rank}. {line.unit.name}", round(100 * line.composite, 1))
                                      for line in counties if line.rank],
                                     title=_("Counties ranked"), width=640, unit="%", max_value=100,
                                     empty_text=_("Nothing to rank in this period."))
    return out


# ---------------------------------------------------------------- generating and storing

def render(kind: str, ctx: dict) -> bytes:
    from weasyprint import HTML

    html = render_template("reports/bureau_pdf.html", kind_label=kind_label(kind), **ctx)
    return HTML(string=html, base_url=None).write_pdf()


def generate(kind: str, period_key: str, unit=None, *, actor=None, job_id=None, progress=None) -> BureauReport:
    """Make one report and keep it (the caller commits)."""
    period = check_request(kind, period_key, unit, actor)
    if progress:
        progress.step("report_figures")
    ctx = content(kind, period, unit)
    if progress:
        progress.advance(40, step="report_render")
    data = render(kind, ctx)
    if progress:
        progress.advance(50, step="report_store")
    digest = hashlib.sha256(data).hexdigest()
    scope = f"u{unit.code}" if unit is not None else "city"
    key = f"{period.key}/{kind}-{scope}-{secrets.token_hex(6)}.pdf"
    pending.write(os.path.join(reports_dir(), key), data)
    report = BureauReport(kind=kind, period=period.key, unit_id=unit.id if unit is not None else None,
                          generated_at=utcnow(), file_key=key, size=len(data), sha256=digest, job_id=job_id,
                          requested_by_id=getattr(actor, "id", None))
    db.session.add(report)
    db.session.flush()
    audit("report.generate", "BureauReport", report.id,
          after={"kind": kind, "period": period.key, "unit": unit.code if unit is not None else None,
                 "sha256": digest, "size": len(data)}, actor=actor)
    if progress:
        progress.advance(10)
    return report


def exists(kind: str, period: str, unit_id) -> bool:
    stmt = select(BureauReport.id).where(BureauReport.kind == kind, BureauReport.period == period)
    stmt = stmt.where(BureauReport.unit_id.is_(None) if unit_id is None else BureauReport.unit_id == unit_id)
    return db.session.scalar(stmt.limit(1)) is not None


def periodic(today=None) -> dict:
    """Due reports not yet made: on and after the 1st, the previous month's city update, each county's
    update and the 通报; the quarterly analysis of every published quarter that has none (the last four)."""
    today = today or local_today()
    made = Counter()
    month = F.previous_month(today)
    for unit in [None] + F.counties():
        if not exists("monthly_update", month, getattr(unit, "id", None)):
            generate("monthly_update", month, unit)
            made["monthly_update"] += 1
    if not exists("ranking", month, None):
        generate("ranking", month)
        made["ranking"] += 1
    from app.evaluation.models import EvaluationRun

    quarters = db.session.scalars(select(EvaluationRun.quarter).where(EvaluationRun.status == "published")
                                  .distinct().order_by(EvaluationRun.quarter.desc()).limit(4))
    for q in quarters:
        if F.parse_period(q).end < today and not exists("quarterly_analysis", q, None):
            generate("quarterly_analysis", q)
            made["quarterly_analysis"] += 1
    return dict(made)
