"""Durable intake of inbound texts: written once per MessageSid, then queued for a worker."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.adapters import contacts
from service.adapters.models import InboundMessage
from service.adapters.runtime import Runtime

log = logging.getLogger(__name__)
BODY_CONTEXT = b"inbound_messages.body"


@dataclass(frozen=True)
class Intake:
    inbound_id: int
    contact_id: int
    duplicate: bool


def record_inbound(
    rt: Runtime, *, sid: str, from_: str, to: str, body: str, num_media: int, now: datetime
) -> Intake:
    """Store the text (deduplicated by MessageSid) and queue its contact for processing."""
    with rt.db.session() as session:
        known = session.execute(
            select(InboundMessage.id, InboundMessage.contact_id).where(InboundMessage.twilio_sid == sid)
        ).first()
        if known is not None:
            return Intake(known.id, known.contact_id, duplicate=True)
        contact = contacts.find_or_create(session, rt.cipher, from_, now)
        message = InboundMessage(
            twilio_sid=sid,
            contact_id=contact.id,
            line_number=to,
            body_cipher=rt.cipher.encrypt(body, BODY_CONTEXT),
            num_media=num_media,
            received_at=now,
        )
        try:
            with session.begin_nested():
                session.add(message)
        except IntegrityError:  # the same MessageSid raced in through another request
            known_id = session.scalars(
                select(InboundMessage.id).where(InboundMessage.twilio_sid == sid)
            ).one()
            return Intake(known_id, contact.id, duplicate=True)
        intake = Intake(message.id, contact.id, duplicate=False)
    try:
        rt.jobs.process_contact(intake.contact_id)
    except redis.RedisError:
        # The text is safe in the database; the sweeper queues it once Redis is back.
        log.exception("could not queue processing", extra={"contact_id": intake.contact_id})
    return intake


def body_of(rt: Runtime, message: InboundMessage) -> str:
    return rt.cipher.decrypt(message.body_cipher, BODY_CONTEXT)
