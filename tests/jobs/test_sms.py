"""The SMS outbox: queued with the notice in the business transaction, delivered by the worker after
commit, retried with exponential backoff, dead after SMS_MAX_ATTEMPTS, the gateway always given the
same idempotency key; an admin lists the outbox by state and retries or discards (audited)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.time import utcnow
from app.extensions import db
from app.notices.models import SmsOutbox
from tests.background import CountingSms, run_jobs


@pytest.fixture
def gateway(app):
    CountingSms.calls, CountingSms.fail = {}, False
    app.config.update(SMS_ADAPTER="tests.background:CountingSms", SMS_MAX_ATTEMPTS=3, SMS_RETRY_BASE_SECONDS=30)
    yield CountingSms
    app.config.update(SMS_ADAPTER=None, SMS_MAX_ATTEMPTS=5)
    CountingSms.fail = False


@pytest.fixture
def queued(make_retailer, make_user):
    from app.notices.services import notify_retailer
    from app.common.validation import N_

    shop = make_retailer()
    make_user("retailer", retailers=[shop])
    notify_retailer(shop, "repair_decided", N_("Your credit repair request was approved"), dedupe_key="t:1")
    db.session.commit()
    return db.session.scalars(select(SmsOutbox)).one()


def test_queued_in_the_transaction_and_sent_after_commit(queued, gateway):
    assert queued.status == "pending" and queued.send_key.startswith("notice:") and gateway.calls == {}
    run_jobs("sms.deliver")
    msg = db.session.get(SmsOutbox, queued.id)
    assert msg.status == "sent" and msg.attempts == 1 and msg.provider_ref == f"gw-{msg.send_key}"
    assert msg.adapter == "counting" and msg.sent_at is not None
    run_jobs("sms.deliver")
    assert gateway.calls == {msg.send_key: 1}  # a sent message is never sent again


def test_failures_back_off_then_dead_letter(queued, gateway, clock):
    gateway.fail = True
    run_jobs("sms.deliver")
    msg = db.session.get(SmsOutbox, queued.id)
    assert msg.status == "pending" and msg.attempts == 1 and "unreachable" in msg.last_error
    first_wait = (msg.next_attempt_at - msg.updated_at).total_seconds()
    assert 0.8 * 30 <= first_wait <= 1.2 * 30
    run_jobs("sms.deliver")  # not due yet: nothing is sent
    assert gateway.calls == {msg.send_key: 1}
    # move the clock past each backoff: the second wait doubles
    clock(msg.next_attempt_at + timedelta(hours=8, seconds=1))
    run_jobs("sms.deliver")
    msg = db.session.get(SmsOutbox, queued.id)
    assert msg.attempts == 2 and msg.status == "pending"
    assert 0.8 * 60 <= (msg.next_attempt_at - msg.updated_at).total_seconds() <= 1.2 * 60
    clock(msg.next_attempt_at + timedelta(hours=8, seconds=1))
    run_jobs("sms.deliver")
    msg = db.session.get(SmsOutbox, queued.id)
    assert msg.status == "dead" and msg.attempts == 3
    assert gateway.calls == {msg.send_key: 3}  # every attempt carried the same idempotency key


def test_a_claim_left_by_a_dead_worker_is_taken_again_with_the_same_key(queued, gateway, app):
    db.session.execute(db.update(SmsOutbox).where(SmsOutbox.id == queued.id).values(
        status="sending", attempts=1, claimed_at=utcnow() - timedelta(seconds=app.config["SMS_CLAIM_TIMEOUT_SECONDS"] + 5)))
    db.session.commit()
    run_jobs("sms.deliver")
    msg = db.session.get(SmsOutbox, queued.id)
    assert msg.status == "sent" and msg.attempts == 2 and gateway.calls == {msg.send_key: 1}


def test_admin_page_lists_by_state_and_retries_or_discards(queued, gateway, make_user, signed_in):
    gateway.fail = True
    db.session.execute(db.update(SmsOutbox).where(SmsOutbox.id == queued.id).values(status="dead", attempts=3,
                                                                                    last_error="网关拒绝"))
    db.session.commit()
    admin = signed_in(make_user("admin"))
    page = admin.get("/admin/sms?state=dead").get_data(as_text=True)
    assert "138****0000" in page and "网关拒绝" in page and "13800000000" not in page
    assert "重试" in page and "已作废" in page and "发送失败" in page  # Chinese UI: the states and actions
    r = admin.post(f"/admin/sms/{queued.id}/retry", data={"csrf_token": admin._csrf})
    assert r.status_code == 302
    db.session.expire_all()
    msg = db.session.get(SmsOutbox, queued.id)
    assert msg.status == "pending" and msg.attempts == 0
    r = admin.post(f"/admin/sms/{queued.id}/retry", data={"csrf_token": admin._csrf})
    db.session.expire_all()
    assert db.session.get(SmsOutbox, queued.id).status == "pending"  # refused: not dead
    r = admin.post(f"/admin/sms/{queued.id}/discard", data={"csrf_token": admin._csrf})
    db.session.expire_all()
    assert db.session.get(SmsOutbox, queued.id).status == "discarded"
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "SmsOutbox")).all()
    assert actions == ["sms.retry", "sms.discard"]
    gateway.fail = False
    run_jobs("sms.deliver")
    assert db.session.get(SmsOutbox, queued.id).status == "discarded" and gateway.calls == {}


def test_outbox_page_paginates(make_user, signed_in):
    now = utcnow()
    db.session.add_all([SmsOutbox(phone="13900000000", text=f"消息{k}", status="dead", send_key=f"p:{k}",
                                  attempts=5, next_attempt_at=now, created_at=now, updated_at=now) for k in range(35)])
    db.session.commit()
    admin = signed_in(make_user("admin"))
    first = admin.get("/admin/sms?state=dead").get_data(as_text=True)
    second = admin.get("/admin/sms?state=dead&page=2").get_data(as_text=True)
    assert first.count('data-testid="sms-') - first.count('data-testid="sms-states"') \
        - first.count('data-testid="sms-list"') - first.count("sms-retry") - first.count("sms-discard") == 30
    assert "消息4<" in second and "1 / 2" not in second and "2 / 2" in second
