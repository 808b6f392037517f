"""Security headers on every answer, in one place.

- Content-Security-Policy: scripts, styles, fonts, frames and connections from this origin only; no
  inline script, no inline event handler, no inline style (every page's code and style are static
  files; JSON data blocks ``<script type="application/json">`` are not scripts). Images also from
  ``data:`` and ``blob:`` (QR codes, photos taken on the phone before upload) and from the map tile
  servers configured (``MAP_TILE_URL``, ``MAP_TILE_LABELS_URL``: their origin, a ``{s}`` subdomain
  label as ``*``). ``CSP_*_EXTRA`` settings add further sources.
- ``Cache-Control: no-store`` on every answer to a signed-in user (pages and API) and on every API
  JSON answer, so no shared or back-button cache keeps personal data; static files stay cacheable.
- HSTS only when ``HSTS_SECONDS`` > 0 (production's default).
- nosniff, same-origin referrer, frames denied (also ``frame-ancestors 'none'``).
"""
from urllib.parse import urlsplit

from flask import current_app, g, request, session


def tile_sources(config) -> list[str]:
    """The origins the configured map tiles load from, as CSP sources: "https://t{s}.tianditu.gov.cn/..."
    gives "https://*.tianditu.gov.cn" (the subdomain label that carries the placeholder becomes ``*``)."""
    out = []
    for key in ("MAP_TILE_URL", "MAP_TILE_LABELS_URL"):
        url = (config.get(key) or "").strip()
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        labels = parts.netloc.split(".")
        templated = [i for i, label in enumerate(labels) if "{" in label]
        if templated:  # a CSP wildcard stands only for the leftmost labels
            labels = ["*", *labels[templated[-1] + 1:]]
        source = f"{parts.scheme}://{'.'.join(labels)}"
        if source not in out:
            out.append(source)
    return out


def content_security_policy(config) -> str:
    def sources(base, extra_key):
        return " ".join([base, *config.get(extra_key, "").split()]).strip()

    directives = {
        "default-src": "'self'",
        "script-src": sources("'self'", "CSP_SCRIPT_SRC_EXTRA"),
        "style-src": sources("'self'", "CSP_STYLE_SRC_EXTRA"),
        "img-src": sources(" ".join(["'self' data: blob:", *tile_sources(config)]), "CSP_IMG_SRC_EXTRA"),
        "connect-src": sources("'self'", "CSP_CONNECT_SRC_EXTRA"),
        "font-src": "'self'",
        "manifest-src": "'self'",
        "worker-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _signed_in() -> bool:
    """Whether this request carried a user's session or token (read without loading the user)."""
    return bool(session.get("_user_id")) or bool(getattr(g, "via_token", False))


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "static":
        if _signed_in():
            if "Cache-Control" not in headers:  # a view's own choice (e.g. "private, max-age") stands
                headers["Cache-Control"] = "no-store"
            headers.add("Vary", "Cookie")
        elif request.path.startswith("/api/") and response.mimetype == "application/json":
            headers.setdefault("Cache-Control", "no-store")
    seconds = int(current_app.config.get("HSTS_SECONDS") or 0)
    if seconds > 0:
        headers.setdefault("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
    return response


def init_app(app):
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(app.config)
    app.after_request(security_headers)
