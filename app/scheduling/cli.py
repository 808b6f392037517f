"""``flask schedule ...``: draft a plan, react to grade changes, mark missed visits (for cron)."""
import sys
from datetime import date

import click
from flask.cli import AppGroup

from app.common.errors import ServiceError
from app.extensions import db

schedule_cli = AppGroup("schedule", help="Inspection scheduling (检查计划).")


@schedule_cli.command("plan")
@click.argument("county")
@click.option("--period", type=click.Choice(("week", "month", "quarter")), default="quarter")
@click.option("--start", default=None, help="Any day in the period (YYYY-MM-DD); default today")
def plan_cmd(county, period, start):
    """Draft a plan for COUNTY (code, e.g. 320812) and publish its draw's commitment."""
    from app.common.time import local_today
    from app.jobs.progress import Progress
    from app.scheduling import planning

    try:
        with click.progressbar(length=100, label=f"planning {county} ({period})", item_show_func=lambda s: s,
                               file=sys.stderr) as bar:
            def echo(done, total, step):
                bar.update(done - bar.pos, step)

            plan = planning.create_plan(None, county, period, date.fromisoformat(start) if start else local_today(),
                                        progress=Progress(None, echo=echo))
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        for field, messages in exc.errors.items():
            for m in messages:
                click.echo(f"{field}: {m}", err=True)
        sys.exit(2)
    draw = planning.current_draw(plan)
    click.echo(f"plan {plan.id}: {plan.period_start}..{plan.period_end}, {len(plan.visits)} visits, "
               f"commitment {draw.commitment}")


@schedule_cli.command("react")
def react_cmd():
    """Consume grade changes (cursor "scheduling") and mark missed visits now (the worker does both on
    its schedule; this runs them once, through the job runner's wrapper)."""
    from app.jobs.tasks import PERIODIC_TASKS

    n = PERIODIC_TASKS["scheduling.consume"].call_local()
    m = PERIODIC_TASKS["visits.mark_missed"].call_local()
    click.echo(f"grade changes processed: {n['events']}; visits marked missed: {m['missed']}")
