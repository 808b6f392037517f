"""Lists are paged by Flask-SQLAlchemy's ``db.paginate``, for the pages and the API alike.

One rule everywhere: a page number that is missing, not a number or below 1 is page 1; a page
beyond the end is empty (never an error, never silently another page); the page size is capped at
``PAGE_SIZE_MAX``. Pages show the ``pager`` macro (``_pager.html``); the API sends flask-smorest's
``X-Pagination`` header (``app.api.common.paginate``).

A list that grows without end (every inspection of a county) may pass ``count_cap``: its total is
counted up to that many rows only, so the count costs the same in the tenth year as in the first; past
the cap the page says "more than N" and the pager still offers the next page while there is one."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination

from app.extensions import db


class RowPagination(SelectPagination):
    """Pages of a SELECT of several columns or entities: the items are rows (tuples), not scalars."""

    def _query_items(self):
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


class CappedPagination(SelectPagination):
    """A page whose total is counted up to a cap (and always past the page asked for). ``capped`` is
    True when more rows exist than ``total`` says; ``has_next`` stays right either way. The count
    reads the rows' filters only (``SELECT 1``, none of the page's columns or loaded relationships),
    so the SELECT must not be DISTINCT or grouped."""

    capped = False

    def _query_count(self) -> int:
        known = max(self._query_args["count_cap"], self._query_offset + self.per_page)
        sub = (self._query_args["select"].order_by(None)
               .with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
               .limit(known + 1).subquery())
        n = self._query_args["session"].execute(sa.select(sa.func.count()).select_from(sub)).scalar()
        if n > known:
            self.capped = True
            return known
        return n

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.capped and self.page == self.pages)


def page_number(param: str = "page") -> int:
    """The page asked for in the query string: 1 when missing, not a number or below 1."""
    value = request.args.get(param, 1, type=int)
    return value if value and value > 0 else 1


def paginate(stmt, *, per_page: int, page: int | None = None, param: str = "page", rows: bool = False,
             count_cap: int | None = None):
    """One page of an ordered SELECT (``rows=True`` for several columns): a Flask-SQLAlchemy
    Pagination with ``items``, ``page``, ``pages``, ``total``, ``has_next``... With ``count_cap``
    the total is counted up to the cap (``capped`` says it was reached)."""
    max_per_page = current_app.config["PAGE_SIZE_MAX"]
    page = page if page is not None else page_number(param)
    if count_cap is not None and not rows:
        return CappedPagination(select=stmt, session=db.session(), page=page, per_page=per_page,
                                max_per_page=max_per_page, error_out=False, count_cap=count_cap)
    if rows:
        return RowPagination(select=stmt, session=db.session(), page=page, per_page=per_page,
                             max_per_page=max_per_page, error_out=False)
    return db.paginate(stmt, page=page, per_page=per_page, max_per_page=max_per_page, error_out=False)
