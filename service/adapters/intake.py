"""Durable intake of inbound texts: written once per MessageSid, then queued for a worker.

This runs inside the webhook, so it is kept to the fewest round trips: the contact's id comes
from a per-process cache (or one upsert), the text is one `INSERT ... ON CONFLICT DO NOTHING`,
and the job is queued in one Redis pipeline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy import LargeBinary, bindparam, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from service.adapters import contacts
from service.adapters.models import InboundMessage, UTCDateTime
from service.adapters.runtime import Runtime

log = logging.getLogger(__name__)
BODY_CONTEXT = b"inbound_messages.body"
STORE_ATTEMPTS = 2


@dataclass(frozen=True)
class Intake:
    inbound_id: int | None  # None for a MessageSid we already had
    contact_id: int

    @property
    def duplicate(self) -> bool:
        return self.inbound_id is None


# Plain SQL that SQLite and PostgreSQL both speak: the webhook's statements skip the ORM's
# statement building and caching, which cost more than the database round trip itself.
INSERT_INBOUND = text(
    "INSERT INTO inbound_messages (twilio_sid, contact_id, line_number, body_cipher, num_media, received_at)"
    " VALUES (:sid, :contact_id, :line_number, :body_cipher, :num_media, :received_at)"
    " ON CONFLICT (twilio_sid) DO NOTHING RETURNING id"
).bindparams(bindparam("received_at", type_=UTCDateTime()), bindparam("body_cipher", type_=LargeBinary()))


def record_inbound(
    rt: Runtime, *, sid: str, from_: str, to: str, body: str, num_media: int, now: datetime
) -> Intake:
    """Store the text (deduplicated by MessageSid) and queue its contact for processing."""
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            inbound_id, contact_id = _store(rt, sid, from_, to, body, num_media, now)
            break
        except IntegrityError:
            # The cached contact was erased meanwhile: forget it and store the text afresh.
            rt.contact_ids.forget(rt.cipher.lookup_hash(from_))
            if attempt == STORE_ATTEMPTS:
                raise
        except DBAPIError as error:
            # A pooled connection the database dropped (a restart): the write is idempotent, retry.
            if attempt == STORE_ATTEMPTS or not error.connection_invalidated:
                raise
    intake = Intake(inbound_id, contact_id)
    if intake.duplicate:
        return intake
    try:
        rt.jobs.process_contact(contact_id)
    except redis.RedisError:
        # The text is safe in the database; the sweeper queues it once Redis is back.
        log.exception("could not queue processing", extra={"contact_id": contact_id})
    return intake


def _store(
    rt: Runtime, sid: str, from_: str, to: str, body: str, num_media: int, now: datetime
) -> tuple[int | None, int]:
    """One transaction: the contact's id, then the text unless its MessageSid is known."""
    with rt.db.quick_writes.begin() as connection:
        contact_id = contacts.contact_id(connection, rt.cipher, rt.contact_ids, from_, now)
        params = {
            "sid": sid,
            "contact_id": contact_id,
            "line_number": to,
            "body_cipher": rt.cipher.encrypt(body, BODY_CONTEXT),
            "num_media": num_media,
            "received_at": now,
        }
        inbound_id: int | None = connection.scalar(INSERT_INBOUND, params)
    return inbound_id, contact_id


def body_of(rt: Runtime, message: InboundMessage) -> str:
    """The text's words; "" once retention has purged them (only processed texts are purged)."""
    if message.body_cipher is None:
        return ""
    return rt.cipher.decrypt(message.body_cipher, BODY_CONTEXT)
