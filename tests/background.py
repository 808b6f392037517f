"""Run the background work in a test, as the worker would: every consumer, then SMS delivery (and,
when asked, the nightly jobs). Tests run with the job runner in immediate mode and without the
after-commit kick (config.TestingConfig), so each test says when the background work happens."""
from app.extensions import db

CONSUMERS = ("scheduling.consume", "notices.consume", "sms.deliver")


def run_jobs(*names):
    """Run these periodic jobs now (default: the consumers and SMS delivery), each through the runner's
    wrapper (its own app context and transaction, a heartbeat). Returns {name: summary}."""
    from app.jobs.tasks import PERIODIC_TASKS

    db.session.commit()  # what the test wrote is visible to the job's own session
    out = {name: PERIODIC_TASKS[name].call_local() for name in (names or CONSUMERS)}
    db.session.expire_all()
    return out


class CountingSms:
    """A gateway double that keeps, per send key, how often it was asked to send (a real gateway
    de-duplicates by the key; here the test sees every call). ``fail`` makes it refuse."""

    name = "counting"
    calls: dict = {}
    fail = False

    def send(self, phone, text, key):
        CountingSms.calls[key] = CountingSms.calls.get(key, 0) + 1
        if CountingSms.fail:
            raise RuntimeError("gateway unreachable")
        return f"gw-{key}"
