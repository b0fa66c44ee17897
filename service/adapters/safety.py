"""What the line does when a text shows a crisis, beyond the resources the flows already sent.

Every hit is kept for review with its reasons (categories in plain; the quoted words encrypted,
like the text they come from, and purged with it), the conversation is flagged so a
waiting seeker goes first and the peer cools down after it, and coordinators are alerted: an
alert record for the dashboard and a text to each on-call number. One open crisis alert per
person: further hits before a coordinator acknowledges it join that alert instead of texting
on-call again and again.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from service.adapters import alerts, peers, relays
from service.adapters.crypto import DataCipher
from service.adapters.models import Alert, CrisisHit
from service.core.conversation import PEER
from service.core.flow_engine import CrisisDetected

if TYPE_CHECKING:
    from service.adapters.conversations import Host

log = logging.getLogger(__name__)
CRISIS = "crisis"  # the alert kind; on-call text `oncall_crisis`
REASONS_CONTEXT = b"crisis_hits.reasons"


def categories_of(reasons: tuple[str, ...]) -> list[str]:
    """ "intent: kill myself tonight" -> "intent": what may be logged and counted."""
    return [reason.split(":", 1)[0].strip() for reason in reasons]


def reasons_of(cipher: DataCipher, hit: CrisisHit) -> list[str]:
    """The hit's reasons, quoting the text; [] once purged."""
    if hit.reasons_cipher is None:
        return []
    return list(json.loads(cipher.decrypt(hit.reasons_cipher, REASONS_CONTEXT)))


def on_crisis(host: Host, effect: CrisisDetected, inbound_id: int | None) -> None:
    """Record the hit, flag the conversation, and make sure a coordinator knows."""
    writer = _writer(host, effect.sender)
    relays.mark_crisis(host)
    alert = host.session.scalar(
        select(Alert).where(Alert.kind == CRISIS, Alert.contact_id == writer, Alert.status == "open").limit(1)
    )
    if alert is None:
        peer = peers.by_contact(host.session, writer)
        alert = alerts.raise_alert(host, CRISIS, contact_id=writer, peer_id=peer.id if peer else None)
    host.session.add(
        CrisisHit(
            at=host.now,
            contact_id=writer,
            party=effect.sender,
            inbound_id=inbound_id,
            conversation_id=host.row.id if host.row is not None else None,
            alert_id=alert.id,
            categories=" ".join(categories_of(effect.reasons)),
            reasons_cipher=host.cipher.encrypt(json.dumps(list(effect.reasons)), REASONS_CONTEXT),
            detector_version=host.rt.flows.detector_version,
        )
    )
    host.applied.later("match_waiting")  # a waiting seeker at risk is offered first, now
    log.warning(
        "crisis language",
        extra={"contact_id": writer, "alert_id": alert.id, "categories": categories_of(effect.reasons)},
    )


def scan_unanswered(host: Host, text: str, inbound_id: int, *, answer: bool) -> bool:
    """A text the line otherwise leaves unanswered (opted out, blocked): a crisis in it still
    reaches a coordinator, and the texter gets the resources when anything may be sent to them."""
    locale = host.contact.locale or "en"
    reasons = host.rt.flows.scan(text, locale)
    if not reasons:
        return False
    effects = host.rt.flows.crisis_effects(host.owner_party(), reasons, locale)
    host.apply(effects if answer else [e for e in effects if isinstance(e, CrisisDetected)], inbound_id)
    return True


def _writer(host: Host, party: str) -> int:
    """The contact who wrote the text: the host's owner, or the peer of the owner's relay."""
    if party == host.owner_party():
        return host.contact.id
    relay = relays.of_conversation(host.session, host.row.id if host.row is not None else None)
    if party == PEER and relay is not None:
        return relays.peer_contact(host.session, relay)
    return host.contact.id
