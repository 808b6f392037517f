"""Page forms parsed by marshmallow schemas (the same library as the API), never ``request.form.get``.

A page form is a :class:`FormSchema` (the part's ``forms.py``) read through :class:`PageForm`::

    form = PageForm(PasswordChangeForm())
    if form.submitted:                         # a POST to this page, not already refused
        services.change_own_password(current_user, **form.data)   # form.data parses or refuses
        return redirect(url_for("pwa.home"))
    return render_template("change_password.html", values=form.values, errors=form.errors), form.status

``form.data`` raises a 422 :class:`~app.common.errors.ServiceError` with the field errors (in the
user's language) when the input does not parse, exactly like a service refusing the change; the
request boundary (:mod:`app.common.boundary`) then rolls back and calls the view again, where the
form is no longer ``submitted`` but carries the input and the errors, so the same template shows
them next to the fields (status 422).
"""
from __future__ import annotations

from functools import cached_property

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load
from webargs.multidictproxy import MultiDictProxy

from app.common.boundary import page_endpoint, refusal, submitted_values
from app.common.errors import ServiceError
from app.i18n import translate_messages


class FormSchema(Schema):
    """A page form's fields. HTML forms send strings: surrounding blanks are stripped (except fields
    with ``metadata={"raw": True}``, e.g. passwords) and an empty field counts as absent, so an
    optional field takes its default and a required one is "missing". Unknown fields (the CSRF token,
    buttons of other forms) are ignored."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _blank_is_absent(self, data, **kwargs):
        out = {}
        for key in list(data.keys()):
            value = data[key]
            field_obj = self.fields.get(key)
            raw = bool(field_obj is not None and field_obj.metadata.get("raw"))
            if isinstance(value, str):
                if not raw:
                    value = value.strip()
                if value == "":
                    continue
            elif isinstance(value, (list, tuple)):
                value = [v.strip() if isinstance(v, str) and not raw else v for v in value]
                value = [v for v in value if v != ""]
            out[key] = value
        return out


class Checkbox(fields.Boolean):
    """A checkbox: ticked sends its value ("1", "on", "yes"...), unticked sends nothing (False)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("load_default", False)
        super().__init__(truthy={"1", "on", "yes", "true", "y"}, falsy={"0", "off", "no", "false", "n"}, **kwargs)


def flat_errors(messages) -> dict[str, list[str]]:
    """marshmallow's error dict as {field: [message, ...]}: nested errors (list items) flattened."""
    out: dict[str, list[str]] = {}

    def collect(value):
        if isinstance(value, dict):
            return [m for v in value.values() for m in collect(v)]
        if isinstance(value, (list, tuple)):
            return [m for v in value for m in collect(v)]
        return [str(value)]

    for key, value in (messages or {}).items():
        out[str(key)] = collect(value)
    return out


def load_form(schema: Schema, source=None) -> dict:
    """Parse ``source`` (default: the request's form fields) with ``schema``; a 422 ServiceError with
    the translated field errors if it does not parse."""
    source = request.form if source is None else source
    try:
        return schema.load(MultiDictProxy(source, schema))
    except ValidationError as err:
        raise ServiceError(flat_errors(translate_messages(err.messages)), status=422) from None


def parse_form(schema: Schema, source=None) -> tuple[dict, dict[str, list[str]]]:
    """Parse without refusing: (the fields that parsed, the field errors). For a view that adds its
    own checks (or the service's) to the form's before refusing with all of them at once."""
    source = request.form if source is None else source
    try:
        return schema.load(MultiDictProxy(source, schema)), {}
    except ValidationError as err:
        return dict(err.valid_data or {}), flat_errors(translate_messages(err.messages))


class PageForm:
    """One form of a page: whether it was submitted, its parsed data, and what to show again.

    ``endpoint`` is the endpoint the form posts to (default: the page being rendered). ``initial``
    fills the fields when nothing was submitted."""

    def __init__(self, schema: Schema, *, initial: dict | None = None, endpoint: str | None = None):
        self.schema = schema
        self.endpoint = endpoint or page_endpoint()
        self.refused = refusal(self.endpoint)
        self.initial = dict(initial or {})

    @property
    def submitted(self) -> bool:
        """A POST to this form that has not been refused yet (the boundary's second call shows it)."""
        return request.method == "POST" and request.endpoint == self.endpoint and not self.refused

    @cached_property
    def data(self) -> dict:
        return load_form(self.schema)

    def parse(self) -> tuple[dict, dict[str, list[str]]]:
        """(the fields that parsed, the field errors), without refusing (see parse_form)."""
        return parse_form(self.schema)

    @property
    def values(self) -> dict:
        """What the fields show: the refused input, else the initial values."""
        if self.refused:
            return dict(self.refused.values)
        if self.submitted:
            return {**self.initial, **submitted_values()}
        return dict(self.initial)

    @property
    def errors(self) -> dict:
        return self.refused.errors

    @property
    def status(self) -> int:
        return self.refused.status if self.refused else 200
