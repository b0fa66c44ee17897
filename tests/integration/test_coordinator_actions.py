"""What a coordinator does from the dashboard, on the real SMS path (webhook -> worker -> outbox):
assign and reassign a peer, close a conversation, text a seeker, pause, resume and edit a peer.

Each action is audited with the coordinator as actor and ids only; a refused one says why and
changes nothing, and sends nothing.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service.adapters import blocklist, timers
from service.adapters import coordinator_actions as actions
from service.adapters.coordinator_actions import ActionRefused
from service.adapters.models import (
    AuditEvent,
    Conversation,
    Offer,
    OutboundMessage,
    Peer,
    PeerBlock,
    PeerRequest,
    PeerTopic,
    Relay,
)
from tests.integration.test_matching import SHARE
from tests.support.peer_line import SEEKER, Phones

SAM, RITA, UNA, OTTO, PIA, STU, BEA, OLA, EVA = (f"+155501001{n:02d}" for n in range(1, 10))
OTHER, THIRD, FOURTH = "+15551230003", "+15551230004", "+15551230005"
SECOND_LINE = "+15005550007"
ME = "coordinator:7"
OFFER_TO_TALK = (
    "A seeker would like to talk: Alcohol, mood 2/5, English. Reply 1 to accept, 2 to pass (within 2 min)."
)
DEBRIEF = "Thank you for being there. How are you after that one"
WITHDRAWN = "Thanks for being available. That seeker no longer needs a peer"
CLOSED = (
    "A PeerLine coordinator has closed this conversation. Text us any time to start again."
    " If you need help now, call or text 988."
)


def everything(phones: Phones) -> tuple[object, ...]:
    """What an action could change: texts, offers, waits, talks, conversations, peers, the audit log."""
    rt = phones.runtime
    with rt.db.session() as s:
        return (
            s.execute(select(OutboundMessage.id, OutboundMessage.status).order_by(OutboundMessage.id)).all(),
            s.execute(select(Offer.id, Offer.status).order_by(Offer.id)).all(),
            s.execute(
                select(PeerRequest.id, PeerRequest.status, PeerRequest.preferred_peer_id).order_by(
                    PeerRequest.id
                )
            ).all(),
            s.execute(select(Relay.id, Relay.ended_at, Relay.end_reason).order_by(Relay.id)).all(),
            s.execute(
                select(Conversation.id, Conversation.ended_at, Conversation.timeout_at).order_by(
                    Conversation.id
                )
            ).all(),
            s.execute(select(Peer.id, Peer.status, Peer.paused_until, Peer.shifts).order_by(Peer.id)).all(),
            s.execute(
                select(PeerTopic.peer_id, PeerTopic.topic).order_by(PeerTopic.peer_id, PeerTopic.topic)
            ).all(),
            s.scalar(select(func.count()).select_from(AuditEvent)),
            len(rt.sender.sent),
        )


def refused(phones: Phones, match: str, action, *args, **kwargs) -> None:
    """The action is refused with a reason the coordinator can act on, and nothing changes."""
    before = everything(phones)
    with pytest.raises(ActionRefused, match=match):
        action(phones.runtime, *args, **kwargs)
    phones.run()  # anything it queued would run now
    assert everything(phones) == before


def audited(phones: Phones, action: str, *private: str) -> dict[str, object]:
    """The action's audit event: by the coordinator, with ids only (no number, no text)."""
    with phones.runtime.db.session() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None and event.actor == ME
    for secret in (SEEKER, OTHER, SAM, RITA, *private):
        assert secret not in event.detail and secret.lstrip("+") not in event.detail
    detail: dict[str, object] = json.loads(event.detail)
    return detail


def talking(phones: Phones, peer: str, seeker: str = SEEKER, topic: str = "1") -> None:
    """The seeker asks for a peer, this peer is offered them, says yes and shares."""
    phones.seeker_asks_for_a_peer(seeker, topic=topic)
    phones.text(peer, "1", SHARE)
    phones.read(seeker), phones.read(peer)


def conversation_of(phones: Phones, phone: str) -> Conversation:
    [contact_id] = phones.contact_ids(phone)
    return phones.rows(Conversation, contact_id=contact_id)[-1]


