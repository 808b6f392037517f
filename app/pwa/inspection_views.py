"""Field inspection pages: the inspector's offline app (/inspect), the list and summary of recorded
inspections, and the record as PDF. The data itself goes through the JSON API (app/api/inspections.py)."""
from flask import current_app, make_response, render_template
from flask_login import current_user
from sqlalchemy import select

from app.auth import policy
from app.auth.policy import requires
from app.common.paging import paginate
from app.extensions import db
from app.inspections import services
from app.inspections.labels import label as inspection_label
from app.inspections.models import OUTCOMES, Inspection
from app.pwa import bp


@bp.route("/inspect")
@requires("inspections.write")
def inspect():
    """The inspector's field app: shop list, shop card, inspection form, summary, outbox (offline)."""
    response = make_response(render_template("inspect.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/inspections")
@requires("inspections.read")
def inspection_list():
    """Inspections in scope, filtered by officer, date, shop, outcome and flagged check-ins (kept in
    the URL), newest first."""
    from app.inspections.schemas import InspectionQuerySchema
    from app.pwa.filters import parse_filters
    from app.pwa.views import _counties_for

    args, errors = parse_filters(InspectionQuerySchema())
    for flag in ("flagged", "violations"):
        if not args.get(flag):
            args.pop(flag, None)
    stmt = services.list_query(current_user, args)
    p = paginate(stmt, per_page=30, count_cap=current_app.config["LIST_COUNT_CAP"])
    rows, total = p.items, p.total
    return render_template("inspections/list.html", rows=rows, total=total, p=p, args=args,
                           errors=errors, outcomes=OUTCOMES, L=inspection_label, officers=_officers_in_scope(),
                           counties=_counties_for(current_user)), (400 if errors else 200)  # a filter value refused: named on the page


def _officers_in_scope():
    """The inspectors whose inspections the user may read, for the officer filter: (id, display_name,
    unit_name) rows."""
    from app.auth.models import User
    from app.org.models import OrgUnit

    stmt = (select(User.id, User.display_name, OrgUnit.name.label("unit_name"))
            .outerjoin(OrgUnit, OrgUnit.id == User.unit_id)
            .where(User.role == "inspector").order_by(User.unit_id, User.display_name, User.id))
    if not current_user.is_city_level:
        stmt = stmt.where(User.unit_id == current_user.unit_id)
    return db.session.execute(stmt).all()


@bp.route("/inspections/<int:inspection_id>")
@requires("inspections.read")
def inspection_detail(inspection_id):
    inspection = policy.get_or_404(current_user, "inspections.read", Inspection, inspection_id)
    return render_template("inspections/detail.html", i=inspection, file_url=services.file_url, L=inspection_label)


@bp.route("/inspections/<int:inspection_id>/record.pdf")
@requires("inspections.read")
def inspection_pdf(inspection_id):
    from app.inspections import pdf

    inspection = policy.get_or_404(current_user, "inspections.read", Inspection, inspection_id)
    response = make_response(pdf.render(inspection))
    response.mimetype = "application/pdf"
    name = f"inspection-{inspection.id}-{inspection.occurred_on.isoformat()}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
