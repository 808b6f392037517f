"""``flask credit ...``: catalogue and policy versions, the nightly grade refresh, CSV import.
The same services as the web app, one transaction per command."""
import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.common.errors import ServiceError
from app.extensions import db

credit_cli = AppGroup("credit", help="Credit records, live grades, catalogue and policy versions.")


def _fail(exc: ServiceError):
    db.session.rollback()
    for field, messages in exc.errors.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)
    sys.exit(2 if exc.status != 409 else 3)


def _user(username):
    from app.auth.models import User

    if not username:
        return None
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        click.echo(f"no such user: {username}", err=True)
        sys.exit(2)
    return user


@credit_cli.command("sync")
def sync():
    """Store the shipped catalogue and policy versions that are missing (idempotent)."""
    from app.credit.versions import sync_shipped

    added = sync_shipped()
    db.session.commit()
    click.echo(f"catalogues added: {', '.join(added['catalogues']) or 'none'}; "
               f"policies added: {', '.join(added['policies']) or 'none'}")


def _add(kind, path, username):
    from app.credit import versions

    actor = _user(username)
    text = Path(path).read_text(encoding="utf-8-sig")
    try:
        fn = versions.add_catalogue if kind == "catalogue" else versions.add_policy
        row = fn(text, actor=actor, source=Path(path).name)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"stored {kind} version {row.version}, in force from {row.effective_from} (sha256 {row.sha256[:12]})")


@credit_cli.command("add-catalogue")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", default=None, help="The admin account recorded as the author")
def add_catalogue(path, username):
    """Validate and store a new indicator catalogue version from a YAML file."""
    _add("catalogue", path, username)


@credit_cli.command("add-policy")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", default=None, help="The admin account recorded as the author")
def add_policy(path, username):
    """Validate and store a new grade-policy version from a YAML file."""
    _add("policy", path, username)


@credit_cli.command("versions")
def list_versions():
    """List the stored catalogue and policy versions."""
    from app.credit.models import CatalogueVersion, PolicyVersion

    for label, model in (("catalogue", CatalogueVersion), ("policy", PolicyVersion)):
        for row in db.session.scalars(select(model).order_by(model.effective_from)):
            click.echo(f"{label}\t{row.version}\t{row.effective_from}\t{row.sha256[:12]}")


@credit_cli.command("refresh")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Recompute as of this date (default: today in China)")
def refresh(today):
    """Recompute every missing or lapsed live grade (run nightly)."""
    from app.credit.grading import refresh_due

    day: date | None = today.date() if today else None
    count, changed = refresh_due(day)
    db.session.commit()
    click.echo(f"recomputed {count} live grades; {changed} grades changed")


@credit_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing")
@click.option("--as", "username", required=True, help="The account entering the records (scope and rights apply)")
def import_csv(path, dry_run, username):
    """Enter confirmed records from a CSV file (licence_no, indicator_code, occurred_on, quantity,
    decided_on, case_number, description). All rows or none."""
    from app.credit import imports

    actor = _user(username)
    if actor.role not in ("admin", "supervisor", "marketer"):
        click.echo(f"{username} ({actor.role}) may not enter credit records", err=True)
        sys.exit(2)
    data = Path(path).read_bytes()
    try:
        result = imports.run(data, actor=actor, dry_run=dry_run, filename=Path(path).name)
    except imports.ImportRejected as exc:
        db.session.rollback()
        result = exc.result
    for e in result.errors:
        click.echo(f"row {e.row}, {e.column}: {e.message}", err=True)
    if dry_run:
        db.session.rollback()
        click.echo(f"dry run: {result.rows} rows, {result.valid} good, {len(result.errors)} errors; nothing written")
        sys.exit(1 if result.errors else 0)
    if result.errors:
        click.echo(f"nothing imported: {len(result.errors)} errors in {result.rows} rows", err=True)
        sys.exit(3 if all(e.existing_record_id for e in result.errors) else 1)
    db.session.commit()
    click.echo(f"imported {result.created} records for {result.retailers} licences; "
               f"{result.grade_changes} grades changed")


@credit_cli.command("duplicates")
@click.option("--dismiss", is_flag=True, help="Dismiss every later record of a fact recorded twice (keeps the first)")
@click.option("--as", "username", default=None, help="The admin or supervisor account deciding (with --dismiss)")
def duplicates(dismiss, username):
    """List credit facts recorded more than once (same licence, indicator, date and case number, not
    dismissed); with --dismiss, dismiss the later records through the credit service (status history,
    audit entry, grades recomputed). Exit 1 when duplicates are listed and left as they are."""
    from app.credit import facts

    groups = facts.duplicate_groups()
    for ids in groups:
        click.echo(f"fact recorded {len(ids)} times: records {', '.join(map(str, ids))} (keeps {ids[0]})")
    if not groups:
        click.echo("no credit fact is recorded twice")
        return
    if not dismiss:
        sys.exit(1)
    actor = _user(username)
    if actor is None or actor.role not in ("admin", "supervisor"):
        click.echo("--dismiss needs --as <admin or supervisor account>", err=True)
        sys.exit(2)
    try:
        done = facts.dismiss_later_duplicates(actor)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    for rid, keep in done:
        click.echo(f"dismissed record {rid}: duplicate of record {keep}")
