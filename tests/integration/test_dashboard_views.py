"""The dashboard's live tables, read from data made on the real SMS path (webhook -> worker ->
outbox) with a fixed clock: the queue, the conversations going on, and the peers' load."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from service.adapters import dashboard_views, matching, peers, transcripts
from service.adapters.models import Alert, Conversation, Peer
from service.core.matching import Need
from tests.integration.test_conversations import MONDAY_10AM_NEW_YORK
from tests.support.peer_line import SEEKER

SAM, RITA, LUCIA = "+15550100101", "+15550100102", "+15550100103"
SECOND, THIRD, FOURTH = "+15551230003", "+15551230004", "+15551230005"
ONCALL = "+15550199999"
NEW_YORK = ZoneInfo("America/New_York")
TUESDAY_9AM_NEW_YORK = datetime(2026, 1, 6, 14, 0, tzinfo=UTC)
CRISIS = "i just want to kill myself tonight"
SHARE = "Two years ago I was drinking every night. What helped me was a Tuesday meeting. How about you?"


@pytest.fixture
def phones(phones):
    phones.configure(oncall_numbers=(ONCALL,))
    return phones


def view(phones, name: str, *args, **kwargs):
    """Call a view as the dashboard does: its own session, the runtime's cipher and taxonomy."""
    rt = phones.runtime
    module = transcripts if name == "conversations" else dashboard_views
    with rt.db.session() as session:
        if name in ("peer_rows", "peer_detail"):
            return getattr(module, name)(session, rt.cipher, rt.taxonomy, *args, rt.clock(), NEW_YORK)
        return getattr(module, name)(session, rt.cipher, rt.taxonomy, rt.clock(), *args, **kwargs)


def test_a_waiting_seeker_shows_with_their_wait_topic_mood_and_who_holds_the_offer(phones):
    phones.add_peer(SAM, "Sam", "alcohol")
    phones.add_peer(RITA, "Rita", "alcohol")
    phones.seeker_asks_for_a_peer(topic="1")  # alcohol, mood 2
    [request] = phones.requests()
    phones.runtime.clock.advance(minutes=7)  # 7 min 20 s after they asked
    [row] = view(phones, "queue")
    assert (row.request_id, row.conversation_id, row.phone_last4) == (
        request.id,
        request.conversation_id,
        "•••• 0002",
    )
    assert (row.waiting_since, row.wait_minutes) == (request.requested_at, 7)
    assert (row.topic_label, row.language, row.mood, row.risk) == ("Alcohol", "en", "2", "")
    assert (row.offers_made, row.refusals, row.pending_offer_peers) == (1, 0, ("Sam",))

    phones.text(SAM, "2")  # Sam passes: Rita is asked next
    [row] = view(phones, "queue")
    assert (row.offers_made, row.refusals, row.pending_offer_peers) == (2, 1, ("Rita",))
    phones.text(RITA, "1")  # Rita takes it: no one is waiting any more
    assert view(phones, "queue") == []


def test_seekers_at_risk_come_first_then_the_longest_waiting(phones):
    phones.add_peer(SAM, "Sam", "alcohol")  # one conversation at a time: busy with the first offer
    for phone in (SEEKER, SECOND, THIRD):
        phones.seeker_asks_for_a_peer(phone)
    phones.mark_urgent(SECOND)
    phones.text(THIRD, CRISIS)  # while waiting: crisis resources, an alert, and priority
    order = [(row.phone_last4, row.risk) for row in view(phones, "queue")]
    assert order == [("•••• 0003", "urgent"), ("•••• 0004", "crisis"), ("•••• 0002", "")]

    with phones.runtime.db.session() as session:  # a coordinator resolves the crisis alert
        session.execute(update(Alert).where(Alert.kind == "crisis").values(status="resolved"))
    risks = {row.phone_last4: row.risk for row in view(phones, "queue")}
    assert risks["•••• 0004"] == "urgent"  # the conversation stays urgent


