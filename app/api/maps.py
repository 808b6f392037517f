"""The supervisors' map 监管地图: the shops of the user's scope as compact arrays with the quarter's
violation cells (ETag, revalidated on every use), and one shop for a marker's popup."""
from flask import Response, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.auth.policy import requires
from app.common.validation import N_
from app.maps import services

blp = Blueprint("maps", __name__, url_prefix="/api", description="The supervisors' map 监管地图")

ONE_OF = N_("Must be one of the allowed values.")


class MapQuerySchema(Schema):
    unit = fields.Str(validate=validate.Length(max=16), metadata={"description": "county code (city level)"})
    grade = fields.Str(validate=validate.OneOf(services.GRADES, error=ONE_OF))
    format = fields.Str(validate=validate.OneOf(services.FORMATS, error=ONE_OF),
                        metadata={"description": "business format 业态"})
    list = fields.Str(validate=validate.OneOf(services.LISTS, error=ONE_OF),
                      metadata={"description": "on the red or black list (in effect)"})
    warning = fields.Str(validate=validate.OneOf(("open",), error=ONE_OF),
                         metadata={"description": "open: with an open early warning"})


class MapShopSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    licence_no = fields.Str()
    grade = fields.Str(allow_none=True)
    address = fields.Str()
    url = fields.Str(metadata={"description": "the retailer's page"})


@blp.route("/map/shops", methods=["GET"])
@requires("map.read")
@blp.arguments(MapQuerySchema, location="query")
@blp.alt_response(200, description="The shops as compact rows (see above), with an ETag",
                  content_type="application/json", success=True)
@blp.alt_response(304, description="Not modified: the ETag sent in If-None-Match is still current (no body)")
def map_shops(args):
    """Shops with a location in the user's scope, filtered: ``shops`` rows follow ``fields`` (grade and
    format are indexes into ``grades`` and ``formats``, -1 for none; ``flags`` is a bit field of
    ``flags``). ``heat``: confirmed monopoly violations of the current quarter per grid cell
    [lat, lng, count]. Answers 304 to a matching If-None-Match."""
    body, etag = services.encode(services.shops(current_user, args))
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}  # Vary: Cookie is added for every session
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return Response(status=304, headers=headers)
    return Response(body, mimetype="application/json", headers=headers)


@blp.route("/map/shops/<int:retailer_id>", methods=["GET"])
@requires("map.read")
@blp.response(200, MapShopSchema)
def map_shop(retailer_id):
    """One shop for the popup: name, licence number, current grade, the link to its page."""
    return services.shop_detail(current_user, retailer_id)
