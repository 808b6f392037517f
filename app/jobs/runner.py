"""The Huey instance and the task wrapper.

One Huey instance for the process, built unconfigured (immediate, in memory) at import so task
decorators can register; :func:`init_app` points it at its storage: SQLite under the instance
directory by default (``make demo`` needs nothing more), Redis when ``REDIS_URL`` is set, and stays
immediate (tasks run at once, in the caller's thread) in tests.

Every task runs through :func:`job`: a fresh app context (so a fresh database session), the work in
one transaction committed at the end (rolled back on error), then the task's heartbeat written in its
own short transaction (app.jobs.heartbeat), success or failure."""
from __future__ import annotations

import functools
import logging
import os
import time

from huey import Huey
from huey.storage import RedisStorage, SqliteStorage

log = logging.getLogger("app.jobs")

huey = Huey("credit-jobs", immediate=True, storage_class=SqliteStorage, results=False)


class _State:
    app = None


def init_app(app):
    """Configure the runner for this app: storage from the config, immediate mode in tests."""
    _State.app = app
    app.extensions["jobs"] = huey
    immediate = bool(app.config.get("JOBS_IMMEDIATE"))
    url = app.config.get("REDIS_URL")
    if url:
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": url}
    else:
        path = app.config.get("JOBS_SQLITE_PATH") or os.path.join(app.instance_path, "jobs.sqlite3")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": path}
    if huey.immediate != immediate:
        huey.immediate = immediate  # swaps the storage (memory in immediate mode)
    elif not immediate:
        huey.storage = huey.create_storage()
    from app.jobs import tasks  # noqa: F401  (registers the tasks and the periodic schedule)


def flask_app():
    """The app a task runs for: the caller's (immediate mode, the command line), else the worker's."""
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app._get_current_object()
    if _State.app is None:
        raise RuntimeError("the job runner is not initialised (create_app first)")
    return _State.app


def job(name: str, *, retries: int = 0, retry_delay: int = 0, periodic=None, lock: bool = False):
    """Turn ``fn(*args)`` into a Huey task named ``name`` that runs in an app context and one
    transaction and leaves a heartbeat. ``periodic`` is a huey crontab (app.jobs.schedule decides);
    ``lock`` keeps two runs of the same task from overlapping: the second is skipped (stale locks are
    cleared when the main worker starts: ``flask jobs worker``)."""

    def decorator(fn):
        if lock:
            huey.lock_task(f"job:{name}")  # known to huey, so a starting worker can clear it
        @functools.wraps(fn)
        def run(*args, **kwargs):
            return run_in_app(name, fn, args, kwargs, lock=lock)

        if periodic is not None:
            task = huey.periodic_task(periodic, name=name, retries=retries, retry_delay=retry_delay)(run)
        else:
            task = huey.task(name=name, retries=retries, retry_delay=retry_delay)(run)
        task.job_name = name
        task.work = fn  # the plain function, for the command line and tests
        return task

    return decorator


def run_in_app(name, fn, args=(), kwargs=None, *, lock=False):
    from huey.exceptions import TaskLockedException

    from app.extensions import db
    from app.jobs import heartbeat

    app = flask_app()
    with app.app_context():
        if lock and not huey.immediate:
            # No expiry (Huey's needs Redis 7.4): the worker that runs the schedule clears the jobs'
            # locks when it starts, so a worker that died holding one does not stop the job for good.
            guard = huey.lock_task(f"job:{name}")
            try:
                guard.acquire()
            except TaskLockedException:
                log.info("job %s is running elsewhere: skipped", name)
                return None
            try:
                return _run(name, fn, args, kwargs or {}, db, heartbeat)
            finally:
                guard.release()
        return _run(name, fn, args, kwargs or {}, db, heartbeat)


def _run(name, fn, args, kwargs, db, heartbeat):
    started = heartbeat.start(name)
    t0 = time.monotonic()
    try:
        result = fn(*args, **kwargs)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        heartbeat.finish(name, started, time.monotonic() - t0, error=f"{type(exc).__name__}: {exc}"[:2000])
        log.exception("job %s failed", name)
        raise
    heartbeat.finish(name, started, time.monotonic() - t0, summary=result)
    return result


# ---- enqueue after commit -------------------------------------------------------------------------------

_PENDING = "jobs.after_commit"


def after_commit(task, *args):
    """Enqueue ``task(*args)`` once the current transaction commits (dropped if it rolls back)."""
    from app.extensions import db

    pending = db.session.info.setdefault(_PENDING, [])
    if (task, args) not in pending:
        pending.append((task, args))


def _enqueue_pending(session):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for task, args in pending:
        if huey.immediate:
            task.call_local(*args)  # tests: run now, in this thread; a failing job fails the test
            continue
        try:
            task(*args)
        except Exception:  # noqa: BLE001  (the periodic run picks the work up; the request has committed)
            log.exception("could not enqueue %s", getattr(task, "job_name", task))


def _drop_pending(session):
    session.info.pop(_PENDING, None)


def install_session_hooks():
    """Enqueue the work a transaction asked for after it commits; forget it on rollback."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if getattr(install_session_hooks, "done", False):
        return
    event.listen(Session, "after_commit", _enqueue_pending)
    event.listen(Session, "after_soft_rollback", lambda session, previous: _drop_pending(session)
                 if not session.in_transaction() else None)
    install_session_hooks.done = True
