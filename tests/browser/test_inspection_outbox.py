"""The field app's second visit and its outbox, in the browser: two visits to one shop give two
records and an empty outbox (online and offline); a re-inspection (复查) started from the shop's
rectification list; every queued item shows its state with resend and discard; a refused item is
discarded only after a confirmation, and a copy stays on the phone and in the server's audit trail.

Screenshots under tests/artifacts/."""
import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.inspections.models import Inspection, RectificationCheck, RectificationItem
from tests.browser.test_inspection_offline import (  # noqa: F401 - fixtures used by name
    _count, _fill_form, _fill_inspection, _setup, no_script_errors, uploads)

pytestmark = pytest.mark.browser


def _draft_uuid(page):
    return page.evaluate("location.hash.split('/')[1]")


def _submit_and_wait_sent(page):
    page.click("[data-testid=submit-inspection]")
    page.wait_for_selector("[data-testid=done-state][data-state=sent]", timeout=20000)


def _back_to_list(page):
    page.click("[data-view=done]:not([hidden]) a[href='#']")
    page.wait_for_selector("[data-view=list]:not([hidden])")


def test_two_visits_to_one_shop_give_two_records(app, live_server, page, make_user, make_retailer, shot, uploads):
    shop, inspector, second = _setup(page, live_server, make_user, make_retailer)
    _fill_inspection(page, second, [], violation=False)
    first = _draft_uuid(page)
    _submit_and_wait_sent(page)
    # Let any save the form had scheduled run out: a sent capture must stay sent.
    page.wait_for_timeout(600)
    _back_to_list(page)

    _fill_inspection(page, second, [], violation=False)
    second_uuid = _draft_uuid(page)
    assert second_uuid != first
    shot(page, "second-visit-form")
    _submit_and_wait_sent(page)
    page.wait_for_timeout(600)
    page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '0'")
    assert _count(Inspection) == 2
    assert page.evaluate("window.outbox.idb.all('drafts').then(d => d.length)") == 0


def test_two_visits_offline_give_two_records_once_online(app, live_server, page, make_user, make_retailer, shot,
                                                         uploads):
    shop, inspector, second = _setup(page, live_server, make_user, make_retailer)
    page.context.set_offline(True)
    try:
        page.reload()
        page.wait_for_selector("#inspect-app[data-ready='1']", timeout=15000)
        uuids = []
        for _visit in range(2):
            _fill_inspection(page, second, [], violation=False)
            uuids.append(_draft_uuid(page))
            page.click("[data-testid=submit-inspection]")
            page.wait_for_selector("[data-testid=done-state][data-state=queued]", timeout=10000)
            page.wait_for_timeout(400)  # a save scheduled by the last keystroke has had its chance
            _back_to_list(page)
        assert uuids[0] != uuids[1]
        page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '2'")
        page.goto(live_server + "/inspect#outbox")
        page.wait_for_selector("[data-testid=outbox-item]")
        states = page.locator("[data-testid=outbox-item] [data-testid=item-state]").all_inner_texts()
        assert states == ["等待发送", "等待发送"], states
        assert page.locator("[data-testid=outbox-draft]").count() == 0
        shot(page, "offline-outbox-two")
    finally:
        page.context.set_offline(False)
    page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '0'", timeout=20000)
    assert _count(Inspection) == 2
    assert {i.client_uuid for i in db.session.scalars(select(Inspection))} == set(uuids)


def test_reinspection_from_the_rectification_list(app, live_server, page, make_user, make_retailer, shot, uploads):
    shop, inspector, second = _setup(page, live_server, make_user, make_retailer)
    _fill_inspection(page, second, [], violation=False)
    page.click("#add-rect")
    page.fill("#rectifications li[data-i='0'] .r-desc", "补挂禁止向未成年人售烟标识")
    _submit_and_wait_sent(page)
    item = db.session.scalars(select(RectificationItem)).one()
    assert item.status == "open"

    page.goto(live_server + "/inspect")  # online: the data pack now holds the open rectification
    page.wait_for_selector("#inspect-app[data-ready='1']", timeout=15000)
    page.goto(live_server + f"/inspect#shop/{shop.id}")
    page.wait_for_selector("[data-testid=rect-item]")
    assert "补挂禁止向未成年人售烟标识" in page.locator("[data-testid=rect-item]").inner_text()
    shot(page, "card-rectification")
    page.click("[data-testid=recheck]")
    page.wait_for_selector("[data-testid=form-recheck]:not([hidden])")
    target = page.locator(f"#rect-checks li[data-item='{item.id}']")
    assert "recheck-target" in target.get_attribute("class")
    _fill_form(page, second, [], violation=False)
    target.locator("input[value=done]").check()
    shot(page, "recheck-form")
    _submit_and_wait_sent(page)
    db.session.expire_all()
    assert _count(Inspection) == 2
    check = db.session.scalars(select(RectificationCheck)).one()
    assert check.item_id == item.id and check.result == "done"
    assert db.session.get(RectificationItem, item.id).status == "done"
    page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '0'")


