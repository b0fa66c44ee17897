"""Alerts for coordinators: a record for the dashboard, and a text to each on-call number."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from service.adapters import contacts
from service.adapters.models import Alert

if TYPE_CHECKING:
    from service.adapters.conversations import Host

log = logging.getLogger(__name__)
ONCALL_KIND = "oncall_alert"  # outbox kind of the texts to on-call coordinators


def raise_alert(host: Host, kind: str, *, contact_id: int | None = None, peer_id: int | None = None) -> Alert:
    """Record the alert and text the on-call coordinators (ids only in logs, never numbers)."""
    now = host.now
    alert = Alert(
        kind=kind,
        contact_id=contact_id,
        conversation_id=host.row.id if host.row is not None else None,
        peer_id=peer_id,
        status="open",
        created_at=now,
        updated_at=now,
    )
    host.session.add(alert)
    host.session.flush()
    line = host.rt.settings.numbers[0] if host.rt.settings.numbers else host.line_number
    message = f"oncall_{kind}"
    if message not in host.rt.flows.flow_set.shared:
        log.error("no on-call text for this alert kind", extra={"kind": kind})
        return alert
    text = host.shared_text(message, "en")  # to the team, in English
    connection = host.session.connection()
    for number in host.rt.settings.oncall_numbers:
        oncall = contacts.contact_id(connection, host.cipher, host.rt.contact_ids, number, now)
        host.send_to(oncall, line, text, kind=ONCALL_KIND)
    log.warning("alert", extra={"alert_id": alert.id, "kind": kind, "contact_id": contact_id})
    return alert
