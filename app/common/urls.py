"""Absolute links the system sends or prints (the report's QR code, e-mails, SMS texts) are built
from the configured ``PUBLIC_BASE_URL``, never from the request's Host header: a request with
``Host: evil.example`` must not put evil.example into a printed report."""
from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` at the configured public address (works without a request)."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def check_public_base_url(url: str | None) -> None:
    """A usable base: http(s), a host, no query or fragment."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise RuntimeError(f"PUBLIC_BASE_URL must be an absolute http(s) URL such as https://credit.example.gov.cn, "
                           f"not {url!r}.")
