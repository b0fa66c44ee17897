"""The outbox: every outbound text is recorded before it is sent and sent at most once.

States: pending -> claimed (we are about to call Twilio) -> Twilio's own statuses (queued, sent,
delivered, undelivered, failed); or cancelled (the person opted out before it went).
A crash while `claimed` leaves the question "did Twilio take it?", answered by `verify`, which
asks Twilio for the message before ever sending again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

import redis
from sqlalchemy import update
from sqlalchemy.orm import Session

from service.adapters.crypto import DataCipher
from service.adapters.models import OutboundMessage
from service.adapters.runtime import Runtime

log = logging.getLogger(__name__)
BODY_CONTEXT = b"outbound_messages.body"
REPLY, OPT_OUT_CONFIRMATION = "reply", "opt_out_confirmation"


def add(
    session: Session,
    cipher: DataCipher,
    *,
    contact_id: int,
    line_number: str,
    body: str,
    now: datetime,
    kind: str = REPLY,
    in_reply_to: int | None = None,
) -> OutboundMessage:
    row = OutboundMessage(
        contact_id=contact_id,
        line_number=line_number,
        body_cipher=cipher.encrypt(body, BODY_CONTEXT),
        kind=kind,
        in_reply_to=in_reply_to,
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now,
        updated_at=now,
    )
    session.add(row)
    return row


def body_of(cipher: DataCipher, row: OutboundMessage) -> str:
    """The text to send. Retention never purges a pending or claimed row, so a purged body here
    is a bug: fail loudly rather than send an empty text."""
    if row.body_cipher is None:
        raise ValueError(f"outbound #{row.id} ({row.status}) has no body: retention purged it")
    return cipher.decrypt(row.body_cipher, BODY_CONTEXT)


def cancel_pending(session: Session, contact_id: int, now: datetime) -> None:
    """Stop everything not yet sent to this contact (they opted out)."""
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.contact_id == contact_id, OutboundMessage.status == "pending")
        .values(status="cancelled", updated_at=now)
    )


def dispatch(rt: Runtime, outbound_ids: Iterable[int]) -> None:
    """Queue sends for rows already committed; if Redis is away the sweeper queues them later."""
    for outbound_id in outbound_ids:
        try:
            rt.jobs.send_outbound(outbound_id)
        except redis.RedisError:
            log.exception("could not queue send", extra={"outbound_id": outbound_id})


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s ... capped at 5 minutes."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 300))
