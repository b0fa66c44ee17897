"""`peerline block add|remove|list` as a coordinator runs them, against a real database and Redis."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.adapters.models import AuditEvent, Contact
from service.blocklist_cli import block_group
from tests.support.cli_env import cli_env

PHONE = "+15551239876"


@pytest.fixture
def block(settings):
    return lambda *args: CliRunner(env=cli_env(settings)).invoke(block_group, list(args))


def test_add_list_and_remove(block, runtime):
    added = block("add", "(555) 123-9876", "--reason", "spam")
    assert added.exit_code == 0, added.output
    assert added.output.startswith("blocked …9876")
    assert block("add", PHONE).output.startswith("…9876 was already blocked")
    listed = block("list")
    assert "…9876" in listed.output and "spam" in listed.output and "texter" in listed.output
    assert PHONE not in listed.output and "1239876" not in listed.output
    removed = block("remove", PHONE)
    assert removed.exit_code == 0 and removed.output == "unblocked …9876\n"
    assert block("list").output == "no numbers are blocked\n"
    with runtime.db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "contact")).all()
        assert [e.action for e in events] == ["block", "unblock"]
        assert all(e.actor.startswith("cli:") for e in events)
        assert json.loads(events[0].detail) == {"reason": "spam"}
        assert session.scalars(select(Contact)).one().blocked_at is None


def test_mistakes_get_clear_errors(block):
    assert block("remove", PHONE).exit_code == 2
    assert "is not blocked" in block("remove", PHONE).output
    wrong = block("add", "12")
    assert wrong.exit_code == 2 and "not a phone number" in wrong.output
    assert block("add", PHONE, "--reason", "rude").exit_code == 2
