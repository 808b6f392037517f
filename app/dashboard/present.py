"""The dashboard's cards: each a chart (app.charts, SVG) whose bars link to the list behind the number."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app import charts
from app.charts import Bar, Line, Segment, StackRow
from app.dashboard.refresh import AGE_BANDS, quarter_bounds
from app.dashboard.services import Figures

WIDTH = 340  # drawn for a phone card; the stylesheet scales the SVG to the card on any screen
TOP_TYPES = 8


@dataclass
class Card:
    id: str
    title: str
    chart: Markup
    total: int | None = None
    note: str = ""
    link: str | None = None  # the whole list behind the card
    link_text: str = ""
    wide: bool = False


def _names(figs: Figures):
    from flask_babel import get_locale

    zh = str(get_locale() or "zh").startswith("zh")
    return {u.id: (u.name if zh else u.name_en) for u in figs.units}


def _url(endpoint: str, **args) -> str | None:
    """The list behind a number, or None (the number is shown unlinked) when the user's role may not
    open that list: an admin reads the city's dashboard but not, say, the supervisors' inbox."""
    from app.auth import policy

    action = policy.endpoint_action(current_app, endpoint)
    if action is None or not policy.role_allows(current_user, action, via_token=False):
        return None
    return url_for(endpoint, **args)


def _unit_arg(figs: Figures, one: str | None) -> dict:
    return {"unit": one} if one else {}


def cards(figs: Figures, one: str | None) -> list[Card]:
    """All cards for the counties in view; ``one`` is the county code when a single county is shown."""
    names = _names(figs)
    empty = _("No data")
    out = [_grades(figs, one, names, empty), _trend(figs, one, empty), _movers(figs, one, empty),
           _suspected(figs, one, empty), _deadlines(figs, one, empty), _overdue(figs, one, names, empty),
           _coverage(figs, one, names, empty), _violation_types(figs, one, empty),
           _violation_formats(figs, one, empty), _violation_areas(figs, one, names, empty),
           _warnings(figs, one, empty)]
    return [c for c in out if c is not None]


def _grade_labels():
    return {g: g for g in charts.GRADE_ORDER}


def _grades(figs, one, names, empty) -> Card:
    q = figs.latest_quarter
    rows = []
    if q:
        for u in figs.units:
            segs = [Segment(g, figs.get("grade", g, u.id, q),
                            href=_url("pwa.retailer_search", unit=u.code, grade=g, quarter=q, status=""))
                    for g in charts.GRADE_ORDER]
            if any(s.value for s in segs):
                rows.append(StackRow(names[u.id], segs, href=_url("pwa.retailer_search", unit=u.code)))
    title = _("Official grades by county, %(q)s", q=q) if q else _("Official grades by county")
    chart = charts.stacked_bar_chart(rows, charts.grade_series(_grade_labels()), title=title, width=WIDTH,
                                     percent=len(rows) > 1, empty_text=_("No evaluation published yet"))
    total = sum(figs.get("grade", g, None, q) for g in charts.GRADE_ORDER) if q else None
    return Card("grades", title, chart, total=total, wide=True,
                note=_("Shares per county; tap a segment for its shops.") if len(rows) > 1 else "",
                link=_url("pwa.evaluations"), link_text=_("Evaluation runs"))


def _trend(figs, one, empty) -> Card:
    quarters = figs.periods("grade")
    lines = []
    for g in ("B", "C", "D"):
        lines.append(Line(g, [figs.get("grade", g, None, q) for q in quarters], colour=charts.GRADE_COLOURS[g],
                          hrefs=[_url("pwa.retailer_search", grade=g, quarter=q, status="", **_unit_arg(figs, one))
                                 for q in quarters]))
    title = _("Shops graded B, C and D by quarter")
    return Card("trend", title, charts.line_chart(quarters, lines, title=title, width=WIDTH, height=200,
                                                  empty_text=_("No evaluation published yet")))


def _movers(figs, one, empty) -> Card:
    q = figs.latest_quarter
    bars = []
    if q:
        up, down = figs.get("movers", "up", None, q), figs.get("movers", "down", None, q)
        bars = [Bar(_("Up"), up, colour=charts.GRADE_COLOURS["AA"],
                    href=_url("pwa.retailer_search", quarter=q, moved="up", status="", **_unit_arg(figs, one))),
                Bar(_("Down"), down, colour=charts.GRADE_COLOURS["C"],
                    href=_url("pwa.retailer_search", quarter=q, moved="down", status="", **_unit_arg(figs, one)))]
    title = _("Grade movers in %(q)s", q=q) if q else _("Grade movers")
    return Card("movers", title, charts.bar_chart(bars, title=title, width=WIDTH, empty_text=_("No evaluation published yet")),
                note=_("Against the grade published the quarter before."))


def _age_label(lo, hi):
    return _("%(lo)d–%(hi)d days", lo=lo, hi=hi) if hi is not None else _("over %(n)d days", n=lo - 1)


def _suspected(figs, one, empty) -> Card:
    bars = []
    for key, lo, hi in AGE_BANDS:
        args = {"min_days": lo} if lo else {}
        if hi is not None:
            args["max_days"] = hi
        bars.append(Bar(_age_label(lo, hi), figs.get("suspected_age", key),
                        colour=charts.GRADE_COLOURS["C"] if lo > 14 else charts.PRIMARY,
                        href=_url("pwa.credit_queue", **args, **_unit_arg(figs, one))))
    total = sum(b.value for b in bars)
    title = _("Suspected violations waiting, by age")
    return Card("suspected", title, charts.bar_chart(bars if total else [], title=title, width=WIDTH, empty_text=_("None waiting")),
                total=total, link=_url("pwa.credit_queue", **_unit_arg(figs, one)), link_text=_("The queue"))


def _deadlines(figs, one, empty) -> Card:
    items = (("repair", "soon", _("Repairs due soon")), ("repair", "overdue", _("Repairs overdue")),
             ("objection", "soon", _("Objections due soon")), ("objection", "overdue", _("Objections overdue")))
    bars = [Bar(label, figs.get("deadline", f"{kind}_{state}"),
                colour=charts.GRADE_COLOURS["D"] if state == "overdue" else charts.GRADE_COLOURS["B"],
                href=_url("pwa.supervise_inbox", kind=kind, due=state, **_unit_arg(figs, one)))
            for kind, state, label in items]
    title = _("Repairs and objections near or past their deadline")
    total = sum(b.value for b in bars)
    return Card("deadlines", title, charts.bar_chart(bars, title=title, width=WIDTH), total=total,
                note=_("Due soon: within 3 working days (the official calendar)."),
                link=_url("pwa.supervise_inbox", **_unit_arg(figs, one)), link_text=_("Repairs and objections"))


def _overdue(figs, one, names, empty) -> Card:
    rows = [StackRow(names[u.id], [Segment("visit", figs.get("overdue", "visit", u.id),
                                           href=_url("pwa.coverage", overdue="visit", unit=u.code)),
                                   Segment("interview", figs.get("overdue", "interview", u.id),
                                           href=_url("pwa.coverage", overdue="interview", unit=u.code))],
                     href=_url("pwa.coverage", overdue="all", unit=u.code))
            for u in figs.units]
    rows = [r for r in rows if any(s.value for s in r.segments)]
    series = [charts.Series("visit", _("Visits"), charts.PALETTE[0]),
              charts.Series("interview", _("Interviews (约谈)"), charts.PALETTE[1])]
    title = _("Overdue visits and interviews")
    total = sum(figs.get("overdue", k) for k in ("visit", "interview"))
    return Card("overdue", title, charts.stacked_bar_chart(rows, series, title=title, width=WIDTH, empty_text=_("Nothing overdue")),
                total=total, link=_url("pwa.coverage", overdue="all", **_unit_arg(figs, one)),
                link_text=_("Overdue list"))


def _coverage(figs, one, names, empty) -> Card:
    q = figs.quarter
    bars = []
    for u in figs.units:
        planned = figs.get("coverage", "planned", u.id, q or "")
        visited = figs.get("coverage", "visited", u.id, q or "")
        if planned:
            bars.append(Bar(names[u.id], round(100 * visited / planned), href=_url("pwa.coverage", unit=u.code)))
    title = _("Coverage this quarter: shops visited of those planned")
    planned = figs.get("coverage", "planned", None, q or "")
    visited = figs.get("coverage", "visited", None, q or "")
    return Card("coverage", title, charts.bar_chart(bars, title=title, width=WIDTH, unit="%", max_value=100,
                                                    empty_text=_("No visits planned this quarter")),
                note=_("%(v)d of %(p)d shops", v=visited, p=planned) if planned else "",
                link=_url("pwa.coverage", **_unit_arg(figs, one)), link_text=_("Coverage and workload"))


def _quarter_dates(figs) -> dict:
    if not figs.quarter:
        return {}
    start, end = quarter_bounds(figs.quarter)
    return {"date_from": start.isoformat(), "date_to": end.isoformat()}


def _indicator_name(code: str) -> str:
    from flask_babel import get_locale

    from app.credit import versions

    cats = versions.catalogues()
    for catalogue in reversed(list(cats.values())):
        if code in catalogue:
            ind = catalogue.indicator(code)
            name = ind.name_zh if str(get_locale() or "zh").startswith("zh") else ind.name_en
            return f"{code} {name}"
    return code


def _violation_types(figs, one, empty) -> Card:
    q = figs.quarter or ""
    counts = sorted(((figs.get("violation_type", k, None, q), k) for k in figs.keys("violation_type", q)),
                    reverse=True)[:TOP_TYPES]
    bars = [Bar(_indicator_name(k), n, href=_url("pwa.inspection_list", indicator=k, **_quarter_dates(figs),
                                                     **_unit_arg(figs, one)))
            for n, k in counts if n]
    title = _("Inspections with violations this quarter, by type")
    return Card("violation-types", title, charts.bar_chart(bars, title=title, width=WIDTH, empty_text=_("No violations found this quarter")),
                total=sum(figs.get("violation_format", k, None, q) for k in figs.keys("violation_format", q)))


def _violation_formats(figs, one, empty) -> Card:
    from app.pwa.helpers import label

    q = figs.quarter or ""
    counts = sorted(((figs.get("violation_format", k, None, q), k) for k in figs.keys("violation_format", q)),
                    reverse=True)
    bars = [Bar(label("format", k), n, href=_url("pwa.inspection_list", business_format=k, violations=1,
                                                     **_quarter_dates(figs), **_unit_arg(figs, one)))
            for n, k in counts if n]
    title = _("Inspections with violations this quarter, by business format (业态)")
    return Card("violation-formats", title, charts.bar_chart(bars, title=title, width=WIDTH, empty_text=_("No violations found this quarter")))


def _violation_areas(figs, one, names, empty) -> Card | None:
    if len(figs.units) < 2:
        return None  # one county: the totals above already are its area
    q = figs.quarter or ""
    bars = [Bar(names[u.id], sum(figs.get("violation_format", k, u.id, q) for k in figs.keys("violation_format", q)),
                href=_url("pwa.inspection_list", unit=u.code, violations=1, **_quarter_dates(figs)))
            for u in figs.units]
    bars = [b for b in bars if b.value]
    title = _("Inspections with violations this quarter, by county")
    return Card("violation-areas", title, charts.bar_chart(bars, title=title, width=WIDTH, empty_text=_("No violations found this quarter")))


def _warnings(figs, one, empty) -> Card:
    from app.pwa.warning_views import KIND_LABELS
    from app.warnings.models import KINDS

    bars = [Bar(str(KIND_LABELS[k]), figs.get("warnings", k), colour=charts.GRADE_COLOURS["C"],
                href=_url("pwa.warnings_list", kind=k, status="open", **_unit_arg(figs, one)))
            for k in KINDS]
    total = sum(b.value for b in bars)
    title = _("Open early warnings by kind")
    return Card("warnings", title, charts.bar_chart([b for b in bars if b.value], title=title, width=WIDTH,
                                                    empty_text=_("No open warnings")),
                total=total, link=_url("pwa.warnings_list", status="open", **_unit_arg(figs, one)),
                link_text=_("Early warnings"))