def test_assign_offers_the_chosen_peer_over_a_better_fit_and_their_yes_connects_them(phones):
    phones.add_peer(SAM, "Sam", "alcohol")
    rita = phones.add_peer(RITA, "Rita", "grief")  # another topic: matching would never offer her
    phones.seeker_asks_for_a_peer()  # alcohol: matching offers Sam
    assert phones.read(SAM) == [OFFER_TO_TALK] and phones.read(RITA) == []
    phones.read(SEEKER)
    [request] = phones.requests(status="waiting")

    assert actions.assign(phones.runtime, request.id, rita, ME) == "Offer sent to Rita."
    assert phones.read(RITA) == [OFFER_TO_TALK]  # the usual offer, answered by SMS
    phones.text(RITA, "1")
    assert phones.read(RITA)[0] == "Thank you. Connecting you now. Your briefing comes next."
    assert phones.read(SEEKER)[0].startswith("We found a peer who has been through something similar")
    assert phones.read(SAM)[0].startswith("Thank you for answering. Another peer got there first")
    assert [(r.peer_id, r.ended_at) for r in phones.relays()] == [(rita, None)]
    [offer] = phones.offers(peer_id=rita)
    assert audited(phones, "coordinator_assign") == {"peer_id": rita, "offer_id": offer.id}


def test_assign_refuses_a_peer_who_may_not_be_offered_and_changes_nothing(phones):
    phones.configure(numbers=(phones.runtime.settings.numbers[0], SECOND_LINE))
    sam = phones.add_peer(SAM, "Sam", "alcohol")
    una = phones.add_peer(UNA, "Una", "grief", confirmed=False)
    otto, pia, stu, bea = (
        phones.add_peer(p, n, "grief") for p, n in ((OTTO, "Otto"), (PIA, "Pia"), (STU, "Stu"), (BEA, "Bea"))
    )
    ola = phones.add_peer(OLA, "Ola", "depression", capacity=2)
    eva = phones.add_peer(EVA, "Eva", "alcohol", languages="es")  # the seeker writes in English
    phones.text(OTTO, "OFF")
    phones.text(PIA, "PAUSE 2h")
    phones.text(STU, "STOP")
    phones.seeker_asks_for_a_peer(OTHER, topic="3")  # depression: Ola is answering this offer
    phones.seeker_asks_for_a_peer()  # alcohol: Sam has this offer
    [seeker_id] = phones.contact_ids(SEEKER)
    with phones.runtime.db.session() as session:
        session.add(PeerBlock(seeker_id=seeker_id, peer_id=bea, at=phones.runtime.clock()))
    for phone in (SAM, UNA, OTTO, PIA, STU, BEA, OLA, EVA, SEEKER, OTHER):
        phones.read(phone)
    [request] = phones.requests(status="waiting", seeker_id=seeker_id)

    refused(phones, "Una has not confirmed yet", actions.assign, request.id, una, ME)
    refused(phones, "^Otto is off. Resume them first.$", actions.assign, request.id, otto, ME)
    refused(phones, "^Pia is paused until Mon .* Resume them first.$", actions.assign, request.id, pia, ME)
    refused(phones, r"^Stu has opted out \(STOP\)", actions.assign, request.id, stu, ME)
    refused(phones, "asked never to be matched with Bea again", actions.assign, request.id, bea, ME)
    refused(phones, "Sam already has this seeker's offer", actions.assign, request.id, sam, ME)
    refused(phones, "Ola is answering another offer", actions.assign, request.id, ola, ME)
    refused(phones, "^Eva does not speak English", actions.assign, request.id, eva, ME)
    refused(phones, "no such peer", actions.assign, request.id, 999, ME)
    phones.text(SEEKER, "DONE")
    refused(phones, "no longer waiting", actions.assign, request.id, ola, ME)
    assert all(phones.read(p) == [] for p in (UNA, OTTO, PIA, STU, BEA, OLA, EVA))


