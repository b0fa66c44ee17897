"""Send one outbox row through Twilio: throttled per line number, retried on 429/5xx,
never twice unless Twilio never took it, never to an opted-out number."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException

from service.adapters import contacts
from service.adapters.db import rows_changed
from service.adapters.models import Contact, OutboundMessage
from service.adapters.outbox import OPT_OUT_CONFIRMATION, backoff, body_of
from service.adapters.runtime import Runtime
from service.adapters.twilio_sender import OPTED_OUT_ERROR, is_retryable

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
MAX_THROTTLE_SLEEP = 30.0  # past this, give the worker back and come again later
VERIFY_AFTER = timedelta(seconds=30)  # long after the client's own 10 s timeout
IN_ORDER_RETRY = timedelta(seconds=1)


def _transition(rt: Runtime, outbound_id: int, from_status: str, **values: object) -> bool:
    """Move a row from one state to the next; False if someone else moved it first."""
    with rt.db.session() as session:
        values.setdefault("updated_at", rt.clock())
        moved = rows_changed(
            session.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id == outbound_id, OutboundMessage.status == from_status)
                .values(**values)
            )
        )
    return moved == 1


def send(rt: Runtime, outbound_id: int) -> str:
    """Send a pending row; return what became of it (for logs and tests)."""
    with rt.db.session() as session:
        row = session.get(OutboundMessage, outbound_id)
        if row is None or row.status != "pending":
            return "skipped"
        line_number = row.line_number
        if _older_unsent(session, row):
            # Texts to one person go out in the order they were written (a relayed exchange
            # must read in order); the older one is on its way, this one follows it.
            rt.jobs.send_outbound(outbound_id, at=rt.clock() + IN_ORDER_RETRY)
            return "waiting its turn"

    wait = rt.state.reserve_send_slot(_number_index(rt, line_number), rt.settings.send_rate_per_number)
    if wait > MAX_THROTTLE_SLEEP:
        slot = rt.clock() + timedelta(seconds=wait)
        _transition(rt, outbound_id, "pending", next_attempt_at=slot)  # not overdue before its slot
        rt.jobs.send_outbound(outbound_id, at=slot)
        return "deferred"
    time.sleep(wait)

    claimed = _claim(rt, outbound_id)
    if isinstance(claimed, str):
        return claimed
    to, from_, body, attempts = claimed
    try:
        result = rt.sender.send(to, from_, body, rt.settings.public_base_url + "/twilio/status")
    except TwilioRestException as error:
        return _rejected(rt, outbound_id, attempts, error)
    except Exception:
        # Connection dropped or timed out: Twilio may or may not have taken it. Ask before resending.
        log.exception("send outcome unknown", extra={"outbound_id": outbound_id})
        rt.jobs.verify_outbound(outbound_id, at=rt.clock() + VERIFY_AFTER)
        return "unknown"
    _transition(rt, outbound_id, "claimed", status=result.status, twilio_sid=result.sid)
    log.info("sent", extra={"outbound_id": outbound_id, "status": result.status})
    return result.status


def _older_unsent(session: Session, row: OutboundMessage) -> bool:
    older = select(OutboundMessage.id).where(
        OutboundMessage.contact_id == row.contact_id,
        OutboundMessage.line_number == row.line_number,
        OutboundMessage.id < row.id,
        OutboundMessage.status == "pending",
    )
    return session.scalar(older.limit(1)) is not None


def _claim(rt: Runtime, outbound_id: int) -> tuple[str, str, str, int] | str:
    """Mark the row as being sent, just before the call; checks opt-out at the last moment."""
    with rt.db.session() as session:
        row = session.get(OutboundMessage, outbound_id, with_for_update=True)
        if row is None or row.status != "pending":
            return "skipped"
        contact = session.get_one(Contact, row.contact_id)
        now = rt.clock()
        if contact.opted_out and row.kind != OPT_OUT_CONFIRMATION:
            row.status, row.updated_at = "cancelled", now
            return "cancelled"
        row.status, row.claimed_at, row.updated_at = "claimed", now, now
        row.attempts += 1
        return contacts.phone_of(rt.cipher, contact), row.line_number, body_of(rt.cipher, row), row.attempts


def _rejected(rt: Runtime, outbound_id: int, attempts: int, error: TwilioRestException) -> str:
    now = rt.clock()
    if error.code == OPTED_OUT_ERROR:
        mark_opted_out_by_carrier(rt, outbound_id)
        _transition(rt, outbound_id, "claimed", status="failed", error_code=error.code)
        return "opted-out"
    if is_retryable(error) and attempts < MAX_ATTEMPTS:
        retry_at = now + backoff(attempts)
        _transition(rt, outbound_id, "claimed", status="pending", next_attempt_at=retry_at)
        rt.jobs.send_outbound(outbound_id, at=retry_at)
        log.warning(
            "send retry",
            extra={"outbound_id": outbound_id, "http_status": error.status, "attempts": attempts},
        )
        return "retry"
    _transition(rt, outbound_id, "claimed", status="failed", error_code=error.code)
    log.error(
        "send failed",
        extra={"outbound_id": outbound_id, "http_status": error.status, "error_code": error.code},
    )
    return "failed"


def verify(rt: Runtime, outbound_id: int) -> str:
    """A claimed row whose send outcome is unknown: find it at Twilio, or send it again."""
    with rt.db.session() as session:
        row = session.get(OutboundMessage, outbound_id)
        if row is None or row.status != "claimed" or row.claimed_at is None:
            return "skipped"
        contact = session.get_one(Contact, row.contact_id)
        to, from_, body = contacts.phone_of(rt.cipher, contact), row.line_number, body_of(rt.cipher, row)
        since = row.claimed_at - timedelta(seconds=5)
        known = {
            sid
            for sid in session.scalars(
                select(OutboundMessage.twilio_sid).where(
                    OutboundMessage.contact_id == contact.id, OutboundMessage.twilio_sid.is_not(None)
                )
            )
            if sid is not None
        }
    found = rt.sender.find_sent(to, from_, body, since, exclude=known)
    if found is not None:
        _transition(rt, outbound_id, "claimed", status=found.status, twilio_sid=found.sid)
        return "found"
    if _transition(rt, outbound_id, "claimed", status="pending", next_attempt_at=rt.clock()):
        rt.jobs.send_outbound(outbound_id)
    return "resend"


def mark_opted_out_by_carrier(rt: Runtime, outbound_id: int) -> None:
    """Twilio said 21610: the recipient opted out with the carrier. Honour it everywhere."""
    with rt.db.session() as session:
        row = session.get_one(OutboundMessage, outbound_id)
        contact = session.get_one(Contact, row.contact_id)
        contacts.set_opt_out(session, contact, True, "carrier-21610", rt.clock())
    rt.jobs.relay_cleanup()  # an offer, a wait or a relay of theirs is closed too


def _number_index(rt: Runtime, number: str) -> int:
    numbers = rt.settings.numbers
    return numbers.index(number) if number in numbers else len(numbers)
