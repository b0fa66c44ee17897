"""What the host does for each handoff a flow names (flow_model.HANDOFF_EVENTS).

A seeker's flow asks for a peer, calls the search off, or ends the relay; a peer's flow accepts
or passes an offer; a debrief asks for a coordinator. Work that belongs to the other person's
conversation (telling a peer their offer is withdrawn, starting their debrief, connecting the
seeker) is queued as a job that runs under that person's lock: a worker never holds two
people's locks in the order seeker-then-peer, so two workers cannot deadlock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from service.adapters import alerts, peer_requests, peers, relays
from service.adapters.models import Peer, PeerRequest

if TYPE_CHECKING:
    from service.adapters.conversations import Host

log = logging.getLogger(__name__)


def run(host: Host, action: str) -> None:
    handler = HANDLERS.get(action)
    if handler is None:
        log.info("handoff", extra={"contact_id": host.contact.id, "action": action})
        return
    handler(host)


def _find_peer(host: Host) -> None:
    assert host.row is not None and host.latest is not None
    values, locale = host.latest.values, host.latest.locale
    topic = peer_requests.topic_of(values, host.rt.taxonomy, locale)
    request = peer_requests.open_request(
        host.session,
        host.row,
        host.contact,
        topic=topic,
        mood=values.get("mood", ""),
        locale=locale,
        now=host.now,
    )
    log.info("seeker waiting", extra={"request_id": request.id, "topic": topic or "any"})
    host.applied.later("match_waiting")


def stop_waiting(host: Host, status: str) -> PeerRequest | None:
    request = peer_requests.waiting_for(host.session, host.row.id) if host.row else None
    if request is None:
        return None
    for offer_id in peer_requests.close(host.session, request, status, host.now):
        host.applied.later("close_offer", offer_id, "offer_withdrawn")
    return request


def _cancel_find_peer(host: Host) -> None:
    if stop_waiting(host, peer_requests.CANCELLED) is None:
        # A peer said yes a moment before DONE: their relay opened, but the seeker has gone.
        relay = relays.of_conversation(host.session, host.row.id if host.row else None)
        if relay is not None and relays.end(relay, "seeker_left", host.now):
            peer = host.session.get_one(Peer, relay.peer_id)
            text = host.shared_text("offer_withdrawn", peers.locale_of(peer))
            host.send_to(peer.contact_id, relay.peer_number, text)


def _search_timed_out(host: Host) -> None:
    if stop_waiting(host, peer_requests.NO_PEER) is not None:
        alerts.raise_alert(host, "no_peer", contact_id=host.contact.id)
    if relays.of_conversation(host.session, host.row.id if host.row else None) is None:
        host.events.append(("no_peer", {}))
    # else: a peer said yes a moment ago; connect_seeker brings peer_found


def _end_relay(host: Host) -> None:
    relay = relays.of_conversation(host.session, host.row.id if host.row else None)
    if relay is None or not relays.end(relay, "done", host.now):
        return
    if relay.crisis:  # a hard conversation: no offers for a while, and a debrief
        peer = host.session.get_one(Peer, relay.peer_id)
        peer.cooldown_until = host.now + timedelta(minutes=host.rt.settings.crisis_cooldown_minutes)
    host.applied.later("start_debrief", relay.id)  # which then looks for waiting seekers


def _offer_id(host: Host) -> int | None:
    raw = host.latest.values.get("offer_id", "") if host.latest else ""
    return int(raw) if raw.isdigit() else None


def _offer_accepted(host: Host) -> None:
    offer_id = _offer_id(host)
    outcome = peer_requests.accept(host.session, offer_id, host.now) if offer_id else None
    if outcome is None or not outcome.won or outcome.relay is None:
        host.events.append(("taken", {}))
        return
    host.events.append(("won", {}))
    host.applied.later("connect_seeker", outcome.relay.id)
    for other in outcome.others:
        host.applied.later("close_offer", other, "offer_taken")


def _offer_refused(status: str) -> Callable[[Host], None]:
    def refused(host: Host) -> None:
        offer_id = _offer_id(host)
        if offer_id is not None and peer_requests.refuse(host.session, offer_id, status, host.now):
            host.applied.later("match_waiting")

    return refused


def _alert_coordinator(host: Host) -> None:
    peer = peers.by_contact(host.session, host.contact.id)
    alerts.raise_alert(host, "peer_asks_coordinator", peer_id=peer.id if peer else None)


HANDLERS: dict[str, Callable[[Host], None]] = {
    "find_peer": _find_peer,
    "cancel_find_peer": _cancel_find_peer,
    "search_timed_out": _search_timed_out,
    "end_relay": _end_relay,
    "offer_accepted": _offer_accepted,
    "offer_declined": _offer_refused("declined"),
    "offer_expired": _offer_refused("expired"),
    "alert_coordinator": _alert_coordinator,
}
