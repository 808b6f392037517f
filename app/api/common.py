"""Helpers shared by API modules."""
from flask import abort, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db


def paginate(stmt, pagination_parameters):
    """Count and slice a SELECT for flask-smorest's pagination (X-Pagination header)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pagination_parameters.item_count = total
    page, size = pagination_parameters.page, pagination_parameters.page_size
    return list(db.session.scalars(stmt.limit(size).offset((page - 1) * size)))


def etag_for(obj) -> str:
    return f'"v{obj.version}"'


def require_if_match(obj):
    """Optimistic concurrency: updates must send If-Match with the ETag read before."""
    header = request.headers.get("If-Match")
    if not header:
        abort(428)
    if header.strip() not in (etag_for(obj), "*"):
        abort(412)


IF_MATCH_PARAM = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
                  "description": "The ETag from the last GET of this object"}

__all__ = ["paginate", "etag_for", "require_if_match", "IF_MATCH_PARAM", "_"]
