"""The lists that can be exported, in one place: name → the page's query builder, the filter schema
(read exactly as the page reads it), the columns (Chinese headers through gettext, a type each) and
the row formatter. A list page and its export call the same query function, so they show the same
rows, in the same order, within the same policy scope."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

# Column types: how a cell is written. "date" and "datetime" cells are real Excel dates.
TYPES = ("text", "int", "number", "date", "datetime")


@dataclass(frozen=True)
class Column:
    header: Any  # a lazy gettext string
    type: str = "text"
    width: int = 14


@dataclass(frozen=True)
class ExportSpec:
    name: str
    title: Any  # lazy gettext: the sheet's and the file's name
    action: str  # the policy action of the list page (app.auth.policy.ACTIONS)
    endpoint: str  # the list page, to go back to
    columns: tuple[Column, ...]
    # (user, args, parent) -> an ordered SELECT; the page calls the same function (or, for a page of
    # figures computed in Python such as the coverage, the list of its rows)
    query: Callable
    # (items, parent) -> rows (lists of cell values, one per column), for one chunk of query results
    rows: Callable[[list, Any], Iterable[list]]
    schema: Callable | None = None  # () -> marshmallow Schema of the page's filters
    defaults: dict = field(default_factory=dict)  # filters the page applies when absent from the URL
    # the object a list belongs to (an evaluation run...): (user, id) -> object, 404 outside the scope
    parent: Callable | None = None
    parent_arg: str = "run_id"  # the list page's URL argument naming the parent
    scalars: bool = True  # the query yields ORM objects (False: rows of several columns)
    with_user: bool = False  # rows also gets the person who asked: (items, parent, user) (what only staff see)


REGISTRY: dict[str, ExportSpec] = {}


def register(spec: ExportSpec) -> ExportSpec:
    if spec.name in REGISTRY:
        raise KeyError(f"export {spec.name!r} registered twice")
    for c in spec.columns:
        if c.type not in TYPES:
            raise ValueError(c.type)
    REGISTRY[spec.name] = spec
    return spec


def get(name: str) -> ExportSpec | None:
    from app.exports import lists  # noqa: F401  (registers the lists)

    return REGISTRY.get(name)


def all_specs() -> dict[str, ExportSpec]:
    from app.exports import lists  # noqa: F401

    return REGISTRY
