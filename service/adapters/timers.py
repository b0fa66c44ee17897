"""Timers that come due: a flow's wait running out, and a recurring check-in.

Both run under the person's lock, like their texts, and both are safe to run late or twice:
a timeout whose wait was already answered has a stale token, and a check-in is sent only when
its schedule is still due, not paused, and the person has not opted out.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from service.adapters import conversations, processing
from service.adapters.conversation_rows import end_all
from service.adapters.models import CheckinSchedule, Contact, Conversation
from service.adapters.runtime import Runtime
from service.core.checkins import in_quiet_hours
from service.core.conversation import CHECK_IN, StateChanged

log = logging.getLogger(__name__)
EARLY_TOLERANCE = timedelta(seconds=5)  # clocks of different machines differ a little
CHECKIN_LATE = timedelta(hours=2)  # a check-in found later than this is skipped, not sent late


def flow_timeout(rt: Runtime, conversation_id: int, token: int) -> str:
    """Run out the conversation's wait with this token; say what happened (for the job log)."""
    with rt.db.session() as session:
        contact_id = session.scalar(select(Conversation.contact_id).where(Conversation.id == conversation_id))
    if contact_id is None:
        return "gone"
    with rt.state.contact_lock(contact_id, wait=True) as lock:
        if lock is None:
            raise RuntimeError("contact busy; the sweeper queues this timer again")
        processing.drain(rt, contact_id, lock)  # an answer that came first counts first
        now = rt.clock()
        with rt.db.session() as session:
            contact = session.get_one(Contact, contact_id)
            host = conversations.Host(rt, session, contact, "", now)
            if host.row is None or host.row.id != conversation_id:
                return "ended"
            if contact.opted_out:  # opted out by the carrier meanwhile: end it, timer and all
                end_all(session, contact_id, "opted_out", now)
                return "ended"
            host.line_number = host.row.line_number
            if host.row.timeout_token != token:
                return "stale"  # answered already: a late timer changes nothing
            if host.row.timeout_at is not None and host.row.timeout_at > now + EARLY_TOLERANCE:
                return "early"  # not due yet: the timer for timeout_at is queued (or swept) separately
            state = rt.flows.resume(host.state())
            if state is None:  # its flow was edited under it: end quietly; their next text starts afresh
                end_all(session, contact_id, "flow_changed", now)
                return "ended"
            outcome = rt.flows.engine.timeout(state, token, now)
            applied = host.apply([*outcome.effects, StateChanged(outcome.state, new=False)])
    conversations.after_commit(rt, applied)
    _texts_that_waited(rt, contact_id)
    return "fired"


def checkin_due(rt: Runtime, contact_id: int) -> str:
    """Start a recurring check-in if it is due and allowed; always plan the next one."""
    with rt.state.contact_lock(contact_id, wait=True) as lock:
        if lock is None:
            raise RuntimeError("contact busy; the sweeper queues this timer again")
        processing.drain(rt, contact_id, lock)
        now = rt.clock()
        with rt.db.session() as session:
            schedule = session.get(CheckinSchedule, contact_id)
            contact = session.get(Contact, contact_id)
            if contact is None:
                return "gone"  # erased meanwhile
            if schedule is not None and contact.opted_out:  # opted out by the carrier meanwhile
                session.delete(schedule)
                return "off"
            if schedule is None or schedule.paused or schedule.next_at is None:
                return "off"
            if schedule.next_at > now + EARLY_TOLERANCE:
                return "not due"  # an older timer; the current one is queued for next_at
            host = conversations.Host(rt, session, contact, schedule.line_number, now)
            late = now - schedule.next_at > CHECKIN_LATE
            quiet = in_quiet_hours(now.astimezone(ZoneInfo(schedule.timezone)).time())
            effects = []
            if host.row is None and not late and not quiet:
                effects = rt.flows.start(CHECK_IN, contact.locale or "en", now)
            host.plan_next(schedule)
            applied = host.apply(effects)
    conversations.after_commit(rt, applied)
    _texts_that_waited(rt, contact_id)
    return "sent" if effects else "skipped"


def _texts_that_waited(rt: Runtime, contact_id: int) -> None:
    """A text that came in while we held the lock was left to the holder (us): queue it now."""
    if processing.next_pending(rt, contact_id) is not None:
        rt.jobs.process_contact(contact_id)
