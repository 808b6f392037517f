"""Daily jobs of the retailer side: ``flask commitments award|remind``, ``flask notices consume|deadlines``."""
import click
from flask.cli import AppGroup

from app.extensions import db

commitments_cli = AppGroup("commitments", help="Credit commitments: bonus for a kept year, renewal reminders.")
notices_cli = AppGroup("notices", help="Notices: grade-change consumer, deadline warnings.")


@commitments_cli.command("award")
def commitments_award():
    """Give the full-year bonus (a credit record via the credit service) to commitments kept a year."""
    from app.commitments.services import award

    n = award()
    db.session.commit()
    click.echo(f"awarded {n}")


@commitments_cli.command("remind")
def commitments_remind():
    """Tell retailers whose commitment is due for renewal."""
    from app.commitments.services import remind_due

    n = remind_due()
    db.session.commit()
    click.echo(f"reminded {n}")


@notices_cli.command("consume")
def notices_consume():
    """Turn new confirmed records and GradeChange events into notices (EventCursor consumer "notices")."""
    from app.jobs.tasks import PERIODIC_TASKS

    click.echo(f"events {PERIODIC_TASKS['notices.consume'].call_local()}")


@notices_cli.command("deadlines")
def notices_deadlines():
    """Warn supervisors of repair requests and objections near or past their deadline, and retailers
    (and, once overdue, supervisors) of rectifications near or past theirs."""
    from app.notices.services import warn_rectifications
    from app.repair.services import warn_deadlines

    n = warn_deadlines()
    r = warn_rectifications()
    db.session.commit()
    click.echo(f"warnings {n}, rectifications {r}")
