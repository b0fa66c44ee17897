"""What a peer's commands do: ON, OFF, PAUSE 2h, STATUS, COORDINATOR (flows/commands.yaml).

The host runs them for the peer's own texts and, for COORDINATOR, from inside a relay too. The
answer is the command's own message, with the values only the host knows ({until}, {status}).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from service.adapters import alerts, peer_requests, peers, relays
from service.adapters.conversation_rows import end_all
from service.adapters.models import Offer, Peer
from service.core.conversation import PEER, RunCommand
from service.core.flow_engine import Send

if TYPE_CHECKING:
    from service.adapters.conversations import Host

DEFAULT_PAUSE = timedelta(hours=1)
WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}
STATUS_WORDS = {
    "en": {
        "available": "available for offers",
        "off": "off (no offers)",
        "paused": "paused until {}",
        "unconfirmed": "not confirmed yet: text ON",
    },
    "es": {
        "available": "disponible",
        "off": "no disponible",
        "paused": "en pausa hasta {}",
        "unconfirmed": "sin confirmar: escribe DISPONIBLE",
    },
}


def the_peer(host: Host) -> Peer | None:
    """The peer this command is from: the host's owner, or the peer of the owner's relay."""
    if host.owner_party() == PEER:
        return peers.by_contact(host.session, host.contact.id)
    relay = relays.of_conversation(host.session, host.row.id if host.row else None)
    return host.session.get(Peer, relay.peer_id) if relay else None


def run(host: Host, effect: RunCommand) -> None:
    peer = the_peer(host)
    command = next((c for c in host.rt.flows.flow_set.commands if c.name == effect.name), None)
    if peer is None or command is None:
        return
    now, values = host.now, {}
    actor = f"peer:{peer.id}"  # the audit log: the peer changed this themselves, by text
    if effect.name == "peer_on":
        peers.confirm(host.session, peer, now, actor=actor)
        peers.set_status(host.session, peer, "available", now=now, actor=actor)
        host.applied.later("match_waiting")
    elif effect.name == "peer_off":
        peers.set_status(host.session, peer, "off", now=now, actor=actor)
        _pass_open_offers(host, peer)
    elif effect.name == "peer_pause":
        until = now + (effect.duration or DEFAULT_PAUSE)
        peers.set_status(host.session, peer, "paused", until=until, now=now, actor=actor)
        values["until"] = local_time(until, peer)
        _pass_open_offers(host, peer)
    elif effect.name == "peer_status":
        values["status"] = status_words(peer, now, peers.locale_of(peer))
    elif effect.name == "peer_coordinator":
        alerts.raise_alert(host, "peer_asks_coordinator", peer_id=peer.id)
    locale = peers.locale_of(peer)
    host.apply([Send(PEER, command.say.render(locale, "sms", values))])


def local_time(at: datetime, peer: Peer) -> str:
    """'Tue 18:30' in the peer's zone and language ('mar 18:30' in Spanish)."""
    local = at.astimezone(ZoneInfo(peer.timezone))
    return f"{WEEKDAYS[peers.locale_of(peer)][local.weekday()]} {local:%H:%M}"


def status_words(peer: Peer, now: datetime, locale: str) -> str:
    words = STATUS_WORDS.get(locale, STATUS_WORDS["en"])
    if peer.confirmed_at is None:
        return words["unconfirmed"]
    if peer.status == "paused" and peer.paused_until is not None and peer.paused_until > now:
        return words["paused"].format(local_time(peer.paused_until, peer))
    return words["off" if peer.status == "off" else "available"]


def _pass_open_offers(host: Host, peer: Peer) -> None:
    """OFF or PAUSE with an offer open counts as passing it, so the seeker is offered on at once."""
    for offer in host.session.scalars(
        select(Offer).where(Offer.peer_id == peer.id, Offer.status == "pending")
    ):
        if peer_requests.refuse(host.session, offer.id, "declined", host.now):
            host.applied.later("match_waiting")
    if host.owner_party() == PEER and host.row is not None and host.row.flow == "peer_offer":
        end_all(host.session, host.contact.id, "peer_unavailable", host.now)
        host.row = None
