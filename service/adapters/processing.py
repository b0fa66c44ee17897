"""Process a contact's inbound texts one at a time, in arrival order, exactly once.

A worker takes the contact's lock and works through its pending texts oldest first. Each text
is handled in one transaction that marks it processed and records its replies in the outbox,
so a crash either loses nothing or has done everything. After releasing the lock the worker
looks once more: a text that arrived while another worker held the lock is never stranded.
"""

from __future__ import annotations

import logging
from datetime import datetime

from redis.lock import Lock
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.adapters import (
    bursts,
    contacts,
    conversations,
    handoffs,
    peer_requests,
    peer_texts,
    relays,
    safety,
)
from service.adapters.db import rows_changed
from service.adapters.intake import body_of
from service.adapters.models import Contact, InboundMessage, Peer
from service.adapters.runtime import Runtime
from service.core import inbound
from service.core.conversation import PEER
from service.core.keywords import Keyword, classify

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def next_pending(rt: Runtime, contact_id: int) -> int | None:
    with rt.db.session() as session:
        return session.scalar(
            select(InboundMessage.id)
            .where(InboundMessage.contact_id == contact_id, InboundMessage.processed_at.is_(None))
            .order_by(InboundMessage.id)
            .limit(1)
        )


def process_contact(rt: Runtime, contact_id: int) -> int:
    """Process every pending text of this contact; return how many this call handled."""
    handled = 0
    while next_pending(rt, contact_id) is not None:
        with rt.state.contact_lock(contact_id) as lock:
            if lock is None:
                return handled  # the holder re-checks after it lets go
            done, held_back = _drain(rt, contact_id, lock)
            handled += done
        if held_back:
            return handled  # over the rate limit: a job is queued for when the next may go
    return handled


def drain(rt: Runtime, contact_id: int, lock: Lock) -> int:
    """With the contact's lock held, process their pending texts oldest first."""
    return _drain(rt, contact_id, lock)[0]


def _drain(rt: Runtime, contact_id: int, lock: Lock) -> tuple[int, bool]:
    """Process pending texts oldest first, at most the rate limit a minute: the rest wait,
    stored, for a job queued at the time the next may go. Says how many, and if any wait."""
    handled = 0
    while (message_id := next_pending(rt, contact_id)) is not None:
        resume_at = bursts.hold_back(rt, contact_id)
        if resume_at is not None:
            rt.jobs.process_contact(contact_id, at=resume_at)
            return handled, True
        handled += _process_or_set_aside(rt, message_id)
        lock.reacquire()  # keep the lock alive through a long batch
    return handled, False


def _process_or_set_aside(rt: Runtime, message_id: int) -> int:
    """Process one text; after MAX_ATTEMPTS failures, set it aside so the phone's next texts go on."""
    try:
        return _process_one(rt, message_id)
    except Exception:
        with rt.db.session() as session:
            message = session.get_one(InboundMessage, message_id)
            message.processing_attempts += 1
            give_up = message.processing_attempts >= MAX_ATTEMPTS
            if give_up:
                message.processed_at, message.failed = rt.clock(), True
        log.exception("inbound processing failed", extra={"inbound_id": message_id, "set_aside": give_up})
        if give_up:
            return 0
        raise  # the job fails; the sweeper tries again


def claim(session: Session, message_id: int, now: datetime) -> bool:
    """Mark the text processed; False if anyone else already did (then do nothing at all)."""
    return (
        rows_changed(
            session.execute(
                update(InboundMessage)
                .where(InboundMessage.id == message_id, InboundMessage.processed_at.is_(None))
                .values(processed_at=now)
            )
        )
        == 1
    )


def _process_one(rt: Runtime, message_id: int) -> int:
    with rt.db.session() as session:
        blocked, peer_id = session.execute(
            select(Contact.blocked_at, Peer.id)
            .join(InboundMessage, InboundMessage.contact_id == Contact.id)
            .outerjoin(Peer, Peer.contact_id == Contact.id)
            .where(InboundMessage.id == message_id)
        ).one()
    if blocked is not None:
        return _process_blocked(rt, message_id, is_peer=peer_id is not None)
    if peer_id is not None:  # a volunteer: their texts go to a seeker, or are for the line
        return peer_texts.process(rt, message_id, peer_id, claim)
    now = rt.clock()
    with rt.db.session() as session:
        if not claim(session, message_id, now):
            return 0
        message, contact, host = _opened(rt, session, message_id, now)
        text = body_of(rt, message)
        view = inbound.Contact(
            id=contact.id,
            locale=contact.locale,
            opted_out=contact.opted_out,
            consented=contact.consented_at is not None,
            conversation=host.state(),
            checkins=host.checkins(),
            erase_asked_at=contact.erase_asked_at,
        )
        decision = inbound.decide(view, text, now, rt.handler)
        # Opt-out first: it cancels what is pending, never the confirmation that follows it.
        for effect in decision.effects:
            if isinstance(effect, inbound.SetOptOut):
                contacts.set_opt_out(session, contact, effect.opted_out, effect.reason, now)
                if effect.opted_out:  # no offer may go out for them from now on; their relay closes
                    handoffs.stop_waiting(host, peer_requests.CANCELLED)
                    host.applied.later("relay_cleanup")
        others = [e for e in decision.effects if not isinstance(e, inbound.SetOptOut)]
        applied = host.apply(others, in_reply_to=message.id)
        if contact.opted_out and not decision.effects:  # unanswered, but a crisis reaches a coordinator
            safety.scan_unanswered(host, text, message.id, answer=False)
        if message.num_media and relays.of_conversation(session, host.row.id if host.row else None):
            host.send_to(contact.id, message.line_number, host.shared_text(peer_texts.MEDIA_NOT_RELAYED))
    log.info(
        "inbound processed",
        extra={"inbound_id": message_id, "contact_id": view.id, "replies": len(applied.outbound_ids)},
    )
    conversations.after_commit(rt, applied)
    return 1


def _process_blocked(rt: Runtime, message_id: int, *, is_peer: bool) -> int:
    """A number on the block list: its texts are kept and never answered or matched. STOP and
    START still set the opt-out state; crisis words still reach a coordinator, and the crisis
    resources still reach the texter (safety comes before the block)."""
    now = rt.clock()
    with rt.db.session() as session:
        if not claim(session, message_id, now):
            return 0
        message, contact, host = _opened(rt, session, message_id, now)
        host.party = PEER if is_peer else None
        text = body_of(rt, message)
        keyword = classify(text, opted_out=contact.opted_out)
        if keyword is not None and keyword[0] in (Keyword.OPT_OUT, Keyword.OPT_IN):
            contacts.set_opt_out(session, contact, keyword[0] is Keyword.OPT_OUT, "keyword", now)
        else:
            safety.scan_unanswered(host, text, message.id, answer=not contact.opted_out)
    log.info("blocked number's text kept", extra={"inbound_id": message_id, "contact_id": contact.id})
    conversations.after_commit(rt, host.applied)
    return 1


def _opened(
    rt: Runtime, session: Session, message_id: int, now: datetime
) -> tuple[InboundMessage, Contact, conversations.Host]:
    """The claimed text, its sender, and the host of the sender's conversation."""
    message = session.get_one(InboundMessage, message_id)
    contact = session.get_one(Contact, message.contact_id)
    return message, contact, conversations.Host(rt, session, contact, message.line_number, now)
