"""Command-line administration: ``flask users ...``, ``flask tokens ...``, ``flask audit verify``,
``flask org init``, ``flask demo load``. The same services as the web app, one transaction each."""
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth import services
from app.auth.lookup import retailers_by_licence, unit_by_code
from app.auth.models import ROLES, ApiToken, User
from app.common.errors import ServiceError
from app.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")
tokens_cli = AppGroup("tokens", help="Manage partner API tokens.")
audit_cli = AppGroup("audit", help="The audit trail.")
org_cli = AppGroup("org", help="Org units.")


def _fail(exc: ServiceError):
    db.session.rollback()
    for field, messages in exc.errors.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)
    sys.exit(2)


def _user(username) -> User:
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        click.echo(f"no such user: {username}", err=True)
        sys.exit(2)
    return user


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Display name, e.g. 王建国")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--unit", default=None, help="Org unit code, e.g. 320812")
@click.option("--licence", "licences", multiple=True, help="Licence number (retailer accounts)")
@click.password_option(help="Initial password (asked for if not given)")
@click.option("--no-change-required", is_flag=True, help="Do not force a password change at first sign-in")
def users_create(username, display_name, role, unit, licences, password, no_change_required):
    """Create an account."""
    try:
        user = services.create_user(username=username, display_name=display_name, role=role, password=password,
                                    unit=unit_by_code(unit), retailers=retailers_by_licence(licences),
                                    must_change_password=not no_change_required)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"created {user.username} ({user.role})")


@users_cli.command("set-role")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES))
@click.option("--unit", default=None, help="Org unit code; '-' for none")
def users_set_role(username, role, unit):
    """Change an account's role and/or unit (ends its sessions)."""
    user = _user(username)
    kwargs = {}
    if unit is not None:
        kwargs["unit"] = None if unit == "-" else unit_by_code(unit)
    try:
        services.update_user(user, role=role, **kwargs)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"{user.username}: role {user.role}, unit {user.unit.code if user.unit else '-'}")


@users_cli.command("disable")
@click.argument("username")
def users_disable(username):
    """Disable an account; all its sessions end at once."""
    user = _user(username)
    try:
        services.set_enabled(user, False)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"disabled {username}")


@users_cli.command("enable")
@click.argument("username")
def users_enable(username):
    user = _user(username)
    services.set_enabled(user, True)
    db.session.commit()
    click.echo(f"enabled {username}")


@users_cli.command("reset-password")
@click.argument("username")
def users_reset_password(username):
    """Set a temporary password; the user must change it at next sign-in."""
    user = _user(username)
    temp = services.reset_password(user)
    db.session.commit()
    click.echo(f"temporary password for {username}: {temp}")


@users_cli.command("list")
@click.option("--role", type=click.Choice(ROLES))
def users_list(role):
    stmt = select(User).order_by(User.username)
    if role:
        stmt = stmt.where(User.role == role)
    for user in db.session.scalars(stmt):
        state = "" if user.is_enabled else " (disabled)"
        click.echo(f"{user.username}\t{user.role}\t{user.unit.code if user.unit else '-'}\t{user.display_name}{state}")


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for")
def tokens_create(username, name):
    """Issue an API token to a partner account (printed once)."""
    user = _user(username)
    try:
        token, raw = services.create_token(user, name)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"token {token.id} for {username} (signing secret for X-Signature: {token.signing_secret}): {raw}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None:
        click.echo(f"no such token: {token_id}", err=True)
        sys.exit(2)
    try:
        services.revoke_token(token)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"revoked token {token_id}")


@audit_cli.command("verify")
def audit_verify():
    """Walk the hash chain and check it against the anchors outside the database; name the first
    problem (exit 1 if any): an altered, reordered or missing entry, deleted last entries, a re-hashed
    chain, an altered anchor file."""
    from app.audit.anchor import anchor_path
    from app.audit.services import verify

    result = verify()
    if result.ok:
        anchored = (f"; matches {result.anchors} anchors (latest: seq {result.anchored_seq} at {result.anchored_at})"
                    if result.anchors else "")
        click.echo(f"audit chain OK: {result.checked} entries, head {result.head_hash}{anchored}")
        if result.warning:
            click.echo(f"warning: {result.warning}", err=True)
        return
    where = f"at seq {result.broken_seq}" if result.broken_seq else f"(anchor file {anchor_path()})"
    click.echo(f"audit chain BROKEN {where}: {result.problem} "
               f"({result.checked} entries verified before it)", err=True)
    sys.exit(1)


@audit_cli.command("anchor")
@click.option("--note", default="", help="A note kept with the anchor (e.g. 'before key rotation')")
def audit_anchor(note):
    """Verify the chain, then append its head (sequence number, hash, key id, time) to the anchor file
    outside the database (AUDIT_ANCHOR_PATH). Meant to run daily; refuses a chain that does not verify."""
    from app.audit.anchor import ChainBroken, anchor_path, write_anchor

    try:
        a = write_anchor(note)
    except ChainBroken as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    finally:
        db.session.rollback()
    click.echo(f"anchor {a.n}: seq {a.seq}, hash {a.entry_hash}, key {a.key_id}, at {a.at} -> {anchor_path()}")


@org_cli.command("init")
def org_init():
    """Create the city bureau and its county units (idempotent)."""
    from app.org.services import ensure_units

    units = ensure_units()
    db.session.commit()
    click.echo(f"{len(units)} org units")


def register_cli(app):
    from app.demo.cli import demo_cli

    for group in (users_cli, tokens_cli, audit_cli, org_cli, demo_cli):
        app.cli.add_command(group)

    from app.scheduling.cli import schedule_cli

    app.cli.add_command(schedule_cli)

    from app.inspections.cli import inspections_cli

    app.cli.add_command(inspections_cli)

    from app.credit.cli import credit_cli

    app.cli.add_command(credit_cli)

    from app.storage.cli import storage_cli

    app.cli.add_command(storage_cli)

    from app.evaluation.cli import evaluate_cli

    app.cli.add_command(evaluate_cli)

    from app.licences.cli import licences_cli

    app.cli.add_command(licences_cli)

    from app.commitments.cli import commitments_cli, notices_cli

    app.cli.add_command(commitments_cli)
    app.cli.add_command(notices_cli)

    from app.holidays.cli import calendar_cli

    app.cli.add_command(calendar_cli)

    from app.jobs.cli import jobs_cli

    app.cli.add_command(jobs_cli)
