"""Find work that fell between the cracks (a killed worker, Redis away) and queue it again,
and alert coordinators about seekers waiting too long for a peer.

Every job is idempotent, so queueing something twice costs a little time and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select

from service.adapters import alerts, erasure, retention
from service.adapters.jobqueue import DEFAULT, INBOUND, OUTBOUND
from service.adapters.models import (
    CheckinSchedule,
    Contact,
    Conversation,
    InboundMessage,
    OutboundMessage,
    PeerRequest,
)
from service.adapters.runtime import Runtime

INBOUND_GRACE = timedelta(seconds=10)  # a fresh text is normally picked up within this
PENDING_GRACE = timedelta(seconds=30)
CLAIMED_GRACE = timedelta(seconds=30)  # past the Twilio client timeout (10 s): the call is over
TIMER_GRACE = timedelta(minutes=1)  # RQ's scheduler moves due jobs every few seconds


def sweep(rt: Runtime) -> dict[str, int]:
    """Queue again what is overdue. A queue with jobs still waiting is left alone: its overdue
    rows are most likely in it, and queueing them again would only pile up duplicates."""
    now = rt.clock()
    waiting = rt.jobs.depths()
    contact_ids: Sequence[int] = []
    pending: Sequence[int] = []
    claimed: Sequence[int] = []
    timeouts: Sequence[tuple[int, int | None]] = []
    checkins: Sequence[int] = []
    erasing: Sequence[int] = []
    seekers_waiting = asked_for_peer = 0
    with rt.db.session() as session:
        # The daily purge: due when the audit log has no purge in the last 24 h. Not while the
        # default queue has jobs waiting: the purge queued last time is most likely among them.
        purge = waiting[DEFAULT] == 0 and retention.purge_due(session, now)
        if waiting[INBOUND] == 0:
            contact_ids = session.scalars(
                select(InboundMessage.contact_id)
                .where(
                    InboundMessage.processed_at.is_(None),
                    InboundMessage.received_at < now - INBOUND_GRACE,
                )
                .distinct()
            ).all()
        if waiting[OUTBOUND] == 0:
            pending = session.scalars(
                select(OutboundMessage.id).where(
                    OutboundMessage.status == "pending",
                    OutboundMessage.next_attempt_at < now - PENDING_GRACE,
                )
            ).all()
            claimed = session.scalars(
                select(OutboundMessage.id).where(
                    OutboundMessage.status == "claimed",
                    OutboundMessage.claimed_at < now - CLAIMED_GRACE,
                )
            ).all()
        if waiting[INBOUND] == 0:
            timeouts = session.execute(
                select(Conversation.id, Conversation.timeout_token).where(
                    Conversation.ended_at.is_(None), Conversation.timeout_at < now - TIMER_GRACE
                )
            ).all()
            checkins = session.scalars(
                select(CheckinSchedule.contact_id).where(
                    CheckinSchedule.paused.is_(False), CheckinSchedule.next_at < now - TIMER_GRACE
                )
            ).all()
            seekers_waiting = (
                session.scalar(
                    select(func.count()).select_from(PeerRequest).where(PeerRequest.status == "waiting")
                )
                or 0
            )
            erasing = erasure.still_to_erase(session)  # each erases once nothing is under way
            asked_for_peer = (
                session.scalar(
                    select(func.count()).select_from(Contact).where(Contact.wants_peer_since.is_not(None))
                )
                or 0
            )
    for conversation_id, token in timeouts:  # timers Redis lost (restarted without its data)
        rt.jobs.flow_timeout(conversation_id, token or 0)
    for contact_id in checkins:
        rt.jobs.checkin_due(contact_id)
    if waiting[INBOUND] == 0:
        # Peers come on shift and pauses end without a text: look again for waiting seekers,
        # and close relays and waits an opt-out or a crash left open.
        if seekers_waiting or asked_for_peer:
            rt.jobs.match_waiting()
        rt.jobs.relay_cleanup()
    if purge:
        rt.jobs.purge_expired()
    for contact_id in erasing:
        rt.jobs.erase_contact(contact_id)
    for contact_id in contact_ids:
        rt.jobs.process_contact(contact_id)
    for outbound_id in pending:
        rt.jobs.send_outbound(outbound_id)
    for outbound_id in claimed:
        rt.jobs.verify_outbound(outbound_id)
    # Not a lost job but a wait no event ends: only a look at the clock finds it.
    waiting_too_long = alerts.raise_waiting_too_long(rt, now)
    return {
        "contacts": len(contact_ids),
        "pending": len(pending),
        "claimed": len(claimed),
        "timeouts": len(timeouts),
        "checkins": len(checkins),
        "seekers_waiting": seekers_waiting,
        "purge": int(purge),
        "erasing": len(erasing),
        "waiting_too_long": waiting_too_long,
    }
