"""The supervisors' map 监管地图 (/map): shops by current grade, clustered, filtered by county (city
level), grade, business format, red/black list and open early warning, the filters kept in the query
string; the quarter's confirmed violations as sized circles per grid cell. The page carries the tile
settings and the county outlines; the shops of the view come from GET /api/map/shops with the same
filters and the view's box (counted per area above the server's limit)."""
from urllib.parse import urlencode

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.api.maps import MapQuerySchema
from app.auth.policy import requires
from app.extensions import db
from app.maps import services
from app.org.models import OrgUnit
from app.pwa import bp
from app.pwa.filters import parse_filters
from app.pwa.helpers import label
from app.pwa.scheduling_views import map_config


def _counties():
    stmt = select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)
    if not current_user.is_city_level:
        stmt = stmt.where(OrgUnit.id == current_user.unit_id)
    return list(db.session.scalars(stmt))


@bp.route("/map")
@requires("map.read")
def supervision_map():
    args, errors = parse_filters(MapQuerySchema(exclude=("bbox",)))  # the view sends its own box
    counties = _counties()
    if len(counties) <= 1:
        args.pop("unit", None)  # a county supervisor's map is their county
    formats = {f: label("format", f) for f in services.FORMATS}
    data = {
        "api": url_for("maps.map_shops") + ("?" + urlencode(args) if args else ""),
        "detail": url_for("maps.map_shop", retailer_id=0).rsplit("/", 1)[0] + "/",
        "tiles": map_config(), "boundaries": services.boundaries(current_user),
        "formats": formats,
        "text": {"licence": _("Licence no."), "grade": _("Grade"), "none": _("No grade yet"),
                 "open": _("Open the retailer's page"), "loading": _("Loading…"), "failed": _("Could not load."),
                 "shops": _("Shops"), "heat": _("Violations this quarter"), "counties": _("County outlines"),
                 "red": _("Red list"), "black": _("Black list"), "warning": _("Open early warning"),
                 "cell": _("%(n)s confirmed violations this quarter in this area"),
                 "count": _("%(n)s shops shown; %(u)s without a location are not on the map."),
                 "cells": _("%(n)s shops in this view, counted by area: zoom in or tap a bubble to see single "
                            "shops; %(u)s without a location are not on the map."),
                 "cell_shops": _("%(n)s shops"),
                 "heat_note": _("Confirmed violations in %(q)s: %(n)s, in %(c)s areas of about 5 km.")},
    }
    return render_template("map/index.html", args=args, filter_errors=errors, counties=counties,
                           grades=services.GRADES, formats=formats, map_data=data)
