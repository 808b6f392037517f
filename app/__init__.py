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
    add_error_handlers(app)
    add_template_helpers(app)
    add_cli(app)
    check_config(app)
    return app


def configure_app(app, config_name, overrides):
    name = config_name or os.environ.get("APP_ENV", "development")
    app.config.from_object(CONFIGS[name])
    app.config.update(overrides)
    app.json.ensure_ascii = False  # Chinese stays readable in JSON responses
    os.makedirs(app.instance_path, exist_ok=True)


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
    import app.inspections.models  # noqa: F401
    import app.scheduling.models  # noqa: F401
    import app.commitments.models  # noqa: F401
    import app.repair.models  # noqa: F401
    import app.notices.models  # noqa: F401
    import app.reports.models  # noqa: F401


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


def add_error_handlers(app):
    from app.errors import register_error_handlers

    register_error_handlers(app)


def add_template_helpers(app):
    from app.pwa.helpers import register_template_helpers

    register_template_helpers(app)


def add_cli(app):
    from app.cli import register_cli

    register_cli(app)


def check_config(app):
    """Production refuses to start with the default secret key."""
    if app.config["ENV_NAME"] == "production" and app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise RuntimeError("SECRET_KEY must be set in production (APP_ENV=production).")
    if app.config["ENV_NAME"] == "production" and app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        app.logger.warning("RATELIMIT_STORAGE_URI is memory://: login throttling is per process. Use Redis.")
