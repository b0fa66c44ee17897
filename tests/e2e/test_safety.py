"""Safety with real processes (gunicorn, RQ workers, the sweeper, the Twilio stand-in): crisis
words mid-check-in and mid-relay, from the seeker and from the peer, and DELETE end to end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from service.adapters.crypto import DataCipher
from service.adapters.models import (
    Alert,
    Contact,
    Conversation,
    CrisisHit,
    Erasure,
    InboundMessage,
    OutboundMessage,
    Relay,
)
from service.adapters.outbox import body_of
from service.core import replies
from tests.e2e.line import Line, wait_for
from tests.e2e.test_story_sharing import add_peer, news

SEEKER, PEER, ONCALL = "+15554440301", "+15554440401", "+15554440999"
RESOURCES = "You're not alone. Call or text 988 now"
RECURSOS = "No tienes que pasar por esto sin apoyo. Llama al 988"
GUIDANCE = "Their last message may mean they're in crisis."
ONCALL_TEXT = "PeerLine alert: crisis language in a conversation."


@pytest.fixture
def line_settings() -> dict[str, str]:
    return {"PEERLINE_ONCALL_NUMBERS": ONCALL}


@contextmanager
def database(line: Line) -> Iterator[Session]:
    """A fresh session each time: a long read transaction would not see the workers' writes."""
    engine = create_engine(line.database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def scalar(line: Line, query):
    with database(line) as session:
        return session.scalar(query)


def last_text_starts(line: Line, phone: str, start: str) -> bool:
    got = line.received_by(phone)
    return bool(got) and got[-1].startswith(start)


def contact_id(line: Line, phone: str) -> int | None:
    with database(line) as session:
        hashed = DataCipher(line.env()["PEERLINE_DATA_KEY"]).lookup_hash(phone)
        return session.scalar(select(Contact.id).where(Contact.phone_hash == hashed))


def answered_in_the_same_step(line: Line, phone: str, start: str) -> bool:
    """The resources were written in the transaction that processed the crisis text."""
    with database(line) as session:
        who = contact_id(line, phone)
        cipher = DataCipher(line.env()["PEERLINE_DATA_KEY"])
        for row in session.scalars(select(OutboundMessage).where(OutboundMessage.contact_id == who)):
            if body_of(cipher, row).startswith(start) and row.in_reply_to is not None:
                hit = session.scalar(select(CrisisHit).where(CrisisHit.inbound_id == row.in_reply_to))
                return hit is not None
    return False


def test_crisis_mid_check_in_then_mid_relay_from_seeker_and_from_peer(line):
    add_peer(line, PEER, "Sam", "alcohol", "en")
    for body in ["hi", "1", "1"]:  # English, consent: now the mood question
        line.text(SEEKER, body)
    wait_for(lambda: last_text_starts(line, SEEKER, "How are you feeling"), 30, "the mood question")
    seen = len(line.received_by(SEEKER))
    line.text(SEEKER, "honestly i want to die")
    [resources] = news(line, SEEKER, seen)
    assert resources.startswith(RESOURCES)
    assert news(line, ONCALL, 0)[0].startswith(ONCALL_TEXT)
    assert answered_in_the_same_step(line, SEEKER, RESOURCES)
    with database(line) as session:
        [alert] = session.scalars(select(Alert).where(Alert.kind == "crisis")).all()
        assert alert.contact_id == contact_id(line, SEEKER)
        conversation = session.scalars(select(Conversation).where(Conversation.ended_at.is_(None))).one()
        assert conversation.urgent
    # never dropped: the check-in goes on to a peer
    seen = len(line.received_by(SEEKER))
    for body in ["2", "1", "1", "1"]:  # mood 2, alcohol, a peer, share first
        line.text(SEEKER, body)
    peer_seen = len(line.received_by(PEER))
    wait_for(lambda: len(line.received_by(PEER)) > peer_seen, 30, "the offer to the peer")
    line.text(PEER, "1")
    news(line, PEER, peer_seen + 1, 4)  # accepted, and the briefing
    seen = len(line.received_by(SEEKER))
    line.text(PEER, "Two years ago I drank every night. What helped me was a Tuesday meeting.")
    seen += len(news(line, SEEKER, seen, 2))  # the share, and the invitation to reply
    peer_seen = len(line.received_by(PEER))

    line.text(SEEKER, "i have my pills and i'm going to take them all tonight")
    assert news(line, SEEKER, seen)[0].startswith(RESOURCES)
    relayed, guidance = news(line, PEER, peer_seen, 2)
    assert relayed == "i have my pills and i'm going to take them all tonight"
    assert guidance.startswith(GUIDANCE)
    peer_seen += 2

    line.text(PEER, "i want to kill myself too some nights, like right now")
    assert news(line, PEER, peer_seen)[0].startswith(RESOURCES)
    assert answered_in_the_same_step(line, PEER, RESOURCES)
    with database(line) as session:
        relay = session.scalars(select(Relay)).one()
        assert relay.crisis and relay.ended_at is None
        hits = session.scalars(select(CrisisHit).order_by(CrisisHit.id)).all()
        assert [h.party for h in hits] == ["seeker", "seeker", "peer"]
        assert all(h.categories and h.reasons_cipher for h in hits)
        kinds = {(a.kind, a.peer_id is not None) for a in session.scalars(select(Alert))}
        assert ("crisis", True) in kinds  # the peer's own alert
    wait_for(lambda: len(line.received_by(ONCALL)) >= 2, 30, "the on-call text for the peer")


def test_spanish_crisis_gets_spanish_resources(line):
    line.text(SEEKER, "ya no quiero vivir")
    assert wait_for(lambda: line.received_by(SEEKER), 30, "resources")[0].startswith(RECURSOS)


def test_delete_end_to_end_leaves_only_a_tombstone(line):
    bodies = ["hi", "1", "1", "2", "0", "my landlord Zebulon changed the locks"]
    for body in bodies:
        line.text(SEEKER, body)
    handled = select(func.count()).where(InboundMessage.processed_at.is_not(None))
    wait_for(lambda: scalar(line, handled) == len(bodies), 30, "the check-in")
    line.text(SEEKER, "DELETE")
    wait_for(lambda: last_text_starts(line, SEEKER, replies.ERASE_ASK["en"]), 30, "the question")
    line.text(SEEKER, "DELETE")
    wait_for(lambda: last_text_starts(line, SEEKER, replies.ERASING["en"]), 30, "the last text")
    wait_for(lambda: scalar(line, select(Erasure.id)), 60, "the erasure")
    with database(line) as session:
        assert contact_id(line, SEEKER) is None
        assert session.scalars(select(InboundMessage)).all() == []
        assert session.scalars(select(OutboundMessage)).all() == []
        assert session.scalars(select(Conversation)).all() == []
        assert session.scalars(select(Contact)).all() == []
        [tombstone] = session.scalars(select(Erasure)).all()
        assert tombstone.role == "seeker" and tombstone.texts >= 10
