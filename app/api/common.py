"""Helpers shared by API modules."""
from flask import abort, request
from flask_babel import gettext as _

from app.common import paging
from config import Config


def page_args(page_size: int = Config.PAGE_SIZE_DEFAULT) -> dict:
    """flask-smorest's paging arguments of a list: ``@blp.paginate(**page_args(50))``; every list's page
    size is capped at PAGE_SIZE_MAX (a larger page_size answers 422)."""
    return {"page_size": page_size, "max_page_size": Config.PAGE_SIZE_MAX}


def paginate(stmt, pagination_parameters, *, rows: bool = False):
    """One page of an ordered SELECT through db.paginate (app.common.paging), with the total for
    flask-smorest's X-Pagination header. A page beyond the end is an empty list."""
    page = paging.paginate(stmt, per_page=pagination_parameters.page_size, page=pagination_parameters.page, rows=rows)
    pagination_parameters.item_count = page.total
    return page.items


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

__all__ = ["page_args", "paginate", "etag_for", "require_if_match", "IF_MATCH_PARAM", "_"]


def _bound_page_numbers():
    """flask-smorest's page number has no upper bound: page 2^63 overflows the OFFSET (500 on SQLite).
    Every paginated endpoint gets a page number bounded to 1..2^31-1 (422 beyond)."""
    import marshmallow as ma
    from flask_smorest import pagination

    from app.common.edge import INT32_MAX
    from app.common.validation import N_

    original = pagination._pagination_parameters_schema_factory
    if getattr(original, "bounded", False):
        return

    def factory(def_page, def_page_size, def_max_page_size):
        base = original(def_page, def_page_size, def_max_page_size)

        class PaginationParametersSchema(base):
            page = ma.fields.Integer(load_default=def_page, validate=ma.validate.Range(
                min=1, max=INT32_MAX, error=N_("Value out of range.")))
            page_size = ma.fields.Integer(load_default=def_page_size, validate=ma.validate.Range(
                min=1, max=def_max_page_size, error=N_("Value out of range.")))

        return PaginationParametersSchema

    factory.bounded = True
    pagination._pagination_parameters_schema_factory = factory


_bound_page_numbers()
