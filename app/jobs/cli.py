"""``flask jobs worker|run|status``: the background worker, one job run now, the jobs' last runs."""
import sys

import click
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="The job runner (Huey): worker, periodic jobs, status.")


@jobs_cli.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, help="Worker threads")
@click.option("--no-periodic", is_flag=True, help="Do not enqueue the periodic jobs (run them from one worker only)")
def worker(workers, no_periodic):
    """Run the worker: it executes queued tasks and, unless --no-periodic, the periodic schedule."""
    import logging

    from app.jobs.runner import huey

    if huey.immediate:
        click.echo("JOBS_IMMEDIATE is set: tasks run in the web process; no worker is needed.", err=True)
        sys.exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The worker that runs the schedule clears the jobs' locks left by a worker that died (SQLite has no
    # lock expiry); workers started with --no-periodic leave them alone.
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=not no_periodic,
                                    check_worker_health=True, flush_locks=not no_periodic)
    consumer.run()


@jobs_cli.command("run")
@click.argument("name")
def run(name):
    """Run one periodic job now in this process (e.g. grades.refresh_due), through the runner's wrapper."""
    from app.jobs.tasks import PERIODIC_TASKS

    task = PERIODIC_TASKS.get(name)
    if task is None:
        click.echo(f"no such job: {name}; one of: {', '.join(sorted(PERIODIC_TASKS))}", err=True)
        sys.exit(2)
    click.echo(f"{name}: {task.call_local()}")


@jobs_cli.command("status")
def status():
    """When each periodic job last ran and how it ended (exit 1 if any is stale or failed)."""
    from app.jobs.status import periodic_status

    bad = False
    for row in periodic_status():
        flag = "STALE" if row["stale"] else ("FAILED" if row["outcome"] == "failed" else "ok")
        bad = bad or flag != "ok"
        click.echo(f"{row['name']:<22} {flag:<7} last {row['last_finished_at'] or '-'} "
                   f"({row['summary'] or row['error'] or ''})")
    sys.exit(1 if bad else 0)
