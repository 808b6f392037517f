"""Flask-Babel set-up: Chinese (zh_Hans_CN) by default, English on request."""
from flask import has_request_context, request
from flask_babel import gettext
from flask_login import current_user

from app.extensions import babel

LANG_COOKIE = "lang"
SUPPORTED = ("zh_Hans_CN", "en")


def select_locale():
    if not has_request_context():
        return "zh_Hans_CN"  # command line: Chinese, like the interface
    choice = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if choice in SUPPORTED:
        return choice
    try:
        if current_user and current_user.is_authenticated and current_user.locale in SUPPORTED:
            return current_user.locale
    except Exception:  # noqa: BLE001 - no user context yet
        pass
    return "zh_Hans_CN"


def init_babel(app):
    import os

    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(os.path.dirname(__file__), "translations"))


def translate_messages(value):
    """Translate (nested) validation messages produced by marshmallow/webargs into the user's language."""
    if isinstance(value, dict):
        return {k: translate_messages(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [translate_messages(v) for v in value]
    if isinstance(value, str):
        return gettext(value)
    return value