def test_conversations_show_where_each_seeker_is_and_which_peer_they_talk_with(phones):
    sam = phones.add_peer(SAM, "Sam", "alcohol")
    phones.seeker_asks_for_a_peer()
    phones.text(SAM, "1", SHARE)  # Sam accepts and shares: the two are talking
    phones.text(SECOND, "hi", "1", "1")  # consented: the check-in asks for their mood
    phones.text(ONCALL, "hi")  # an on-call coordinator texting the line is no seeker

    listed = view(phones, "conversations", oncall_numbers=(ONCALL,))
    seen = [(c.phone_last4, c.flow, c.step, c.stage, c.peer_id, c.peer_name, c.topic_label) for c in listed]
    assert seen == [  # the most recent activity first; Sam's own offer flow is not listed
        ("•••• 0003", "check_in", "mood", "check-in", None, "", ""),
        ("•••• 0002", "story_sharing", "exchange", "with a peer", sam, "Sam", "Alcohol"),
    ]
    talking = listed[1]
    [relay] = phones.relays()
    assert phones.runtime.clock() - MONDAY_10AM_NEW_YORK == timedelta(minutes=4, seconds=20)  # 13 texts
    assert talking.started_at == MONDAY_10AM_NEW_YORK and talking.minutes == 4
    assert talking.last_activity_at > relay.started_at and not talking.urgent and talking.channel == "sms"
    assert "•••• 9999" in [c.phone_last4 for c in view(phones, "conversations")]  # unless told who is on call

    phones.text(SEEKER, CRISIS)
    phones.text(SECOND, "3")  # more recent, but the seeker in crisis comes first
    assert [(c.phone_last4, c.urgent) for c in view(phones, "conversations")] == [
        ("•••• 0002", True),
        ("•••• 0003", False),  # the check-in now asks for the topic
    ]  # the on-call coordinator got the crisis alert text: known as on call from then on
    assert view(phones, "conversations")[1].step == "topic"


def test_one_conversation_reads_as_its_row_in_the_list_and_an_unlisted_one_as_none(phones):
    phones.add_peer(SAM, "Sam", "alcohol")
    phones.seeker_asks_for_a_peer()
    phones.text(SAM, "1", SHARE)  # talking with Sam
    phones.seeker_asks_for_a_peer(SECOND)  # waits: Sam, who fits, is busy
    phones.text(ONCALL, "hi")
    listed = view(phones, "conversations", oncall_numbers=(ONCALL,))
    assert [(c.phone_last4, c.stage) for c in listed] == [
        ("•••• 0003", "waiting for a peer"),
        ("•••• 0002", "with a peer"),
    ]
    for row in listed:  # the conversation page's live refresh reads its own row only
        assert view(phones, "conversations", oncall_numbers=(ONCALL,), only=row.conversation_id) == [row]

    waiting = listed[0].conversation_id
    phones.text(SECOND, "STOP")  # their conversation ends
    sam, oncall = phones.contact_ids(SAM, ONCALL)
    [oncall_conversation] = phones.rows(Conversation, contact_id=oncall)
    sams = [c.id for c in phones.rows(Conversation, contact_id=sam)]  # his offer flow
    assert sams
    for unlisted in (waiting, oncall_conversation.id, *sams, 999_999):
        assert view(phones, "conversations", oncall_numbers=(ONCALL,), only=unlisted) == []


def test_a_peers_load_and_answers_are_counted_exactly(phones):
    sam = phones.add_peer(SAM, "Sam", "alcohol")
    # Monday: a 30-minute conversation, then the debrief (fine, no call needed).
    phones.seeker_asks_for_a_peer(SEEKER)
    phones.text(SAM, "1")
    phones.runtime.clock.advance(minutes=30)
    phones.text(SAM, "#end", "4", "2")  # 30 min 20 s after it started
    # Tuesday: one offer passed, one left to run out, one accepted and still going.
    phones.runtime.clock.now = TUESDAY_9AM_NEW_YORK
    phones.seeker_asks_for_a_peer(SECOND)
    phones.text(SAM, "2")
    phones.seeker_asks_for_a_peer(THIRD)
    phones.runtime.clock.advance(minutes=3)
    phones.run_due_timers()
    phones.seeker_asks_for_a_peer(FOURTH)
    phones.text(SAM, "1")
    phones.runtime.clock.advance(minutes=10)  # going for 10 min 20 s
    assert [o.status for o in phones.offers()] == ["accepted", "declined", "expired", "accepted"]

    row = view(phones, "peer_detail", sam)
    assert (row.name, row.phone_last4, row.status, row.confirmed, row.on_shift_now) == (
        "Sam",
        "•••• 0101",
        "available",
        True,
        True,
    )
    assert (row.active_now, row.capacity) == (1, 1)
    assert (row.talks_today, row.minutes_today) == (1, 10)  # Monday's is not today (New York)
    assert (row.minutes_week, row.weekly_cap_minutes) == (40, 720)  # 30 min 20 s + 10 min 20 s
    assert (row.offers, row.accepted, row.acceptance_rate) == (4, 2, 0.5)
    assert row.last_offered_at == phones.offers()[-1].sent_at
    assert [(t.id, t.label) for t in row.topics] == [("alcohol", "Alcohol")]
    with phones.runtime.db.session() as session:  # the same minutes matching holds against the cap
        need = Need(seeker_id=0, topic="alcohol", related=frozenset(), language="en")
        [candidate] = matching.candidates(session, need, phones.runtime.clock())
    assert row.minutes_week == int(candidate.week_minutes)

    phones.runtime.clock.now = datetime(2026, 1, 13, 14, 30, tzinfo=UTC)  # a week on: Monday's drops off
    later = view(phones, "peer_detail", sam)
    assert (later.talks_today, later.minutes_week) == (0, 0)  # the open one began over 7 days ago
    assert later.active_now == 1 and later.offers == 4