def test_every_item_shows_its_state_and_a_refused_one_is_discarded_after_confirmation(
        app, live_server, page, make_user, make_retailer, shot, uploads):
    shop, inspector, second = _setup(page, live_server, make_user, make_retailer)
    # 1. The network fails: the item waits, with its attempts and the last error, and "Send now".
    page.route("**/api/inspections", lambda route: route.abort())
    _fill_inspection(page, second, [], violation=False)
    page.click("[data-testid=submit-inspection]")
    page.wait_for_selector("[data-testid=done-state][data-state=queued]")
    page.wait_for_function("() => window.outbox.idb.all('outbox').then(i => i.length === 1 && i[0].attempts >= 1)")
    page.goto(live_server + "/inspect#outbox")
    item = page.locator("[data-testid=outbox-item][data-state=queued]")
    item.wait_for()
    assert "等待发送" in item.inner_text() and "已尝试" in item.inner_text()
    assert item.locator("[data-testid=act-send]").is_visible() and item.locator("[data-testid=act-discard]").is_visible()
    shot(page, "outbox-waiting")

    # 2. The server refuses it (the second officer's account was disabled meanwhile): the reason shows.
    second.is_enabled = False
    db.session.commit()
    page.unroute("**/api/inspections")
    page.locator("[data-testid=outbox-item] [data-testid=act-send]").click()
    page.wait_for_selector("[data-testid=outbox-item][data-state=rejected]", timeout=15000)
    text = page.locator("[data-testid=outbox-item]").inner_text()
    assert "服务器拒收" in text and "第二名执法人员" in text, text
    assert page.locator("[data-testid=outbox-badge], #outbox-badge").first.get_attribute("data-count") == "1"
    shot(page, "outbox-refused")

    # 3. Discard asks first: "cancel" keeps it.
    messages = []
    page.once("dialog", lambda d: (messages.append(d.message), d.dismiss()))
    page.click("[data-testid=outbox-item] [data-testid=act-discard]")
    assert messages and "审计" in messages[0]
    page.wait_for_timeout(300)
    assert page.locator("[data-testid=outbox-item]").count() == 1
    # ... "OK" moves it to the discarded list and reports a copy to the server's audit trail.
    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=outbox-item] [data-testid=act-discard]")
    page.wait_for_selector("[data-testid=discarded-item][data-reported='1']", timeout=15000)
    assert page.locator("[data-testid=outbox-item]").count() == 0
    page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '0'")
    shot(page, "outbox-discarded")
    db.session.expire_all()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "inspection.capture_discarded")).one()
    assert entry.after["state"] == "rejected" and entry.after["payload"]["retailer_id"] == shop.id
    assert _count(Inspection) == 0
    # The copy on the phone can be restored into the outbox.
    page.click("[data-testid=discarded-item] [data-testid=act-restore]")
    page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '1'")


def test_a_conflict_is_shown_with_the_servers_reason_and_sent_as_a_new_record(
        app, live_server, page, make_user, make_retailer, uploads):
    shop, inspector, second = _setup(page, live_server, make_user, make_retailer)
    _fill_inspection(page, second, [], violation=False)
    _submit_and_wait_sent(page)
    # Another capture under the same id (what the old delayed-save bug produced): the server says 409.
    page.evaluate("""async () => {
        const sent = (await window.outbox.idb.all('sent'))[0];
        const p = JSON.parse(JSON.stringify(sent.payload));
        p.notes = '第二次检查';
        p.signature = {status: 'refused', file: null, signer_name: '', refusal_reason: '店主外出'};
        await window.outbox.txn(['outbox'], 'readwrite', s => s.outbox.put({uuid: p.uuid,
            user_id: window.outbox.userId(), created_at: Date.now(), payload: p, photos: [],
            label: {shop_name: '华兴便利店'}, draft: null, state: 'queued', attempts: 0, next_at: 0}));
        await window.outbox.flush(true);
    }""")
    page.goto(live_server + "/inspect#outbox")
    page.wait_for_selector("[data-testid=outbox-item][data-state=conflict]")
    assert "服务器上已有" in page.locator("[data-testid=outbox-item]").inner_text()
    page.click("[data-testid=outbox-item] [data-testid=act-resend]")
    page.wait_for_selector("[data-testid=done-state][data-state=sent]", timeout=15000)
    page.wait_for_function("() => document.getElementById('outbox-badge').dataset.count === '0'")
    assert _count(Inspection) == 2
