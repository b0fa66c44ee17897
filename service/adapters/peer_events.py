"""Jobs that carry news from one person's conversation into another's, under that person's lock.

A peer said yes: connect the seeker. Another peer was first, or the seeker left: close the
peer's offer. A relay ended: start the peer's debrief. The peer had to leave: put the seeker
back in the queue. No one could take the seeker: tell them honestly and alert a coordinator.
Each is safe to run twice or late: it checks the conversation is still where the news fits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from service.adapters import alerts, contacts, outbox, peer_requests, peers, processing, relays
from service.adapters.conversations import Host, after_commit
from service.adapters.matching import LANGUAGE_LABELS
from service.adapters.models import Contact, Conversation, Offer, Peer, PeerRequest, Relay
from service.adapters.runtime import Runtime
from service.core.conversation import StateChanged

log = logging.getLogger(__name__)
PEER_DEBRIEF = "peer_debrief"


def _under_lock(rt: Runtime, contact_id: int, work: Callable[[Host], str]) -> str:
    """Run `work` with the person's lock held, after their waiting texts (which count first)."""
    with rt.state.contact_lock(contact_id, wait=True) as lock:
        if lock is None:
            raise RuntimeError("contact busy; the job is retried")
        processing.drain(rt, contact_id, lock)
        with rt.db.session() as session:
            contact = session.get_one(Contact, contact_id)
            host = Host(rt, session, contact, "", rt.clock())
            if host.row is not None:
                host.line_number = host.row.line_number
            outcome = work(host)
            applied = host.applied
    after_commit(rt, applied)
    if processing.next_pending(rt, contact_id) is not None:
        rt.jobs.process_contact(contact_id)
    return outcome


def feed_event(host: Host, conversation_id: int, name: str, values: dict[str, str] | None = None) -> bool:
    """Feed a host event into the conversation; False if it no longer fits (it changed nothing)."""
    state = host.rt.flows.resume(host.state())
    if host.row is None or host.row.id != conversation_id or state is None:
        return False
    outcome = host.rt.flows.engine.event(state, name, host.now, values)
    if outcome.state == state:
        return False
    host.apply([*outcome.effects, StateChanged(outcome.state, new=False)])
    return True


def connect_seeker(rt: Runtime, relay_id: int) -> str:
    with rt.db.session() as session:
        seeker_id = session.get_one(Relay, relay_id).seeker_id

    def work(host: Host) -> str:
        relay = host.session.get_one(Relay, relay_id)
        if relay.ended_at is not None:
            return "ended"
        state = host.state()
        locale = state.locale if state else "en"
        topic = host.rt.taxonomy.get(relay.topic)
        values = {"language_label": LANGUAGE_LABELS.get(locale, locale)}
        if topic is not None:
            values["topic_label"] = topic.labels.get(locale, topic.id)
        if feed_event(host, relay.conversation_id, "peer_found", values):
            return "connected"
        relays.end(relay, "seeker_left", host.now)  # they finished while the peer was saying yes
        peer = host.session.get_one(Peer, relay.peer_id)
        text = host.shared_text("offer_withdrawn", peers.locale_of(peer))
        host.send_to(peer.contact_id, relay.peer_number, text)
        return "seeker gone"

    return _under_lock(rt, seeker_id, work)


def close_offer(rt: Runtime, offer_id: int, event: str) -> str:
    """Tell a peer who has not answered that their offer is taken or withdrawn."""
    with rt.db.session() as session:
        offer = session.get_one(Offer, offer_id)
        contact_id = session.get_one(Peer, offer.peer_id).contact_id

    def work(host: Host) -> str:
        state = host.state()
        if state is None or state.values.get("offer_id") != str(offer_id):
            return "not waiting"
        return "closed" if feed_event(host, host.row.id if host.row else 0, event) else "answered"

    return _under_lock(rt, contact_id, work)


def start_debrief(rt: Runtime, relay_id: int) -> str:
    with rt.db.session() as session:
        relay = session.get_one(Relay, relay_id)
        peer = session.get_one(Peer, relay.peer_id)
        contact_id, locale, line = peer.contact_id, peers.locale_of(peer), relay.peer_number

    def work(host: Host) -> str:
        contact = host.contact
        if host.row is not None or contact.opted_out or contact.blocked_at or contact.erase_confirmed_at:
            host.applied.later("match_waiting")
            return "busy"  # in an offer or a debrief (that one comes first), or leaving the line
        host.line_number = line
        host.apply(host.rt.flows.start(PEER_DEBRIEF, locale, host.now))
        host.applied.later("match_waiting")  # after the debrief has begun: an offer waits for it
        return "started"

    return _under_lock(rt, contact_id, work)


