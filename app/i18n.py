"""Flask-Babel set-up: Chinese (zh_Hans_CN) by default, English on request."""
from flask import g, has_app_context, has_request_context, request
from flask_babel import get_locale, get_translations, gettext
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
    install_template_gettext(app)


def translate_messages(value):
    """Translate (nested) validation messages produced by marshmallow/webargs into the user's language."""
    if isinstance(value, dict):
        return {k: translate_messages(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [translate_messages(v) for v in value]
    if isinstance(value, str):
        return gettext(value)
    return value


def request_translations():
    """The translations of the request's locale, found once per request: Flask-Babel looks them up
    again on every call (domain, locale, cache key), and a page makes dozens of calls. Keyed by the
    locale object Flask-Babel keeps for the request, so its ``refresh()`` (a locale changed in the
    middle of a request) is followed; read straight from its per-request namespace, which is what
    its own ``get_locale()`` reads first."""
    if not has_app_context():
        return get_translations()
    cached = g.get("_i18n_translations")
    if cached is not None and cached[0] is getattr(g.get("_flask_babel"), "babel_locale", None):
        return cached[1]
    locale = get_locale()
    g._i18n_translations = (locale, get_translations())
    return g._i18n_translations[1]


def fast_gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext`` (same message, same %-formatting) through ``request_translations``:
    for code that translates many labels per request (a list's rows)."""
    s = request_translations().ugettext(string)
    return s % variables if variables else s


def install_template_gettext(app):
    """The templates' _(), gettext, ngettext, pgettext and npgettext through request_translations
    (same messages, same %-formatting and escaping by Jinja's i18n extension)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
