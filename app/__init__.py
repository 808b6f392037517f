"""The application factory: ``create_app`` reads as the list of steps that build the app."""
import logging
import os

from flask import Flask

from config import CONFIGS, DEFAULT_SECRET_KEY, INSTANCE_DIR


def create_app(config_name: str | None = None, **overrides) -> Flask:
    instance_path = os.environ.get("INSTANCE_PATH") or str(INSTANCE_DIR)  # read at call time (tests set it)
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=False)
    configure_app(app, config_name, overrides)
    configure_logging(app)
    configure_extensions(app)
    configure_i18n(app)
    add_blueprints(app)
    add_request_guard(app)
    add_request_boundary(app)
    add_error_handlers(app)
    add_template_helpers(app)
    add_cli(app)
    configure_jobs(app)
    check_config(app)
    configure_proxy(app)
    return app


def configure_app(app, config_name, overrides):
    name = config_name or os.environ.get("APP_ENV", "development")
    app.config.from_object(CONFIGS[name])
    app.config.update(overrides)
    app.json.ensure_ascii = False  # Chinese stays readable in JSON responses
    os.makedirs(app.instance_path, exist_ok=True)
    configure_edge(app)


def configure_edge(app):
    """Input hygiene first: the request class, the bounded id converter (before any route is added)
    and the hook that refuses what the database cannot store (before any other hook)."""
    from app.common import edge

    edge.init_app(app)


def configure_logging(app):
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def configure_extensions(app):
    from app.extensions import api, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are server-side rows (app.auth.services)
    csrf.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    import_models()


def import_models():
    """Import every model module so SQLAlchemy (and Alembic autogenerate) know all tables."""
    import app.audit.models  # noqa: F401
    import app.auth.models  # noqa: F401
    import app.credit.models  # noqa: F401
    import app.evaluation.models  # noqa: F401
    import app.org.models  # noqa: F401
    import app.retailers.models  # noqa: F401
    import app.storage.models  # noqa: F401
    import app.storage.pending  # noqa: F401  (files follow their transaction: listeners on the session)
    import app.inspections.models  # noqa: F401
    import app.scheduling.models  # noqa: F401
    import app.commitments.models  # noqa: F401
    import app.repair.models  # noqa: F401
    import app.licence_requests.models  # noqa: F401
    import app.notices.models  # noqa: F401
    import app.reports.models  # noqa: F401
    import app.jobs.models  # noqa: F401
    import app.licences.models  # noqa: F401
    import app.partners.models  # noqa: F401
    import app.lists.models  # noqa: F401
    import app.exchange.models  # noqa: F401
    import app.opendata.models  # noqa: F401
    import app.banks.models  # noqa: F401
    import app.holidays.models  # noqa: F401
    import app.groups.models  # noqa: F401
    import app.trust.models  # noqa: F401
    import app.warnings.models  # noqa: F401
    import app.service.models  # noqa: F401
    import app.dashboard.models  # noqa: F401


def configure_i18n(app):
    from app.i18n import init_babel

    init_babel(app)


def add_blueprints(app):
    from app.api import register_api
    from app.pwa import bp as pwa_bp

    register_api(app)
    app.register_blueprint(pwa_bp)


def add_request_guard(app):
    from app.auth import guard, policy

    guard.init_app(app)
    policy.register_endpoints(app)


def add_request_boundary(app):
    """Every view runs as one unit of work, committed once (app.common.boundary); the security log
    is written in its own transaction at the end of the request."""
    from app.auth import security_log
    from app.common import boundary

    boundary.install(app)
    security_log.init_app(app)


def add_error_handlers(app):
    from app.errors import register_error_handlers

    register_error_handlers(app)


def add_template_helpers(app):
    from app.common import headers
    from app.pwa.helpers import register_template_helpers

    register_template_helpers(app)
    headers.init_app(app)


def add_cli(app):
    from app.cli import register_cli

    register_cli(app)


def configure_jobs(app):
    """The job runner: Huey's storage for this app, the tasks and the periodic schedule, and the
    session hooks that enqueue work after commit (app.jobs)."""
    from app.jobs import runner, tasks

    runner.install_session_hooks()
    tasks.install_kicks()
    runner.init_app(app)


def check_config(app):
    """Production refuses to start with the default secret key, without its public address, or with
    login throttling counted per process (memory://: each gunicorn worker would count on its own)."""
    from app.common.urls import check_public_base_url

    production = app.config["ENV_NAME"] == "production"
    if production and app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise RuntimeError("SECRET_KEY must be set in production (APP_ENV=production).")
    if app.config.get("PUBLIC_BASE_URL") or production:
        check_public_base_url(app.config.get("PUBLIC_BASE_URL"))
    if app.config.get("MAP_TILE_COORDS", "wgs84") not in ("wgs84", "gcj02"):
        raise RuntimeError("MAP_TILE_COORDS must be wgs84 or gcj02 (the datum of the map tiles).")
    if not production:
        return
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        raise RuntimeError("Login throttling needs storage shared by every worker in production: set REDIS_URL "
                           "(or RATELIMIT_STORAGE_URI), e.g. redis://127.0.0.1:6379/0.")


def configure_proxy(app):
    """Behind TRUSTED_PROXY_HOPS reverse proxies, believe that many X-Forwarded-For/-Proto entries
    (the client address for throttling and logs, https for cookies); with 0 believe none."""
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
