"""Transcripts as a supervisor reads them: the seeker's texts both ways, in order, with who wrote
each; every read is in the audit log (ids only); purged texts say so. Real SMS path, fixed clock."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from service.adapters import coordinator_actions, retention, transcripts
from service.adapters.models import AuditEvent, Conversation
from tests.integration.test_conversations import MONDAY_10AM_NEW_YORK
from tests.support.peer_line import SEEKER

SAM = "+15550100101"
SHARE = "Two years ago I was drinking every night. What helped me was a Tuesday meeting. How about you?"
CRISIS = "i just want to kill myself tonight"
ASKS_FOR_A_PEER = ["hi", "1", "1", "2", "1", "1", "1"]  # as Phones.seeker_asks_for_a_peer texts them


def read(phones, conversation_id: int, actor: str = "coordinator:7", **options):
    rt = phones.runtime
    with rt.db.session() as session:
        return transcripts.read_transcript(
            session, rt.cipher, conversation_id, actor=actor, now=rt.clock(), taxonomy=rt.taxonomy, **options
        )


def reads(phones) -> list[AuditEvent]:
    with phones.runtime.db.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == "transcript_read").order_by(AuditEvent.id)
        return list(session.scalars(query))


def conversation_ids(phones, phone: str) -> list[int]:
    [contact_id] = phones.contact_ids(phone)
    return [c.id for c in phones.rows(Conversation, contact_id=contact_id)]


def test_a_transcript_has_every_text_in_order_with_who_wrote_it(phones):
    phones.add_peer(SAM, "Sam", "alcohol")
    phones.seeker_asks_for_a_peer()
    phones.text(SAM, "1", SHARE)
    phones.text(SEEKER, "Thanks. I relapsed last week.")
    phones.text(SAM, "That sounds hard. What happened?")
    [conversation_id] = conversation_ids(phones, SEEKER)
    coordinator_actions.text_seeker(phones.runtime, conversation_id, "How are you doing?", "coordinator:7")

    transcript = read(phones, conversation_id)
    entries = [(e.who, e.text) for e in transcript.entries]
    sent = ["hi", "1", "1", "2", "1", "1", "1", "Thanks. I relapsed last week."]
    assert [text for who, text in entries if who == "seeker"] == sent
    assert [text for who, text in entries if who != "seeker"] == phones.read(SEEKER)  # all they got, in order
    assert entries[:2] == [("seeker", "hi"), ("line", phones.runtime.sender.bodies_to(SEEKER)[0])]
    assert entries[-5:] == [
        ("peer", SHARE),
        ("line", "That's a bit of their story. Your turn, if you'd like: what's been going on for you?"
         " Just reply here."),
        ("seeker", "Thanks. I relapsed last week."),
        ("peer", "That sounds hard. What happened?"),
        ("coordinator", "PeerLine coordinator: How are you doing?"),
    ]  # fmt: skip
    assert [e.at for e in transcript.entries] == sorted(e.at for e in transcript.entries)
    assert (transcript.phone_last4, transcript.flow, transcript.flows_run) == (
        "•••• 0002",
        "story_sharing",
        ("first_contact", "check_in", "story_sharing"),
    )
    assert (transcript.peer_name, transcript.topic_label, transcript.crisis_hits) == ("Sam", "Alcohol", 0)
    assert (transcript.started_at, transcript.ended_at) == (MONDAY_10AM_NEW_YORK, None)


def test_each_read_is_audited_once_with_ids_and_never_text(phones):
    phones.seeker_asks_for_a_peer()  # no peer at all: told so, and asked whether to hear later
    [conversation_id] = conversation_ids(phones, SEEKER)
    [contact_id] = phones.contact_ids(SEEKER)
    assert reads(phones) == []
    read(phones, conversation_id, actor="coordinator:7")
    read(phones, conversation_id, actor="coordinator:9")
    events = reads(phones)
    assert [(e.actor, e.subject_type, e.subject_id) for e in events] == [
        ("coordinator:7", "conversation", conversation_id),
        ("coordinator:9", "conversation", conversation_id),
    ]
    assert [json.loads(e.detail) for e in events] == [{"contact_id": contact_id}] * 2

    assert read(phones, conversation_id + 1000) is None  # nothing to read: nothing recorded
    assert len(reads(phones)) == 2


def test_a_transcript_covers_its_own_conversation_only_and_counts_crisis_hits(phones):
    phones.text(SEEKER, "hi", "1", "1", CRISIS, "DONE")  # a crisis in the check-in, then they stop
    phones.runtime.clock.advance(hours=2)
    phones.text(SEEKER, "hello again")
    first, second = conversation_ids(phones, SEEKER)

    earlier = read(phones, first)
    said = [e.text for e in earlier.entries if e.who == "seeker"]
    assert said == ["hi", "1", "1", CRISIS, "DONE"]
    assert earlier.entries[-1].who == "line" and earlier.ended_at is not None
    assert (earlier.crisis_hits, earlier.urgent, earlier.topic_label, earlier.peer_name) == (1, True, "", "")
    later = read(phones, second)
    opening = later.entries[0]
    assert (opening.who, opening.text) == ("seeker", "hello again")
    assert later.crisis_hits == 0 and later.ended_at is None


def test_texts_purged_after_the_retention_period_are_marked_removed(phones):
    phones.text(SEEKER, "hi", "1", "2")  # says no at the consent question: the conversation ends
    [conversation_id] = conversation_ids(phones, SEEKER)
    rt = phones.runtime
    rt.clock.advance(days=31)
    with rt.db.session() as session:
        retention.purge(session, rt.clock(), 30, "system")
    transcript = read(phones, conversation_id, retention_days=30)
    assert [(e.who, e.text, e.removed) for e in transcript.entries][:3] == [
        ("seeker", None, "removed after 30 days"),
        ("line", None, "removed after 30 days"),
        ("seeker", None, "removed after 30 days"),
    ]
    assert all(e.text is None for e in transcript.entries)
    assert transcript.started_at == MONDAY_10AM_NEW_YORK
    assert transcript.ended_at == MONDAY_10AM_NEW_YORK + timedelta(seconds=40)


def test_a_peers_own_conversation_reads_from_the_peers_side(phones):
    phones.add_peer(SAM, "Sam", "alcohol")
    phones.seeker_asks_for_a_peer()
    phones.text(SAM, "1")
    offer_flow = conversation_ids(phones, SAM)[0]
    entries = [(e.who, e.text) for e in read(phones, offer_flow).entries]
    assert entries[0][0] == "line" and entries[0][1].startswith("A seeker would like to talk")
    assert ("peer", "1") in entries and "seeker" not in {who for who, _ in entries}
