"""The per-phone rate limit: a burst of texts waits its turn; nothing is dropped.

A phone's texts are handled at most `PEERLINE_RATE_LIMIT_PER_MINUTE` a minute. Beyond that the
rest stay stored, in order, and are handled as the minute rolls on. The texter gets one "slow
down" reply and coordinators one alert per burst. A crisis never waits: if any held text shows
one, everything pending is handled now (in order, so the crisis text is answered at once).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.adapters import alerts, conversations
from service.adapters.intake import body_of
from service.adapters.models import Alert, Contact, InboundMessage, OutboundMessage
from service.adapters.runtime import Runtime
from service.core import replies

WINDOW = timedelta(minutes=1)
WARN_AGAIN_AFTER = timedelta(minutes=10)  # one "slow down" reply per burst, not one per text
BURST = "burst"  # the alert kind; on-call text `oncall_burst`
SLOW_DOWN = "slow_down"  # the outbox kind of the reply


def hold_back(rt: Runtime, contact_id: int) -> datetime | None:
    """When this phone's next text may be handled, or None to handle it now."""
    now, limit = rt.clock(), rt.settings.rate_limit_per_minute
    with rt.db.session() as session:
        handled = session.scalars(
            select(InboundMessage.processed_at)
            .where(
                InboundMessage.contact_id == contact_id,
                InboundMessage.processed_at > now - WINDOW,
                InboundMessage.failed.is_(False),
            )
            .order_by(InboundMessage.processed_at.desc())
            .limit(limit)
        ).all()
        if len(handled) < limit:
            return None
        contact = session.get_one(Contact, contact_id)
        held = session.scalars(
            select(InboundMessage)
            .where(InboundMessage.contact_id == contact_id, InboundMessage.processed_at.is_(None))
            .order_by(InboundMessage.id)
        ).all()
        locale = contact.locale or "en"
        if not held or any(rt.flows.scan(body_of(rt, text), locale) for text in held):
            return None  # safety first: a crisis is answered at once, whatever the rate
        host = conversations.Host(rt, session, contact, held[0].line_number, now)
        _warn(host, session, contact, held[0].id)
    conversations.after_commit(rt, host.applied)
    oldest = handled[-1]
    assert oldest is not None
    return oldest + WINDOW  # when the oldest of the last `limit` leaves the window


def _warn(host: conversations.Host, session: Session, contact: Contact, first_held: int) -> None:
    """Once per burst: a "slow down" to the texter (if anything may go to them), an alert."""
    if contact.opted_out or contact.blocked_at is not None:
        return
    warned = session.scalar(
        select(OutboundMessage.id)
        .where(
            OutboundMessage.contact_id == contact.id,
            OutboundMessage.kind == SLOW_DOWN,
            OutboundMessage.created_at > host.now - WARN_AGAIN_AFTER,
        )
        .limit(1)
    )
    if warned is None:
        text = replies.text(replies.SLOW_DOWN, contact.locale)
        host.send_to(contact.id, host.line_number, text, in_reply_to=first_held, kind=SLOW_DOWN)
    open_alert = session.scalar(
        select(Alert.id)
        .where(Alert.kind == BURST, Alert.contact_id == contact.id, Alert.status == "open")
        .limit(1)
    )
    if open_alert is None:
        alerts.raise_alert(host, BURST, contact_id=contact.id)
