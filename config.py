"""Configuration from environment variables, with sensible defaults.

Every setting can be overridden by an environment variable of the same name.
The default database is an SQLite file under ``instance/``; set ``DATABASE_URL``
(e.g. ``postgresql+psycopg://user@host/db``) for PostgreSQL.
"""
import os
import tempfile
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"


def _bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url():
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'credit.sqlite3'}"
    # Accept the common "postgres://" and "postgresql://" spellings; we use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    ENV_NAME = os.environ.get("APP_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    # Keys derived from SECRET_KEY unless set: audit-chain HMAC and the keyed hash of ID numbers.
    AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY")
    ID_HASH_KEY = os.environ.get("ID_HASH_KEY")

    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Sessions and cookies (ASVS V3.3, V7).
    SESSION_COOKIE_NAME = "credit_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", ENV_NAME == "production")
    PERMANENT_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_HOURS", "12")))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Server-side session rows expire after this much inactivity.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "720"))

    # CSRF: checked in one place (app.auth.guard) for every unsafe request without a bearer token.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session
    WTF_CSRF_SSL_STRICT = _bool("WTF_CSRF_SSL_STRICT", True)

    # Login throttling (Flask-Limiter / limits). Redis in production.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_ACCOUNT_ADDRESS = os.environ.get("LOGIN_LIMIT_ACCOUNT_ADDRESS", "5 per 15 minutes")
    LOGIN_LIMIT_ACCOUNT = os.environ.get("LOGIN_LIMIT_ACCOUNT", "20 per hour")
    LOGIN_LIMIT_ADDRESS = os.environ.get("LOGIN_LIMIT_ADDRESS", "50 per hour")

    # Internationalisation: Chinese first, English second.
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ["zh_Hans_CN", "en"]

    # flask-smorest / OpenAPI (assets served locally: field offices may be offline).
    API_TITLE = "Tobacco Retail Credit Supervision API 烟草专卖信用监管平台接口"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui/"
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "credit_session"},
                "partnerToken": {"type": "http", "scheme": "bearer"},
            }
        },
    }

    PAGE_SIZE_DEFAULT = 20
    PAGE_SIZE_MAX = 200
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024)))

    # Service-worker cache version: bump to invalidate the app shell on phones.
    APP_SHELL_VERSION = os.environ.get("APP_SHELL_VERSION", "v1")

    # Field inspections (docs/inspections.md).
    # A check-in farther than this from the registered shop is flagged and needs a reason.
    INSPECTION_GEOFENCE_METRES = int(os.environ.get("INSPECTION_GEOFENCE_METRES", "200"))
    # How old an offline capture may be when it reaches the server (started_at), in days.
    INSPECTION_MAX_AGE_DAYS = int(os.environ.get("INSPECTION_MAX_AGE_DAYS", "30"))
    # The on-site checklist (现场检查): code, English label (translated through the catalogue; a
    # custom item may add "label_zh"), and the indicator a failed item suggests (None: no indicator).
    INSPECTION_CHECKLIST = [
        {"code": "licence_displayed", "label": "Licence displayed in the shop", "indicator": "ZM09"},
        {"code": "minors_sign", "label": "\"No sales to minors\" sign visible", "indicator": "ZM08"},
        {"code": "price_marks", "label": "Prices clearly marked", "indicator": None},
        {"code": "purchase_channel", "label": "Bought from the local wholesaler (purchase records, invoices)",
         "indicator": "ZM03"},
        {"code": "shelves_genuine", "label": "No counterfeit, smuggled or illegal cigarettes on the shelves",
         "indicator": "ZM01"},
        {"code": "carton_codes", "label": "Carton codes intact and issued to this shop", "indicator": "ZM11"},
        {"code": "licence_details", "label": "Licence details match the shop (name, operator, address)",
         "indicator": "ZM10"},
    ]

    # Uploaded photos and signatures (app.storage): files under UPLOAD_DIR (default <instance>/uploads).
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR")
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
    UPLOAD_MAX_PIXELS = int(os.environ.get("UPLOAD_MAX_PIXELS", str(40_000_000)))


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    # Uploaded photos of a test run go to a temporary directory, never into instance/.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or tempfile.mkdtemp(prefix="credit-test-uploads-")


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "testing": TestingConfig}
