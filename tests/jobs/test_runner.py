"""The job runner: heartbeats of the periodic jobs and the status page's stale warnings; long jobs
(a plan, the city's evaluation) started from their pages, their progress JSON and page; the periodic
schedule in one place; publishing a quarter queues SMS instead of calling the gateway."""
from datetime import timedelta

from sqlalchemy import func, select

from app.common.time import utcnow
from app.extensions import db
from app.jobs.models import Job, JobHeartbeat
from app.jobs.schedule import PERIODIC
from tests.background import CountingSms, run_jobs


def test_every_periodic_job_is_registered_with_huey(app):
    from app.jobs.runner import huey
    from app.jobs.schedule import PERIODIC

    periodic = {t.name for t in huey._registry.periodic_tasks}
    assert periodic == {p.name for p in PERIODIC}  # what the worker's scheduler enqueues
    names = [p.name for p in PERIODIC]
    assert len(names) == len(set(names))
    for p in PERIODIC:
        assert p.stale_minutes > 0 and str(p.label)


def test_heartbeats_and_the_status_page(make_user, signed_in):
    sup = signed_in(make_user("supervisor"))
    page = sup.get("/admin/jobs").get_data(as_text=True)
    assert page.count('data-stale="1"') == len(PERIODIC)  # nothing ever ran: every job is stale
    assert "后台任务" in page and "从未运行" in page
    run_jobs()
    page = sup.get("/admin/jobs").get_data(as_text=True)
    assert 'data-testid="periodic-notices.consume" data-stale="0"' in page
    assert 'data-testid="periodic-grades.refresh_due" data-stale="1"' in page
    beat = db.session.get(JobHeartbeat, "sms.deliver")
    assert beat.runs == 1 and beat.last_outcome == "ok" and beat.last_ok_at is not None
    # a consumer not seen for more than ten minutes is stale
    db.session.execute(db.update(JobHeartbeat).where(JobHeartbeat.name == "notices.consume")
                       .values(last_ok_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    page = sup.get("/admin/jobs").get_data(as_text=True)
    assert 'data-testid="periodic-notices.consume" data-stale="1"' in page


def test_a_failing_job_records_its_error(app, monkeypatch):
    import pytest

    from app.jobs import work

    def broken():
        raise RuntimeError("disk full")

    monkeypatch.setattr(work, "deliver_sms", broken)
    with pytest.raises(RuntimeError):
        run_jobs("sms.deliver")
    beat = db.session.get(JobHeartbeat, "sms.deliver")
    assert beat.last_outcome == "failed" and "disk full" in beat.last_error and beat.failures == 1


def test_plan_job_from_the_page(make_user, make_retailer, signed_in):
    from app.common.time import local_today
    from tests.conftest import COUNTY
    from tests.scheduling.conftest import next_month_start

    for k in range(6):
        make_retailer(shop_name=f"店{k}")
    make_user("inspector"), make_user("inspector")
    sup = signed_in(make_user("supervisor"))
    start = next_month_start()
    r = sup.post("/plans/new", data={"unit": COUNTY, "period": "month", "start": start.isoformat(),
                                     "csrf_token": sup._csrf})
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"]
    job = db.session.scalars(select(Job)).one()
    assert job.kind == "schedule.plan" and job.state == "done" and job.result_link.startswith("/plans/")
    assert job.done == job.total == 100 and job.started_at and job.finished_at
    status = sup.get(f"/api/jobs/{job.id}").get_json()
    assert status["state"] == "done" and status["percent"] == 100 and status["result_link"] == job.result_link
    page = sup.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "检查计划" in page and job.result_link in page
    # the same period again: refused at once, before any job
    r = sup.post("/plans/new", data={"unit": COUNTY, "period": "month", "start": start.isoformat(),
                                     "csrf_token": sup._csrf})
    # the plans page again, with the refusal and the input kept (the conflict's own status)
    assert r.status_code == 409 and 'data-testid="plan-create"' in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Job.id))) == 1
    assert local_today() <= start


def test_evaluation_job_and_its_failure_message(make_user, make_retailer, signed_in, clock):
    from datetime import date

    clock(date(2026, 11, 29))
    make_retailer()
    city = make_user("supervisor", city=True)
    s = signed_in(city)
    r = s.post("/evaluations/run", data={"quarter": "2026Q3", "csrf_token": s._csrf})
    job = db.session.scalars(select(Job)).one()
    assert r.headers["Location"].endswith(f"/jobs/{job.id}")
    assert job.state == "done" and job.result["quarter"] == "2026Q3" and job.result_link == f"/evaluations/{job.result['run_id']}"
    # a quarter that has not begun is refused before any job is made
    r = s.post("/evaluations/run", data={"quarter": "2027Q2", "csrf_token": s._csrf})
    assert r.status_code == 422 and "2027Q2" in r.get_data(as_text=True)  # the evaluations page with the refusal
    assert db.session.scalar(select(func.count(Job.id))) == 1
    # another user cannot see the job; a county supervisor may not start one
    other = signed_in(make_user("supervisor"))
    assert other.get(f"/jobs/{job.id}").status_code == 404
    assert other.post("/evaluations/run", data={"quarter": "2026Q3", "csrf_token": other._csrf}).status_code == 403


def test_a_long_job_that_fails_shows_why(make_user, signed_in, monkeypatch):
    from app.common.errors import ServiceError
    from app.jobs import services

    def refuse(job, actor, progress):
        progress.total(10)
        progress.advance(3)
        raise ServiceError({"records": ["有 2 条信用记录无法计分"]})

    monkeypatch.setitem(services.WORK, "evaluation.run", refuse)
    city = make_user("supervisor", city=True)
    job = services.start("evaluation.run", {"quarter": "2026Q3"}, city)
    db.session.commit()  # the job runs after commit (immediate mode in tests)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state == "failed" and "无法计分" in job.error and (job.done, job.total) == (3, 10)
    s = signed_in(city)
    assert "无法计分" in s.get(f"/jobs/{job.id}").get_data(as_text=True)


def test_publishing_queues_sms_and_never_calls_the_gateway_in_the_transaction(app, make_user, make_retailer,
                                                                             clock):
    from datetime import date

    from app.evaluation import services
    from app.notices.models import Notice, SmsOutbox

    clock(date(2026, 11, 29))
    shops = [make_retailer(shop_name=f"店{k}") for k in range(5)]
    for shop in shops:
        make_user("retailer", retailers=[shop])
    city = make_user("supervisor", city=True)
    CountingSms.calls, CountingSms.fail = {}, False
    app.config["SMS_ADAPTER"] = "tests.background:CountingSms"
    try:
        run = services.run("2026Q3", city)
        services.review(run, city)
        services.publish(run, city)
        assert CountingSms.calls == {}  # nothing sent inside the publication's transaction
        db.session.commit()
        assert db.session.scalar(select(func.count(Notice.id)).where(Notice.kind == "official_grade")) == 5
        assert db.session.scalar(select(func.count(SmsOutbox.id)).where(SmsOutbox.status == "pending")) == 5
        run_jobs("sms.deliver")
        assert len(CountingSms.calls) == 5 and set(CountingSms.calls.values()) == {1}
    finally:
        app.config["SMS_ADAPTER"] = None
