"""The masked relay: a seeker and a peer talk through the line's numbers, never seeing each other's.

The seeker texts the number they first wrote to; the peer texts `peer_number`, a line number
used by no other conversation of theirs at the time, so a peer's text to that number belongs to
exactly one relay. Every relayed text goes through the outbox like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.adapters.models import Offer, Peer, PeerBlock, PeerRequest, Relay
from service.core.conversation import Coached
from service.core.flow_engine import Forward

if TYPE_CHECKING:
    from service.adapters.conversations import Host

log = logging.getLogger(__name__)
RELAYED = "relay"  # outbox kind of a text one party wrote to the other


def of_conversation(session: Session, conversation_id: int | None) -> Relay | None:
    if conversation_id is None:
        return None
    return session.scalar(
        select(Relay).where(Relay.conversation_id == conversation_id, Relay.ended_at.is_(None))
    )


def of_peer_number(session: Session, peer_id: int, line_number: str) -> Relay | None:
    return session.scalar(
        select(Relay).where(
            Relay.peer_id == peer_id, Relay.peer_number == line_number, Relay.ended_at.is_(None)
        )
    )


def peer_contact(session: Session, relay: Relay) -> int:
    return session.get_one(Peer, relay.peer_id).contact_id


def other_party(host: Host, party: str) -> tuple[int, str] | None:
    """Where a text for `party` goes from the host's conversation: (contact id, line number)."""
    relay = of_conversation(host.session, host.row.id if host.row else None)
    if relay is None:
        return None
    if party == "peer":
        return peer_contact(host.session, relay), relay.peer_number
    return relay.seeker_id, relay.seeker_number


def forward(host: Host, effect: Forward, in_reply_to: int | None) -> None:
    """Pass one party's words to the other, counting who writes how much (for the guidance)."""
    relay = of_conversation(host.session, host.row.id if host.row else None)
    if relay is None:
        log.error("nothing to relay through", extra={"contact_id": host.contact.id})
        return
    if not effect.text.strip():
        return  # a picture with no words: the sender is told pictures are not passed on
    if effect.to == "peer":
        relay.seeker_chars += len(effect.text)
        to = (peer_contact(host.session, relay), relay.peer_number)
    else:
        relay.peer_chars += len(effect.text)
        to = (relay.seeker_id, relay.seeker_number)
    host.send_to(*to, effect.text, in_reply_to, RELAYED)


def free_number(session: Session, numbers: tuple[str, ...], peer_id: int) -> str | None:
    """A line number this peer is not using for another conversation or offer, or None."""
    in_use = set(
        session.scalars(select(Relay.peer_number).where(Relay.peer_id == peer_id, Relay.ended_at.is_(None)))
    )
    in_use |= set(
        session.scalars(select(Offer.line_number).where(Offer.peer_id == peer_id, Offer.status == "pending"))
    )
    return next((n for n in numbers if n not in in_use), None)


def end(relay: Relay, reason: str, now: datetime) -> bool:
    """End the relay; False if it had ended already (a second ending changes nothing)."""
    if relay.ended_at is not None:
        return False
    relay.ended_at, relay.end_reason = now, reason
    return True


def coached(host: Host, effect: Coached) -> None:
    """Remember the tips a peer got (each is given once per conversation); log holds by reason."""
    relay = of_conversation(host.session, host.row.id if host.row else None)
    if relay is None:
        return
    if effect.held:
        log.info("share held for rewording", extra={"relay_id": relay.id, "reason": effect.reason})
    else:
        relay.tips_given = " ".join(sorted({*relay.tips_given.split(), effect.reason}))


def mark_crisis(host: Host) -> None:
    """Crisis words in this conversation: the peer cools down after it, a waiting seeker goes first."""
    conversation_id = host.row.id if host.row else None
    relay = of_conversation(host.session, conversation_id)
    if relay is not None:
        relay.crisis = True
    if conversation_id is not None:
        host.session.execute(
            update(PeerRequest)
            .where(PeerRequest.conversation_id == conversation_id, PeerRequest.status == "waiting")
            .values(urgent=True)
        )


RATINGS = ("mood_after", "relevance")  # closing answers, stored under the same names


def record_ratings(session: Session, conversation_id: int, values: Mapping[str, str]) -> None:
    """The seeker's closing answers go on the relay they rate; they feed matching."""
    relay = session.scalar(
        select(Relay)
        .where(Relay.conversation_id == conversation_id)
        .order_by(Relay.started_at.desc())
        .limit(1)
    )
    if relay is None:
        return
    for name in RATINGS:
        if values.get(name, "").isdigit():
            setattr(relay, name, int(values[name]))
    again = values.get("same_peer_again")
    if again in ("yes", "no", "never"):
        relay.same_peer_again = again == "yes"
    if again == "never" and session.get(PeerBlock, (relay.seeker_id, relay.peer_id)) is None:
        session.add(
            PeerBlock(seeker_id=relay.seeker_id, peer_id=relay.peer_id, at=relay.ended_at or relay.started_at)
        )
