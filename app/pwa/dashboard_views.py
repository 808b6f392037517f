"""The supervisors' dashboard 监管驾驶舱: charts of the county's (city level and admins: every county's)
figures, each linking to the list behind it, read from the pre-aggregated tables; and "refresh now"
(supervisors). The same figures as JSON: GET /api/dashboard (app/api/dashboard.py)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.policy import requires, role_allows
from app.dashboard import present, services
from app.pwa import bp


@bp.route("/dashboard")
@requires("dashboard.read")
def dashboard():
    counties, code = services.view_unit(current_user, request.args.get("unit"))  # unknown county: all
    figs = services.load(current_user, code or None)
    one = code or (counties[0].code if len(counties) == 1 else None)
    return render_template("dashboard.html", figs=figs, cards=present.cards(figs, one), counties=counties,
                           unit=code, city=current_user.is_city_level,
                           can_refresh=role_allows(current_user, "dashboard.refresh", via_token=False))


@bp.route("/dashboard/refresh", methods=["POST"])
@requires("dashboard.refresh")
def dashboard_refresh():
    services.request_refresh(current_user)
    flash(_("The figures are being refreshed; reload the page in a minute."), "ok")
    unit = request.form.get("unit") or None
    return redirect(url_for("pwa.dashboard", unit=unit) if unit else url_for("pwa.dashboard"))
