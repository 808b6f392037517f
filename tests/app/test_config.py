import pytest

from app import create_app
from config import DEFAULT_SECRET_KEY


def test_production_refuses_the_default_secret_key(monkeypatch):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=DEFAULT_SECRET_KEY, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_starts_with_a_real_key_and_secure_cookies():
    app = create_app("production", SECRET_KEY="a-real-secret-key-for-this-test", SQLALCHEMY_DATABASE_URI="sqlite://",
                     SESSION_COOKIE_SECURE=True, PUBLIC_BASE_URL="https://credit.example.gov.cn",
                     RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"]


def test_default_database_is_sqlite_under_instance(monkeypatch):
    import importlib

    import config

    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config._database_url().startswith("sqlite:///") and "instance" in config._database_url()
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert config._database_url() == "postgresql+psycopg://u@h/db"
    importlib.reload(config)


def test_security_headers_and_no_store_on_api(client):
    response = client.get("/api/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_production_refuses_throttling_counted_per_process():
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        create_app("production", SECRET_KEY="a-real-secret-key-for-this-test", SQLALCHEMY_DATABASE_URI="sqlite://",
                   PUBLIC_BASE_URL="https://credit.example.gov.cn", RATELIMIT_STORAGE_URI="memory://")


def test_limiter_storage_defaults_to_redis_url(monkeypatch):
    import importlib

    import config

    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    try:
        assert importlib.reload(config).ProductionConfig.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/3"
        monkeypatch.delenv("REDIS_URL")
        assert importlib.reload(config).Config.RATELIMIT_STORAGE_URI == "memory://"
    finally:
        monkeypatch.undo()
        importlib.reload(config)
