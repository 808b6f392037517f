"""Job-runner objects for the access matrix and the GET walk: a finished long job started by the
city supervisor, and a dead SMS in the outbox."""
from app.common.time import utcnow
from app.extensions import db
from app.jobs.models import Job
from app.notices.models import SmsOutbox


def jobs_world(w) -> dict:
    if "jobs" not in w:
        now = utcnow()
        job = Job(kind="evaluation.run", state="done", params={"quarter": "2026Q3"}, done=100, total=100,
                  created_by_id=w["users"]["sup_city"].id, created_at=now, started_at=now, finished_at=now,
                  result_link="/evaluations")
        sms = SmsOutbox(phone="13800000000", text="【烟草专卖信用】测试", status="dead", send_key="matrix:1",
                        attempts=5, next_attempt_at=now, created_at=now, updated_at=now, last_error="gateway down")
        db.session.add_all([job, sms])
        db.session.commit()
        w["jobs"] = {"job": job.id, "sms": sms.id}
    return w["jobs"]


def job_id(w):
    return jobs_world(w)["job"]


def sms_id(w):
    return jobs_world(w)["sms"]


def export_job_id(w):
    """A finished Excel export of the retailers, started by the city supervisor (the file written)."""
    if "export_job" not in w:
        from app.exports import services as exports

        job = exports.start("retailers", {"status": ""}, w["users"]["sup_city"])
        db.session.commit()  # the job runs now (immediate mode)
        w["export_job"] = job.id
    return w["export_job"]
