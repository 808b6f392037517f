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
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The demo's 'today' (YYYY-MM-DD); default: the real date, so the demo never ages")
def demo_load(seed, n_retailers, reset, if_empty, today):
    """Load ~20,000 realistic retailers, users for every role and their history, in one transaction."""
    from app.demo.loader import DemoDataExists, has_data, load

    if if_empty and not reset and has_data():
        click.echo("demo data already loaded; nothing to do (use --reset to rebuild)")
        _print_logins(seed)
        return
    try:
        with click.progressbar(length=n_retailers, label="loading retailers") as bar:
            result = load(seed, n_retailers, reset=reset, progress=bar,
                              today=today.date() if today else None)
        db.session.commit()
    except DemoDataExists:
        db.session.rollback()
        click.echo("The database already holds data. Run with --reset to delete it and load the demo again "
                   "(the audit trail is kept).", err=True)
        sys.exit(2)
    except Exception:
        db.session.rollback()
        raise
    from app.common.db import refresh_statistics

    refresh_statistics()
    click.echo(f"loaded {result.retailers} retailers, {result.operators} operators, {result.users} users "
               f"(seed {seed})")
    if getattr(result, "credit", None):
        grades = result.credit["grades"]
        click.echo(f"credit history: {result.credit['records']} records, {result.credit['suspected']} suspected "
                   "waiting; live grades " + ", ".join(f"{g} {grades.get(g, 0)}" for g in
                                                      ("AAA", "AA", "A", "B", "C", "D")))
        if result.credit.get("inspections"):
            click.echo(f"inspections: {result.credit['inspections']} past visits over 15 months "
                       f"({result.credit['findings']} violations found on site)")
        if result.credit.get("warnings") is not None:
            click.echo("early warnings open: " + ", ".join(f"{k} {n}" for k, n in result.credit["warnings"].items()))
    service = getattr(result, "service", None)
    if service:
        click.echo(f"ordering figures: {service['figures']} rows for {', '.join(service['months'])}")
        if service.get("run_id"):
            click.echo(f"service run {service['cycle']}: published, {service['suspended']} licences with supply "
                       f"suspended ({service['suspensions']} decisions), {service['notices']} retailer notices")
    evaluation = getattr(result, "evaluation", None)
    if evaluation:
        click.echo(f"official evaluation {evaluation['quarter']}: published {evaluation['published_on']}, "
                   f"public since {evaluation['objection_closes_on']} ({evaluation['licences']} licences)")
    _print_logins(seed)


@demo_cli.command("logins")
@click.option("--seed", default=2026, show_default=True, help="The seed the demo was loaded with (for tokens)")
def demo_logins(seed):
    """Print the demo accounts (one per role) and the partners' demo API tokens."""
    _print_logins(seed)


def _print_logins(seed):
    from sqlalchemy import select

    from app.auth.models import ApiToken, User
    from app.demo.loader import DEMO_PASSWORD, demo_token

    users = list(db.session.scalars(select(User).order_by(User.id)))
    shown, seen = [], set()
    for user in users:
        key = (user.role, user.is_city_level if user.role == "supervisor" else None)
        if user.username in ("retailer_demo", "retailer_multi") or key not in seen:
            seen.add(key)
            shown.append(user)
    click.echo("")
    click.echo(f"Demo logins (password for every demo account: {DEMO_PASSWORD})")
    for user in shown:
        unit = user.unit.name if user.unit else "-"
        click.echo(f"  {user.username:<18} {user.role:<11} {unit:<10} {user.display_name}")
    click.echo("  (more: every county has sup_<county>, insp_<county>_<n>, mkt_<county>_<n>; "
               "counties: qjp ha hy hz ls xy jh kfq)")
    for user in users:
        if user.role == "partner":
            raw = demo_token(seed, user.username)
            known = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                              ApiToken.prefix == raw[:12])).first()
            if known is not None and known.revoked_at is None:
                click.echo(f"  API token for {user.username}: {raw}"
                           + (f"  (signing secret: {known.signing_secret})" if known.signing_secret else ""))
