"""What a coordinator's action checks before it changes anything, and the lock it holds.

Every refusal is an ActionRefused whose message a coordinator can act on; raised inside a
transaction, it rolls that transaction back, so a refused action changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.adapters import matching, peer_requests, peers, processing, relays
from service.adapters.conversation_rows import active
from service.adapters.conversations import Host
from service.adapters.models import Contact, Conversation, Offer, Peer, PeerBlock, Relay
from service.adapters.runtime import Runtime

ALREADY_ENDED = "This conversation has already ended."
NOT_WAITING = "This seeker is no longer waiting for a peer."
BUSY = "This conversation is busy with a text right now. Try again in a moment."


class ActionRefused(Exception):
    """The action cannot be done now; `message` says why, for the coordinator. Nothing changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextmanager
def holding(rt: Runtime, contact_id: int) -> Iterator[None]:
    """Hold the person's lock, after their waiting texts (which count first)."""
    try:
        with rt.state.contact_lock(contact_id, wait=True) as lock:
            if lock is None:
                raise ActionRefused(BUSY)
            processing.drain(rt, contact_id, lock)
            yield
    finally:
        # A text that came while we held the lock was left to us, the holder: queue it.
        if processing.next_pending(rt, contact_id) is not None:
            rt.jobs.process_contact(contact_id)


def leaving(contact: Contact) -> str | None:
    """Why nothing may be sent to this person (STOP, DELETE, block list), or None."""
    if contact.opted_out:
        return "has opted out (STOP): nothing can be sent to them"
    if contact.erase_confirmed_at is not None:
        return "asked for their data to be deleted: nothing can be sent to them"
    if contact.blocked_at is not None:
        return "is on the block list: nothing can be sent to them"
    return None


def refuse_if_leaving(contact: Contact, who: str) -> None:
    reason = leaving(contact)
    if reason is not None:
        raise ActionRefused(f"{who} {reason}.")


def the_peer(session: Session, peer_id: int) -> Peer:
    peer = session.get(Peer, peer_id)
    if peer is None:
        raise ActionRefused("There is no such peer.")
    return peer


def seekers_conversation(session: Session, conversation_id: int) -> Conversation:
    """The conversation, if it is a seeker's (a peer's offer or debrief is not closed or texted)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise ActionRefused("There is no such conversation.")
    if peers.by_contact(session, conversation.contact_id) is not None:
        raise ActionRefused("That is a peer's offer or debrief, not a seeker's conversation.")
    return conversation


def host_of(rt: Runtime, session: Session, contact_id: int, conversation_id: int, now: datetime) -> Host:
    """The host of the person's conversation, which must still be this one."""
    host = Host(rt, session, session.get_one(Contact, contact_id), "", now)
    if host.row is None or host.row.id != conversation_id:
        raise ActionRefused(ALREADY_ENDED)
    host.line_number = host.row.line_number
    return host


def refuse_if_cannot_take(
    session: Session,
    rt: Runtime,
    seeker_id: int,
    peer: Peer,
    now: datetime,
    request_id: int | None = None,
    language: str | None = None,
) -> None:
    """Refuse a peer who cannot be offered this seeker now. A coordinator's choice overrides
    ranking, topics, shifts, the weekly cap and a crisis cool-down; never these (nor a language
    the peer does not speak: the two could not understand each other)."""
    name, contact = peer.name, session.get_one(Contact, peer.contact_id)
    refuse_if_leaving(session.get_one(Contact, seeker_id), "This seeker")
    if contact.id == seeker_id:
        raise ActionRefused(f"{name} is the seeker in this conversation.")
    refuse_if_leaving(contact, name)
    if peer.confirmed_at is None:
        raise ActionRefused(f"{name} has not confirmed yet: they must reply ON to the welcome text first.")
    if peer.status == "off":
        raise ActionRefused(f"{name} is off. Resume them first.")
    if peer.status == "paused" and peer.paused_until is not None and peer.paused_until > now:
        raise ActionRefused(f"{name} is {peers.status_text(peer, now)}. Resume them first.")
    if language is not None and language not in peers.split_list(peer.languages):
        label = {"en": "English", "es": "Spanish"}.get(language, language)
        raise ActionRefused(f"{name} does not speak {label}, the seeker's language.")
    if session.get(PeerBlock, (seeker_id, peer.id)) is not None:
        raise ActionRefused(f"This seeker asked never to be matched with {name} again.")
    pending = select(Offer.request_id).where(Offer.peer_id == peer.id, Offer.status == peer_requests.PENDING)
    offers = list(session.scalars(pending))
    if request_id is not None and request_id in offers:
        raise ActionRefused(f"{name} already has this seeker's offer and can still answer it.")
    talks = session.scalar(select(func.count()).where(Relay.peer_id == peer.id, Relay.ended_at.is_(None)))
    if (talks or 0) + len(offers) >= peer.capacity:
        raise ActionRefused(f"{name} is at capacity ({peer.capacity} at a time).")
    if relays.free_number(session, rt.settings.numbers, peer.id) is None:
        raise ActionRefused(f"{name} has no free line number for another conversation.")
    if matching.answering(active(session, contact.id), now):
        raise ActionRefused(offer_refusal(matching.ANSWERING, name))


def offer_refusal(why: str, name: str) -> str:
    """What a coordinator reads when matching.offer could not make the offer after all."""
    return {
        matching.NOT_WAITING: NOT_WAITING,
        matching.NO_NUMBER: f"{name} has no free line number for another conversation.",
        matching.ANSWERING: f"{name} is answering another offer or their debrief. Try again shortly.",
        matching.PHONE_BUSY: f"{name}'s texts are being handled right now. Try again in a moment.",
    }.get(why, f"{name} could not be offered the seeker ({why}).")
