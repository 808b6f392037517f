"""The official calendar for admins (/admin/calendar): which years have the State Council's schedule,
entering or correcting a year (holiday ranges with names, adjusted working days 调休, the document),
importing one from a CSV or JSON file (docs/calendar.md). One transaction per change, audited
(app.holidays.services); refused input is shown again with its field errors."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.policy import requires
from app.common.boundary import form_page
from app.common.forms import PageForm, parse_form
from app.common.paging import paginate
from app.common.time import local_today
from app.common.workdays import year_has_official_schedule
from app.holidays import services
from app.holidays.forms import CalendarImportForm, CalendarYearForm
from app.holidays.models import CalendarYear
from app.pwa import bp

PER_PAGE = 10


def _origin_label(origin):
    return {"package": _("Seeded from the holiday library"), "entered": _("Entered by hand"),
            "imported": _("Imported from a file")}.get(origin, origin)


@bp.route("/admin/calendar")
@requires("calendar.manage")
def admin_calendar():
    go = request.args.get("year", type=int)
    if go is not None and services.FIRST_YEAR <= go <= services.LAST_YEAR:
        return redirect(url_for("pwa.admin_calendar_year", year=go))
    today = local_today()
    p = paginate(select(CalendarYear).order_by(CalendarYear.year.desc()), per_page=PER_PAGE)
    upcoming = [(y, year_has_official_schedule(y)) for y in (today.year, today.year + 1)]
    refused = PageForm(CalendarImportForm(), endpoint="pwa.admin_calendar_import").refused
    return render_template("admin/calendar.html", p=p, years=p.items, upcoming=upcoming,
                           origin_label=_origin_label, values=refused.values if refused else {},
                           errors=refused.errors if refused else {}), refused.status if refused else 200


@bp.route("/admin/calendar/<int:year>", methods=["GET", "POST"])
@requires("calendar.manage")
@form_page
def admin_calendar_year(year):
    if not services.FIRST_YEAR <= year <= services.LAST_YEAR:
        abort(404)
    row = services.year_row(year)
    holidays_text, workdays_text = services.schedule_text(year)
    form = PageForm(CalendarYearForm(), initial={"source": row.source if row else "", "holidays": holidays_text,
                                                 "workdays": workdays_text, "note": (row.note or "") if row else ""})
    if form.submitted:
        data, errors = form.parse()
        holidays, e1 = services.parse_holiday_lines(data.get("holidays", ""))
        working, e2 = services.parse_workday_lines(data.get("workdays", ""))
        for name, msgs in (("holidays", e1), ("workdays", e2)):
            if msgs:
                errors.setdefault(name, []).extend(msgs)
        services.enter_year(year, data.get("source", ""), services.Schedule(holidays, working), current_user,
                            note=data.get("note"), errors=errors)
        flash(_("The official schedule for %(y)d is saved. Deadlines and plans now follow it.", y=year), "ok")
        return redirect(url_for("pwa.admin_calendar_year", year=year))
    days = services.year_days(year)
    return render_template("admin/calendar_year.html", year=year, row=row, days=days, values=form.values,
                           errors=form.errors, origin_label=_origin_label), form.status


@bp.route("/admin/calendar/import", methods=["POST"])
@requires("calendar.manage")
@form_page(on_refusal="pwa.admin_calendar")
def admin_calendar_import():
    data, errors = parse_form(CalendarImportForm())
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        sched, meta, file_errors = services.Schedule(), {}, [_("Choose a CSV or JSON file.")]
    else:
        sched, meta, file_errors = services.parse_file(upload.filename, upload.read(services.MAX_FILE_BYTES + 1))
    if file_errors:
        errors.setdefault("file", []).extend(file_errors)
    year = data.get("year") or meta.get("year")
    if data.get("year") and meta.get("year") and data["year"] != meta["year"]:
        errors.setdefault("year", []).append(_("The file is for %(y)d.", y=meta["year"]))
    services.enter_year(year, data.get("source") or meta.get("source") or "", sched, current_user, origin="imported",
                        errors=errors, holidays_field="file", workdays_field="file")
    flash(_("The official schedule for %(y)d is imported. Deadlines and plans now follow it.", y=year), "ok")
    return redirect(url_for("pwa.admin_calendar_year", year=year))
