"""``flask storage purge``: remove leftover uploads (files with no row, rows never attached)."""
import click
from flask.cli import AppGroup

from app.extensions import db

storage_cli = AppGroup("storage", help="Uploaded files.")


@storage_cli.command("purge")
@click.option("--hours", default=24, show_default=True, type=click.IntRange(min=1),
              help="Only what is older than this many hours (a request in flight is never touched).")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; remove nothing.")
def purge(hours, dry_run):
    """Remove files on disk that no row names, evidence never attached to a request, and field uploads of
    captures that never arrived (those wait at least INSPECTION_MAX_AGE_DAYS). Meant to run daily."""
    from app.storage.purge import purge_orphans

    result = purge_orphans(hours, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb}: {result.files_without_row} files with no row, {result.evidence_rows_unattached} evidence "
               f"files never attached, {result.field_uploads_unattached} field uploads of captures that never "
               f"arrived (older than {hours} hours)")
