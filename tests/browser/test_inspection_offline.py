"""An inspection on a phone, offline: check-in by GPS, checklist, a violation with two photos, the
retailer's signature; queued while offline (count 1), sent when the network returns; the server holds
exactly one inspection however often the capture is replayed, from one tab or two.

Screenshots under tests/artifacts/."""
import re
import threading
import time
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.auth.models import UserSession
from app.credit.models import CreditRecord
from app.extensions import db
from app.inspections.models import Inspection, InspectionFile
from tests.browser.conftest import sign_in, wait_until_controlled
from tests.conftest import COUNTY, PASSWORD

pytestmark = pytest.mark.browser

SHOP = (33.59, 119.02)
HERE = {"latitude": 33.5905, "longitude": 119.0201, "accuracy": 8}
JS_ERRORS = {}


@pytest.fixture(autouse=True)
def no_script_errors(page):
    """Any uncaught error in the page's scripts fails the test; and the test ends only when the page
    has no request left in flight (a request still running on the live server would hold locks
    while the next test's clean-up truncates the tables)."""
    yield
    settle(page)
    assert JS_ERRORS.pop(id(page), []) == []


def settle(page):
    """Let the field app finish what it started, close the browser, and wait for the live server's
    request threads to end."""
    for p in page.context.pages:
        if urlsplit(p.url).path == "/inspect":
            p.wait_for_selector("#inspect-app[data-ready='1']", state="attached", timeout=15000)
    page.context.close()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(
            t.name.endswith("(process_request_thread)") for t in threading.enumerate()):
        time.sleep(0.05)


@pytest.fixture
def uploads(app, tmp_path):
    before = app.config["UPLOAD_DIR"]
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    yield
    app.config["UPLOAD_DIR"] = before


def _photo(path, color, size=(2400, 1800)):
    """A camera-sized JPEG: the phone resizes it to at most 1600 px before storing it."""
    img = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):
        for y in range(0, size[1], 300):
            img.putpixel((x, y), (255, 255, 255))
    img.save(path, "JPEG", quality=85)
    return str(path)


def _count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _setup(page, live_server, make_user, make_retailer):
    errors = JS_ERRORS.setdefault(id(page), [])
    page.on("pageerror", lambda e: errors.append(str(e)))
    shop = make_retailer(shop_name="华兴便利店", lat=SHOP[0], lng=SHOP[1])
    make_retailer(shop_name="远处烟酒店", lat=33.70, lng=119.20)
    inspector = make_user("inspector", COUNTY, username="insp_field")
    second = make_user("inspector", COUNTY, username="insp_two")
    second.display_name = "李执法"
    db.session.commit()
    context = page.context
    context.grant_permissions(["geolocation"], origin=live_server)
    context.set_geolocation(HERE)
    sign_in(page, live_server, inspector.username, PASSWORD)
    # Let the service worker take control, then open the field app through it (so it is kept).
    wait_until_controlled(page, timeout=15)
    page.goto(live_server + "/inspect")
    page.wait_for_selector("#inspect-app[data-ready='1']", timeout=15000)
    return shop, inspector, second


def _badge(page):
    return page.locator("[data-testid=outbox-count]")


def _fill_inspection(page, second, photo_paths, shot=None, violation=True, geofence="inside"):
    _open_shop_and_start(page, shot)
    _fill_form(page, second, photo_paths, shot, violation, geofence)


def _open_shop_and_start(page, shot=None):
    page.fill("[data-testid=shop-q]", "hxbl")
    page.wait_for_selector("#shop-list li >> text=华兴便利店")
    assert page.locator("#shop-list li").count() == 1
    page.click("#shop-list li a")
    page.wait_for_selector("[data-view=shop]:not([hidden])")
    assert page.locator("[data-testid=shop-name]").inner_text() == "华兴便利店"
    assert page.locator("#shop-nav").get_attribute("href").startswith("geo:33.59,119.02")
    if shot:
        shot(page, "shop-card")
    page.click("[data-testid=start-inspection]")


