"""Apply Twilio's message status callbacks to the outbox."""

from __future__ import annotations

from sqlalchemy import select

from service.adapters import contacts
from service.adapters.models import Contact, OutboundMessage
from service.adapters.runtime import Runtime
from service.adapters.twilio_sender import OPTED_OUT_ERROR

# How far along each status is; a late or repeated callback never moves a message back.
PROGRESS = {
    "claimed": 0,
    "accepted": 1,
    "scheduled": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
    "read": 6,
    "canceled": 5,
}


def apply_status(rt: Runtime, sid: str, status: str, error_code: int | None) -> bool:
    """Record a delivery status; return False if the SID is not one of ours."""
    now = rt.clock()
    with rt.db.session() as session:
        row = session.scalar(
            select(OutboundMessage).where(OutboundMessage.twilio_sid == sid).with_for_update()
        )
        if row is None:
            return False
        if PROGRESS.get(status, -1) > PROGRESS.get(row.status, -1):
            row.status, row.updated_at = status, now
        if error_code is not None and row.error_code is None:
            row.error_code = error_code
        if error_code == OPTED_OUT_ERROR:
            contact = session.get_one(Contact, row.contact_id)
            contacts.set_opt_out(session, contact, True, "carrier-21610", now)
    return True
