"""`peerline coordinators`: dashboard accounts (create, list, deactivate)."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.adapters import accounts, contacts
from service.adapters.models import Coordinator
from service.peers_cli import PeersError, cli_actor, open_runtime


@click.group(name="coordinators")
def coordinators_group() -> None:
    """Dashboard accounts for coordinators, supervisors and admins."""


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        accounts.check_password(password)
    except accounts.AccountError as error:
        raise PeersError(str(error)) from None
    return password


def _audit(session: Session, action: str, account_id: int, now: datetime) -> None:
    contacts.audit(session, now, cli_actor(), action, "coordinator", account_id)


@coordinators_group.command()
@click.option("--email", required=True, help="Their email address; they sign in with it.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(accounts.ROLES),
    help="coordinator: queue, conversations, alerts, actions. supervisor: also transcripts and "
    "peer management. admin: also accounts.",
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin (for scripts)."
)
def create(email: str, role: str, password_stdin: bool) -> None:
    """Create a dashboard account (asks for a password of 12 characters or more).

    \b
    Examples:
      peerline coordinators create --email ana@example.org --role supervisor
      printf '%s\\n' "$PASSWORD" | peerline coordinators create --email ops@example.org \\
          --role admin --password-stdin

    Each person can add a second factor (an authenticator app) on the dashboard's Account page.
    """
    password = _password(password_stdin)
    with open_runtime() as rt:
        now = rt.clock()
        try:
            with rt.db.session() as session:
                account = accounts.create(session, email=email, role=role, password=password, now=now)
                _audit(session, "coordinator_created", account.id, now)
                email = account.email
        except accounts.AccountError as error:
            raise PeersError(str(error)) from None
    click.echo(f"Created {role} {email}. They sign in at {rt.settings.public_base_url}/dashboard/login")


@coordinators_group.command(name="list")
def list_accounts() -> None:
    """List accounts: email, role, second factor, active, last sign-in."""
    with open_runtime() as rt, rt.db.session() as session:
        rows = accounts.listing(session)
        if not rows:
            click.echo("No accounts yet: peerline coordinators create --email E --role admin")
        for row in rows:
            last = row.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if row.last_login_at else "never"
            click.echo(
                f"{row.email}\t{row.role}\t{'2FA' if row.totp_cipher else 'password only'}\t"
                f"{'active' if row.active else 'deactivated'}\tlast sign-in {last}"
            )


@coordinators_group.command()
@click.argument("email")
def deactivate(email: str) -> None:
    """Stop an account signing in and end its open sessions at once."""
    with open_runtime() as rt, rt.db.session() as session:
        account = session.scalar(select(Coordinator).where(Coordinator.email == email.strip().lower()))
        if account is None:
            raise PeersError(f"no account for {email}")
        account.active = False
        accounts.end_all_sessions(session, account.id)
        _audit(session, "coordinator_deactivated", account.id, rt.clock())
    click.echo(f"Deactivated {account.email}; their sessions have ended.")
