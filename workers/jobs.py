"""The jobs workers run. Each takes an id, does its work through the adapters, and is safe to
run twice: a repeated or recovered job changes nothing that was already done."""

from __future__ import annotations

from service.adapters import erasure, matching, peer_events, processing, retention, sending, sweeper, timers
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


def match_waiting() -> int:
    """Offer waiting seekers to peers (one pass at a time; a second request makes it go round)."""
    return matching.match_waiting(current())


def connect_seeker(relay_id: int) -> str:
    """A peer said yes first: connect the waiting seeker to them."""
    return peer_events.connect_seeker(current(), relay_id)


def close_offer(offer_id: int, event: str) -> str:
    """Tell a peer their unanswered offer is taken or withdrawn."""
    return peer_events.close_offer(current(), offer_id, event)


def start_debrief(relay_id: int) -> str:
    """A conversation ended: ask the peer how they are."""
    return peer_events.start_debrief(current(), relay_id)


def peer_left(relay_id: int) -> str:
    """The peer stopped mid-conversation: the seeker is told and waits for another peer."""
    return peer_events.peer_left(current(), relay_id)


def search_ended(request_id: int) -> str:
    """No peer could take the seeker: tell them honestly and alert a coordinator."""
    return peer_events.search_ended(current(), request_id)


def relay_cleanup() -> int:
    """Close relays and waits left behind by an opt-out or a crash."""
    return peer_events.cleanup(current())


def erase_contact(contact_id: int) -> str:
    """A person confirmed DELETE: erase them once the last text to them has gone."""
    return erasure.erase_contact(current(), contact_id)


def purge_expired() -> dict[str, int]:
    """Daily: purge message bodies older than the retention period."""
    return retention.purge_expired(current())


def sweep() -> dict[str, int]:
    """Queue again whatever a crash or an outage left behind."""
    return sweeper.sweep(current())
