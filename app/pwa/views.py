"""The PWA's pages: sign-in, home per role, password change, language, manifest and service worker."""
from urllib.parse import urlsplit

from flask import (current_app, make_response, redirect, render_template, request, send_from_directory,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.auth import policy, services
from app.auth.models import ApiToken
from app.auth.policy import requires
from app.common.errors import ServiceError
from app.extensions import db
from app.i18n import LANG_COOKIE, SUPPORTED
from app.pwa import bp
from app.retailers.models import Retailer


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@requires("public")
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("pwa.home"))
    error = None
    username = ""
    status = 200
    if request.method == "POST":
        username = request.form.get("username", "")
        result = services.authenticate(username, request.form.get("password", ""))
        if result.ok:
            nxt = _safe_next(request.args.get("next"))
            if result.user.must_change_password:
                return redirect(url_for("pwa.change_password"))
            return redirect(nxt or url_for("pwa.home"))
        error = result.error
        status = 429 if result.reason == "throttled" else 401
    return render_template("login.html", error=error, username=username), status


@bp.route("/logout", methods=["POST"])
@requires("session")
def logout():
    services.end_session(current_user)
    # The sign-in page, told the user signed out, drops the service worker's cached pages
    # (app.js); queued captures live in IndexedDB and are kept.
    return redirect(url_for("pwa.login", signed_out=1))


@bp.route("/password", methods=["GET", "POST"])
@requires("session")
def change_password():
    errors = {}
    if request.method == "POST":
        try:
            services.change_own_password(current_user, request.form.get("current_password", ""),
                                         request.form.get("new_password", ""),
                                         request.form.get("confirm_password", ""))
            db.session.commit()
            return redirect(url_for("pwa.home", changed=1))
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.errors
    return render_template("change_password.html", errors=errors), (422 if errors else 200)


@bp.route("/language", methods=["POST"])
@requires("public")
def set_language():
    lang = request.form.get("lang")
    if lang not in SUPPORTED:
        lang = "zh_Hans_CN"
    if current_user.is_authenticated:
        services.set_locale(current_user, lang)
        db.session.commit()
    response = redirect(_safe_next(request.form.get("next")) or url_for("pwa.home"))
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response


@bp.route("/")
@requires("home")
def home():
    user = current_user
    ctx = {"user": user}
    if user.role in ("admin", "supervisor", "inspector", "marketer"):
        stmt = policy.scope(user, "retailers.read", select(func.count(Retailer.id)), Retailer)
        ctx["retailer_count"] = db.session.scalar(stmt)
        ctx["active_count"] = db.session.scalar(stmt.where(Retailer.status == "active"))
    if user.role == "retailer":
        ctx["licences"] = list(db.session.scalars(
            policy.scope(user, "me.retailers", select(Retailer), Retailer).order_by(Retailer.licence_no)))
    if user.role == "partner":
        ctx["tokens"] = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                                .order_by(ApiToken.id)))
    return render_template(f"home_{user.role}.html", **ctx)


@bp.route("/retailers")
@requires("retailers.read")
def retailer_search():
    """Staff search: licence number, name or pinyin initials; scoped to the user's county."""
    from app.retailers.services import list_query

    q = (request.args.get("q") or "").strip()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    per_page = 20
    stmt = list_query(current_user, {"q": q} if q else {})
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    pages = max(1, (total + per_page - 1) // per_page)
    return render_template("retailers.html", q=q, rows=rows, page=page, pages=pages, total=total)


@bp.route("/retailers/<int:retailer_id>")
@requires("retailers.read")
def retailer_detail(retailer_id):
    retailer = policy.get_or_404(current_user, "retailers.read", Retailer, retailer_id)
    return render_template("retailer.html", r=retailer)


@bp.route("/offline")
@requires("public")
def offline():
    return render_template("offline.html")


@bp.route("/manifest.webmanifest")
@requires("public")
def manifest():
    data = {
        "name": "烟草专卖信用监管平台",
        "short_name": "信用监管",
        "description": "Tobacco retail credit supervision 卷烟零售户信用监管",
        "lang": "zh-CN",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [
            {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = make_response(data)
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/sw.js")
@requires("public")
def service_worker():
    """The service worker, served from the root so its scope is the whole app; versioned caches."""
    body = render_template("sw.js", version=current_app.config["APP_SHELL_VERSION"], shell=_shell_files())
    response = make_response(body)
    response.mimetype = "application/javascript"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


def _shell_files():
    return [url_for("pwa.offline"), url_for("static", filename="css/app.css"),
            url_for("static", filename="js/app.js"), url_for("static", filename="icons/icon-192.png"),
            # field inspections (offline): the outbox on every page, the field app's code and style
            url_for("static", filename="js/outbox.js"), url_for("static", filename="js/inspect.js"),
            url_for("static", filename="css/inspect.css"),
            url_for("pwa.manifest")]


@bp.route("/favicon.ico")
@requires("public")
def favicon():
    return send_from_directory(current_app.static_folder, "icons/icon-192.png", mimetype="image/png")


