"""The job runner: requests answer, the worker works.

- ``runner``: the Huey instance (SQLite file by default, Redis with REDIS_URL, immediate in tests) and
  the task wrapper (app context, one transaction, heartbeat); enqueue-after-commit.
- ``schedule``: the periodic schedule, in one place. ``work``: what each periodic job does.
- ``tasks``: the Huey tasks, and the kick that enqueues consumers after events are committed.
- ``services``/``progress``: long jobs started by people, with live progress.
- ``status``: the read model of the status page. ``cli``: ``flask jobs worker|run|status``.
"""
