"""Who am I, and the CSRF token the PWA fetches before it sends anything."""
from flask_login import current_user
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from marshmallow import Schema, fields

from app.auth.policy import requires

blp = Blueprint("auth", __name__, url_prefix="/api", description="Session and identity")


class CsrfSchema(Schema):
    csrf_token = fields.Str()


class MeSchema(Schema):
    id = fields.Int()
    username = fields.Str()
    display_name = fields.Str()
    role = fields.Str()
    unit = fields.Function(lambda u: u.unit.code if u.unit else None)
    unit_name = fields.Function(lambda u: u.unit.name if u.unit else None)
    must_change_password = fields.Bool()
    retailers = fields.Function(lambda u: [r.licence_no for r in u.retailers] if u.role == "retailer" else [])


@blp.route("/csrf", methods=["GET"])
@requires("public")
@blp.response(200, CsrfSchema)
def csrf_token():
    """A fresh CSRF token for this session (send it as X-CSRFToken on every change)."""
    return {"csrf_token": generate_csrf()}


@blp.route("/me", methods=["GET"])
@requires("session")
@blp.response(200, MeSchema)
def me():
    """The signed-in user."""
    return current_user
