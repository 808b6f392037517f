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


def _list(name):
    """A comma-separated setting as a list (empty or unset: None)."""
    items = [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
    return items or None


def _static_digest() -> str:
    """A digest of the app shell's files (app/static): the service worker's cache version, so that a
    changed script reaches the phones without anyone remembering to bump a number."""
    import hashlib

    digest = hashlib.sha256()
    root = BASE_DIR / "app" / "static"
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return "s" + digest.hexdigest()[:12]


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
    # Retired audit keys, oldest first, comma-separated: kept to verify the entries written under them
    # (docs/audit.md, key rotation). Never used to write.
    AUDIT_HMAC_OLD_KEYS = os.environ.get("AUDIT_HMAC_OLD_KEYS", "")
    # The append-only anchor file of the audit chain's head (flask audit anchor); default
    # <instance>/audit-anchors.jsonl. Keep a copy off the server.
    AUDIT_ANCHOR_PATH = os.environ.get("AUDIT_ANCHOR_PATH")
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

    # The address users reach the service at. Every absolute link the system prints or sends (the
    # credit report's QR code, e-mails, SMS texts) is built from it, never from the Host header.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # Host names the service answers to (comma-separated; another Host header gets 400). Unset: any.
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS")
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (werkzeug
    # ProxyFix). 0: none is trusted and the client address is the socket's peer. Behind one nginx: 1.
    TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))

    # Login throttling (Flask-Limiter / limits). The counters must be shared by every worker
    # process: Redis (REDIS_URL, or RATELIMIT_STORAGE_URI) in production, which refuses memory://.
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "credit")
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
                "orderingToken": {"type": "http", "scheme": "bearer"},
            }
        },
    }

    # Security headers (app.common.headers): a Content-Security-Policy on every answer, HSTS in
    # production only (HSTS_SECONDS, 0 = none). Extra CSP sources, space-separated, e.g. a map tile
    # server: CSP_IMG_SRC_EXTRA="https://tiles.example.cn" CSP_CONNECT_SRC_EXTRA="https://tiles.example.cn".
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "0"))
    CSP_IMG_SRC_EXTRA = os.environ.get("CSP_IMG_SRC_EXTRA", "")
    CSP_CONNECT_SRC_EXTRA = os.environ.get("CSP_CONNECT_SRC_EXTRA", "")
    CSP_SCRIPT_SRC_EXTRA = os.environ.get("CSP_SCRIPT_SRC_EXTRA", "")
    CSP_STYLE_SRC_EXTRA = os.environ.get("CSP_STYLE_SRC_EXTRA", "")

    PAGE_SIZE_DEFAULT = 20
    PAGE_SIZE_MAX = 200
    # Lists that grow without end (inspections) count their total up to this many rows and then say
    # "more than N": the count stays as cheap in the tenth year as in the first.
    LIST_COUNT_CAP = int(os.environ.get("LIST_COUNT_CAP", "10000"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024)))

    # Service-worker cache version: by default a digest of app/static, so a changed file invalidates
    # the app shell on phones by itself; set it to pin a version.
    APP_SHELL_VERSION = os.environ.get("APP_SHELL_VERSION") or _static_digest()

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

    # The job runner (app.jobs, Huey): Redis when REDIS_URL is set (production), else an SQLite file
    # under the instance directory shared by the web server and the worker (make demo).
    REDIS_URL = os.environ.get("REDIS_URL") or None
    JOBS_SQLITE_PATH = os.environ.get("JOBS_SQLITE_PATH") or None  # default: <the app's instance dir>/jobs.sqlite3
    JOBS_IMMEDIATE = _bool("JOBS_IMMEDIATE", False)  # run tasks at once in the caller (tests)
    # After a transaction that wrote grade changes, record events or SMS commits, enqueue the consumers
    # (and delivery) at once; the periodic run (every minute) is the safety net.
    JOBS_KICK = _bool("JOBS_KICK", True)
    CONSUMER_BATCH = int(os.environ.get("CONSUMER_BATCH", "500"))
    # SMS outbox (app.notices.sms): the gateway adapter ("module:Class"; default only records), retries.
    SMS_ADAPTER = os.environ.get("SMS_ADAPTER") or None
    SMS_MAX_ATTEMPTS = int(os.environ.get("SMS_MAX_ATTEMPTS", "5"))
    SMS_RETRY_BASE_SECONDS = int(os.environ.get("SMS_RETRY_BASE_SECONDS", "30"))
    SMS_RETRY_MAX_SECONDS = int(os.environ.get("SMS_RETRY_MAX_SECONDS", "3600"))
    SMS_CLAIM_TIMEOUT_SECONDS = int(os.environ.get("SMS_CLAIM_TIMEOUT_SECONDS", "600"))

    # Partners (app.partners): outcome callbacks to their URLs, retried with backoff, dead after the maximum.
    PARTNER_MAX_ATTEMPTS = int(os.environ.get("PARTNER_MAX_ATTEMPTS", "8"))
    PARTNER_RETRY_BASE_SECONDS = int(os.environ.get("PARTNER_RETRY_BASE_SECONDS", "60"))
    PARTNER_RETRY_MAX_SECONDS = int(os.environ.get("PARTNER_RETRY_MAX_SECONDS", str(6 * 3600)))
    PARTNER_CALLBACK_TIMEOUT = int(os.environ.get("PARTNER_CALLBACK_TIMEOUT", "10"))
    # The local credit platform (信用淮安, app.exchange): files under EXCHANGE_DIR (default
    # <instance>/exchange); with EXCHANGE_URL set, each batch is also POSTed to <url>/batches with
    # EXCHANGE_TOKEN, and <url>/inventory is read back for the reconciliation.
    EXCHANGE_DIR = os.environ.get("EXCHANGE_DIR") or str(INSTANCE_DIR / "exchange")
    EXCHANGE_URL = os.environ.get("EXCHANGE_URL") or None
    EXCHANGE_TOKEN = os.environ.get("EXCHANGE_TOKEN") or None
    EXCHANGE_SOURCE_UNIT = os.environ.get("EXCHANGE_SOURCE_UNIT", "淮安市烟草专卖局")
    EXCHANGE_TIMEOUT = int(os.environ.get("EXCHANGE_TIMEOUT", "30"))
    EXCHANGE_MAX_ATTEMPTS = int(os.environ.get("EXCHANGE_MAX_ATTEMPTS", "8"))
    EXCHANGE_RETRY_BASE_SECONDS = int(os.environ.get("EXCHANGE_RETRY_BASE_SECONDS", "120"))
    EXCHANGE_RETRY_MAX_SECONDS = int(os.environ.get("EXCHANGE_RETRY_MAX_SECONDS", str(3 * 3600)))

    # Licence checks (虚假户): this many "not found" visits within this many days open a check.
    LICENCE_CHECK_NOT_FOUND = int(os.environ.get("LICENCE_CHECK_NOT_FOUND", "2"))
    LICENCE_CHECK_WINDOW_DAYS = int(os.environ.get("LICENCE_CHECK_WINDOW_DAYS", "90"))

    # Early warnings 失信预警 (docs/warnings.md): points above a grade's lower bound that count as "near";
    # the ordering anomalies over the last WARNING_ORDERING_MONTHS complete months of the ordering
    # system's figures: cartons above the peers' (same base tier and format) median + K x MAD (scaled to a
    # standard deviation) and at least RATIO x the median, among at least MIN_PEERS peers (违规流通?);
    # at least WARNING_NO_ORDER_MONTHS of those months without orders (虚假户?).
    WARNING_MARGIN_POINTS = int(os.environ.get("WARNING_MARGIN_POINTS", "5"))
    WARNING_ORDERING_MONTHS = int(os.environ.get("WARNING_ORDERING_MONTHS", "3"))
    WARNING_VOLUME_MAD_K = float(os.environ.get("WARNING_VOLUME_MAD_K", "5"))
    WARNING_VOLUME_MIN_RATIO = float(os.environ.get("WARNING_VOLUME_MIN_RATIO", "1.5"))
    WARNING_VOLUME_MIN_PEERS = int(os.environ.get("WARNING_VOLUME_MIN_PEERS", "8"))
    WARNING_NO_ORDER_MONTHS = int(os.environ.get("WARNING_NO_ORDER_MONTHS", "2"))

    # The map of the inspector's day (Leaflet, vendored). Without a tile URL the map is a plain
    # background with the route's numbered markers and line: it works offline and needs no key.
    # Templates (docs/inspections.md):
    #   天地图 (CGCS2000 = WGS-84; a free key "tk" from the 天地图 developer console):
    #     MAP_TILE_URL=https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=<key>
    #     MAP_TILE_LABELS_URL= the same with LAYER=cva and vec_w -> cva_w; MAP_TILE_SUBDOMAINS=01234567
    #   高德 (GCJ-02: set MAP_TILE_COORDS=gcj02 so the markers are shifted onto its streets):
    #     MAP_TILE_URL=https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}
    #     MAP_TILE_SUBDOMAINS=1234 (use under a 高德开放平台 key and licence agreement)
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
    MAP_TILE_LABELS_URL = os.environ.get("MAP_TILE_LABELS_URL", "")
    MAP_TILE_SUBDOMAINS = os.environ.get("MAP_TILE_SUBDOMAINS", "")
    MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
    MAP_TILE_COORDS = os.environ.get("MAP_TILE_COORDS", "wgs84")  # wgs84 | gcj02: the tiles' datum
    MAP_TILE_MAX_ZOOM = int(os.environ.get("MAP_TILE_MAX_ZOOM", "18"))

    # Open data (app/opendata, /api/open): per-address rate limit of the anonymous API and the public
    # pages, how long caches may keep an answer, where the bulk CSV files are kept (default
    # <instance>/open-data).
    OPEN_DATA_RATE_LIMIT = os.environ.get("OPEN_DATA_RATE_LIMIT", "120 per minute")
    OPEN_DATA_MAX_AGE = int(os.environ.get("OPEN_DATA_MAX_AGE", "300"))
    OPEN_DATA_DIR = os.environ.get("OPEN_DATA_DIR")
    OPEN_DATA_PAGE_CACHE = int(os.environ.get("OPEN_DATA_PAGE_CACHE", "512"))  # pages kept per worker
    # The bureau's report PDFs (app/reports/bureau.py), default <instance>/bureau-reports.
    REPORTS_DIR = os.environ.get("REPORTS_DIR")
    # how long a worker remembers which data set is served (0: look it up on every request)
    OPEN_DATA_LOOKUP_SECONDS = float(os.environ.get("OPEN_DATA_LOOKUP_SECONDS", "30"))

    # Uploaded photos and signatures (app.storage): files under UPLOAD_DIR (default <instance>/uploads).
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR")
    # Excel exports of the lists (app.exports): files under EXPORT_DIR (default <instance>/exports),
    # removed EXPORT_RETENTION_DAYS days after the export finished (the nightly exports.purge job).
    EXPORT_DIR = os.environ.get("EXPORT_DIR")
    EXPORT_RETENTION_DAYS = int(os.environ.get("EXPORT_RETENTION_DAYS", "7"))
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
    UPLOAD_MAX_PIXELS = int(os.environ.get("UPLOAD_MAX_PIXELS", str(40_000_000)))


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    # Tasks run at once in the test's thread (Huey immediate mode, in memory); consumers are not kicked
    # after every commit (tests run them when they mean to: tests/jobs.py), long jobs run at once.
    JOBS_IMMEDIATE = True
    JOBS_KICK = False
    REDIS_URL = None
    # Uploaded photos of a test run go to a temporary directory, never into instance/.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or tempfile.mkdtemp(prefix="credit-test-uploads-")
    EXPORT_DIR = os.environ.get("EXPORT_DIR") or tempfile.mkdtemp(prefix="credit-test-exports-")
    EXCHANGE_DIR = tempfile.mkdtemp(prefix="credit-test-exchange-")
    EXCHANGE_URL = None
    OPEN_DATA_DIR = os.environ.get("OPEN_DATA_DIR") or tempfile.mkdtemp(prefix="credit-test-open-data-")
    REPORTS_DIR = os.environ.get("REPORTS_DIR") or tempfile.mkdtemp(prefix="credit-test-reports-")
    OPEN_DATA_LOOKUP_SECONDS = 0  # tests change the data between requests; test_open_data checks the cache


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")  # required: no default in production
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "testing": TestingConfig}
