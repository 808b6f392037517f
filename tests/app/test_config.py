import pytest

from app import create_app
from config import DEFAULT_SECRET_KEY


def test_production_refuses_the_default_secret_key(monkeypatch):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=DEFAULT_SECRET_KEY, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_starts_with_a_real_key_and_secure_cookies():
    app = create_app("production", SECRET_KEY="a-real-secret-key-for-this-test", SQLALCHEMY_DATABASE_URI="sqlite://",
                     SESSION_COOKIE_SECURE=True)
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
