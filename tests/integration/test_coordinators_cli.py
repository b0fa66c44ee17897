"""`peerline coordinators`: accounts made, listed and deactivated from the command line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.adapters import accounts
from service.adapters.models import AuditEvent, Coordinator, DashboardSession
from service.coordinators_cli import coordinators_group
from tests.support.cli_env import cli_env


@pytest.fixture
def coordinators(settings):
    def run(*args: str, stdin: str | None = None):
        return CliRunner(env=cli_env(settings)).invoke(coordinators_group, list(args), input=stdin)

    return run


def test_create_list_and_deactivate(coordinators, runtime):
    made = coordinators(
        "create",
        "--email",
        "Ana@Example.org",
        "--role",
        "supervisor",
        "--password-stdin",
        stdin="long password here\n",
    )
    assert made.exit_code == 0, made.output
    assert "Created supervisor ana@example.org" in made.output and "/dashboard/login" in made.output
    with runtime.db.session() as session:
        account = session.scalars(select(Coordinator)).one()
        assert account.password_hash.startswith("$argon2id$") and "long password" not in account.password_hash
        assert accounts.authenticate(session, "ana@example.org", "long password here") is not None
        accounts.open_session(session, account, runtime.clock())

    listed = coordinators("list")
    assert "ana@example.org\tsupervisor\tpassword only\tactive\tlast sign-in" in listed.output

    gone = coordinators("deactivate", "ana@example.org")
    assert gone.exit_code == 0 and "sessions have ended" in gone.output
    with runtime.db.session() as session:
        assert session.scalars(select(DashboardSession)).all() == []
        assert accounts.authenticate(session, "ana@example.org", "long password here") is None
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "coordinator"))
        assert list(actions) == ["coordinator_created", "coordinator_deactivated"]


def test_mistakes_are_explained_and_change_nothing(coordinators, runtime):
    short = coordinators(
        "create", "--email", "a@example.org", "--role", "admin", "--password-stdin", stdin="short\n"
    )
    assert short.exit_code == 2 and "at least 12 characters" in short.output
    bad_role = coordinators(
        "create", "--email", "a@example.org", "--role", "boss", "--password-stdin", stdin="x" * 12
    )
    assert bad_role.exit_code == 2 and "boss" in bad_role.output
    not_email = coordinators(
        "create", "--email", "ana", "--role", "admin", "--password-stdin", stdin="x" * 12
    )
    assert not_email.exit_code == 2 and "not an email address" in not_email.output
    coordinators("create", "--email", "a@example.org", "--role", "admin", "--password-stdin", stdin="x" * 12)
    again = coordinators(
        "create", "--email", "A@example.org", "--role", "admin", "--password-stdin", stdin="y" * 12
    )
    assert again.exit_code == 2 and "already exists" in again.output
    assert coordinators("deactivate", "nobody@example.org").exit_code == 2
    with runtime.db.session() as session:
        assert session.scalars(select(Coordinator.email)).all() == ["a@example.org"]


def test_the_password_is_asked_twice_when_not_piped(coordinators):
    typed = coordinators(
        "create",
        "--email",
        "b@example.org",
        "--role",
        "coordinator",
        stdin="long password here\nlong password here\n",
    )
    assert typed.exit_code == 0, typed.output
    mismatch = coordinators(
        "create",
        "--email",
        "c@example.org",
        "--role",
        "coordinator",
        stdin="long password here\nsomething else\n",
    )
    assert mismatch.exit_code != 0 and "Created" not in mismatch.output
