"""`peerline peers add|import|list|pause` as a coordinator runs them, against a real database and Redis."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from service.adapters import contacts, outbox, peers
from service.adapters.models import Contact, OutboundMessage, Peer
from service.peers_cli import peers_group
from tests.support.cli_env import cli_env
from tests.support.flows import handler

HEADER = "name,phone,topics,languages,capacity,timezone,shifts,weekly_cap_hours\n"


@pytest.fixture
def cli(settings):
    """Run `peerline peers ...` with the environment pointing at this test's data dir, database and Redis."""
    return lambda *args: CliRunner(env=cli_env(settings)).invoke(peers_group, list(args))


def welcome(locale):
    return peers.welcome_texts(handler().flow_set.shared, locale)


def outbound(runtime):
    with runtime.db.session() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        return [(row.contact_id, row.kind, outbox.body_of(runtime.cipher, row)) for row in rows]


def count_peers(runtime):
    with runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(Peer))


def test_add_registers_and_queues_the_welcome_in_their_language(cli, runtime):
    result = cli("add", "--name", "Luis M.", "--phone", "(555) 123-4567", "--topics", "grief, depression")
    assert result.exit_code == 0, result.output
    assert result.stdout == "peer #1 added; welcome text queued — they must reply ON to confirm\n"
    details = ["--name", "Marisol", "--phone", "+15551230002", "--topics", "alcohol", "--languages", "es,en"]
    limits = ["--capacity", "2", "--weekly-hours", "6", "--timezone", "America/Chicago"]
    result = cli("add", *details, *limits, "--shifts", "sat,sun 10:00-14:00")
    assert result.exit_code == 0, result.output
    with runtime.db.session() as session:
        luis, marisol = session.scalars(select(Peer).order_by(Peer.id)).all()
        assert (marisol.languages, marisol.capacity, marisol.weekly_cap_minutes) == ("es,en", 2, 360)
        assert (marisol.timezone, marisol.shifts, marisol.confirmed_at) == (
            "America/Chicago",
            "sat-sun 10:00-14:00",
            None,
        )
    sent = outbound(runtime)
    assert sent == [(luis.contact_id, "peer_welcome", text) for text in welcome("en")] + [
        (marisol.contact_id, "peer_welcome", text) for text in welcome("es")
    ]
    assert runtime.jobs.queues["outbound"].count == len(sent)  # dispatched, not just recorded


def test_add_refuses_bad_details_with_the_reason_and_writes_nothing(cli, runtime):
    result = cli("add", "--name", "Ana", "--phone", "+15551234567", "--topics", "alcohol,cooking")
    assert result.exit_code == 2
    assert "Error: topics: unknown: cooking; valid topics: alcohol, anxiety," in result.output
    result = cli(
        "add", "--name", "Ana", "--phone", "+15551234567", "--topics", "alcohol", "--shifts", "mon 9-5"
    )
    assert result.exit_code == 2 and "Error: shifts: 'mon 9-5': '9-5' is not a time window" in result.output
    result = cli(
        "add", "--name", "Ana", "--phone", "+15551234567", "--topics", "alcohol", "--capacity", "many"
    )
    assert result.exit_code == 2 and "'many' is not a valid integer" in result.output
    assert count_peers(runtime) == 0 and outbound(runtime) == []


def test_a_number_that_opted_out_is_added_but_not_texted(cli, runtime):
    with runtime.db.session() as session:
        contact_id = contacts.contact_id(
            session.connection(), runtime.cipher, runtime.contact_ids, "+15551234567", runtime.clock()
        )
        contact = session.get_one(Contact, contact_id)
        contacts.set_opt_out(session, contact, True, "keyword", runtime.clock())
    result = cli("add", "--name", "Ana", "--phone", "+15551234567", "--topics", "alcohol")
    assert result.exit_code == 0
    assert result.stdout.startswith("peer #1 added, but not texted: this number has opted out (texted STOP).")
    assert outbound(runtime) == [] and count_peers(runtime) == 1


def test_adding_the_same_number_twice_names_the_existing_peer(cli):
    assert cli("add", "--name", "Ana", "--phone", "+15551234567", "--topics", "alcohol").exit_code == 0
    result = cli("add", "--name", "Ana", "--phone", "555-123-4567", "--topics", "grief")
    assert result.exit_code == 2 and "Error: phone: already a peer: #1" in result.output


