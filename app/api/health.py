from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from app.auth.policy import requires
from app.extensions import db

blp = Blueprint("health", __name__, url_prefix="/api", description="Service health")


class HealthSchema(Schema):
    status = fields.Str()
    database = fields.Str()
    dialect = fields.Str()


@blp.route("/health", methods=["GET"])
@requires("public")
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database cannot be reached")
def health():
    """Is the service up and can it reach its database?"""
    try:
        db.session.execute(text("SELECT 1"))
        return {"status": "ok", "database": "ok", "dialect": db.engine.dialect.name}
    except Exception:  # noqa: BLE001
        db.session.rollback()
        return {"status": "error", "database": "unreachable", "dialect": db.engine.dialect.name}, 503
