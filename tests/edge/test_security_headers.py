"""Security headers: a Content-Security-Policy without inline script or style, no-store on
signed-in answers, HSTS in production only; and no template carries inline script, handler or style."""
import re
from pathlib import Path

from app import create_app

TEMPLATES = Path(__file__).resolve().parents[2] / "app"
PDF_TEMPLATES = {"report_pdf.html", "record_pdf.html", "bureau_pdf.html"}  # rendered to PDF by WeasyPrint, never served


def _directives(response):
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_pages_and_api_carry_the_policy(client):
    for url in ("/login", "/api/health", "/api/docs", "/offline"):
        d = _directives(client.get(url))
        assert d["default-src"] == ["'self'"] and d["script-src"] == ["'self'"] and d["style-src"] == ["'self'"]
        assert d["object-src"] == ["'none'"] and d["frame-ancestors"] == ["'none'"]
        assert d["base-uri"] == ["'self'"] and d["form-action"] == ["'self'"]
        assert set(d["img-src"]) == {"'self'", "data:", "blob:"}
        assert "'unsafe-inline'" not in client.get(url).headers["Content-Security-Policy"]


def test_a_tile_server_can_be_allowed_by_configuration():
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", CSP_IMG_SRC_EXTRA="https://tiles.example.cn",
                     CSP_CONNECT_SRC_EXTRA="https://tiles.example.cn")
    policy = app.test_client().get("/offline").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://tiles.example.cn" in policy
    assert "connect-src 'self' https://tiles.example.cn" in policy


def test_the_configured_map_tiles_are_allowed_without_further_settings():
    tianditu = ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=k")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", MAP_TILE_URL=tianditu,
                     MAP_TILE_LABELS_URL=tianditu.replace("vec_w", "cva_w"))
    policy = app.test_client().get("/offline").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://*.tianditu.gov.cn;" in policy
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://",
                     MAP_TILE_URL="https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}")
    assert "https://*.is.autonavi.com" in app.test_client().get("/offline").headers["Content-Security-Policy"]
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", MAP_TILE_URL="https://tiles.example.cn:8443/{z}/{x}/{y}.png")
    assert "https://tiles.example.cn:8443" in app.test_client().get("/offline").headers["Content-Security-Policy"]


def test_signed_in_answers_are_not_stored(make_user, signed_in, client):
    s = signed_in(make_user("supervisor"))
    for url in ("/", "/retailers", "/api/me", "/notices"):
        response = s.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    assert "no-store" not in (s.get("/static/css/app.css").headers.get("Cache-Control") or "")
    assert "no-store" not in (client.get("/login").headers.get("Cache-Control") or "")


def test_hsts_in_production_only(client):
    assert "Strict-Transport-Security" not in client.get("/api/health").headers
    app = create_app("production", SECRET_KEY="a-real-secret-key-for-this-test", SQLALCHEMY_DATABASE_URI="sqlite://",
                     PUBLIC_BASE_URL="https://credit.example.gov.cn", RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")
    response = app.test_client().get("/offline", base_url="https://credit.example.gov.cn")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_template_has_inline_script_handlers_or_style():
    problems = []
    for path in TEMPLATES.rglob("*.html"):
        if path.name in PDF_TEMPLATES:
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text):
            problems.append(f"{path.name}: inline script {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=", text):
            problems.append(f"{path.name}: inline handler {match.group(0).strip()}")
        if re.search(r"<style|\sstyle\s*=", text):
            problems.append(f"{path.name}: inline style")
    assert not problems, "\n".join(problems)
