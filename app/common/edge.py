"""Input hygiene at the edge: what no database can store is refused before any view runs.

One request hook (``check_request``, the first before-request function of the app) refuses with 400:
- a NUL byte or a lone surrogate (U+D800..U+DFFF) in the path, a query or form field (name or value),
  an uploaded file's name, the Authorization header or a cookie: PostgreSQL refuses NUL in text and
  SQLite cannot encode a lone surrogate;
- a JSON body nested deeper than ``JSON_MAX_DEPTH`` (Python's parser would run out of stack), holding
  ``NaN``/``Infinity`` (not JSON; PostgreSQL refuses them) or any string as above.

Integers are bounded where they are read:
- path ids: the ``int`` URL converter is replaced by ``IdConverter`` (1..2^31-1): any other number
  cannot be an id, so the URL does not match (404);
- query and form fields read with ``request.args.get(name, type=int)``: the request's dictionaries
  refuse a number outside the 32-bit range with 400 (``EdgeRequest``);
- API schemas: ``app.common.fields`` (``Id``, ``Int32``, bounded pagination).
"""
import json
import math
import re

from flask import Request, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

INT32_MIN = -(2 ** 31)
INT32_MAX = 2 ** 31 - 1

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


class BadInput(BadRequest):
    """A 400 whose message is shown to the user (translated)."""

    def __init__(self, message):
        super().__init__(description=str(message))
        self.user_message = message


def _forbidden_characters():
    return BadInput(_l("The request contains characters that are not allowed (a NUL byte or an invalid "
                       "Unicode character)."))


def _out_of_range():
    return BadInput(_l("A number in the request is out of range."))


# ---- integers -------------------------------------------------------------------------------------

# 1..2147483647 without leading zeros, as a pattern: a number out of range must not match the path at
# all (a converter refusing it after a match would turn a PATCH of a too-large id into a 405).
_ID_PATTERN = (r"(?:[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}"
               r"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])")


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a database id, 1..2^31-1; anything else does not match (404)."""

    regex = _ID_PATTERN

    def __init__(self, map, fixed_digits=0, min=1, max=INT32_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def id_param_schema(converter):
    """The OpenAPI schema of an id path parameter."""
    return {"type": "integer", "minimum": converter.min, "maximum": converter.max}


def bounded_int(value):
    """``int`` for request fields: a number outside the 32-bit range is refused (400)."""
    number = int(value)
    if not INT32_MIN <= number <= INT32_MAX:
        raise _out_of_range()
    return number


class _BoundedIntMixin:
    def get(self, key, default=None, type=None):  # noqa: A002
        if type is int:
            type = bounded_int  # noqa: A001
        return super().get(key, default=default, type=type)

    def getlist(self, key, type=None):  # noqa: A002
        if type is int:
            type = bounded_int  # noqa: A001
        return super().getlist(key, type=type)


class BoundedMultiDict(_BoundedIntMixin, ImmutableMultiDict):
    pass


class BoundedCombinedMultiDict(_BoundedIntMixin, CombinedMultiDict):
    pass


class EdgeRequest(Request):
    """Query and form dictionaries whose ``type=int`` reads are bounded to the database's integers."""

    parameter_storage_class = BoundedMultiDict

    @property
    def values(self):
        sources = [self.args]
        if self.method != "GET":
            sources.append(self.form)
        return BoundedCombinedMultiDict(sources)


# ---- the request hook -------------------------------------------------------------------------------

def _check_text(value):
    if isinstance(value, str) and _FORBIDDEN.search(value):
        raise _forbidden_characters()


def _check_multidict(values):
    for key, value in values.items(multi=True):
        _check_text(key)
        _check_text(value)


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth_exceeds(data: bytes, limit: int) -> bool:
    """Whether a JSON text nests arrays/objects deeper than ``limit`` (brackets inside strings do not
    count). Linear: strings are cut out by one regular expression, then only brackets are walked."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth = 0
    for byte in _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS):
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _reject_constant(name):
    raise _out_of_range()


def _check_json_value(value):
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                _check_text(key)
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise _out_of_range()


def _check_json_body():
    data = request.get_data(cache=True)
    if not data:
        return
    if json_depth_exceeds(data, current_app.config.get("JSON_MAX_DEPTH", 32)):
        raise BadInput(_l("The JSON body is nested too deeply."))
    try:
        value = json.loads(data, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return  # not JSON: the endpoint's parser answers it (400/422)
    _check_json_value(value)


def check_request():
    """Refuse (400) what the database cannot store, before anything else reads the request."""
    _check_text(request.path)
    _check_multidict(request.args)
    _check_text(request.headers.get("Authorization"))
    for name, value in request.cookies.items():
        _check_text(name)
        _check_text(value)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.is_json:
        _check_json_body()
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        _check_multidict(request.form)
        for storage in request.files.values():
            _check_text(storage.filename)
    return None


def init_app(app):
    """Install the converter and the request class (before any route is added) and the hook (first)."""
    app.request_class = EdgeRequest
    app.url_map.converters["int"] = IdConverter
    app.config.setdefault("JSON_MAX_DEPTH", 32)
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
