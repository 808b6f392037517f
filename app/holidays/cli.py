"""``flask calendar ...``: the official calendar from the command line, one transaction per command.

- ``flask calendar seed``: the years the installed chinese_calendar package ships that the table lacks
  (never replaces a year already entered);
- ``flask calendar import FILE --year 2027 --source 国办发明电〔2026〕7号``: a schedule file (docs/calendar.md);
- ``flask calendar status``: which years have an official schedule, from where."""
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.common.errors import ServiceError
from app.extensions import db
from app.holidays import services
from app.holidays.models import CalendarYear

calendar_cli = AppGroup("calendar", help="The official holiday calendar.")


def _fail(exc: ServiceError):
    db.session.rollback()
    for name, messages in exc.errors.items():
        for message in messages:
            click.echo(f"{name}: {message}", err=True)
    sys.exit(2)


@calendar_cli.command("seed")
@click.option("--year", "years", type=int, multiple=True, help="Only these years (default: every year shipped)")
def seed(years):
    """Seed the years the chinese_calendar package ships and the table lacks."""
    done = services.seed_from_package(list(years) or None)
    db.session.commit()
    click.echo(f"seeded {len(done)} years" + (f": {', '.join(map(str, done))}" if done else ""))


@calendar_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", type=int, default=None, help="The year (default: the JSON file's)")
@click.option("--source", default=None, help="The document, e.g. 国办发明电〔2026〕7号 (default: the JSON file's)")
def import_file(path, year, source):
    """Enter a year's schedule from a CSV or JSON file (replaces what the year had)."""
    with open(path, "rb") as fh:
        sched, meta, errors = services.parse_file(path, fh.read())
    try:
        services.enter_year(year or meta.get("year"), source or meta.get("source"), sched, None, origin="imported",
                            errors={"file": errors} if errors else None, holidays_field="file",
                            workdays_field="file")
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"entered {year or meta.get('year')}")


@calendar_cli.command("status")
def status():
    """The years with an official schedule."""
    for row in db.session.scalars(select(CalendarYear).order_by(CalendarYear.year)):
        click.echo(f"{row.year}  {row.origin:8}  {row.source}")
