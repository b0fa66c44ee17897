"""Peers against a real database: register, offerable kept in sync, welcome in the outbox, import."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service.adapters import contacts, outbox, peers
from service.adapters.demo_peers import DEMO_PEERS
from service.adapters.models import AuditEvent, Contact, OutboundMessage, Peer, PeerTopic
from service.adapters.topic_files import load_taxonomy
from tests.conftest import LINE_NUMBER

KNOWN = frozenset({"alcohol", "drugs", "grief", "family", "depression", "anxiety"})
PHONE = "+15551234567"


def add(session, runtime, phone="(555) 123-4567", **details):
    fields = {"name": "Ana R.", "topics": ["alcohol", "family"], "languages": ["en"], **details}
    return peers.register(
        session, runtime.cipher, phone=phone, now=runtime.clock(), known_topics=KNOWN, **fields
    )


def offerable_flags(session, peer_id):
    rows = session.execute(select(PeerTopic.topic, PeerTopic.offerable).where(PeerTopic.peer_id == peer_id))
    return {topic: offerable for topic, offerable in rows}


def test_register_stores_the_number_only_encrypted_and_finds_it_in_any_format(runtime):
    with runtime.db.session() as session:
        peer = add(session, runtime, languages=["es", "en"], shifts="mon - fri 18:00-22:00", capacity=2)
        peer_id = peer.id
    with runtime.db.session() as session:
        peer = session.get_one(Peer, peer_id)
        contact = session.get_one(Contact, peer.contact_id)
        assert PHONE.encode() not in contact.phone_cipher and PHONE[1:] not in contact.phone_hash
        assert contacts.phone_of(runtime.cipher, contact) == PHONE
        assert (contact.locale, contact.opted_out) == ("es", False)
        assert (peer.languages, peer.capacity, peer.weekly_cap_minutes) == ("es,en", 2, 720)
        assert (peer.shifts, peer.timezone, peer.status) == (
            "mon-fri 18:00-22:00",
            "America/New_York",
            "available",
        )
        for written in (PHONE, "555-123-4567", "1 (555) 123 4567", "5551234567"):
            assert peers.by_phone(session, runtime.cipher, written).id == peer_id
        assert peers.by_contact(session, contact.id).id == peer_id
        assert peers.by_phone(session, runtime.cipher, "+15551234568") is None
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "peer_added")).one()
        assert audit.subject_id == peer_id and "555" not in audit.detail


def test_a_seekers_number_becomes_a_peer_on_the_same_contact(runtime):
    with runtime.db.session() as session:
        seeker_id = contacts.contact_id(
            session.connection(), runtime.cipher, runtime.contact_ids, PHONE, runtime.clock()
        )
    with runtime.db.session() as session:
        assert add(session, runtime).contact_id == seeker_id
        assert session.scalar(select(func.count()).select_from(Contact)) == 1


def test_the_same_number_twice_is_refused_with_the_existing_id(runtime):
    with runtime.db.session() as session:
        first = add(session, runtime).id
    with (
        pytest.raises(peers.PeerInvalid, match=f"^phone: already a peer: #{first}$"),
        runtime.db.session() as s,
    ):
        add(s, runtime, phone="555.123.4567", name="Someone else")


def test_offerable_follows_confirmation_and_status(runtime):
    now = runtime.clock()
    with runtime.db.session() as session:
        peer = add(session, runtime)
        assert offerable_flags(session, peer.id) == {"alcohol": False, "family": False}  # not confirmed yet
        assert peers.confirm(session, peer, now) is True
        assert peers.confirm(session, peer, now) is False
        assert offerable_flags(session, peer.id) == {"alcohol": True, "family": True}
        peers.set_status(session, peer, "paused", until=now + timedelta(hours=2), now=now)
        assert offerable_flags(session, peer.id) == {
            "alcohol": True,
            "family": True,
        }  # matching checks the end
        assert peer.paused_until == now + timedelta(hours=2)
        peers.set_status(session, peer, "off", now=now)
        assert set(offerable_flags(session, peer.id).values()) == {False}
        assert peer.paused_until is None
        peers.set_topics(session, peer, ["grief", "alcohol"], KNOWN, now=now)
        assert offerable_flags(session, peer.id) == {"alcohol": False, "grief": False}
        peers.set_status(session, peer, "available", now=now)
        peer_id = peer.id
    with runtime.db.session() as session:  # and it is what was committed
        assert offerable_flags(session, peer_id) == {"alcohol": True, "grief": True}


def test_status_changes_that_make_no_sense_are_refused(runtime):
    now = runtime.clock()
    with runtime.db.session() as session:
        peer = add(session, runtime)
        with pytest.raises(peers.PeerInvalid, match="until: a pause needs an end time in the future"):
            peers.set_status(session, peer, "paused", now=now)
        with pytest.raises(peers.PeerInvalid, match="in the future"):
            peers.set_status(session, peer, "paused", until=now - timedelta(minutes=1), now=now)
        with pytest.raises(peers.PeerInvalid, match="only a pause has an end time"):
            peers.set_status(session, peer, "off", until=now + timedelta(hours=1), now=now)
        with pytest.raises(peers.PeerInvalid, match="'busy' is not one of available, paused, off"):
            peers.set_status(session, peer, "busy", now=now)
        with pytest.raises(peers.PeerInvalid, match="topics: unknown: cooking"):
            peers.set_topics(session, peer, ["cooking"], KNOWN)
        assert peer.status == "available"


def test_welcome_goes_into_the_outbox_unless_they_opted_out(runtime):
    now = runtime.clock()
    with runtime.db.session() as session:
        peer = add(session, runtime)
        ids = peers.welcome(
            session, runtime.cipher, peer, line_number=LINE_NUMBER, texts=["hi", "ON"], now=now
        )
        other = add(session, runtime, phone="+15551234568", name="Ben")
        contacts.set_opt_out(session, session.get_one(Contact, other.contact_id), True, "keyword", now)
        assert (
            peers.welcome(session, runtime.cipher, other, line_number=LINE_NUMBER, texts=["hi"], now=now)
            == []
        )
    with runtime.db.session() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        assert [row.id for row in rows] == ids
        assert [outbox.body_of(runtime.cipher, row) for row in rows] == ["hi", "ON"]
        assert {(row.kind, row.status, row.line_number, row.contact_id) for row in rows} == {
            ("peer_welcome", "pending", LINE_NUMBER, peer.contact_id)
        }


def test_listing_shows_the_last_four_digits_status_and_shift(runtime):
    now = runtime.clock()
    with runtime.db.session() as session:
        anytime = add(session, runtime, languages=["en", "es"])
        peers.confirm(session, anytime, now)
        never = add(
            session,
            runtime,
            phone="+15551239876",
            name="Ben",
            timezone="Asia/Tokyo",
            shifts="mon 00:00-00:01",
        )
        peers.set_status(session, never, "paused", until=now + timedelta(hours=3), now=now)
    with runtime.db.session() as session:
        first, second = peers.listing(session, runtime.cipher, now)
    assert (first.id, first.name, first.phone, first.topics, first.languages) == (
        anytime.id, "Ana R.", "…4567", ("alcohol", "family"), ("en", "es")
    )  # fmt: skip
    assert (first.status, first.confirmed, first.capacity, first.on_shift) == ("available", True, 1, True)
    assert (second.phone, second.confirmed, second.shifts) == ("…9876", False, "mon 00:00-00:01")
    assert second.status.startswith("paused until ") and second.status.endswith("JST")
    assert "555" not in repr(first) + repr(second)
    later = now + timedelta(hours=4)
    with runtime.db.session() as session:
        assert peers.listing(session, runtime.cipher, later)[1].status == "available"  # the pause is over


def test_register_logs_ids_never_the_number_or_name(runtime, caplog):
    caplog.set_level(logging.DEBUG)
    with runtime.db.session() as session:
        add(session, runtime)
    logged = " ".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records if r.name.startswith("service"))
    assert "peer added" in logged and "peer_id" in logged
    assert "4567" not in logged and "Ana" not in logged


CSV_ROWS = [
    {
        "name": "Ana R.",
        "phone": "(555) 123-4567",
        "topics": "alcohol;family",
        "languages": "",
        "capacity": "",
    },
    {"name": "Ben", "phone": "555-12", "topics": "grief", "languages": "en", "capacity": ""},
    {"name": "", "phone": "", "topics": "", "languages": "", "capacity": ""},  # a blank line
    {"name": "Cruz", "phone": "+15551230003", "topics": "grief cooking", "languages": "es", "capacity": ""},
    {"name": "Dee", "phone": "+1 555 123 4567", "topics": "drugs", "languages": "en", "capacity": ""},
    {
        "name": "Eli",
        "phone": "+15551230005",
        "topics": "drugs|grief",
        "languages": "es en",
        "capacity": "two",
    },
    {"name": "Fay", "phone": "+15551230006", "topics": "depression", "languages": "es,en", "capacity": "3"},
]


def test_import_adds_the_good_rows_and_says_why_each_bad_one_was_not(runtime):
    seen = []
    with runtime.db.session() as session:
        report = peers.import_rows(
            session, runtime.cipher, CSV_ROWS, now=runtime.clock(), known_topics=KNOWN, on_row=seen.append
        )
    assert seen == [2, 3, 4, 5, 6, 7, 8]
    assert [line for line, _ in report.rejected] == [3, 5, 6, 7]
    reasons = dict(report.rejected)
    assert reasons[3].startswith("phone: is not a phone number")
    assert reasons[5].startswith("topics: unknown: cooking; valid topics: alcohol, anxiety, depression")
    assert reasons[6] == "phone: same number as line 2"
    assert reasons[7] == "capacity: 'two' is not a whole number"
    with runtime.db.session() as session:
        added = [session.get_one(Peer, peer_id) for peer_id in report.accepted]
        assert [(p.name, p.languages, p.capacity, p.timezone) for p in added] == [
            ("Ana R.", "en", 1, "America/New_York"),
            ("Fay", "es,en", 3, "America/New_York"),
        ]


def test_import_rejects_a_number_that_is_already_a_peer_and_extra_cells(runtime):
    with runtime.db.session() as session:
        existing = add(session, runtime).id
    rows = [
        {"name": "Ana again", "phone": PHONE, "topics": "grief"},
        {"name": "Gus", "phone": "+15551230007", "topics": "grief", "": "surplus"},
        {"name": "Hal", "phone": "+15551230008", "topics": "grief", "shifts": "mon 6pm-9pm"},
        {"name": "Ivy", "phone": "+15551230009", "topics": "grief", "weekly_cap_hours": "80"},
        {"name": "Jo", "phone": "+15551230010", "topics": "grief", "timezone": "Mars/Olympus"},
        {"name": "Kim", "phone": "+15551230011", "topics": "grief", "shifts": "sat,sun 10:00-14:00"},
    ]
    with runtime.db.session() as session:
        report = peers.import_rows(session, runtime.cipher, rows, now=runtime.clock(), known_topics=KNOWN)
    reasons = dict(report.rejected)
    assert reasons[2] == f"phone: already a peer: #{existing}"
    assert reasons[3] == "row: has more cells than the header has columns"
    assert reasons[4].startswith("shifts: 'mon 6pm-9pm'")
    assert reasons[5] == "weekly_cap_hours: must be 1 to 60 hours a week, not 80"
    assert reasons[6].startswith("timezone: 'Mars/Olympus' is not a time zone")
    assert len(report.accepted) == 1
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Peer)) == 2


def test_import_with_unknown_columns_writes_nothing(runtime):
    rows = [{"name": "Ana", "phone": PHONE, "topics": "grief", "email": "a@example.org", "pronouns": "she"}]
    with (
        pytest.raises(peers.PeerInvalid, match=re.escape("unknown column(s): email, pronouns")),
        runtime.db.session() as s,
    ):
        peers.import_rows(s, runtime.cipher, rows, now=runtime.clock(), known_topics=KNOWN)
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_demo_peers_load_once_confirmed_and_offerable(runtime):
    known = frozenset(topic.id for topic in load_taxonomy(runtime.settings.flows_dir).topics)
    with runtime.db.session() as session:
        assert peers.load_demo_peers(session, runtime.cipher, now=runtime.clock(), known_topics=known) == len(
            DEMO_PEERS
        )
    with runtime.db.session() as session:
        assert peers.load_demo_peers(session, runtime.cipher, now=runtime.clock(), known_topics=known) == 0
        listed = peers.listing(session, runtime.cipher, runtime.clock())
        assert session.scalars(select(PeerTopic.offerable)).all() == [True] * len(
            session.scalars(select(PeerTopic)).all()
        )
    assert len(listed) == len(DEMO_PEERS) >= 6
    assert all(s.confirmed and s.on_shift and s.capacity == 1 for s in listed)
    assert sum("es" in s.languages for s in listed) >= 2 and any(s.languages[0] == "es" for s in listed)
    assert {topic for s in listed for topic in s.topics} >= {"alcohol", "drugs", "depression", "grief"}
    assert "+15550100001" not in {demo.phone for demo in DEMO_PEERS}