def test_every_peer_is_listed_by_name_with_status_shift_and_topics(phones):
    phones.runtime.clock.now = TUESDAY_9AM_NEW_YORK
    sam = phones.add_peer(SAM, "Sam", "alcohol")
    phones.add_peer(RITA, "Rita", "loneliness,grief", shifts="mon-fri 18:00-22:00", capacity=2)
    lucia = phones.add_peer(LUCIA, "Lucía", "depression", "es,en", confirmed=False)
    until = datetime(2026, 1, 6, 20, 0, tzinfo=UTC)
    with phones.runtime.db.session() as session:
        peers.set_status(
            session, session.get_one(Peer, lucia), "paused", until=until, now=phones.runtime.clock()
        )
    rows = view(phones, "peer_rows")
    assert [(r.name, r.status, r.paused_until, r.confirmed, r.on_shift_now) for r in rows] == [
        ("Lucía", "paused", until, False, True),
        ("Rita", "available", None, True, False),  # 9 a.m. in New York: her shift is the evening
        ("Sam", "available", None, True, True),
    ]
    lucia_row, rita, _ = rows
    assert [(t.id, t.label) for t in rita.topics] == [("grief", "Grief / loss"), ("loneliness", "Loneliness")]
    assert (rita.capacity, rita.shifts, rita.timezone) == (2, "mon-fri 18:00-22:00", "America/New_York")
    assert lucia_row.languages == ("es", "en") and rita.acceptance_rate is None and rita.offers == 0
    assert view(phones, "peer_detail", sam) == rows[2]
    assert view(phones, "peer_detail", 9999) is None

    phones.runtime.clock.now = until  # the pause is over
    assert view(phones, "peer_detail", lucia).status == "available"


def test_no_view_shows_a_full_phone_number(phones):
    phones.add_peer(SAM, "Sam", "alcohol")
    phones.add_peer(RITA, "Rita", "grief", confirmed=False)
    phones.seeker_asks_for_a_peer(SEEKER)
    phones.text(SAM, "1", SHARE)
    phones.seeker_asks_for_a_peer(SECOND)  # waits: Sam is busy
    phones.text(SECOND, CRISIS)  # the on-call coordinator is texted
    rt = phones.runtime
    with rt.db.session() as session:
        shown = [
            *view(phones, "queue"),
            *view(phones, "conversations"),
            *view(phones, "peer_rows"),
            *[
                transcripts.read_transcript(
                    session, rt.cipher, c.conversation_id, actor="test", now=rt.clock()
                )
                for c in view(phones, "conversations")
            ],
        ]
    assert {type(row).__name__ for row in shown} == {
        "WaitingSeeker",
        "ActiveConversation",
        "PeerRow",
        "Transcript",
    }
    everything = repr([asdict(row) for row in shown])
    for phone in (SAM, RITA, SEEKER, SECOND, ONCALL):
        assert phone not in everything and phone[2:] not in everything
        assert f"•••• {phone[-4:]}" in everything or phone == ONCALL  # shown masked, where shown
