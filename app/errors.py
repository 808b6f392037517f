"""Error responses: JSON for the API (field-by-field, in the user's language), pages for the PWA."""
import logging

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from app.common.errors import ServiceError
from app.extensions import db
from app.i18n import translate_messages

log = logging.getLogger(__name__)


def _status_message(code: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state. Please reload and try again."),
        412: _("Someone else changed this in the meantime. Please reload and try again."),
        413: _("The upload is too large."),
        422: _("Some fields are not valid."),
        415: _("This type of content is not accepted here."),
        428: _("This update needs an If-Match header with the current ETag."),
        429: _("Too many requests. Please wait and try again."),
        500: _("Something went wrong on our side. Please try again later."),
        503: _("The service is unavailable for a moment. Please try again later."),
    }
    return messages.get(code, _("Error"))


def _is_api() -> bool:
    return request.path.startswith("/api/")


def handle_http_exception(error: HTTPException):
    db.session.rollback()
    code = error.code or 500
    message = str(getattr(error, "user_message", None) or _status_message(code))
    if _is_api():
        body = {"code": code, "status": status_name(code), "message": message}
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if messages:
            # webargs nests by location (json, query, ...): flatten the single location case.
            if isinstance(messages, dict) and len(messages) == 1 and next(iter(messages)) in (
                    "json", "query", "form", "files", "headers", "path_view_args") and isinstance(
                    next(iter(messages.values())), dict):
                messages = next(iter(messages.values()))
            body["errors"] = translate_messages(messages)
        elif error.description and code == 403 and error.description == "password_change_required":
            body["message"] = _("You must change your password first.")
        response = jsonify(body)
        response.status_code = code
        _copy_headers(error, response)
        return response
    response = make_response(render_template("error.html", code=code, message=message), code)
    _copy_headers(error, response)
    return response


def _copy_headers(error: HTTPException, response):
    """Keep what the exception tells the client besides its body: ``Allow`` on a 405,
    ``WWW-Authenticate``, ``Retry-After``, and headers passed to flask-smorest's ``abort``."""
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    data = getattr(error, "data", None)
    extra = data.get("headers") if isinstance(data, dict) else None
    for name, value in (extra or {}).items():
        response.headers[name] = value


def status_name(code: int) -> str:
    """The status's standard name, as werkzeug gives it for its own exceptions ("Not Found")."""
    return HTTP_STATUS_CODES.get(code, "Error")


def handle_service_error(error: ServiceError):
    db.session.rollback()
    if _is_api():
        response = jsonify({"code": error.status, "status": status_name(error.status),
                            "message": _status_message(error.status), "errors": error.errors, **error.details})
        response.status_code = error.status
        return response
    return render_template("error.html", code=error.status,
                           message="; ".join(m for msgs in error.errors.values() for m in msgs)), error.status


def handle_unexpected(error: Exception):
    log.exception("unhandled error")
    return handle_http_exception(InternalServerError())


def register_error_handlers(app):
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ServiceError, handle_service_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
