"""DELETE / BORRAR: a person makes the line forget them.

Saying it once asks; saying it again within ten minutes confirms (core/inbound.py). On
confirmation their wait and conversation end at once, a peer gets no more offers, and the
relay cleanup hands any conversation they were in back: a peer's seeker returns to the queue, a
seeker's peer is told and debriefed. The erasure job then waits until the last text to them has
gone out and those hand-backs have run (the sweeper runs it again until then), and deletes
everything about them in one transaction.
What stays: an anonymous tombstone with counts, the audit events (ids only), and, if they had
opted out, the keyed hash of their number so that STOP keeps stopping everything.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, delete, false, func, or_, select, update
from sqlalchemy.orm import Session

from service.adapters import contacts, handoffs, peer_requests, peers
from service.adapters.conversation_rows import end_all
from service.adapters.models import (
    Alert,
    CheckinSchedule,
    Contact,
    Conversation,
    CrisisHit,
    Erasure,
    InboundMessage,
    KeptOptOut,
    Offer,
    OptOutEvent,
    OutboundMessage,
    Peer,
    PeerBlock,
    PeerRequest,
    PeerTopic,
    Relay,
)
from service.adapters.runtime import Runtime

if TYPE_CHECKING:
    from service.adapters.conversations import Host

log = logging.getLogger(__name__)
HANDBACK_TIME = timedelta(minutes=2)  # the jobs that hand a conversation back run well within this
GIVE_UP_WAITING = timedelta(minutes=15)  # then erase anyway: the erasure must not hang forever
UNSENT = ("pending", "claimed")


def asked(host: Host) -> None:
    host.contact.erase_asked_at = host.now


def confirmed(host: Host) -> None:
    """End what they are part of now; the erasure job does the rest once that has settled."""
    contact, now = host.contact, host.now
    contact.erase_asked_at, contact.erase_confirmed_at = None, now
    handoffs.stop_waiting(host, peer_requests.CANCELLED)
    end_all(host.session, contact.id, "erased", now)
    host.session.execute(delete(CheckinSchedule).where(CheckinSchedule.contact_id == contact.id))
    peer = peers.by_contact(host.session, contact.id)
    if peer is not None and peer.status != "off":
        peers.set_status(host.session, peer, "off", now=now, actor=f"peer:{peer.id}")
    host.applied.later("relay_cleanup")
    host.applied.later("erase_contact_soon", contact.id)
    contacts.audit(host.session, now, "system", "erase_confirmed", "contact", contact.id)


def erase_contact(rt: Runtime, contact_id: int) -> str:
    """The job: erase this person once nothing is under way for them; say what happened."""
    with rt.state.contact_lock(contact_id, wait=True) as lock:
        if lock is None:
            raise RuntimeError("contact busy; the erasure is tried again")
        now = rt.clock()
        with rt.db.session() as session:
            contact = session.get(Contact, contact_id)
            if contact is None or contact.erase_confirmed_at is None:
                return "nothing to erase"
            waited = now - contact.erase_confirmed_at
            if waited < GIVE_UP_WAITING and _under_way(session, contact, now):
                return "waiting"  # the sweeper asks again (every few seconds)
            if waited >= GIVE_UP_WAITING:
                log.error("erasing with work still under way", extra={"contact_id": contact_id})
            counts = erase(session, contact, now)
    log.info("erased", extra={"contact_id": contact_id, **counts})
    return "erased"


def _under_way(session: Session, contact: Contact, now: datetime) -> bool:
    """A text to them still to go (the "we are erasing" one), or a conversation being handed back."""
    unsent = select(OutboundMessage.id).where(
        OutboundMessage.contact_id == contact.id, OutboundMessage.status.in_(UNSENT)
    )
    peer_id = session.scalar(select(Peer.id).where(Peer.contact_id == contact.id))
    recent = or_(Relay.ended_at.is_(None), Relay.ended_at > now - HANDBACK_TIME)
    relays = select(Relay.id).where(_relays_of(contact.id, peer_id), recent)
    offers = select(Offer.id).where(Offer.peer_id == peer_id, Offer.status == peer_requests.PENDING)
    return any(session.scalar(query.limit(1)) is not None for query in (unsent, relays, offers))


def erase(session: Session, contact: Contact, now: datetime) -> dict[str, int]:
    """Delete every row about this person; keep an anonymous tombstone; return its counts."""
    c = contact.id
    peer_id = session.scalar(select(Peer.id).where(Peer.contact_id == c))
    conversations = select(Conversation.id).where(Conversation.contact_id == c).scalar_subquery()
    inbound = select(InboundMessage.id).where(InboundMessage.contact_id == c).scalar_subquery()
    requests = (
        select(PeerRequest.id)
        .where(or_(PeerRequest.seeker_id == c, PeerRequest.conversation_id.in_(conversations)))
        .scalar_subquery()
    )
    relays = _relays_of(c, peer_id, conversations, requests)
    counts = {
        "conversations": _count(session, select(Conversation.id).where(Conversation.contact_id == c)),
        "relays": _count(session, select(Relay.id).where(relays)),
        "texts": _count(session, select(InboundMessage.id).where(InboundMessage.contact_id == c))
        + _count(session, select(OutboundMessage.id).where(OutboundMessage.contact_id == c)),
        "crisis_hits": _count(session, select(CrisisHit.id).where(CrisisHit.contact_id == c)),
    }
    # Others' records keep what is theirs and lose the link to this person.
    session.execute(
        update(CrisisHit).where(CrisisHit.conversation_id.in_(conversations)).values(conversation_id=None)
    )
    session.execute(delete(CrisisHit).where(CrisisHit.contact_id == c))
    # A coordinator's note on the person's alert may speak of them: it goes with them.
    session.execute(update(Alert).where(Alert.contact_id == c).values(contact_id=None, note_cipher=None))
    session.execute(
        update(Alert).where(Alert.conversation_id.in_(conversations)).values(conversation_id=None)
    )
    if peer_id is not None:
        session.execute(update(Alert).where(Alert.peer_id == peer_id).values(peer_id=None, note_cipher=None))
        for column in (PeerRequest.matched_peer_id, PeerRequest.preferred_peer_id):
            session.execute(update(PeerRequest).where(column == peer_id).values({column.key: None}))
    session.execute(delete(Offer).where(or_(Offer.request_id.in_(requests), Offer.peer_id == peer_id)))
    session.execute(delete(Relay).where(relays))
    session.execute(delete(PeerRequest).where(PeerRequest.id.in_(requests)))
    session.execute(delete(PeerBlock).where(or_(PeerBlock.seeker_id == c, PeerBlock.peer_id == peer_id)))
    if peer_id is not None:
        session.execute(delete(PeerTopic).where(PeerTopic.peer_id == peer_id))
        session.execute(delete(Peer).where(Peer.id == peer_id))
    # Their texts, the texts to them, and what was passed on from their texts to anyone else.
    session.execute(
        delete(OutboundMessage).where(
            or_(OutboundMessage.contact_id == c, OutboundMessage.in_reply_to.in_(inbound))
        )
    )
    session.execute(delete(Conversation).where(Conversation.contact_id == c))
    session.execute(delete(CheckinSchedule).where(CheckinSchedule.contact_id == c))
    session.execute(delete(InboundMessage).where(InboundMessage.contact_id == c))
    session.execute(delete(OptOutEvent).where(OptOutEvent.contact_id == c))
    if contact.opted_out:  # STOP keeps stopping everything, even for a number we forgot
        session.merge(KeptOptOut(phone_hash=contact.phone_hash, opted_out_at=contact.opted_out_at or now))
    session.delete(contact)
    role = "peer" if peer_id is not None else "seeker"
    session.add(Erasure(erased_at=now, role=role, **counts))
    contacts.audit(session, now, "system", "erase", "contact", c, {"role": role, **counts})
    return counts


def _relays_of(
    contact_id: int, peer_id: int | None, conversations: Any = None, requests: Any = None
) -> ColumnElement[bool]:
    """Relays this person was in, as the seeker or as the peer."""
    conditions = [Relay.seeker_id == contact_id, Relay.peer_id == peer_id if peer_id is not None else false()]
    if conversations is not None:
        conditions.append(Relay.conversation_id.in_(conversations))
    if requests is not None:
        conditions.append(Relay.request_id.in_(requests))
    return or_(*conditions)


def _count(session: Session, query: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def still_to_erase(session: Session) -> list[int]:
    """Confirmed erasures not done yet (a lost job): the sweeper queues them again."""
    return list(session.scalars(select(Contact.id).where(Contact.erase_confirmed_at.is_not(None))))
