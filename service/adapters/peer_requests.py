"""The matching queue's state changes: a seeker starts waiting, offers are answered, a wait ends.

Each runs in the caller's transaction. Decisions two workers could race on (two peers saying yes
at the same moment) are conditional UPDATEs: exactly one of them changes the row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.adapters.db import rows_changed
from service.adapters.models import Contact, Conversation, Offer, PeerRequest, Relay
from service.core.topic_classifier import Taxonomy, classify

WAITING, MATCHED, NO_PEER, CANCELLED = "waiting", "matched", "no_peer", "cancelled"
PENDING = "pending"


def topic_of(values: Mapping[str, str], taxonomy: Taxonomy, locale: str) -> str:
    """The topic the seeker picked from the menu, or the best guess from their own words."""
    picked = values.get("topic", "")
    if taxonomy.get(picked) is not None:
        return picked
    found = classify(values.get("topic_text", ""), taxonomy, locale)
    return found[0].topic if found else ""


def open_request(
    session: Session,
    conversation: Conversation,
    seeker: Contact,
    *,
    topic: str,
    mood: str,
    locale: str,
    now: datetime,
) -> PeerRequest:
    """Put the seeker in the queue; the peer they asked to talk with again comes first."""
    last = session.scalar(
        select(Relay).where(Relay.seeker_id == seeker.id).order_by(Relay.started_at.desc()).limit(1)
    )
    request = PeerRequest(
        conversation_id=conversation.id,
        seeker_id=seeker.id,
        topic=topic,
        language=locale,
        mood=mood[:2],
        urgent=conversation.urgent,
        preferred_peer_id=last.peer_id if last is not None and last.same_peer_again else None,
        status=WAITING,
        widened=False,
        offers_made=0,
        refusals=0,
        requested_at=now,
    )
    session.add(request)
    session.flush()
    return request


def waiting_for(session: Session, conversation_id: int) -> PeerRequest | None:
    return session.scalar(
        select(PeerRequest).where(
            PeerRequest.conversation_id == conversation_id, PeerRequest.status == WAITING
        )
    )


def close(session: Session, request: PeerRequest, status: str, now: datetime) -> list[int]:
    """End a wait (cancelled, no peer); return the offers still open, now withdrawn."""
    request.status, request.resolved_at = status, now
    open_offers = list(
        session.scalars(select(Offer).where(Offer.request_id == request.id, Offer.status == PENDING))
    )
    for offer in open_offers:
        offer.status, offer.answered_at = "withdrawn", now
    return [offer.id for offer in open_offers]


@dataclass(frozen=True)
class Accepted:
    won: bool
    relay: Relay | None = None
    others: tuple[int, ...] = ()  # offers to the same seeker that are now taken


def accept(session: Session, offer_id: int, now: datetime) -> Accepted:
    """The peer said yes. The first yes for a still-waiting seeker wins and opens the relay."""
    if not _lock_request_of(session, offer_id):
        return Accepted(False)
    took_offer = rows_changed(
        session.execute(
            update(Offer)
            .where(Offer.id == offer_id, Offer.status == PENDING)
            .values(status="accepted", answered_at=now)
        )
    )
    if not took_offer:
        return Accepted(False)  # withdrawn or taken while they were typing
    offer = session.get_one(Offer, offer_id)
    won = rows_changed(
        session.execute(
            update(PeerRequest)
            .where(PeerRequest.id == offer.request_id, PeerRequest.status == WAITING)
            .values(status=MATCHED, matched_peer_id=offer.peer_id, resolved_at=now)
        )
    )
    if not won:
        offer.status = "taken"
        return Accepted(False)
    request = session.get_one(PeerRequest, offer.request_id)
    conversation = session.get_one(Conversation, request.conversation_id)
    relay = Relay(
        conversation_id=conversation.id,
        request_id=request.id,
        seeker_id=request.seeker_id,
        peer_id=offer.peer_id,
        seeker_number=conversation.line_number,
        peer_number=offer.line_number,
        topic=request.topic,
        started_at=now,
        crisis=conversation.urgent,
        seeker_chars=0,
        peer_chars=0,
        tips_given="",
        mood_before=int(request.mood) if request.mood.isdigit() else None,
    )
    session.add(relay)
    others = list(
        session.scalars(select(Offer).where(Offer.request_id == request.id, Offer.status == PENDING))
    )
    for other in others:
        other.status, other.answered_at = "taken", now
    session.flush()
    return Accepted(True, relay, tuple(o.id for o in others))


def reopen(session: Session, request_id: int) -> None:
    """The matched peer left before the two were connected: the seeker waits again."""
    request = session.get_one(PeerRequest, request_id)
    request.status, request.matched_peer_id, request.resolved_at = WAITING, None, None


def refuse(session: Session, offer_id: int, status: str, now: datetime) -> bool:
    """The peer passed or let the offer run out; count it against the wait (to widen later)."""
    if not _lock_request_of(session, offer_id):
        return False
    offer = session.get(Offer, offer_id)
    if offer is None or offer.status != PENDING:
        return False
    offer.status, offer.answered_at = status, now
    request = session.get_one(PeerRequest, offer.request_id)
    request.refusals += 1
    return True


def _lock_request_of(session: Session, offer_id: int) -> bool:
    """Lock the offer's request row first: every change to a request and its offers takes the
    request, then the offers, so two peers answering at once wait in turn, never in a circle."""
    request_id = session.scalar(select(Offer.request_id).where(Offer.id == offer_id))
    if request_id is None:
        return False
    session.execute(select(PeerRequest.id).where(PeerRequest.id == request_id).with_for_update())
    return True
