"""The OpenAPI document tells the truth about every answer (checked by the fuzz test,
tests/edge/test_fuzz_openapi.py, with schemathesis's conformance checks):

- No catch-all ``default`` response: every status an operation can answer is listed. The statuses
  that come from the edge and the access policy rather than the view are added to every operation
  by ``ErrorResponsesPlugin`` (400 bad input or CSRF, 401, 403, 404 for a path id, 409/413/422 for
  a change); a view documents its own (``@blp.alt_response``).
- Error bodies follow ``ErrorSchema`` (``code``, ``status``, ``message`` always; ``errors`` field by field).
- ``X-Pagination`` is a header whose value is a JSON object: documented with ``content:
  application/json`` and the metadata schema, not as an object in ``simple`` style.
- A schema that only ever describes answers lists every property as required (a response always
  carries every field, ``null`` where ``nullable``); schemas that describe input keep their own list.
"""
import http

import marshmallow as ma
from apispec import BasePlugin
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema

UNSAFE = {"post", "put", "patch", "delete"}

ERROR_RESPONSES = {
    400: ("BAD_INPUT", "Bad input refused before it reaches the service: a NUL byte or invalid Unicode character, "
                       "JSON that is malformed, nested too deeply or holds NaN/Infinity, a number out of range; or, "
                       "for a session request that changes something, a missing or invalid CSRF token."),
    401: ("NOT_SIGNED_IN", "Not signed in (no session), or the bearer token is unknown or revoked."),
    403: ("FORBIDDEN_ROLE", "Signed in, but the user's role may not do this (or must change the password first)."),
    404: ("NOT_FOUND_OR_OUT_OF_SCOPE", "No such object, or one outside what the user may see (another county's, "
                                       "another licence's); an id out of range cannot exist."),
    409: ("CONFLICT_STATE", "Refused by the current state (e.g. already decided, a duplicate); `errors` says why."),
    413: ("TOO_LARGE", "The request body is larger than the server accepts."),
    422: ("NOT_VALID", "Fields not valid, or the change refused by the rules; `errors` lists them field by field."),
}


class ErrorSchema(ma.Schema):
    """Every error answer of the API (app/errors.py)."""

    code = ma.fields.Integer(required=True, metadata={"description": "The HTTP status"})
    status = ma.fields.String(required=True, metadata={"description": "The status's name, e.g. Not Found"})
    message = ma.fields.String(required=True, metadata={"description": "What happened, in the user's language"})
    errors = ma.fields.Dict(metadata={"description": "Field by field: name → list of messages"})


class ErrorResponsesPlugin(BasePlugin):
    """Adds to each operation the error statuses the edge and the access policy can answer."""

    def __init__(self, app_getter):
        self._app = app_getter

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        from app.auth import policy

        app = self._app()
        action = policy.endpoint_action(app, rule.endpoint) if app is not None else None
        public = action is not None and policy.ACTIONS[action].public
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            codes = [400, 401]
            if not public:
                codes.append(403)
            if rule.arguments:
                codes.append(404)
            if method in UNSAFE:
                codes += [409, 413, 422]
            for code in codes:
                responses.setdefault(code, ERROR_RESPONSES[code][0])


def _mark_response_fields_required(document: dict) -> dict:
    """In place: components reached only from responses list every property as required."""
    schemas = document.get("components", {}).get("schemas", {})

    def refs(node, found):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in found:
                    found.add(name)
                    refs(schemas.get(name, {}), found)
            for value in node.values():
                refs(value, found)
        elif isinstance(node, list):
            for value in node:
                refs(value, found)
        return found

    inputs, outputs = set(), set()
    for item in document.get("paths", {}).values():
        refs(item.get("parameters", []), inputs)
        for method, operation in item.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            refs(operation.get("parameters", []), inputs)
            refs(operation.get("requestBody", {}), inputs)
            refs(operation.get("responses", {}), outputs)
    for name in outputs - inputs - {"Error"}:
        schema = schemas.get(name, {})
        properties = [p for p, spec in schema.get("properties", {}).items() if not spec.get("writeOnly")]
        if properties:
            schema["required"] = sorted(properties)
    return document


class ProjectApi(Api):
    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ErrorSchema

    def init_app(self, app, *, spec_kwargs=None):
        spec_kwargs = dict(spec_kwargs or {})
        plugins = list(spec_kwargs.get("extra_plugins", ()))
        plugins.append(ErrorResponsesPlugin(lambda: getattr(self, "_app", None)))
        spec_kwargs["extra_plugins"] = plugins
        super().init_app(app, spec_kwargs=spec_kwargs)
        build = self.spec.to_dict
        self.spec.to_dict = lambda: _mark_response_fields_required(build())

    def _register_responses(self):
        super()._register_responses()
        for code, (name, description) in ERROR_RESPONSES.items():
            response = {"description": f"{http.HTTPStatus(code).phrase}: {description}",
                        "content": {self.DEFAULT_RESPONSE_CONTENT_TYPE: {"schema": self.ERROR_SCHEMA}}}
            self.spec.components.response(name, response, lazy=True)

    def _register_pagination_header(self):
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata: a JSON object (total, total_pages, first_page, last_page, page, "
                           "previous_page, next_page)",
            "required": True,
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)
