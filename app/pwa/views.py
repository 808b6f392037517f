"""The PWA's pages: sign-in, home per role, password change, language, manifest and service worker."""
from urllib.parse import urlsplit

from flask import (current_app, make_response, redirect, render_template, request, send_from_directory,
                   url_for)
from flask_login import current_user
from sqlalchemy import select

from app.auth import policy, services
from app.auth.models import ApiToken
from app.auth.forms import LanguageForm, LoginForm, PasswordChangeForm
from app.auth.policy import requires
from app.common.boundary import form_page
from app.common.forms import PageForm, load_form
from app.common.paging import paginate
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
    form = PageForm(LoginForm())
    error, status = None, 200
    if form.submitted:
        result = services.authenticate(form.data["username"], form.data["password"])
        if result.ok:
            nxt = _safe_next(request.args.get("next"))
            if result.user.must_change_password:
                return redirect(url_for("pwa.change_password"))
            return redirect(nxt or url_for("pwa.home"))
        error = result.error
        status = 429 if result.reason == "throttled" else 401
    return render_template("login.html", error=error, username=form.values.get("username", "")), status


@bp.route("/logout", methods=["POST"])
@requires("session")
def logout():
    services.end_session(current_user)
    # The sign-in page, told the user signed out, drops the service worker's cached pages
    # (app.js); queued captures live in IndexedDB and are kept.
    return redirect(url_for("pwa.login", signed_out=1))


@bp.route("/password", methods=["GET", "POST"])
@requires("session")
@form_page
def change_password():
    form = PageForm(PasswordChangeForm())
    if form.submitted:
        services.change_own_password(current_user, form.data["current_password"], form.data["new_password"],
                                     form.data["confirm_password"])
        return redirect(url_for("pwa.home", changed=1))
    return render_template("change_password.html", errors=form.errors), form.status


@bp.route("/language", methods=["POST"])
@requires("public")
def set_language():
    data = load_form(LanguageForm())
    lang = data["lang"] if data["lang"] in SUPPORTED else "zh_Hans_CN"
    if current_user.is_authenticated:
        services.set_locale(current_user, lang)
    response = redirect(_safe_next(data["next"]) or url_for("pwa.home"))
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response


@bp.route("/")
@requires("home")
def home():
    user = current_user
    ctx = {"user": user}
    if user.role in ("admin", "supervisor", "inspector", "marketer", "mkt_supervisor"):
        from app.retailers.counts import summary

        ctx["counts"] = summary(user)
    if user.role == "supervisor":
        from app.licences.services import count_open

        ctx["licence_checks_open"] = count_open(user)
        from app.warnings.services import count_open as warnings_open

        ctx["warnings_open"] = warnings_open(user)
    if user.role == "inspector":
        from app.common.time import local_today
        from app.scheduling.queries import day_visits

        ctx["today_visits"] = day_visits(user, local_today())
    if user.role == "retailer":
        ctx["licences"] = list(db.session.scalars(
            policy.scope(user, "me.retailers", select(Retailer), Retailer).order_by(Retailer.licence_no)))
    if user.role in ("partner", "ordering"):
        ctx["tokens"] = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                                .order_by(ApiToken.id)))
    return render_template(f"home_{user.role}.html", **ctx)


@bp.route("/retailers")
@requires("retailers.read")
def retailer_search():
    """Staff search and filters (licence number, name or pinyin initials; county, grade, status, licence
    state, tier), kept in the URL; scoped to the user's county. By default the licences in the register."""
    from app.pwa.filters import parse_filters
    from app.retailers.schemas import GRADES, LICENCE_STATES, RetailerQuerySchema
    from app.retailers.services import list_query

    args, errors = parse_filters(RetailerQuerySchema(), {"status": "registered"})
    stmt = list_query(current_user, args)
    p = paginate(stmt, per_page=20)
    rows, total = p.items, p.total
    grades = _live_grades([r.id for r in rows])
    return render_template("retailers.html", q=args.get("q", ""), args=args, errors=errors, rows=rows, p=p,
                           total=total, grades=grades, grade_choices=GRADES,
                           licence_states=LICENCE_STATES, counties=_counties_for(current_user)), (400 if errors else 200)  # a filter value refused: named on the page


def _live_grades(ids) -> dict:
    from app.credit.models import RetailerGrade

    if not ids:
        return {}
    return dict(db.session.execute(select(RetailerGrade.retailer_id, RetailerGrade.grade)
                                   .where(RetailerGrade.retailer_id.in_(ids))).all())


def _counties_for(user) -> list:
    """The counties a user may filter by: all for city level, none to choose for a county's staff."""
    from app.org.models import OrgUnit

    if not user.is_city_level:
        return []
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)))


@bp.route("/retailers/<int:retailer_id>")
@requires("retailers.read")
def retailer_detail(retailer_id):
    retailer = policy.get_or_404(current_user, "retailers.read", Retailer, retailer_id)
    service = None
    if policy.role_allows(current_user, "service.read", via_token=False):
        from app.service.present import staff_view

        service = staff_view(retailer, current_user)
    return render_template("retailer.html", r=retailer, service=service)


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
            # the inspector's day: hand-off links and the route map (Leaflet), usable offline
            url_for("static", filename="js/chinacoords.js"), url_for("static", filename="js/route_map.js"),
            url_for("static", filename="css/field.css"), url_for("static", filename="vendor/leaflet/leaflet.js"),
            url_for("static", filename="vendor/leaflet/leaflet.css"),
            url_for("pwa.manifest")]


@bp.route("/favicon.ico")
@requires("public")
def favicon():
    return send_from_directory(current_app.static_folder, "icons/icon-192.png", mimetype="image/png")


