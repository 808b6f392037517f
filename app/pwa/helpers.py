"""Template helpers shared by all pages."""
from flask import current_app
from flask_babel import get_locale, gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.common.boundary import refusal
from app.common.time import to_local

ROLE_LABELS = {
    "admin": "System administrator",
    "supervisor": "Supervisor",
    "inspector": "Inspector",
    "marketer": "Account manager",
    "retailer": "Retailer",
    "partner": "Partner authority",
    "mkt_supervisor": "Marketing supervisor",
    "ordering": "Ordering system",
}
MARKET_TYPE_LABELS = {"city": "City", "town": "Market town", "village": "Village"}
FORMAT_LABELS = {"convenience": "Convenience store", "supermarket": "Supermarket", "grocery": "Grocery",
                 "tobacco_liquor": "Tobacco and liquor shop", "entertainment": "Entertainment venue",
                 "other": "Other"}
STATUS_LABELS = {"active": "Active", "suspended": "Suspended", "cancelled": "Cancelled"}


def role_label(role):
    return _(ROLE_LABELS.get(role, role))


_LABEL_TABLES = {"market": MARKET_TYPE_LABELS, "format": FORMAT_LABELS, "status": STATUS_LABELS}


def label(table, key):
    """The translated label of a code (market type, business format, status)."""
    return _(_LABEL_TABLES[table].get(key, key))


def field_errors(errors, name):
    """The messages of one form field, each in a span next to the field (a refused form shows them)."""
    messages = (errors or {}).get(name) or []
    return Markup("").join(Markup('<span class="field-error" data-testid="error-{}">{}</span>').format(name, m)
                           for m in messages)


def localtime(dt, fmt="%Y-%m-%d %H:%M"):
    local = to_local(dt)
    return local.strftime(fmt) if local else ""


def _policy_text(text):
    from app.common.bilingual import pick

    return pick(text)


def _licence_state(retailer):
    from app.licences.state import licence_state

    return licence_state(retailer)


def _calendar_note(start, due=None) -> str:
    """The plain sentence a deadline from ``start`` to ``due`` shows while it reaches a year without an
    official holiday schedule ("" otherwise)."""
    from app.common.workdays import deadline_note

    return deadline_note(start, due or start) if start else ""


def register_template_helpers(app):
    @app.context_processor
    def inject():
        locale = str(get_locale())
        return {
            "csrf_token": generate_csrf,
            "current_locale": locale,
            "html_lang": "zh-CN" if locale.startswith("zh") else "en",
            "role_label": role_label,
            "label": label,
            "shell_version": current_app.config["APP_SHELL_VERSION"],
            "refusal": refusal,
            "field_errors": field_errors,
            "licence_state": _licence_state,
            "policy_text": _policy_text,
            "calendar_note": _calendar_note,
        }

    app.jinja_env.filters["localtime"] = localtime


# Labels are passed through gettext at render time; list them for extraction.
def _extract_labels():  # pragma: no cover - never called, read by pybabel
    _("System administrator"), _("Supervisor"), _("Inspector"), _("Account manager"), _("Retailer")
    _("Partner authority"), _("City"), _("Market town"), _("Village"), _("Convenience store"), _("Supermarket")
    _("Grocery"), _("Tobacco and liquor shop"), _("Entertainment venue"), _("Other"), _("Active")
    _("Suspended"), _("Cancelled")
    _("Marketing supervisor"), _("Ordering system")