def test_assign_refuses_a_peer_who_cannot_take_an_offer_right_now(phones):
    cal = phones.add_peer(RITA, "Cal", "drugs")
    nia = phones.add_peer(UNA, "Nia", "grief", capacity=2)  # but the line has one number
    dee = phones.add_peer(OTTO, "Dee", "trauma")
    phones.add_peer(SAM, "Sam", "alcohol")
    talking(phones, RITA, OTHER, topic="2")
    talking(phones, UNA, THIRD, topic="5")
    talking(phones, OTTO, FOURTH, topic="8")
    phones.text(OTTO, "#end")  # Dee is asked how she is: her debrief comes before any offer
    assert phones.read(OTTO)[-1].startswith(DEBRIEF)
    phones.seeker_asks_for_a_peer()
    [request] = phones.requests(status="waiting")

    refused(phones, r"^Cal is at capacity \(1 at a time\).$", actions.assign, request.id, cal, ME)
    refused(phones, "^Nia has no free line number", actions.assign, request.id, nia, ME)
    refused(phones, "^Dee is answering another offer or their debrief", actions.assign, request.id, dee, ME)


def test_reassign_passes_the_seeker_to_another_peer_who_is_offered_them_first(phones):
    sam = phones.add_peer(SAM, "Sam", "alcohol")
    rita = phones.add_peer(RITA, "Rita", "grief")
    otto = phones.add_peer(OTTO, "Otto", "alcohol")
    phones.text(OTTO, "OFF")
    phones.read(OTTO)
    talking(phones, SAM)
    conversation = conversation_of(phones, SEEKER)
    refused(phones, "^Sam is already the peer", actions.reassign, conversation.id, sam, ME)
    refused(phones, "^Otto is off", actions.reassign, conversation.id, otto, ME)

    said = actions.reassign(phones.runtime, conversation.id, rita, ME)
    assert said == (
        "Sam was told and will be debriefed; the seeker was told and is waiting again. Offer sent to Rita."
    )
    told = phones.read(SAM)
    assert told[0] == (
        "A coordinator has passed this conversation to another peer. Thank you for being there."
        " You don't need to reply."
    )
    assert told[1].startswith(DEBRIEF)
    assert phones.read(SEEKER) == [
        "We're sorry, your peer had to step away. We're looking for another peer for you now."
        " If you need someone right away, call or text 988, any time."
    ]
    assert phones.read(RITA) == [OFFER_TO_TALK]
    assert [(o.peer_id, o.status) for o in phones.offers(status="pending")] == [(rita, "pending")]
    [request] = phones.requests(status="waiting")
    assert request.preferred_peer_id == rita

    phones.text(RITA, "1")
    assert phones.read(SEEKER)[0].startswith("We found a peer")
    phones.text(RITA, SHARE)
    assert phones.read(SEEKER)[0] == SHARE  # the seeker now talks with Rita
    phones.text(SAM, "4")  # Sam answers his debrief: nothing reaches the seeker
    assert phones.read(SEEKER) == []
    assert [(r.peer_id, r.end_reason) for r in phones.relays()] == [(sam, "reassigned"), (rita, None)]
    detail = audited(phones, "coordinator_reassign")
    assert (detail["from_peer_id"], detail["to_peer_id"]) == (sam, rita)


def test_reassign_is_refused_when_the_seeker_is_not_talking_with_a_peer(phones):
    phones.add_peer(SAM, "Sam", "alcohol")
    rita = phones.add_peer(RITA, "Rita", "grief")
    phones.seeker_asks_for_a_peer()  # waiting: Sam has the offer
    refused(phones, "not talking with a peer", actions.reassign, conversation_of(phones, SEEKER).id, rita, ME)


def test_close_during_a_talk_wraps_it_up_and_runs_the_closing_check_in(phones):
    phones.add_peer(SAM, "Sam", "alcohol")
    talking(phones, SAM)
    conversation = conversation_of(phones, SEEKER)

    said = actions.close(phones.runtime, conversation.id, ME)
    assert said == "The talk is wrapped up; the seeker goes on to the closing check-in."
    seeker, peer = phones.read(SEEKER), phones.read(SAM)
    assert seeker[0] == peer[0] == "Thank you both. This conversation is ending now."
    assert seeker[1].startswith("Thank you for talking. How are you feeling now")
    assert peer[1].startswith(DEBRIEF)
    [relay] = phones.relays()
    assert relay.end_reason == "ended_by_coordinator"
    phones.text(SEEKER, "4")  # the closing check-in goes on
    assert phones.relays()[0].mood_after == 4
    assert phones.read(SEEKER)[0].startswith("Was the peer's story relevant to you?")
    assert audited(phones, "coordinator_close") == {"during": "talk", "relay_id": relay.id}
    assert conversation_of(phones, SEEKER).flow == "closing"  # the same conversation, still going
    actions.close(phones.runtime, conversation.id, ME)  # a second close ends the closing check-in too
    assert phones.read(SEEKER) == [CLOSED] and phones.read(SAM) == []
    refused(phones, "already ended", actions.close, conversation.id, ME)


