"""``flask demo load``: build the Huai'an demo city."""
import sys

import click
from flask.cli import AppGroup

from app.extensions import db

demo_cli = AppGroup("demo", help="The Huai'an demo city.")


@demo_cli.command("load")
@click.option("--seed", default=2026, show_default=True, help="Random seed: same seed, same city")
@click.option("--retailers", "n_retailers", default=20000, show_default=True, type=click.IntRange(1, 2_000_000))
@click.option("--reset", is_flag=True, help="Delete existing data first (the audit trail is kept)")
@click.option("--if-empty", is_flag=True, help="Do nothing (exit 0) when data already exists")
def demo_load(seed, n_retailers, reset, if_empty):
    """Load ~20,000 realistic retailers, users for every role and their history, in one transaction."""
    from app.demo.loader import DEMO_PASSWORD, DemoDataExists, has_data, load

    if if_empty and not reset and has_data():
        click.echo("demo data already loaded; nothing to do (use --reset to rebuild)")
        return
    try:
        with click.progressbar(length=n_retailers, label="loading retailers") as bar:
            result = load(seed, n_retailers, reset=reset, progress=bar)
        db.session.commit()
    except DemoDataExists:
        db.session.rollback()
        click.echo("The database already holds data. Run with --reset to delete it and load the demo again "
                   "(the audit trail is kept).", err=True)
        sys.exit(2)
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"loaded {result.retailers} retailers, {result.operators} operators, {result.users} users "
               f"(seed {seed})")
    click.echo("")
    click.echo(f"Demo logins (password for every account: {DEMO_PASSWORD})")
    for username, role, unit, name in result.logins:
        click.echo(f"  {username:<16} {role:<11} {unit:<7} {name}")
    for username, token in result.partner_tokens:
        click.echo(f"  API token for {username}: {token}")
