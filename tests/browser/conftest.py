"""Browser tests: Playwright driving the system Chromium against a live server on 127.0.0.1.

Never `playwright install`: the system Chromium at /usr/bin/chromium is used (installed by `make system-deps`).
Screenshots are kept under tests/artifacts/ as test artefacts."""
import os
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs it) or set CHROMIUM_PATH")
    # Chromium keeps the machine's real clock, like a phone: under `make test-dates` libfaketime (preloaded
    # into this process) would otherwise reach Chromium too, which then never loads a page.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "env": env,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]}


# A phone stamps a GPS fix with its own clock; Chromium stamps it with the browser process's clock,
# which under `make test-dates` is not the page's (faked) one: the fix takes the page's time.
POSITION_ON_PAGE_CLOCK = """(() => {
  const geo = navigator.geolocation;
  if (!geo) return;
  const restamp = (method) => function (ok, fail, options) {
    return method.call(geo, (p) => ok({ coords: p.coords, timestamp: Date.now() }), fail, options);
  };
  geo.getCurrentPosition = restamp(geo.getCurrentPosition);
  geo.watchPosition = restamp(geo.watchPosition);
})();"""


@pytest.fixture(scope="session")
def browser(browser):
    """Under `make test-dates` Chromium keeps the real clock (see above), so every context it opens
    gets the machine's faked date and time through Playwright's clock: the phone and the server
    agree on the day, as they do in the field."""
    if "FAKETIME" in os.environ:
        opened = browser.new_context

        def new_context(*args, **kwargs):
            context = opened(*args, **kwargs)
            context.clock.install(time=datetime.now(UTC))
            context.add_init_script(POSITION_ON_PAGE_CLOCK)
            return context

        browser.new_context = new_context
    return browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "device_scale_factor": 2, "is_mobile": True,
            "has_touch": True, "locale": "zh-CN", "service_workers": "allow"}


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def shot(request):
    """shot(page, name): save a screenshot under tests/artifacts/<test>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def click_and_wait(page, selector):
    """Click something that submits a form or follows a link and wait for the new page.

    Forms marked data-fresh-csrf fetch a fresh token before they submit, so the navigation starts
    a moment after the click: waiting for "networkidle" alone could read the old page."""
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state("networkidle")


SW_STATE = """async () => {
  const reg = await navigator.serviceWorker.getRegistration();
  return {controlled: navigator.serviceWorker.controller !== null,
          workers: reg ? [reg.installing, reg.waiting, reg.active].map((w) => w && w.state) : null};
}"""


def wait_until_controlled(page, timeout=15):
    """Wait until the service worker controls the page. Polled from the test (``page.evaluate``), not
    by the page's animation frames or timers, which under `make test-dates` run on Playwright's fake
    clock; a timeout names the registration's workers and their states."""
    deadline = time.monotonic() + timeout
    while True:
        state = page.evaluate(SW_STATE)
        if state["controlled"]:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the service worker did not control the page within {timeout} s: {state}")
        time.sleep(0.1)


def sign_in(page, base, username, password):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    click_and_wait(page, "button[type=submit]")