def test_close_while_waiting_for_a_peer_withdraws_the_offer_and_tells_the_seeker_once(phones):
    phones.add_peer(SAM, "Sam", "alcohol")
    phones.seeker_asks_for_a_peer()
    assert phones.read(SAM) == [OFFER_TO_TALK]
    phones.read(SEEKER)
    conversation = conversation_of(phones, SEEKER)
    assert conversation.timeout_at is not None  # the search's time limit
    refused(phones, "a peer's offer or debrief", actions.close, conversation_of(phones, SAM).id, ME)

    assert actions.close(phones.runtime, conversation.id, ME) == "Conversation closed; the seeker was told."
    assert phones.read(SEEKER) == [CLOSED]
    assert phones.read(SAM)[0].startswith(WITHDRAWN)
    assert [o.status for o in phones.offers()] == ["withdrawn"]
    assert [r.status for r in phones.requests()] == ["cancelled"]
    ended = conversation_of(phones, SEEKER)
    assert (ended.end_reason, ended.timeout_at) == ("ended_by_coordinator", None)
    phones.runtime.clock.advance(minutes=10)
    assert timers.flow_timeout(phones.runtime, conversation.id, conversation.timeout_token or 0) == "ended"
    phones.text(SAM, "1")  # too late to accept: nothing reaches the seeker
    assert phones.read(SEEKER) == [] and phones.relays() == []
    assert audited(phones, "coordinator_close") == {"during": "finding", "relay_id": None}
    refused(phones, "already ended", actions.close, conversation.id, ME)


def test_close_during_the_check_in_ends_it_and_tells_the_seeker(phones):
    phones.text(SEEKER, "hi", "1", "1")  # first contact, then the check-in's first question
    phones.read(SEEKER)
    conversation = conversation_of(phones, SEEKER)
    actions.close(phones.runtime, conversation.id, ME)
    assert phones.read(SEEKER) == [CLOSED]
    phones.runtime.clock.advance(hours=3)
    phones.run_due_timers()
    assert phones.read(SEEKER) == []  # no reminder: its timers went with it


def test_text_seeker_reaches_the_phone_with_the_prefix_from_the_conversations_number(phones):
    phones.configure(numbers=(phones.runtime.settings.numbers[0], SECOND_LINE))
    phones.text(SEEKER, "hi", to=SECOND_LINE)
    phones.read(SEEKER)
    conversation = conversation_of(phones, SEEKER)

    said = actions.text_seeker(phones.runtime, conversation.id, "  How are you doing today?  ", ME)
    assert said == "Text sent to the seeker."
    assert phones.read(SEEKER) == ["PeerLine coordinator: How are you doing today?"]
    [row] = phones.rows(OutboundMessage, kind="coordinator")
    assert row.line_number == SECOND_LINE
    assert audited(phones, "coordinator_text", "How are you") == {
        "contact_id": phones.contact_ids(SEEKER)[0],
        "outbound_id": row.id,
        "segments": 1,
    }
    actions.close(phones.runtime, conversation.id, ME)
    phones.read(SEEKER)
    actions.text_seeker(phones.runtime, conversation.id, "a" * 284, ME)  # 2 segments with the prefix
    assert phones.read(SEEKER) == ["PeerLine coordinator: " + "a" * 284]  # an ended conversation too
    assert phones.numbers_used(SEEKER) == {SECOND_LINE}

    refused(phones, "Write the text", actions.text_seeker, conversation.id, " \n ", ME)
    refused(phones, "under 284 characters", actions.text_seeker, conversation.id, "a" * 285, ME)
    refused(
        phones, "under 112 characters .*emoji", actions.text_seeker, conversation.id, "🙂" + "a" * 120, ME
    )


