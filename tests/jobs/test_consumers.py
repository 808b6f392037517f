"""Consumers under concurrency: two workers (threads, each with its own app context, session and
database connection) consume the same backlog at once; every grade change gives exactly one notice,
one SMS and one warning-interview visit. Replaying the stream (cursor reset) creates nothing twice:
the de-duplication keys are unique in the database and written insert-or-ignore. On PostgreSQL the
cursor is taken FOR UPDATE SKIP LOCKED; on SQLite the single writer serialises the two."""
import threading

import pytest
from sqlalchemy import func, select, update

from app.common.time import local_today
from app.credit.models import EventCursor, GradeChange
from app.extensions import db
from app.notices.models import Notice, SmsOutbox
from app.scheduling.models import Visit
from tests.background import CountingSms, run_jobs

SHOPS = 24


@pytest.fixture
def backlog(make_retailer, make_user):
    """SHOPS licences, each with one retailer account, each falling from A to B (an unconsumed event)."""
    today = local_today()
    shops = []
    for k in range(SHOPS):
        shop = make_retailer(shop_name=f"便利店{k}")
        make_user("retailer", retailers=[shop])
        shops.append(shop)
    make_user("inspector")
    make_user("inspector")
    for shop in shops:
        db.session.add(GradeChange(retailer_id=shop.id, as_of=today, from_grade="A", to_grade="B", from_score=100,
                                   to_score=90, cause="record.confirm"))
    db.session.commit()
    return shops


def _two_workers(app, work):
    """Run ``work()`` in two threads at once, each in its own app context (own session, own connection)."""
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                work()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    db.session.expire_all()


def _counts():
    return (db.session.scalar(select(func.count(Notice.id)).where(Notice.kind == "grade_changed")),
            db.session.scalar(select(func.count(SmsOutbox.id))),
            db.session.scalar(select(func.count(Visit.id)).where(Visit.kind == "interview")),
            db.session.scalar(select(func.count(Notice.id)).where(Notice.kind == "interview")))


def _consume_all():
    from app.jobs.tasks import PERIODIC_TASKS

    PERIODIC_TASKS["notices.consume"].call_local()
    PERIODIC_TASKS["scheduling.consume"].call_local()


def test_two_workers_consume_one_backlog_once(app, backlog):
    _two_workers(app, _consume_all)
    notices, sms, interviews, interview_notices = _counts()
    assert notices == SHOPS  # one "grade changed" notice per event (one account per shop)
    assert interviews == SHOPS  # one warning interview per fall to B
    assert interview_notices == SHOPS  # its notice, once
    assert sms == notices + interview_notices  # one SMS per notice told by SMS
    keys = db.session.scalars(select(Notice.dedupe_key).where(Notice.kind == "grade_changed")).all()
    assert len(set(keys)) == SHOPS
    cursors = dict(db.session.execute(select(EventCursor.consumer, EventCursor.last_id)
                                      .where(EventCursor.stream == "grade_changes")).all())
    last = db.session.scalar(select(func.max(GradeChange.id)))
    assert cursors == {"notices": last, "scheduling": last}


def test_replaying_the_stream_creates_nothing_twice(app, backlog):
    run_jobs("notices.consume", "scheduling.consume")
    first = _counts()
    assert first[0] == SHOPS and first[2] == SHOPS
    # Both cursors back to the start (a restored backup, a bug): two workers replay every event at once.
    db.session.execute(update(EventCursor).values(last_id=0))
    db.session.commit()
    _two_workers(app, _consume_all)
    assert _counts() == first


def test_concurrent_writers_of_the_same_notices_write_them_once(app, backlog):
    """The database, not a read before the write, keeps a notice single: two transactions writing the
    same keyed notices at the same moment leave one each, and one SMS each."""
    from app.auth.models import User, user_retailers
    from app.notices.services import write_notices

    pairs = db.session.execute(select(user_retailers.c.user_id, user_retailers.c.retailer_id)).all()
    rows = [{"user_id": u, "retailer_id": r, "kind": "deadline", "title": "截止提醒", "dedupe_key": f"test:{r}"}
            for u, r in pairs]
    phones = {r: "13800000000" for _u, r in pairs}
    assert db.session.scalar(select(func.count(User.id))) > SHOPS

    def work():
        write_notices([dict(row) for row in rows], phones | {})
        db.session.commit()

    _two_workers(app, work)
    assert db.session.scalar(select(func.count(Notice.id)).where(Notice.kind == "deadline")) == len(rows)


def test_two_workers_deliver_each_sms_once(app, backlog):
    run_jobs("notices.consume", "scheduling.consume")
    queued = db.session.scalar(select(func.count(SmsOutbox.id)).where(SmsOutbox.status == "pending"))
    assert queued == 2 * SHOPS
    CountingSms.calls, CountingSms.fail = {}, False
    app.config["SMS_ADAPTER"] = "tests.background:CountingSms"
    try:
        from app.jobs.tasks import PERIODIC_TASKS

        _two_workers(app, PERIODIC_TASKS["sms.deliver"].call_local)
    finally:
        app.config["SMS_ADAPTER"] = None
    keys = db.session.scalars(select(SmsOutbox.send_key)).all()
    assert CountingSms.calls == {k: 1 for k in keys}  # every message handed to the gateway exactly once
    assert db.session.scalar(select(func.count(SmsOutbox.id)).where(SmsOutbox.status == "sent")) == queued
