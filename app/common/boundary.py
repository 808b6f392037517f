"""The request boundary: one unit of work per request, committed once (Indico's ``RH.process``).

Every view runs inside :func:`unit_of_work`, installed on every endpoint of the app at start-up by
:func:`install` (no view can forget it). A request goes: guard (identify, CSRF, role rule) → load
the object through the policy (404) → act through services → commit once, or roll back:

- services change models and flush; they never commit (nor do views);
- a response below 400 commits the unit of work; a response of 400 or more rolls it back;
- any exception rolls it back. A :class:`~app.common.errors.ServiceError` (a refused change, or a
  page form whose input does not parse) is answered
  * by the JSON API as the field-by-field error (``app.errors``);
  * by a page declared with :func:`form_page` as the page that holds the form, rendered again with
    the user's input and the field errors, status 422 (or the error's status). The page is the
    view itself (a GET/POST form page: its GET path renders the form) or another view named with
    ``on_refusal`` (an action whose form sits on another page, e.g. "approve" on the plan page);
  * by the error page for a page that declared nothing.

The refused request keeps nothing: the unit of work is rolled back before the page is rendered
again, and the render itself is rolled back too. The security log is written in its own transaction
(``app.auth.security_log``), so refusing never commits nor rolls back the caller's work.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import wraps

from flask import current_app, g, has_app_context, request

from app.common.errors import ServiceError
from app.extensions import db


@dataclass
class Refusal:
    """A refused submission of this request: which endpoint (and URL arguments) refused it, the field
    errors, the status, the submitted input (strings; lists for repeated fields) and the error."""

    endpoint: str = ""
    view_args: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    status: int = 200
    values: dict = field(default_factory=dict)
    error: ServiceError | None = None

    def __bool__(self) -> bool:
        return bool(self.endpoint)

    def messages(self) -> list[str]:
        """Every message, in field order (for the summary at the top of the page)."""
        out = []
        for messages in self.errors.values():
            for message in messages if isinstance(messages, (list, tuple)) else [messages]:
                if isinstance(message, dict):  # nested (list fields): flatten
                    out.extend(str(m) for ms in message.values() for m in (ms if isinstance(ms, list) else [ms]))
                else:
                    out.append(str(message))
        return out


NO_REFUSAL = Refusal()


def refusal(endpoint: str | None = None, **view_args) -> Refusal:
    """The refused submission of this request if it came from ``endpoint`` (and these URL arguments);
    an empty Refusal (false, no errors, no values) otherwise. Without arguments: any refusal."""
    found = g.get("refusal") if has_app_context() else None
    if not found:
        return NO_REFUSAL
    if endpoint is not None and found.endpoint != endpoint:
        return NO_REFUSAL
    if any(found.view_args.get(k) != v for k, v in view_args.items()):
        return NO_REFUSAL
    return found


def page_endpoint() -> str | None:
    """The endpoint whose page is being rendered: the request's, or the page a refused action is shown on."""
    return g.get("page_endpoint") or request.endpoint


def submitted_values() -> dict:
    """The submitted form fields as strings (a repeated field as the list of its values)."""
    out = {}
    for key in request.form:
        values = request.form.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def form_page(view=None, *, on_refusal: str | None = None, args=None):
    """Declare how a page answers a refused submission: by rendering the form again.

    ``@form_page`` on a GET/POST view: the view itself renders the form again (its GET path; a
    :class:`app.common.forms.PageForm` knows the submission was refused and carries its input and
    errors). ``@form_page(on_refusal="pwa.plan_review")`` on a POST-only action: that page's view
    renders, called with the action's URL arguments it takes (or with ``args(**view_args)``)."""

    def decorate(fn):
        fn._refusal_page = (on_refusal, args)
        return fn

    return decorate(view) if view is not None else decorate


def _declared(view, name):
    while view is not None:
        if hasattr(view, name):
            return getattr(view, name)
        view = getattr(view, "__wrapped__", None)
    return None


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _rollback():
    db.session.rollback()  # files written for the rolled-back rows go with them (app.storage.pending)


def _commit():
    # A page read (GET: it writes nothing but the session's last-seen time) is already rendered: its
    # loaded objects are not read again, so the commit does not expire them (a list page holds a
    # hundred; expiring them is work for nothing).
    session = db.session()
    session.expire_on_commit = request.method not in ("GET", "HEAD")
    try:
        session.commit()
    except BaseException:
        _rollback()
        raise
    finally:
        session.expire_on_commit = True


def _finish(rv):
    """Commit a response below 400, roll back one of 400 or more."""
    response = current_app.make_response(rv)
    if response.status_code < 400:
        _commit()
    else:
        _rollback()
    return response


def _render_refusal(view, kwargs, exc: ServiceError, page):
    """Render the page that holds the refused form, with the input and the errors; keep nothing."""
    target, args_of = page
    g.refusal = Refusal(request.endpoint or "", dict(request.view_args or {}), exc.page_errors(), exc.status,
                        submitted_values(), exc)
    if target is None:
        render, render_kwargs = view, kwargs
    else:
        render = current_app.extensions["boundary_views"][target]
        if args_of is not None:
            render_kwargs = args_of(**kwargs)
        else:
            accepted = inspect.signature(render).parameters
            render_kwargs = {k: v for k, v in kwargs.items() if k in accepted}
        g.page_endpoint = target
    try:
        response = current_app.make_response(render(**render_kwargs))
    finally:
        _rollback()
    if response.status_code < 400:
        response.status_code = exc.status
    return response


def unit_of_work(view):
    """Run ``view`` as one unit of work (see the module's docstring)."""
    if getattr(view, "_unit_of_work", False):
        return view
    page = _declared(view, "_refusal_page")

    @wraps(view)
    def run(*args, **kwargs):
        try:
            rv = view(*args, **kwargs)
        except ServiceError as exc:
            _rollback()
            if page is None or _is_api():
                raise  # app.errors answers: field by field (API) or the error page
            return _render_refusal(view, kwargs, exc, page)
        except BaseException:
            _rollback()
            raise
        return _finish(rv)

    run._unit_of_work = True
    return run


def install(app):
    """Wrap every endpoint of the app in the unit of work (after the blueprints are registered).

    The undecorated views are kept in ``app.extensions["boundary_views"]``: a refused action renders
    the page that holds its form through them, inside the refused request (and rolled back with it)."""
    raw = app.extensions.setdefault("boundary_views", {})
    for endpoint, view in list(app.view_functions.items()):
        if endpoint == "static" or getattr(view, "_unit_of_work", False):
            continue
        raw[endpoint] = view
        app.view_functions[endpoint] = unit_of_work(view)
