"""Absolute links come from PUBLIC_BASE_URL, never from the Host header (the report's QR code)."""
import subprocess

import pytest

from app import create_app
from app.common.urls import public_url


@pytest.fixture
def owner(app, make_retailer, make_user):
    """A retailer signed in through a client that calls the server evil.example (its Host header)."""
    from tests.conftest import PASSWORD

    retailer = make_retailer(shop_name="华兴便利店")
    user = make_user("retailer", retailers=[retailer])
    client = app.test_client()
    evil = {"base_url": "http://evil.example"}
    token = client.get("/api/csrf", **evil).get_json()["csrf_token"]
    signed = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token},
                         **evil)
    assert signed.status_code == 302, signed.data[:300]
    return retailer, client


def _pdf_text(data, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_a_forged_host_header_does_not_reach_the_reports_verify_link(owner, tmp_path):
    retailer, session = owner
    token = session.get("/api/csrf", base_url="http://evil.example").get_json()["csrf_token"]  # renewed at sign-in
    response = session.post(f"/me/report/{retailer.id}.pdf", data={"csrf_token": token},
                            base_url="http://evil.example")  # issuing a report records its serial: a POST
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data, tmp_path)
    assert "evil.example" not in text
    assert "http://127.0.0.1:5000/verify/XY" in text


def test_the_link_follows_the_configured_address_with_its_path(app):
    old = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = "https://credit.example.gov.cn/xinyong/"
    try:
        with app.test_request_context("/", headers={"Host": "evil.example"}):
            assert public_url("pwa.verify_report", serial="XY1") == "https://credit.example.gov.cn/xinyong/verify/XY1"
        # and without any request (a job sending an SMS)
        assert public_url("pwa.verify_report", serial="XY2") == "https://credit.example.gov.cn/xinyong/verify/XY2"
    finally:
        app.config["PUBLIC_BASE_URL"] = old


def test_trusted_hosts_refuse_another_host(app, client):
    app.config["TRUSTED_HOSTS"] = ["credit.example.gov.cn"]
    try:
        assert client.get("/api/health", headers={"Host": "evil.example"}).status_code == 400
        assert client.get("/api/health", headers={"Host": "credit.example.gov.cn"}).status_code == 200
    finally:
        app.config["TRUSTED_HOSTS"] = None


def test_production_needs_a_public_address():
    kwargs = dict(SECRET_KEY="a-real-secret-key-for-this-test", SQLALCHEMY_DATABASE_URI="sqlite://",
                  RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app("production", PUBLIC_BASE_URL=None, **kwargs)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app("production", PUBLIC_BASE_URL="credit.example.gov.cn", **kwargs)
    assert create_app("production", PUBLIC_BASE_URL="https://credit.example.gov.cn", **kwargs)
