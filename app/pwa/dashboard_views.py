"""The supervisors' dashboard 监管驾驶舱: charts of the county's (city level: every county's) figures,
each linking to the list behind it, read from the pre-aggregated tables; and "refresh now"."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.policy import requires
from app.dashboard import present, services
from app.pwa import bp


@bp.route("/dashboard")
@requires("dashboard.read")
def dashboard():
    counties = services.counties_for(current_user)
    code = request.args.get("unit") or ""
    if not current_user.is_city_level:
        code = counties[0].code if counties else ""
    elif code and code not in {u.code for u in counties}:
        code = ""  # an unknown county: the whole city, the choice shown as "all"
    figs = services.load(current_user, code or None)
    one = code or (counties[0].code if len(counties) == 1 else None)
    return render_template("dashboard.html", figs=figs, cards=present.cards(figs, one), counties=counties,
                           unit=code, city=current_user.is_city_level)


@bp.route("/dashboard/refresh", methods=["POST"])
@requires("dashboard.refresh")
def dashboard_refresh():
    services.request_refresh(current_user)
    flash(_("The figures are being refreshed; reload the page in a minute."), "ok")
    unit = request.form.get("unit") or None
    return redirect(url_for("pwa.dashboard", unit=unit) if unit else url_for("pwa.dashboard"))
