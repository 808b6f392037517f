"""Public lists of the groups part: rated integrity mutual-aid groups (诚信互助小组) and published model
groups and retailers (示范小组、示范户), for the local credit platform and anyone else. Personal names
are masked."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import func, select

from app.api.common import page_args, paginate
from app.auth.policy import requires
from app.extensions import db
from app.groups import awards, services
from app.groups.models import GroupMembership
from app.retailers.schemas import mask_name

public_blp = Blueprint("public_groups", __name__, url_prefix="/api/public",
                       description="Rated integrity mutual-aid groups and model retailers (public)")


def _members(group_id) -> int:
    return db.session.scalar(select(func.count(GroupMembership.id)).where(
        GroupMembership.group_id == group_id, GroupMembership.left_on.is_(None))) or 0


class RatedGroupSchema(Schema):
    group = fields.Function(lambda r: r.group.name, metadata={"description": "the group's name"})
    unit = fields.Function(lambda r: r.group.unit.code, metadata={"description": "county code"})
    area = fields.Function(lambda r: r.group.area, metadata={"description": "street, market or village"})
    leader = fields.Function(lambda r: mask_name(r.group.leader.operator_name) if r.group.leader else None,
                             allow_none=True, metadata={"description": "the leader's name, masked"})
    members = fields.Function(lambda r: _members(r.group_id), metadata={"description": "members today"})
    stars = fields.Int(metadata={"description": "3, 4 or 5"})
    round = fields.Function(lambda r: r.round.label, metadata={"description": "the rating round"})
    decision_no = fields.Str()
    published_on = fields.Date()


class ModelAwardSchema(Schema):
    kind = fields.Str(metadata={"description": "group (示范小组) | shop (示范户)"})
    name = fields.Function(lambda a: a.group.name if a.kind == "group" else a.retailer.shop_name)
    licence_no = fields.Function(lambda a: a.retailer.licence_no if a.kind == "shop" else None, allow_none=True)
    operator = fields.Function(lambda a: mask_name(a.retailer.operator_name) if a.kind == "shop" else None,
                               allow_none=True, metadata={"description": "the operator's name, masked"})
    practice = fields.Str(metadata={"description": "what they do that others can learn from"})
    decision_no = fields.Str()
    published_on = fields.Date()


@public_blp.route("/groups", methods=["GET"])
@requires("public")
@public_blp.response(200, RatedGroupSchema(many=True))
@public_blp.paginate(**page_args(50))
def list_rated_groups(pagination_parameters):
    """Published star ratings in force (one per group), newest first."""
    return paginate(services.public_ratings(), pagination_parameters)


@public_blp.route("/models", methods=["GET"])
@requires("public")
@public_blp.response(200, ModelAwardSchema(many=True))
@public_blp.paginate(**page_args(50))
def list_models(pagination_parameters):
    """Published model groups and model retailers (树标杆), newest first."""
    return paginate(awards.public_awards(), pagination_parameters)
