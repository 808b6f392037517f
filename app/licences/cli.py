"""``flask licences notify-expiry``: the daily licence-expiry notices (to be run by the job runner)."""
from datetime import date

import click
from flask.cli import AppGroup

from app.extensions import db
from app.licences import services

licences_cli = AppGroup("licences", help="Licences: expiry notices.")


@licences_cli.command("notify-expiry")
@click.option("--date", "day", default=None, help="Run as of this date (YYYY-MM-DD); default: today")
def notify_expiry(day):
    """Tell retailers whose licence expires in 60 days, in 30 days or today (once each)."""
    told = services.send_expiry_notices(date.fromisoformat(day) if day else None)
    db.session.commit()
    click.echo(f"licence-expiry notices: {told} licences told")