def _fill_form(page, second, photo_paths, shot=None, violation=True, geofence="inside"):
    page.wait_for_selector("[data-view=form]:not([hidden])")
    page.click("[data-testid=checkin-gps]")
    page.wait_for_selector(f"[data-testid=checkin-info][data-geofence={geofence}]")
    page.select_option("[data-testid=second-officer]", str(second.id))
    for code in ("licence_displayed", "minors_sign", "price_marks", "purchase_channel", "shelves_genuine",
                 "licence_details"):
        page.click(f"[data-testid=check-{code}] input[value=pass]")
    page.click("[data-testid=check-carton_codes] input[value=fail]")
    page.fill("[data-testid=check-carton_codes] .check-note", "货架上有外地条码卷烟")
    if violation:
        page.click("[data-testid=check-carton_codes] .suggest")  # the suggested indicator: ZM11
        page.wait_for_selector("[data-testid=violation-0]")
        assert page.input_value("[data-testid=violation-0] select.v-indicator") == "ZM11"
        page.fill("[data-testid=violation-0] .v-qty", "12")
        page.fill("[data-testid=violation-0] .v-desc", "查获外地条码卷烟12条")
        page.set_input_files("[data-testid=violation-0] input.v-photo", photo_paths)
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=violation-0] .thumb img[src^=blob]').length === %d"
            % len(photo_paths))
    # the retailer signs on the screen
    pad = page.locator("[data-testid=sign-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for k in range(1, 25):
        page.mouse.move(box["x"] + 20 + k * 12, box["y"] + box["height"] * (0.6 - 0.3 * ((k % 6) / 6)))
    page.mouse.up()
    page.wait_for_function("() => document.getElementById('sign-state').textContent === '✓'")
    page.fill("input[name=signer_name]", "王小明")
    if shot:
        shot(page, "form-filled")


def test_offline_inspection_is_queued_then_synced_exactly_once(app, live_server, page, make_user, make_retailer,
                                                                shot, tmp_path, uploads):
    shop, inspector, second = _setup(page, live_server, make_user, make_retailer)
    assert "1 户" not in page.locator("[data-testid=pack-info]").inner_text()  # two shops in the county
    photos = [_photo(tmp_path / "a.jpg", (180, 40, 40)), _photo(tmp_path / "b.jpg", (40, 40, 180))]

    page.context.set_offline(True)
    try:
        page.reload()  # the field app itself opens offline (page kept by the service worker)
        page.wait_for_selector("#inspect-app[data-ready='1']", timeout=15000)
        assert page.locator("#net-status").is_visible()
        shot(page, "offline-list")
        _fill_inspection(page, second, photos, shot)
        page.click("[data-testid=submit-inspection]")
        page.wait_for_selector("[data-testid=done-state][data-state=queued]", timeout=10000)
        assert page.url.split("#")[1].startswith("done/")
        expect_queued = _badge(page)
        page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '1'")
        assert expect_queued.is_visible() and "1" in expect_queued.inner_text()
        summary = page.locator("[data-testid=done-summary]").inner_text()
        assert "ZM11" in summary and "2 张照片" in summary and "零售户已签名" in summary
        shot(page, "queued")
        assert _count(Inspection) == 0  # nothing reached the server

        # Signing out while something is unsent warns (and keeps it).
        dialogs = []
        page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.click("form.logout button")
        assert dialogs and "1" in dialogs[0] and "未发送" in dialogs[0]
        assert "/inspect" in page.url

        # Reloading while offline keeps the queue (IndexedDB)
        page.reload()
        page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '1'")
    finally:
        page.context.set_offline(False)

    # Online again: the outbox sends it by itself ("online" event), one item, photos first.
    page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '0'", timeout=20000)
    page.goto(page.url.split("#")[0] + "#outbox")
    page.wait_for_selector("#sent-list li")
    page.click("#sent-list li a")
    page.wait_for_selector("[data-testid=done-state][data-state=sent]")
    shot(page, "synced")
    assert _count(Inspection) == 1
    inspection = db.session.scalars(select(Inspection)).one()
    assert inspection.geofence == "inside" and inspection.second_officer_id == second.id
    assert inspection.signature_status == "signed" and inspection.signer_name == "王小明"
    assert _count(InspectionFile) == 3  # two photos and the signature
    photo_files = [f.file for f in inspection.photos]
    assert all(max(f.width, f.height) == 1600 and f.content_type == "image/jpeg" for f in photo_files)
    record = db.session.scalars(select(CreditRecord)).one()
    assert record.status == "suspected" and record.indicator_code == "ZM11" and record.quantity == 12

    # Replays: the same capture sent many times, from this tab and a second one, at once.
    payload = page.evaluate("window.outbox.idb.all('sent').then(s => s[0].payload)")
    replay = """async ([p, n]) => {
        const token = (await (await fetch('/api/csrf', {cache: 'no-store'})).json()).csrf_token;
        const one = () => fetch('/api/inspections', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': token}, body: JSON.stringify(p)})
            .then(r => r.status);
        return Promise.all(Array.from({length: n}, one));
    }"""
    page.evaluate("""([p, src]) => { window.__replay = (new Function('return ' + src))()([p, 8]); }""",
                  [payload, replay])
    tab2 = page.context.new_page()
    tab2.goto(live_server + "/inspect")
    statuses2 = tab2.evaluate(replay, [payload, 8])
    statuses1 = page.evaluate("window.__replay")
    assert set(statuses1) | set(statuses2) == {200}, (statuses1, statuses2)
    # and through the outbox itself, as if the acknowledgement had been lost
    page.evaluate("""async (p) => {
        await window.outbox.txn(['outbox'], 'readwrite', s => s.outbox.put({uuid: p.uuid,
            user_id: window.outbox.userId(), created_at: Date.now(), payload: p, photos: [], label: {},
            draft: null, state: 'queued', attempts: 0, next_at: 0}));
        await window.outbox.flush(true);
    }""", payload)
    page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '0'")
    assert _count(Inspection) == 1 and _count(CreditRecord) == 1 and _count(InspectionFile) == 3

    # The server's summary, one tap to the PDF.
    page.goto(live_server + f"/inspections/{inspection.id}")
    assert "查获外地条码卷烟12条" in page.content()
    assert page.locator("[data-testid=detail-geofence]").inner_text().startswith("在范围内")
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    shot(page, "server-record")
    pdf = page.request.get(live_server + page.locator("[data-testid=pdf-link]").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    tab2.close()


def test_expired_session_keeps_the_queue_and_asks_for_sign_in(app, live_server, page, make_user, make_retailer,
                                                               shot, tmp_path, uploads):
    shop, inspector, second = _setup(page, live_server, make_user, make_retailer)
    # Far from the shop: the form asks for a reason before it can be queued.
    page.context.set_geolocation({"latitude": 33.60, "longitude": 119.02, "accuracy": 15})
    # The session ends on the server (expired, or signed out elsewhere) while the inspector works.
    for s in db.session.scalars(select(UserSession).where(UserSession.user_id == inspector.id)):
        db.session.delete(s)
    db.session.commit()
    _fill_inspection(page, second, [], violation=False, geofence="outside")
    assert page.locator("[data-testid=location-reason]").is_visible()
    page.click("[data-testid=submit-inspection]")
    assert page.locator("#form-errors").is_visible()
    page.fill("[data-testid=location-reason]", "店铺门面在对面巷内")
    page.click("[data-testid=submit-inspection]")
    page.wait_for_selector("#session-banner", timeout=15000)
    assert "登录已过期" in page.locator("#session-banner").inner_text()
    page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '1'")
    shot(page, "session-expired")
    assert _count(Inspection) == 0

    page.click("#session-banner a")
    page.wait_for_url(re.compile(r".*/login.*"))
    page.fill("input[name=username]", inspector.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/inspect.*"))  # back where the inspector was (next=)
    page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '0'", timeout=20000)
    assert _count(Inspection) == 1
    inspection = db.session.scalars(select(Inspection)).one()
    assert inspection.geofence == "outside" and inspection.location_reason == "店铺门面在对面巷内"


def test_service_worker_update_does_not_strand_the_queue(app, live_server, page, make_user, make_retailer,
                                                         tmp_path, uploads):
    shop, inspector, second = _setup(page, live_server, make_user, make_retailer)
    # The server is unreachable for the API (a broken link, a proxy error): the capture stays queued.
    page.route("**/api/inspections**", lambda route: route.abort())
    _fill_inspection(page, second, [_photo(tmp_path / "c.jpg", (10, 120, 10), (800, 600))])
    page.click("[data-testid=submit-inspection]")
    page.wait_for_selector("[data-testid=done-state][data-state=queued]")
    page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '1'")
    # the failed attempt is counted and the next one is scheduled after a back-off
    page.wait_for_function("() => window.outbox.idb.all('outbox').then(i => i[0].attempts >= 1 && i[0].next_at > 0)")

    old = app.config["APP_SHELL_VERSION"]
    app.config["APP_SHELL_VERSION"] = old + "-next"
    try:
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        page.wait_for_function(
            "() => caches.keys().then(k => k.includes('shell-%s') && !k.includes('shell-%s'))" % (old + "-next", old),
            timeout=15000)
        page.reload()
        page.wait_for_selector("#inspect-app[data-ready='1']")
        page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '1'")
        page.unroute("**/api/inspections**")
        page.goto(live_server + "/inspect#outbox")
        page.click("[data-testid=send-now]")
        page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '0'", timeout=20000)
    finally:
        app.config["APP_SHELL_VERSION"] = old
    assert _count(Inspection) == 1 and _count(InspectionFile) == 2  # the photo and the signature

