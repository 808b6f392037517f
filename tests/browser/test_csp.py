"""Every page of every role passes the Content-Security-Policy in a real browser (390 px phone):
no script, style or handler is refused. The pages are those of the access matrix that answer 200
to the role; Swagger UI (/api/docs) and the service worker still work under the policy."""
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.auth.test_access_matrix import ENDPOINTS, _world
from tests.browser.conftest import sign_in, wait_until_controlled
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ROLES = ["anon", "admin", "sup_city", "sup_county", "inspector", "marketer", "mkt_sup", "retailer", "partner_session"]
NOT_PAGES = (".pdf", ".csv", "/download", "/file", "/evidence/", "/self-checks/1/photos/", "/sw.js", "/manifest.webmanifest", "/favicon.ico", "/static/")

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _pages_for(role, w):
    urls = []
    for endpoint, cases in sorted(ENDPOINTS.items()):
        for case in cases:
            if case["method"] != "GET":
                continue
            if case["expect"].get(role, case["default"]) != 200:
                continue
            url = case["url"](w)
            if url.startswith("/api/") and url != "/api/docs":
                continue
            if any(part in url for part in NOT_PAGES):
                continue
            urls.append(url)
    return urls


def test_every_page_of_every_role_passes_the_csp(app, live_server, browser, make_user, make_retailer, shot):
    w = _world(make_user, make_retailer)
    violations, visited = [], 0
    for role in ROLES:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                      locale="zh-CN", service_workers="allow")
        context.add_init_script(LISTEN)
        page = context.new_page()
        console = []
        page.on("console", lambda msg, sink=console: sink.append(msg.text)
                if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text else None)
        try:
            if role != "anon":
                sign_in(page, live_server, w["users"][role].username, PASSWORD)
            for url in _pages_for(role, w):
                response = page.goto(live_server + url, wait_until="load")
                visited += 1
                assert response.status < 400, f"{role} {url}: {response.status}"
                assert "Content-Security-Policy" in response.headers or \
                    "content-security-policy" in response.headers, url
                # violation events are queued as tasks: let them run before reading them
                found = page.evaluate("new Promise((done) => setTimeout(() => done(window.__csp || []), 50))")
                violations += [f"{role} {url}: {v}" for v in found]
                if url == "/api/docs":
                    try:
                        page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
                        if role == "anon":
                            shot(page, "swagger")
                    except PlaywrightTimeout:
                        violations.append(f"{role} {url}: Swagger UI did not render")
            violations += [f"{role} (console): {text}" for text in console]
        finally:
            context.close()
    print(f"CSP: {visited} page visits")
    assert visited > 60, visited
    assert not violations, "\n".join(violations)


def test_the_service_worker_registers_under_the_policy(app, live_server, page, make_user):
    user = make_user("inspector")
    sign_in(page, live_server, user.username, PASSWORD)
    wait_until_controlled(page, timeout=15)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
