"""Checking a peer's details, and the parts of `peerline peers` that need no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner

from service.adapters import peers
from service.core.flow_model import Text
from service.peers_cli import _duration, _read_csv, _until, peers_group

KNOWN = frozenset({"alcohol", "grief", "family"})
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("+15551234567", "+15551234567"),
        ("(555) 123-4567", "+15551234567"),
        ("555-123-4567", "+15551234567"),
        ("555.123.4567", "+15551234567"),
        ("1-555-123-4567", "+15551234567"),
        (" +44 20 7946 0958 ", "+442079460958"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(written, e164):
    assert peers.normalise_phone(written) == e164


@pytest.mark.parametrize(
    "written", ["", "555-1234", "+1444123456", "+144412345678", "+0123456789", "555-CALL-NOW"]
)
def test_what_is_not_a_phone_number_is_refused_without_repeating_it(written):
    with pytest.raises(peers.PeerInvalid, match=r"^phone: ") as raised:
        peers.normalise_phone(written)
    assert "E.164 like +15551234567" in str(raised.value)
    assert not written or written not in str(raised.value)


def register(**details):
    """register() checks everything before it touches the database: no session needed to refuse."""
    fields = {"name": "Ana", "phone": "+15551234567", "topics": ["alcohol"], "languages": ["en"], **details}
    return peers.register(None, None, now=NOW, known_topics=KNOWN, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"name": "   "}, "name: is required"),
        ({"name": "x" * 81}, "name: is longer than 80 characters"),
        ({"topics": []}, "topics: give at least one; valid topics: alcohol, family, grief"),
        (
            {"topics": ["alcohol", "cooking", "chess"]},
            "topics: unknown: cooking, chess; valid topics: alcohol,",
        ),
        ({"languages": []}, "languages: give one or more of en, es (got none)"),
        ({"languages": ["en", "fr"]}, "languages: give one or more of en, es (got en, fr)"),
        ({"capacity": 0}, "capacity: must be 1 to 5 conversations at a time, not 0"),
        ({"capacity": 6}, "capacity: must be 1 to 5"),
        ({"weekly_cap_hours": 0.5}, "weekly_cap_hours: must be 1 to 60 hours a week, not 0.5"),
        ({"weekly_cap_hours": 61}, "weekly_cap_hours: must be 1 to 60"),
        ({"timezone": "Eastern"}, "timezone: 'Eastern' is not a time zone; use an IANA name"),
        ({"timezone": ""}, "timezone: '' is not a time zone"),
        ({"shifts": "weekdays 9-5"}, "shifts: 'weekdays 9-5': '9-5' is not a time window"),
        ({"phone": "12345"}, "phone: is not a phone number"),
    ],
)
def test_each_invalid_detail_is_named(details, message):
    with pytest.raises(peers.PeerInvalid) as raised:
        register(**details)
    assert str(raised.value).startswith(message)
    assert raised.value.field == message.split(":")[0]


def test_list_cells_take_semicolons_bars_commas_or_spaces():
    assert peers.split_list(" Alcohol; family|grief , drugs  sleep ") == [
        "alcohol",
        "family",
        "grief",
        "drugs",
        "sleep",
    ]
    assert peers.split_list("  ") == []


def test_csv_header_problems_are_all_named():
    peers.check_columns(["Name", " phone ", "topics", ""])  # case, spaces and a trailing comma are fine
    with pytest.raises(peers.PeerInvalid) as raised:
        peers.check_columns(["name", "email", "topics", "topics"])
    message = str(raised.value)
    assert message.startswith(
        "columns: unknown column(s): email; missing column(s): phone; repeated column(s): topics"
    )
    assert "name,phone,topics,languages,capacity,timezone,shifts,weekly_cap_hours" in message


def test_the_welcome_needs_its_shared_message():
    with pytest.raises(LookupError, match="no shared message 'peer_welcome'"):
        peers.welcome_texts({}, "en")
    shared = {"peer_welcome": Text({"en": "Welcome", "es": "Bienvenida"})}
    assert peers.welcome_texts(shared, "es") == ["Bienvenida"]
    shared["peer_welcome_commands"] = Text({"en": "ON, OFF", "es": "DISPONIBLE"})
    assert peers.welcome_texts(shared, "en") == ["Welcome", "ON, OFF"]


@pytest.mark.parametrize(
    ("written", "length"),
    [
        ("2h", timedelta(hours=2)),
        ("30m", timedelta(minutes=30)),
        ("1h 30m", timedelta(minutes=90)),
        ("1W", timedelta(weeks=1)),
    ],
)
def test_pause_durations(written, length):
    assert _duration(written) == length


@pytest.mark.parametrize("written", ["2", "two hours", "0h", "400d", "2h-1m"])
def test_bad_pause_durations_are_explained(written):
    with pytest.raises(click.ClickException, match="--for"):
        _duration(written)


def test_until_without_an_offset_is_the_peers_wall_clock():
    chicago = ZoneInfo("America/Chicago")
    assert _until("2025-06-01T09:00", chicago) == datetime(2025, 6, 1, 9, 0, tzinfo=chicago)
    assert _until("2025-06-01T09:00Z", chicago) == datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(click.ClickException, match="write an ISO time"):
        _until("tomorrow", chicago)


def test_csv_rows_keep_their_line_numbers_and_extra_cells(tmp_path):
    path = tmp_path / "peers.csv"
    path.write_text("\ufeffName,Phone,Topics,\nAna,555-123-4567,grief,\n\nBen,+15551230002,grief,,surplus\n")
    assert _read_csv(path) == [
        {"name": "Ana", "phone": "555-123-4567", "topics": "grief", "": ""},
        {},  # the blank line 3 is kept, so the next row is line 4
        {"name": "Ben", "phone": "+15551230002", "topics": "grief", "": "surplus"},
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "has no header: its first line must be name,phone,topics"),
        ("Ana,+15551234567,grief\n", "has no header: its first line must be name,phone,topics"),
        ("name,phone,topic\n", "unknown column(s): topic; missing column(s): topics"),
    ],
)
def test_csv_without_a_usable_header_is_refused(tmp_path, content, message):
    path = tmp_path / "peers.csv"
    path.write_text(content)
    with pytest.raises(click.ClickException) as raised:
        _read_csv(path)
    assert message in raised.value.message and raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("command", "shows"),
    [
        ([], ["add", "import", "list", "pause"]),
        (["add"], ["Examples:", "--shifts", "mon-fri 18:00-22:00; sat,sun 10:00-14:00", "cross midnight"]),
        (["import"], ["name,phone,topics,languages,capacity,timezone,shifts,weekly_cap_hours", "Example"]),
        (["list"], ["--json", "last four digits", "Examples:"]),
        (["pause"], ["--for", "--until", "--off", "--resume", "Examples:"]),
    ],
)
def test_every_command_has_help_with_examples(command, shows):
    result = CliRunner().invoke(peers_group, [*command, "--help"])
    assert result.exit_code == 0
    for text in shows:
        assert text in result.output


def test_pause_needs_exactly_one_of_its_options():
    result = CliRunner().invoke(peers_group, ["pause", "12"])
    assert (
        result.exit_code == 2
        and "say one of --for DURATION, --until TIME, --off or --resume" in result.output
    )
    result = CliRunner().invoke(peers_group, ["pause", "12", "--off", "--for", "2h"])
    assert result.exit_code == 2 and "(not --for and --off together)" in result.output
