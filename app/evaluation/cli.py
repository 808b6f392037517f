"""``flask evaluate ...``: the quarterly evaluation from the command line (the same services as the web)."""
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.common.errors import ServiceError
from app.extensions import db

evaluate_cli = AppGroup("evaluate", help="The quarterly evaluation (综合评价).")


def _fail(exc: ServiceError):
    db.session.rollback()
    for field, messages in exc.errors.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)
    sys.exit(2)


def _actor(username):
    """The account the change is recorded under: a city-level supervisor or an admin."""
    if not username:
        return None
    from app.auth.models import User

    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        click.echo(f"no such user: {username}", err=True)
        sys.exit(2)
    if not (user.role == "admin" or (user.role == "supervisor" and user.is_city_level)):
        click.echo(f"{username} may not manage evaluations (admin or city-level supervisor only)", err=True)
        sys.exit(2)
    return user


def _run(run_id):
    from app.evaluation.models import EvaluationRun

    run = db.session.get(EvaluationRun, run_id)
    if run is None:
        click.echo(f"no such run: {run_id}", err=True)
        sys.exit(2)
    return run


def _print_distribution(run):
    summary = run.summary or {}
    names = summary.get("grade_names", [])
    total = summary.get("retailers", 0) or 1
    click.echo(f"run {run.id} {run.quarter} as of {run.as_of}: {run.status}, {run.retailer_count} licences, "
               f"policy {run.policy_version}, catalogues {run.catalogue_versions}")
    click.echo(f"inputs hash {run.inputs_hash}")
    for grade in names:
        n = summary["grades"].get(grade, 0)
        click.echo(f"  {grade:<4}{n:>9}  {100 * n / total:6.2f} %")
    rules = summary.get("rules") or {}
    if rules:
        click.echo("  rules: " + ", ".join(f"{k} {v}" for k, v in sorted(rules.items())))
    moves = summary.get("moves") or {}
    if summary.get("previous_quarter"):
        click.echo(f"  against {summary['previous_quarter']}: up {moves.get('up', 0)}, down {moves.get('down', 0)}, "
                   f"same {moves.get('same', 0)}, new {moves.get('new', 0)}")
    if summary.get("counties"):
        click.echo("  " + "county".ljust(8) + "".join(g.rjust(8) for g in names))
        for code, counts in summary["counties"].items():
            click.echo("  " + code.ljust(8) + "".join(str(counts.get(g, 0)).rjust(8) for g in names))
    if summary.get("provisional"):
        click.echo("WARNING: the quarter has not ended: this draft is a provisional preview. It can be reviewed "
                   "and published only after the quarter's last day.", err=True)


@evaluate_cli.command("run")
@click.option("--quarter", required=True, help="e.g. 2026Q4")
@click.option("--as", "username", default=None, help="Record the run under this account")
def evaluate_run(quarter, username):
    """Compute the draft evaluation of a quarter (again, if a draft exists: its rows are replaced)."""
    from app.evaluation import services

    actor = _actor(username)
    try:
        with click.progressbar(length=len(services.STAGES), label=f"evaluating {quarter.upper()}",
                               item_show_func=lambda s: s) as bar:
            def progress(stage):
                bar.update(1, stage)

            run = services.run(quarter, actor, progress=progress)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    _print_distribution(run)


@evaluate_cli.command("review")
@click.argument("run_id", type=int)
@click.option("--as", "username", default=None)
def evaluate_review(run_id, username):
    """Mark a draft run reviewed."""
    from app.evaluation import services

    run = _run(run_id)
    try:
        services.review(run, _actor(username))
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"run {run.id} {run.quarter}: reviewed")


@evaluate_cli.command("publish")
@click.argument("run_id", type=int)
@click.option("--as", "username", default=None)
def evaluate_publish(run_id, username):
    """Publish a reviewed run (opens the objection window; the public sees it when it closes)."""
    from app.evaluation import services

    run = _run(run_id)
    try:
        services.publish(run, _actor(username))
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"run {run.id} {run.quarter}: published; objections until {run.objection_closes_on} "
               f"(public from that day)")


@evaluate_cli.command("supersede")
@click.argument("run_id", type=int)
@click.option("--reason", required=True, help="Why the published run is corrected")
@click.option("--as", "username", default=None)
def evaluate_supersede(run_id, reason, username):
    """Start a new draft that will replace a published run once published."""
    from app.evaluation import services

    run = _run(run_id)
    try:
        new = services.supersede(run, reason, _actor(username))
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    _print_distribution(new)


@evaluate_cli.command("list")
def evaluate_list():
    """All runs, newest quarter first."""
    from app.evaluation.models import EvaluationRun

    runs = db.session.scalars(select(EvaluationRun).order_by(EvaluationRun.quarter.desc(), EvaluationRun.id.desc()))
    for run in runs:
        extra = f" objections until {run.objection_closes_on}" if run.objection_closes_on else ""
        if run.supersedes_id:
            extra += f" supersedes {run.supersedes_id}: {run.reason}"
        click.echo(f"{run.id:>5}  {run.quarter}  {run.status:<10} {run.retailer_count:>9}  "
                   f"{(run.inputs_hash or '')[:12]}{extra}")
