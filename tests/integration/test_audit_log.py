"""The audit log: the database keeps it append-only whatever code runs, and changes to peers are
recorded with who made them (a coordinator's login, or the peer by text), never a name or number."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from service.adapters import contacts, processing
from service.adapters.models import AuditEvent, Peer
from service.peers_cli import peers_group
from tests.integration.test_conversations import MONDAY_10AM_NEW_YORK
from tests.support.cli_env import cli_env
from tests.support.fakes import FakeSender, FixedClock
from tests.support.peer_line import Phones

ANA, LUIS = "+15551234567", "+15551234568"
INSERT = text(
    "INSERT INTO audit_events (at, actor, action, subject_type, subject_id, detail)"
    " VALUES (CURRENT_TIMESTAMP, 'system', 'raw_insert', 'test', NULL, '{}')"
)


def events(runtime, action: str | None = None) -> list[AuditEvent]:
    with runtime.db.session() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        return list(session.scalars(query if action is None else query.where(AuditEvent.action == action)))


def add_event(runtime) -> None:
    with runtime.db.session() as session:
        contacts.audit(session, runtime.clock(), "system", "opt_out", "contact", 1, {"reason": "keyword"})


def refused(runtime) -> list[str]:
    """Statements that would rewrite history; PostgreSQL alone has a TRUNCATE trigger."""
    statements = ["UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"]
    if runtime.db.engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_events")
    return statements


def test_the_database_refuses_to_change_or_remove_audit_events(runtime):
    add_event(runtime)
    for statement in refused(runtime):
        with pytest.raises(DBAPIError, match="append-only"), runtime.db.engine.begin() as connection:
            connection.execute(text(statement))
    [event] = events(runtime)
    assert (event.actor, event.action, json.loads(event.detail)) == (
        "system",
        "opt_out",
        {"reason": "keyword"},
    )


def test_the_orm_cannot_edit_an_audit_event_either(runtime):
    add_event(runtime)
    with pytest.raises(DBAPIError, match="append-only"), runtime.db.session() as session:
        session.scalars(select(AuditEvent)).one().actor = "someone else"
    assert events(runtime)[0].actor == "system"


def test_inserting_still_works(runtime):
    add_event(runtime)
    with runtime.db.engine.begin() as connection:
        connection.execute(INSERT)
    assert [e.action for e in events(runtime)] == ["opt_out", "raw_insert"]


@pytest.fixture
def peers_cli(settings, monkeypatch):
    """`peerline peers ...` run by a coordinator whose login name is ana-coord."""
    monkeypatch.setattr("getpass.getuser", lambda: "ana-coord")
    return lambda *args: CliRunner(env=cli_env(settings)).invoke(peers_group, list(args))


def assert_nothing_personal(event: AuditEvent) -> None:
    for personal in ("Ana", "Luis", "555", "1234567"):
        assert personal not in event.detail, (event.action, event.detail)


def test_peers_cli_changes_are_recorded_with_the_coordinators_login(peers_cli, runtime, tmp_path):
    assert peers_cli("add", "--name", "Ana R.", "--phone", ANA, "--topics", "alcohol,family").exit_code == 0
    csv = tmp_path / "peers.csv"
    csv.write_text(f"name,phone,topics\nLuis M.,{LUIS},grief\nNo Phone,,grief\n")
    assert peers_cli("import", str(csv)).exit_code == 1  # one row rejected: it leaves no event
    for flags in (["--for", "2h"], ["--off"], ["--resume"]):
        assert peers_cli("pause", "1", *flags).exit_code == 0
    recorded = [(e.actor, e.action, e.subject_id, json.loads(e.detail)) for e in events(runtime)]
    names_only = [
        "name",
        "phone",
        "topics",
        "languages",
        "capacity",
        "weekly_cap_minutes",
        "timezone",
        "shifts",
    ]
    assert [(actor, action, subject) for actor, action, subject, _ in recorded] == [
        ("cli:ana-coord", "peer_added", 1),
        ("cli:ana-coord", "peer_added", 2),
        ("cli:ana-coord", "peer_status", 1),
        ("cli:ana-coord", "peer_status", 1),
        ("cli:ana-coord", "peer_status", 1),
    ]
    details = [detail for *_, detail in recorded]
    assert (details[0]["fields"], details[0]["topics"], details[0]["status"]) == (
        names_only,
        ["alcohol", "family"],
        "available",
    )
    assert (details[0]["via"], details[1]["via"], details[1]["topics"]) == ("add", "import", ["grief"])
    assert details[2:] == [
        {"status": "paused", "previous": "available", "fields": ["status", "paused_until"]},
        {"status": "off", "previous": "paused", "fields": ["status", "paused_until"]},
        {"status": "available", "previous": "off", "fields": ["status"]},
    ]
    for event in events(runtime):
        assert_nothing_personal(event)


def test_a_peers_own_commands_by_text_are_recorded_as_theirs(client, runtime):
    runtime.sender = FakeSender()
    runtime.clock = FixedClock(MONDAY_10AM_NEW_YORK)
    phones = Phones(client, runtime)
    peer_id = phones.add_peer(ANA, "Ana", "alcohol", confirmed=False)
    [contact_id] = phones.contact_ids(ANA)
    for command in ("ON", "PAUSE 2h", "OFF"):
        phones.deliver_without_processing(ANA, command)
        processing.process_contact(runtime, contact_id)  # what the worker's job does
        runtime.clock.advance(seconds=20)
    by_text = [(e.actor, e.action, json.loads(e.detail)) for e in events(runtime) if e.actor != "system"]
    assert by_text == [
        (f"peer:{peer_id}", "peer_confirmed", {"fields": ["confirmed_at"]}),
        (f"peer:{peer_id}", "peer_status", {"status": "available", "previous": "available", "fields": []}),
        (
            f"peer:{peer_id}",
            "peer_status",
            {"status": "paused", "previous": "available", "fields": ["status", "paused_until"]},
        ),
        (
            f"peer:{peer_id}",
            "peer_status",
            {"status": "off", "previous": "paused", "fields": ["status", "paused_until"]},
        ),
    ]
    with runtime.db.session() as session:
        assert session.get_one(Peer, peer_id).status == "off"
    for event in events(runtime):
        assert_nothing_personal(event)
