"""Lists are paged by Flask-SQLAlchemy's ``db.paginate``, for the pages and the API alike.

One rule everywhere: a page number that is missing, not a number or below 1 is page 1; a page
beyond the end is empty (never an error, never silently another page); the page size is capped at
``PAGE_SIZE_MAX``. Pages show the ``pager`` macro (``_pager.html``); the API sends flask-smorest's
``X-Pagination`` header (``app.api.common.paginate``)."""
from __future__ import annotations

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination

from app.extensions import db


class RowPagination(SelectPagination):
    """Pages of a SELECT of several columns or entities: the items are rows (tuples), not scalars."""

    def _query_items(self):
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def page_number(param: str = "page") -> int:
    """The page asked for in the query string: 1 when missing, not a number or below 1."""
    value = request.args.get(param, 1, type=int)
    return value if value and value > 0 else 1


def paginate(stmt, *, per_page: int, page: int | None = None, param: str = "page", rows: bool = False):
    """One page of an ordered SELECT (``rows=True`` for several columns): a Flask-SQLAlchemy
    Pagination with ``items``, ``page``, ``pages``, ``total``, ``has_next``..."""
    max_per_page = current_app.config["PAGE_SIZE_MAX"]
    page = page if page is not None else page_number(param)
    if rows:
        return RowPagination(select=stmt, session=db.session(), page=page, per_page=per_page,
                             max_per_page=max_per_page, error_out=False)
    return db.paginate(stmt, page=page, per_page=per_page, max_per_page=max_per_page, error_out=False)
