"""Retailers (卷烟零售户): list, search, detail, create, update; and a retailer's own licences (/me)."""

from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import IF_MATCH_PARAM, etag_for, page_args, paginate, require_if_match
from app.auth import policy
from app.auth.policy import requires
from app.extensions import db
from app.retailers import services
from app.retailers.models import Retailer
from app.retailers.schemas import (RetailerQuerySchema, RetailerSelfSchema, RetailerStaffSchema, RetailerUpdateSchema,
                                   RetailerWriteSchema, SearchQuerySchema)

blp = Blueprint("retailers", __name__, url_prefix="/api", description="Licensed retailers 卷烟零售户")


@blp.route("/retailers", methods=["GET"])
@requires("retailers.read")
@blp.arguments(RetailerQuerySchema, location="query")
@blp.response(200, RetailerStaffSchema(many=True))
@blp.paginate(**page_args(20))
def list_retailers(args, pagination_parameters):
    """Retailers the user may see (county staff: their county), filtered and paginated."""
    return paginate(services.list_query(current_user, args), pagination_parameters)


@blp.route("/retailers/search", methods=["GET"])
@requires("retailers.read")
@blp.arguments(SearchQuerySchema, location="query")
@blp.response(200, RetailerStaffSchema(many=True))
def search_retailers(args):
    """Find a shop by licence number, part of its name, or the pinyin initials of its name ("hxbl")."""
    return services.search(current_user, args["q"], args["limit"])


@blp.route("/retailers", methods=["POST"])
@requires("retailers.write")
@blp.arguments(RetailerWriteSchema)
@blp.response(201, RetailerStaffSchema)
def create_retailer(data):
    """Register a licence (admin; supervisors in their county)."""
    retailer = services.create_retailer(data, actor=current_user)
    return retailer, 201, {"ETag": etag_for(retailer)}


@blp.route("/retailers/<int:retailer_id>", methods=["GET"])
@requires("retailers.read")
@blp.response(200, RetailerStaffSchema)
def get_retailer(retailer_id):
    """One retailer (404 outside the user's county)."""
    retailer = policy.get_or_404(current_user, "retailers.read", Retailer, retailer_id)
    return retailer, 200, {"ETag": etag_for(retailer)}


@blp.route("/retailers/<int:retailer_id>", methods=["PATCH"])
@requires("retailers.write")
@blp.arguments(RetailerUpdateSchema(partial=True))
@blp.response(200, RetailerStaffSchema)
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.alt_response(412, description="The retailer changed since it was read (ETag mismatch)")
@blp.alt_response(428, description="If-Match header missing")
def update_retailer(data, retailer_id):
    """Update a retailer; send If-Match with the ETag from GET."""
    retailer = policy.get_or_404(current_user, "retailers.write", Retailer, retailer_id)
    require_if_match(retailer)
    services.update_retailer(retailer, data, actor=current_user)
    return retailer, 200, {"ETag": etag_for(retailer)}


@blp.route("/me/retailers", methods=["GET"])
@requires("me.retailers")
@blp.response(200, RetailerSelfSchema(many=True))
def my_retailers():
    """The signed-in retailer's own licences."""
    stmt = policy.scope(current_user, "me.retailers", db.select(Retailer), Retailer).order_by(Retailer.licence_no)
    return list(db.session.scalars(stmt))


@blp.route("/me/retailers/<int:retailer_id>", methods=["GET"])
@requires("me.retailers")
@blp.response(200, RetailerSelfSchema)
def my_retailer(retailer_id):
    """One of the signed-in retailer's own licences (another licence answers 404)."""
    return policy.get_or_404(current_user, "me.retailers", Retailer, retailer_id)


