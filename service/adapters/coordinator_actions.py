"""What a coordinator can do from the dashboard: offer a waiting seeker to a chosen peer, pass a
conversation to another peer, close a conversation, text a seeker as "PeerLine coordinator",
and pause, resume or edit a peer (coordinator_peers.py, re-exported here).

Each takes the acting coordinator (`actor`, e.g. "coordinator:7"), opens its own transactions
and holds one person's lock at a time: the other person's part is queued as a job, as handoffs
do, so an action never waits on a worker that waits on it. Each writes an audit event (ids
only, never a number or a text) and returns a sentence for the coordinator; one that cannot be
done raises ActionRefused and changes nothing. Nothing is ever sent to anyone who opted out
(STOP), is erasing themselves (DELETE) or is blocked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.adapters import contacts, handoffs, matching, outbox, peer_events, peer_requests, peers, relays
from service.adapters.conversation_rows import end_all
from service.adapters.conversations import Applied, Host, after_commit
from service.adapters.coordinator_checks import (
    ALREADY_ENDED,
    NOT_WAITING,
    ActionRefused,
    holding,
    host_of,
    leaving,
    offer_refusal,
    refuse_if_cannot_take,
    refuse_if_leaving,
    seekers_conversation,
    the_peer,
)
from service.adapters.coordinator_peers import edit_peer, set_peer_paused
from service.adapters.models import Contact, Conversation, Offer, Peer, PeerRequest, Relay
from service.adapters.runtime import Runtime
from service.core.sms import GSM7_PER_SEGMENT, UCS2_PER_SEGMENT, count_segments

__all__ = ["ActionRefused", "assign", "close", "edit_peer", "reassign", "set_peer_paused", "text_seeker"]
PREFIX = "PeerLine coordinator: "
COORDINATOR_KIND = "coordinator"  # outbox kind: transcripts label these texts
MAX_SEGMENTS = 2
ENDED_BY_COORDINATOR = "ended_by_coordinator"  # the flows' host event, and the end reason
NOT_TALKING = "This seeker is not talking with a peer right now."


def assign(rt: Runtime, request_id: int, peer_id: int, actor: str) -> str:
    """Offer this waiting seeker to the chosen peer now, whatever ranking and topics say; the
    offer is the usual one (same text, accepted by SMS, the first yes wins)."""
    now = rt.clock()
    with rt.db.session() as session:
        request = session.get(PeerRequest, request_id)
        if request is None or request.status != peer_requests.WAITING:
            raise ActionRefused(NOT_WAITING)
        peer = the_peer(session, peer_id)
        refuse_if_cannot_take(session, rt, request.seeker_id, peer, now, request_id, request.language)
        name, contact_id = peer.name, peer.contact_id

    def record(session: Session, offer: Offer) -> None:
        detail: dict[str, object] = {"peer_id": peer_id, "offer_id": offer.id}
        contacts.audit(session, now, actor, "coordinator_assign", "peer_request", request_id, detail)

    why = matching.offer(rt, request_id, peer_id, contact_id, now, vet=_vet(rt, now), record=record)
    if why is not None:
        raise ActionRefused(offer_refusal(why, name))
    return f"Offer sent to {name}."


def reassign(rt: Runtime, conversation_id: int, peer_id: int, actor: str) -> str:
    """Pass a seeker from the peer they are talking with to another: the first peer is told and
    debriefed, the seeker is told and waits again, and the new peer is offered them first."""
    now = rt.clock()
    with rt.db.session() as session:
        relay = relays.of_conversation(session, conversation_id)
        if relay is None:
            raise ActionRefused(NOT_TALKING)
        seeker_id, old_id = relay.seeker_id, relay.peer_id
        new = the_peer(session, peer_id)
        if new.id == old_id:
            raise ActionRefused(f"{new.name} is already the peer in this conversation.")
        language = session.get_one(PeerRequest, relay.request_id).language
        refuse_if_cannot_take(session, rt, seeker_id, new, now, language=language)
        old_name, new_name, new_contact = session.get_one(Peer, old_id).name, new.name, new.contact_id
    with holding(rt, seeker_id), rt.db.session() as session:
        host = host_of(rt, session, seeker_id, conversation_id, now)
        relay = relays.of_conversation(session, conversation_id)
        if relay is None or relay.peer_id != old_id:
            raise ActionRefused(NOT_TALKING)
        relays.end(relay, "reassigned", now)
        if not peer_events.feed_event(host, conversation_id, "peer_left"):  # seeker told, waits again
            raise ActionRefused(NOT_TALKING)  # e.g. saying goodbye already: everything rolls back
        _let_peer_go(host, relay, "peer_reassigned")
        request = peer_requests.waiting_for(session, conversation_id)
        if request is None:
            raise RuntimeError(f"conversation #{conversation_id} went back to finding without a request")
        request.preferred_peer_id = peer_id  # matching ranks them first too, should this offer fail
        request_id = request.id
        detail: dict[str, object] = {
            "relay_id": relay.id,
            "from_peer_id": old_id,
            "to_peer_id": peer_id,
            "request_id": request_id,
        }
        contacts.audit(session, now, actor, "coordinator_reassign", "conversation", conversation_id, detail)
        # Matching and the debrief (which looks for waiting seekers) wait until the new peer has
        # the offer, so no other peer is offered this seeker before them.
        held, host.applied.jobs = host.applied.jobs, []
        applied = host.applied
    after_commit(rt, applied)
    try:
        why = matching.offer(rt, request_id, peer_id, new_contact, now, vet=_vet(rt, now))
        problem = offer_refusal(why, new_name) if why is not None else None
    except ActionRefused as refused:  # they became unable to take it in the meantime
        problem = refused.message
    after_commit(rt, Applied(jobs=held))
    told = f"{old_name} was told and will be debriefed; the seeker was told and is waiting again."
    if problem is not None:
        return f"{told} No offer went to {new_name}: {problem} Matching will look for another peer."
    return f"{told} Offer sent to {new_name}."


def close(rt: Runtime, conversation_id: int, actor: str) -> str:
    """During a peer talk, wrap it up for both and go to the closing check-in; otherwise end
    the conversation, call off its wait and timers, and tell the seeker."""
    now = rt.clock()
    with rt.db.session() as session:
        conversation = seekers_conversation(session, conversation_id)
        if conversation.ended_at is not None:
            raise ActionRefused(ALREADY_ENDED)
        seeker_id = conversation.contact_id
    with holding(rt, seeker_id), rt.db.session() as session:
        host = host_of(rt, session, seeker_id, conversation_id, now)
        relay = relays.of_conversation(session, conversation_id)
        peer_still_here = relay is not None and leaving(_contact_of(session, relay.peer_id)) is None
        if (
            relay is not None
            and peer_still_here
            and peer_events.feed_event(host, conversation_id, ENDED_BY_COORDINATOR)
        ):
            relay.end_reason = ENDED_BY_COORDINATOR  # ended as by DONE, but the record says who
            outcome, said = "talk", "The talk is wrapped up; the seeker goes on to the closing check-in."
        else:
            outcome, said = _end_outside_a_talk(host, relay, now)
        detail: dict[str, object] = {"during": outcome, "relay_id": relay.id if relay else None}
        contacts.audit(session, now, actor, "coordinator_close", "conversation", conversation_id, detail)
        applied = host.applied
    after_commit(rt, applied)
    return said


def text_seeker(rt: Runtime, conversation_id: int, body: str, actor: str) -> str:
    """Text the seeker "PeerLine coordinator: <body>" from the line number they last used."""
    words = body.strip()
    if not words:
        raise ActionRefused("Write the text to send first.")
    count = count_segments(PREFIX + words)
    if count.segments > MAX_SEGMENTS:
        per = GSM7_PER_SEGMENT if count.encoding == "GSM-7" else UCS2_PER_SEGMENT
        limit = MAX_SEGMENTS * per - len(PREFIX)
        why = (
            " (emoji, curly quotes and some letters make a text shorter)" if count.encoding == "UCS-2" else ""
        )
        raise ActionRefused(f"That text is too long for 2 SMS: keep it under {limit} characters{why}.")
    now = rt.clock()
    with rt.db.session() as session:
        seeker_id = seekers_conversation(session, conversation_id).contact_id
    with holding(rt, seeker_id), rt.db.session() as session:  # after a STOP that just came in
        refuse_if_leaving(session.get_one(Contact, seeker_id), "This seeker")
        latest = select(Conversation.line_number).where(Conversation.contact_id == seeker_id)
        line = session.scalar(latest.order_by(Conversation.id.desc()).limit(1)) or rt.settings.numbers[0]
        row = outbox.add(
            session,
            rt.cipher,
            contact_id=seeker_id,
            line_number=line,
            body=PREFIX + words,
            now=now,
            kind=COORDINATOR_KIND,
        )
        session.flush()
        detail: dict[str, object] = {
            "contact_id": seeker_id,
            "outbound_id": row.id,
            "segments": count.segments,
        }
        contacts.audit(session, now, actor, "coordinator_text", "conversation", conversation_id, detail)
        outbound_id = row.id
    outbox.dispatch(rt, [outbound_id])
    return "Text sent to the seeker."


def _vet(rt: Runtime, now: datetime) -> Callable[[Session, PeerRequest, Peer, Contact], None]:
    """matching.offer's last look, under the peer's lock: may they still be offered this seeker?"""

    def vet(session: Session, request: PeerRequest, peer: Peer, contact: Contact) -> None:
        if request.status != peer_requests.WAITING:
            raise ActionRefused(NOT_WAITING)
        refuse_if_cannot_take(session, rt, request.seeker_id, peer, now, request.id, request.language)

    return vet


def _contact_of(session: Session, peer_id: int) -> Contact:
    return session.get_one(Contact, session.get_one(Peer, peer_id).contact_id)


def _let_peer_go(host: Host, relay: Relay, text: str) -> None:
    """The peer of a relay that ended: cooled down after a crisis, told, then debriefed (a job)."""
    peer = host.session.get_one(Peer, relay.peer_id)
    if relay.crisis:
        peer.cooldown_until = host.now + timedelta(minutes=host.rt.settings.crisis_cooldown_minutes)
    if leaving(host.session.get_one(Contact, peer.contact_id)) is None:
        host.send_to(peer.contact_id, relay.peer_number, host.shared_text(text, peers.locale_of(peer)))
        host.applied.later("start_debrief", relay.id)


def _end_outside_a_talk(host: Host, relay: Relay | None, now: datetime) -> tuple[str, str]:
    """End the conversation where it is (a check-in, a wait...): offers withdrawn, timers gone."""
    step = (host.stored.step if host.stored else None) or "?"
    handoffs.stop_waiting(host, peer_requests.CANCELLED)
    if relay is not None and relays.end(relay, ENDED_BY_COORDINATOR, now):
        # A peer said yes a moment ago and is not talking yet (as after DONE then), or is leaving.
        peer = host.session.get_one(Peer, relay.peer_id)
        if leaving(host.session.get_one(Contact, peer.contact_id)) is None:
            host.send_to(
                peer.contact_id, relay.peer_number, host.shared_text("offer_withdrawn", peers.locale_of(peer))
            )
    end_all(host.session, host.contact.id, ENDED_BY_COORDINATOR, now)
    if leaving(host.contact) is not None:
        return step, "Conversation closed. The seeker was not texted: nothing can be sent to them."
    host.send_to(host.contact.id, host.line_number, host.shared_text("closed_by_coordinator"))
    return step, "Conversation closed; the seeker was told."
