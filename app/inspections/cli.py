"""``flask inspections purge-uploads``: remove photos uploaded for captures that never arrived."""
import click
from flask.cli import AppGroup

from app.extensions import db

inspections_cli = AppGroup("inspections", help="Field inspections.")


@inspections_cli.command("purge-uploads")
@click.option("--days", default=30, show_default=True, help="Only uploads older than this many days.")
def purge_uploads(days):
    """Delete uploads never attached to an inspection (an abandoned capture), older than --days."""
    from app.inspections.services import purge_orphan_uploads

    n = purge_orphan_uploads(days)
    db.session.commit()
    click.echo(f"removed {n} unattached uploads older than {days} days")
