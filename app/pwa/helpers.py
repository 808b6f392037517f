"""Template helpers shared by all pages."""
from flask import current_app, request
from flask_babel import get_locale, gettext as _
from flask_wtf.csrf import generate_csrf

from app.common.time import to_local

ROLE_LABELS = {
    "admin": "System administrator",
    "supervisor": "Supervisor",
    "inspector": "Inspector",
    "marketer": "Account manager",
    "retailer": "Retailer",
    "partner": "Partner authority",
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


def localtime(dt, fmt="%Y-%m-%d %H:%M"):
    local = to_local(dt)
    return local.strftime(fmt) if local else ""


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
        }

    app.jinja_env.filters["localtime"] = localtime

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/api/") and response.mimetype == "application/json":
            response.headers.setdefault("Cache-Control", "no-store")
        return response


# Labels are passed through gettext at render time; list them for extraction.
def _extract_labels():  # pragma: no cover - never called, read by pybabel
    _("System administrator"), _("Supervisor"), _("Inspector"), _("Account manager"), _("Retailer")
    _("Partner authority"), _("City"), _("Market town"), _("Village"), _("Convenience store"), _("Supermarket")
    _("Grocery"), _("Tobacco and liquor shop"), _("Entertainment venue"), _("Other"), _("Active")
    _("Suspended"), _("Cancelled")