def peer_left(rt: Runtime, relay_id: int) -> str:
    """The peer stopped (STOP) mid-conversation: the seeker is told and goes back to the queue."""
    with rt.db.session() as session:
        relay = session.get_one(Relay, relay_id)
        seeker_id, conversation_id, request_id = relay.seeker_id, relay.conversation_id, relay.request_id

    def work(host: Host) -> str:
        if feed_event(host, conversation_id, "peer_left"):
            return "requeued"
        state = host.state()
        if host.row is not None and host.row.id == conversation_id and state and state.step == "finding":
            # They stopped between saying yes and being connected: the seeker just keeps waiting.
            peer_requests.reopen(host.session, request_id)
            host.applied.later("match_waiting")
            return "search reopened"
        return "gone"

    return _under_lock(rt, seeker_id, work)


def search_ended(rt: Runtime, request_id: int) -> str:
    """No peer could take the seeker: the flow says so (with 988) and a coordinator is alerted."""
    with rt.db.session() as session:
        request = session.get_one(PeerRequest, request_id)
        seeker_id, conversation_id = request.seeker_id, request.conversation_id

    def work(host: Host) -> str:
        if not feed_event(host, conversation_id, "no_peer"):
            return "gone"
        alerts.raise_alert(host, "no_peer", contact_id=host.contact.id)
        return "told"

    return _under_lock(rt, seeker_id, work)


def cleanup(rt: Runtime) -> int:
    """Loose ends after opt-outs, erasures, blocks and crashes: relays whose peer left the line
    (the seeker goes back to the queue) or whose seeker's conversation ended (the peer is told
    and debriefed), and waits whose conversation ended (open offers withdrawn). Run by the
    sweeper and after STOP, DELETE and a block."""
    now = rt.clock()
    jobs: list[tuple[str, tuple[int | str, ...]]] = []
    with rt.db.session() as session:
        active = select(Relay).where(Relay.ended_at.is_(None))
        for relay in session.scalars(
            active.join(Peer, Peer.id == Relay.peer_id)
            .join(Contact, Contact.id == Peer.contact_id)
            .where(contacts.leaving())
        ):
            relays.end(relay, "peer_left_line", now)
            jobs.append(("peer_left", (relay.id,)))
        for relay in session.scalars(
            active.join(Conversation, Conversation.id == Relay.conversation_id).where(
                Conversation.ended_at.is_not(None)
            )
        ):
            relays.end(relay, "seeker_left", now)
            peer = session.get_one(Peer, relay.peer_id)
            if relay.crisis:
                peer.cooldown_until = now + timedelta(minutes=rt.settings.crisis_cooldown_minutes)
            text = rt.flows.shared_text("seeker_left", peers.locale_of(peer))
            row = outbox.add(
                session,
                rt.cipher,
                contact_id=peer.contact_id,
                line_number=relay.peer_number,
                body=text,
                now=now,
            )
            session.flush()
            jobs += [("send_outbound", (row.id,)), ("start_debrief", (relay.id,))]  # then matching
        for offer in session.scalars(
            select(Offer)
            .join(Peer, Peer.id == Offer.peer_id)
            .join(Contact, Contact.id == Peer.contact_id)
            .where(Offer.status == peer_requests.PENDING, contacts.leaving())
        ):
            if peer_requests.refuse(session, offer.id, "declined", now):
                jobs.append(("match_waiting", ()))
        for request in session.scalars(
            select(PeerRequest)
            .join(Conversation, Conversation.id == PeerRequest.conversation_id)
            .where(PeerRequest.status == peer_requests.WAITING, Conversation.ended_at.is_not(None))
        ):
            jobs += [
                ("close_offer", (offer_id, "offer_withdrawn"))
                for offer_id in peer_requests.close(session, request, peer_requests.CANCELLED, now)
            ]
    for job, args in jobs:
        getattr(rt.jobs, job)(*args)
    return len(jobs)
