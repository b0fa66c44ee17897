"""The jobs workers run. Each takes an id, does its work through the adapters, and is safe to
run twice: a repeated or recovered job changes nothing that was already done."""

from __future__ import annotations

from service.adapters import processing, sending, sweeper, timers
from workers.context import current


def process_contact(contact_id: int) -> int:
    """Handle a contact's pending inbound texts in arrival order."""
    return processing.process_contact(current(), contact_id)


def send_outbound(outbound_id: int) -> str:
    """Send one outbox row through Twilio."""
    return sending.send(current(), outbound_id)


def verify_outbound(outbound_id: int) -> str:
    """Settle a send whose outcome is unknown: find it at Twilio or send it again."""
    return sending.verify(current(), outbound_id)


def flow_timeout(conversation_id: int, token: int) -> str:
    """A flow's wait ran out: remind, or move on. A wait already answered: nothing."""
    return timers.flow_timeout(current(), conversation_id, token)


def checkin_due(contact_id: int) -> str:
    """A recurring check-in came due: start it, unless paused, stopped or mid-conversation."""
    return timers.checkin_due(current(), contact_id)


def sweep() -> dict[str, int]:
    """Queue again whatever a crash or an outage left behind."""
    return sweeper.sweep(current())
