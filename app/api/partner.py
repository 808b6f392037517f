"""The partner API (联合奖惩部门), reached only with a partner token: Authorization: Bearer <token>."""
from flask import abort
from flask_smorest import Blueprint
from sqlalchemy import select

from app.auth.policy import requires
from app.extensions import db
from app.retailers.models import Retailer
from app.retailers.schemas import RetailerPublicSchema

blp = Blueprint("partner", __name__, url_prefix="/api/partner",
                description="Partner authorities, with an API token (never a session)")


@blp.route("/retailers/<string:licence_no>", methods=["GET"])
@requires("partner.api")
@blp.response(200, RetailerPublicSchema)
@blp.doc(security=[{"partnerToken": []}])
def partner_retailer(licence_no):
    """Match a licence number: shop, county, status and the operator's masked name."""
    retailer = db.session.scalars(select(Retailer).where(Retailer.licence_no == licence_no)).first()
    if retailer is None:
        abort(404)
    return retailer
