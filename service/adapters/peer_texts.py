"""Texts from volunteer peers: words for the seeker they are talking with, or for the line.

A peer's text to the number of one of their relays goes to that seeker (after the story-sharing
guidance); any other text is an answer to their offer or debrief, or a command. STOP and HELP
win first, as for everyone. Lock order is always peer, then seeker: the seeker's side never
takes a peer's lock (it queues jobs instead), so two workers cannot wait on each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime

from sqlalchemy.orm import Session

from service.adapters import contacts, peers, relays, safety
from service.adapters.conversations import Applied, Host, after_commit
from service.adapters.intake import body_of
from service.adapters.models import Contact, InboundMessage, Peer, Relay
from service.adapters.runtime import Runtime
from service.core import commands, inbound
from service.core.conversation import PEER, RelayView

log = logging.getLogger(__name__)
MEDIA_NOT_RELAYED = "media_not_relayed"
Claim = Callable[[Session, int, datetime], bool]  # marks a text processed; False if it already was


class _Routed:
    """inbound.decide's handler for peers: no keyword caught the text, so route it."""

    def __init__(self) -> None:
        self.text: str | None = None

    def handle(self, contact: inbound.Contact, text: str, now: datetime) -> list[object]:
        self.text = text
        return []


def process(rt: Runtime, message_id: int, peer_id: int, claim: Claim) -> int:
    """Process one pending text from a peer; `claim` marks it processed (exactly once)."""
    with rt.db.session() as session:
        message = session.get_one(InboundMessage, message_id)
        relay = relays.of_peer_number(session, peer_id, message.line_number)
        seeker_id = relay.seeker_id if relay is not None else None
    seeker_lock = rt.state.contact_lock(seeker_id, wait=True) if seeker_id is not None else nullcontext(True)
    with seeker_lock as held:
        if held is None:
            raise RuntimeError("the seeker's conversation is busy; this text is tried again")
        now = rt.clock()
        with rt.db.session() as session:
            if not claim(session, message_id, now):
                return 0
            message = session.get_one(InboundMessage, message_id)
            peer = session.get_one(Peer, peer_id)
            applied = _handle(rt, session, message, peer, seeker_id, now)
    after_commit(rt, applied)
    return 1


def _handle(
    rt: Runtime,
    session: Session,
    message: InboundMessage,
    peer: Peer,
    locked_seeker: int | None,
    now: datetime,
) -> Applied:
    contact = session.get_one(Contact, peer.contact_id)
    own = Host(rt, session, contact, message.line_number, now)
    own.party = PEER
    text = body_of(rt, message)
    view = inbound.Contact(
        contact.id,
        contact.locale,
        contact.opted_out,
        True,
        own.state(),
        erase_asked_at=contact.erase_asked_at,
    )
    router = _Routed()
    decision = inbound.decide(view, text, own.now, router)
    for effect in decision.effects:
        if isinstance(effect, inbound.SetOptOut):
            contacts.set_opt_out(session, contact, effect.opted_out, effect.reason, own.now)
            if effect.opted_out:
                own.applied.later("relay_cleanup")  # their relays end; each seeker goes back to the queue
    own.apply([e for e in decision.effects if not isinstance(e, inbound.SetOptOut)], in_reply_to=message.id)
    if contact.opted_out and not decision.effects:  # unanswered, but a crisis reaches a coordinator
        safety.scan_unanswered(own, text, message.id, answer=False)
    if router.text is None:
        return own.applied
    relay = relays.of_peer_number(session, peer.id, message.line_number)
    if relay is not None and relay.seeker_id == locked_seeker:
        _to_seeker(own, relay, peer, router.text, message)
    elif peer.confirmed_at is None and not _is_on(rt, router.text):
        own.send_to(
            contact.id, message.line_number, own.shared_text("peer_not_confirmed", peers.locale_of(peer))
        )
    else:
        own.apply(rt.flows.handle_peer(own.state(), router.text, peers.locale_of(peer), own.now), message.id)
    return own.applied


def _is_on(rt: Runtime, text: str) -> bool:
    found = commands.match(rt.flows.flow_set.commands, PEER, text)
    return found is not None and found.command.name == "peer_on"


def _to_seeker(own: Host, relay: Relay, peer: Peer, text: str, message: InboundMessage) -> None:
    """The peer's words for the seeker, through the seeker's conversation (its lock is held)."""
    seeker = own.session.get_one(Contact, relay.seeker_id)
    host = Host(own.rt, own.session, seeker, relay.seeker_number, own.now)
    host.applied = own.applied  # one commit, one set of things to queue after it
    if message.num_media:
        host.send_to(
            peer.contact_id, relay.peer_number, host.shared_text(MEDIA_NOT_RELAYED, peers.locale_of(peer))
        )
        if not text.strip():
            return
    view = RelayView(relay.peer_chars, relay.seeker_chars, frozenset(relay.tips_given.split()))
    host.apply(own.rt.flows.in_relay(host.state(), PEER, text, host.now, view), in_reply_to=message.id)