def test_text_seeker_never_reaches_a_seeker_who_opted_out_or_is_blocked(phones):
    phones.text(SEEKER, "hi", "STOP")
    phones.text(OTHER, "hi")
    with phones.runtime.db.session() as session:
        blocklist.block(session, phones.runtime.cipher, OTHER, "abuse", phones.runtime.clock(), ME)
    phones.read(SEEKER), phones.read(OTHER)
    stopped, blocked = conversation_of(phones, SEEKER), conversation_of(phones, OTHER)
    refused(phones, r"opted out \(STOP\)", actions.text_seeker, stopped.id, "Are you safe?", ME)
    refused(phones, "on the block list", actions.text_seeker, blocked.id, "Are you safe?", ME)
    assert phones.read(SEEKER) == [] and phones.read(OTHER) == []


def test_pausing_a_peer_withdraws_their_offer_and_resuming_makes_them_matchable_again(phones):
    sam = phones.add_peer(SAM, "Sam", "alcohol")
    phones.seeker_asks_for_a_peer()
    assert phones.read(SAM) == [OFFER_TO_TALK]
    phones.read(SEEKER)

    assert (
        actions.set_peer_paused(phones.runtime, sam, True, ME)
        == "Sam is off. No offers until you resume them."
    )
    assert phones.read(SAM)[0].startswith(WITHDRAWN)
    assert [o.status for o in phones.offers()] == ["withdrawn"]
    assert any("no peer is free right now" in text for text in phones.read(SEEKER))  # no one else
    assert audited(phones, "peer_status")["status"] == "off"
    phones.text(SEEKER, "1")  # yes: text me when a peer is free
    phones.read(SEEKER)

    assert actions.set_peer_paused(phones.runtime, sam, False, ME) == "Sam is available."
    assert phones.read(SEEKER)[0].startswith("A peer is free now")
    assert audited(phones, "peer_status")["status"] == "available"

    until = phones.runtime.clock() + timedelta(hours=2)
    said = actions.set_peer_paused(phones.runtime, sam, True, ME, until=until)
    assert said.startswith("Sam is paused until Mon 2026-01-05 12:")
    refused(
        phones,
        "end time in the future",
        actions.set_peer_paused,
        sam,
        True,
        ME,
        until=until - timedelta(hours=3),
    )


def test_editing_a_peers_topics_and_shifts_takes_effect_in_matching(phones):
    rita = phones.add_peer(RITA, "Rita", "grief")
    said = actions.edit_peer(
        phones.runtime, rita, topics=["Alcohol", "grief"], shifts="sat,sun 10:00-14:00", actor=ME
    )
    assert said == "Rita's topics and shifts saved."
    assert audited(phones, "peer_edited") == {"fields": ["topics", "shifts"], "topics": ["alcohol", "grief"]}
    phones.seeker_asks_for_a_peer()  # alcohol, on a Monday morning: Rita is off shift
    assert phones.read(RITA) == []
    assert any("no peer is free right now" in text for text in phones.read(SEEKER))
    phones.text(SEEKER, "1")  # yes: text me when a peer is free
    phones.read(SEEKER)

    refused(
        phones,
        "^Topics: unknown: cooking",
        actions.edit_peer,
        rita,
        topics=["alcohol", "cooking"],
        shifts="",
        actor=ME,
    )
    refused(phones, "^Topics: give at least one", actions.edit_peer, rita, topics=[" "], shifts="", actor=ME)
    refused(
        phones,
        "^Shifts: ",
        actions.edit_peer,
        rita,
        topics=["alcohol"],
        shifts="someday 25:00-26:00",
        actor=ME,
    )

    said = actions.edit_peer(
        phones.runtime, rita, topics=["alcohol", "grief"], shifts="mon-fri 09:00-17:00", actor=ME
    )
    assert said == "Rita's shifts saved."
    assert phones.peer(rita).shifts == "mon-fri 09:00-17:00"
    assert phones.read(SEEKER)[0].startswith("A peer is free now")  # Rita, on shift now, for alcohol
