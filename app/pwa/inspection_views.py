"""Field inspection pages: the inspector's offline app (/inspect), the list and summary of recorded
inspections, and the record as PDF. The data itself goes through the JSON API (app/api/inspections.py)."""
from flask import make_response, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from app.auth import policy
from app.auth.policy import requires
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
    args = {"outcome": request.args.get("outcome") if request.args.get("outcome") in OUTCOMES else None,
            "flagged": request.args.get("flagged") == "1" or None,
            "retailer_id": request.args.get("retailer_id", type=int)}
    page = max(1, request.args.get("page", 1, type=int) or 1)
    per_page = 30
    stmt = services.list_query(current_user, args)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    pages = max(1, (total + per_page - 1) // per_page)
    return render_template("inspections/list.html", rows=rows, total=total, page=page, pages=pages, args=args,
                           outcomes=OUTCOMES, L=inspection_label)


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
