"""List filters on pages, kept in the URL: the query string is read with the API's own query
schema, so a page and its API filter alike; a value the schema refuses is dropped and named, the
other filters still apply. An Excel export (app.exports) reads the same filters with the same
function, from the query string it was posted with."""
from flask import request
from marshmallow import ValidationError

from app.i18n import translate_messages


def load_filters(schema, source, defaults: dict | None = None) -> tuple[dict, dict]:
    """(filters, errors) from ``source`` (a mapping of strings): empty values are ignored, defaults fill
    what is absent."""
    raw = {k: v for k, v in source.items() if k != "page" and str(v).strip() != ""}
    fields = schema.fields
    raw = {k: v for k, v in raw.items() if k in fields}
    try:
        args = schema.load(raw, partial=True)
        errors = {}
    except ValidationError as exc:
        errors = translate_messages(exc.messages)
        good = {k: v for k, v in raw.items() if k not in exc.messages}
        args = schema.load(good, partial=True)
    for key, value in (defaults or {}).items():
        if key not in source:
            args.setdefault(key, value)
    return args, errors


def parse_filters(schema, defaults: dict | None = None) -> tuple[dict, dict]:
    """(filters, errors) from request.args."""
    return load_filters(schema, request.args, defaults)
