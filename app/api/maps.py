"""The supervisors' map 监管地图: the shops of the user's scope as compact arrays with the quarter's
violation cells (ETag, revalidated on every use), and one shop for a marker's popup."""
from flask import Response, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from app.auth.policy import requires
from app.common.validation import N_
from app.maps import services

blp = Blueprint("maps", __name__, url_prefix="/api", description="The supervisors' map 监管地图")

ONE_OF = N_("Must be one of the allowed values.")
BBOX_SHAPE = N_("Give four numbers separated by commas: south,west,north,east.")
NOT_NUMBER = N_("Not a valid number.")
LAT_RANGE = N_("Must be a latitude between -90 and 90.")
LNG_RANGE = N_("Must be a longitude between -180 and 180.")
NORTH_OF_SOUTH = N_("Must not be less than south.")
EAST_OF_WEST = N_("Must not be less than west.")
BBOX_PARTS = (("south", 90), ("west", 180), ("north", 90), ("east", 180))


class BBox(fields.Field):
    """``south,west,north,east`` in degrees (WGS-84) -> a tuple of four floats; each part is checked on
    its own and a refusal names the part: {"bbox": {"north": ["..."]}}."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else ",".join(str(v) for v in value)

    def _deserialize(self, value, attr, data, **kwargs):
        parts = str(value).split(",")
        if len(parts) != 4:
            raise ValidationError(BBOX_SHAPE)
        out, errors = [], {}
        for (name, limit), raw in zip(BBOX_PARTS, parts):
            try:
                number = float(raw)
            except ValueError:
                errors[name] = [NOT_NUMBER]
                continue
            if not -limit <= number <= limit:  # also NaN (no comparison holds) and inf
                errors[name] = [LAT_RANGE if limit == 90 else LNG_RANGE]
            out.append(number)
        if not errors:
            south, west, north, east = out
            if north < south:
                errors["north"] = [NORTH_OF_SOUTH]
            if east < west:
                errors["east"] = [EAST_OF_WEST]
        if errors:
            raise ValidationError(errors)
        return tuple(out)


class MapQuerySchema(Schema):
    unit = fields.Str(validate=validate.Length(max=16), metadata={"description": "county code (city level)"})
    grade = fields.Str(validate=validate.OneOf(services.GRADES, error=ONE_OF))
    format = fields.Str(validate=validate.OneOf(services.FORMATS, error=ONE_OF),
                        metadata={"description": "business format 业态"})
    list = fields.Str(validate=validate.OneOf(services.LISTS, error=ONE_OF),
                      metadata={"description": "on the red or black list (in effect)"})
    warning = fields.Str(validate=validate.OneOf(("open",), error=ONE_OF),
                         metadata={"description": "open: with an open early warning"})
    bbox = BBox(metadata={"description": "the map's view: south,west,north,east in degrees (WGS-84), e.g. "
                                         "33.50,118.95,33.65,119.15; only shops inside it are answered (none: "
                                         "the whole scope). A refused part is named: errors.bbox.north",
                          "type": "string", "pattern": r"^[^,]+,[^,]+,[^,]+,[^,]+$",
                          "example": "33.50,118.95,33.65,119.15"})


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
@blp.alt_response(200, description="The shops in the box (mode shops) or their counts per grid cell (mode "
                                   "cells), with an ETag", content_type="application/json", success=True)
@blp.alt_response(304, description="Not modified: the ETag sent in If-None-Match is still current (no body)")
def map_shops(args):
    """Shops with a location in the user's scope inside ``bbox`` (south,west,north,east; none: the whole
    scope), filtered. ``count``: the matching shops in the box; ``unlocated``: matching shops without a
    position (never on the map).

    Up to ``limit`` shops (5,000 by default) the answer has ``mode`` "shops": ``shops`` rows follow ``fields``
    (grade and format are indexes into ``grades`` and ``formats``, -1 for none; ``flags`` is a bit
    field of ``flags``). Above it, ``mode`` "cells": the shops counted per grid cell of ``cell_deg``
    degrees (the cell grows with the box: 6 to 12 across its longer side), ``cells`` rows follow ``cell_fields``: the
    mean position of the cell's shops, their count and the count per grade (``grades`` order, then
    "no grade yet"). ``heat``: confirmed monopoly violations of the current quarter per 0.05 degree
    cell [lat, lng, count], over the county filter (not the box). A bad filter or box part is a 422
    naming it (``errors.bbox.north``). Answers 304 to a matching If-None-Match."""
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
