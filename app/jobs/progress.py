"""Live progress of a running long job: done / total, the step, when it started. The job's work is one
database transaction, so its progress cannot be committed to the jobs table while it runs; it is kept
in the runner's own store (Huey's key-value storage: the SQLite file or Redis the web processes share
with the workers) and written to the job row when the job ends."""
from __future__ import annotations

import time

from app.jobs.runner import huey


def _key(job_id: int) -> str:
    return f"job-progress:{job_id}"


class Progress:
    """``progress.total(n)``, ``progress.advance(k, step=...)``, ``progress.step(name)``; published at
    most every 0.3 s (and always at a new step)."""

    def __init__(self, job_id: int | None, total: int = 0, echo=None):
        self.job_id, self.done, self._total, self._step = job_id, 0, total, None
        self.started = time.time()
        self._last = 0.0
        self.echo = echo  # a callable(done, total, step) for the command line

    def total(self, n: int):
        self._total = max(0, int(n))
        self._publish(force=True)

    def step(self, name: str):
        self._step = name
        self._publish(force=True)

    def advance(self, k: int = 1, step: str | None = None):
        self.done = min(self._total or self.done + k, self.done + k)
        if step is not None and step != self._step:
            self._step = step
            self._publish(force=True)
        else:
            self._publish()

    def finish(self):
        self.done = self._total
        self._publish(force=True)

    def snapshot(self) -> dict:
        return {"done": self.done, "total": self._total, "step": self._step, "started": self.started,
                "at": time.time()}

    def _publish(self, force=False):
        now = time.time()
        if not force and now - self._last < 0.3:
            return
        self._last = now
        if self.echo is not None:
            self.echo(self.done, self._total, self._step)
        if self.job_id is not None:
            try:
                huey.put(_key(self.job_id), self.snapshot())
            except Exception:  # noqa: BLE001  (progress is a courtesy: never fail the job for it)
                pass


def live(job_id: int) -> dict | None:
    try:
        return huey.get(_key(job_id), peek=True)
    except Exception:  # noqa: BLE001
        return None


def forget(job_id: int):
    try:
        huey.delete(_key(job_id))
    except Exception:  # noqa: BLE001
        pass


def eta_seconds(done: int, total: int, started: float, now: float | None = None) -> int | None:
    """Time left at the rate so far (None until something is done)."""
    now = now or time.time()
    if not total or done <= 0 or done >= total:
        return 0 if total and done >= total else None
    rate = done / max(0.001, now - started)
    return int(round((total - done) / rate))