def test_import_adds_good_rows_reports_bad_ones_by_line_and_exits_1(cli, runtime, tmp_path):
    path = tmp_path / "volunteers.csv"
    path.write_text(
        HEADER
        + "Ana R.,(555) 123-4567,alcohol;family,en,1,America/New_York,mon-fri 18:00-22:00,12\n"
        + "Ben,555-12,grief,,,,,\n"
        + "\n"
        + 'Cruz,+15551230003,"grief depression",es;en,,America/Chicago,,\n'
        + "Dee,+1 555 123 4567,drugs,,,,,\n"
        + "Eli,+15551230005,drugs,en,9,,,\n"
    )
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "2 added, 3 rejected",
        "  line 3: phone: is not a phone number: use E.164 like +15551234567,"
        " or a US number like (555) 123-4567",
        "  line 6: phone: same number as line 2",
        "  line 7: capacity: must be 1 to 5 conversations at a time, not 9",
        "welcome texts queued — each must reply ON to confirm",
    ]
    assert "importing peers" in result.stderr
    assert count_peers(runtime) == 2
    assert [body for _, _, body in outbound(runtime)] == welcome("en") + welcome("es")


def test_a_clean_import_exits_0(cli, runtime, tmp_path):
    path = tmp_path / "volunteers.csv"
    path.write_text("name,phone,topics\nAna,+15551234567,alcohol\nBen,+15551234568,grief\n")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 added, 0 rejected\n")
    assert count_peers(runtime) == 2


def test_import_with_a_bad_header_exits_2_and_adds_nobody(cli, runtime, tmp_path):
    path = tmp_path / "volunteers.csv"
    path.write_text("name,phone,topics,email\nAna,+15551234567,alcohol,ana@example.org\n")
    result = cli("import", str(path))
    assert result.exit_code == 2 and "unknown column(s): email" in result.output
    assert cli("import", str(tmp_path / "missing.csv")).exit_code == 2
    assert count_peers(runtime) == 0


def test_list_shows_last_four_digits_only(cli):
    assert cli("list").stdout.startswith("no peers yet")
    cli(
        "add",
        "--name",
        "Ana R.",
        "--phone",
        "+15551234567",
        "--topics",
        "alcohol,family",
        "--languages",
        "en,es",
    )
    result = cli("list")
    assert result.exit_code == 0
    header, row = result.stdout.splitlines()
    assert header.split() == [
        "ID",
        "NAME",
        "PHONE",
        "TOPICS",
        "LANG",
        "STATUS",
        "CONFIRMED",
        "CAP",
        "ON",
        "SHIFT",
    ]
    assert row.split()[:7] == ["#1", "Ana", "R.", "…4567", "alcohol,family", "en,es", "available"]
    assert "no (must reply ON)" in row and "555123" not in result.output
    (listed,) = json.loads(cli("list", "--json").stdout)
    assert listed["phone"] == "…4567" and listed["topics"] == ["alcohol", "family"]
    assert (listed["confirmed"], listed["on_shift"], listed["status"]) == (False, True, "available")


def test_pause_for_until_off_and_resume(cli, runtime):
    cli(
        "add",
        "--name",
        "Ana",
        "--phone",
        "+15551234567",
        "--topics",
        "alcohol",
        "--timezone",
        "America/Chicago",
    )
    before = runtime.clock()
    result = cli("pause", "1", "--for", "2h")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("peer #1: paused until ") and "(not confirmed yet" in result.stdout
    with runtime.db.session() as session:
        peer = session.get_one(Peer, 1)
        assert peer.status == "paused"
        assert timedelta(hours=2) <= peer.paused_until - before < timedelta(hours=2, minutes=1)
    result = cli("pause", "(555) 123-4567", "--until", "2099-06-01T09:00")
    assert result.exit_code == 0 and "paused until Mon 2099-06-01 09:00 CDT" in result.stdout
    assert cli("pause", "#1", "--off").stdout.startswith("peer #1: off")
    assert cli("pause", "1", "--resume").stdout.startswith("peer #1: available")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["pause", "7", "--off"], "no peer #7"),
        (["pause", "+15559999999", "--off"], "no peer has that number"),
        (["pause", "ana", "--off"], "neither a peer id (12 or #12) nor a phone number"),
        (["pause", "1", "--until", "2001-01-01T00:00"], "until: a pause needs an end time in the future"),
        (["pause", "1", "--for", "soon"], "write a duration like 30m, 2h"),
    ],
)
def test_pause_errors_exit_2_with_the_reason(cli, runtime, args, says):
    cli("add", "--name", "Ana", "--phone", "+15551234567", "--topics", "alcohol")
    result = cli(*args)
    assert result.exit_code == 2 and says in result.output
    with runtime.db.session() as session:
        assert session.get_one(Peer, 1).status == "available"
