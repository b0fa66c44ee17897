"""Alerts for coordinators: a record for the dashboard, and a text to each on-call number."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Select, exists, not_, select
from sqlalchemy.orm import Session

from service.adapters import contacts, outbox, peer_requests
from service.adapters.models import Alert, Contact, Conversation, PeerRequest
from service.adapters.runtime import Runtime

if TYPE_CHECKING:
    from service.adapters.conversations import Host

log = logging.getLogger(__name__)
ONCALL_KIND = "oncall_alert"  # outbox kind of the texts to on-call coordinators
WAITING_TOO_LONG = "waiting_too_long"  # on-call text `oncall_waiting_too_long`


def raise_alert(host: Host, kind: str, *, contact_id: int | None = None, peer_id: int | None = None) -> Alert:
    """Record the alert under the host's conversation and text the on-call coordinators."""
    alert, outbound_ids = record(
        host.rt,
        host.session,
        kind,
        host.now,
        line_number=host.line_number,
        conversation_id=host.row.id if host.row is not None else None,
        contact_id=contact_id,
        peer_id=peer_id,
    )
    host.applied.outbound_ids.extend(outbound_ids)  # sent once the host's transaction commits
    return alert


def record(
    rt: Runtime,
    session: Session,
    kind: str,
    now: datetime,
    *,
    line_number: str,
    conversation_id: int | None = None,
    contact_id: int | None = None,
    peer_id: int | None = None,
) -> tuple[Alert, list[int]]:
    """Record the alert and put a text to each on-call number in the outbox (ids only in logs,
    never numbers); return it with the outbound ids to send once the transaction commits."""
    alert = Alert(
        kind=kind,
        contact_id=contact_id,
        conversation_id=conversation_id,
        peer_id=peer_id,
        status="open",
        created_at=now,
        updated_at=now,
    )
    session.add(alert)
    session.flush()
    log.warning("alert", extra={"alert_id": alert.id, "kind": kind, "contact_id": contact_id})
    message = f"oncall_{kind}"
    if message not in rt.flows.flow_set.shared:
        log.error("no on-call text for this alert kind", extra={"kind": kind})
        return alert, []
    text = rt.flows.shared_text(message, "en")  # to the team, in English
    line = rt.settings.numbers[0] if rt.settings.numbers else line_number
    outbound_ids: list[int] = []
    for number in rt.settings.oncall_numbers:
        oncall = contacts.contact_id(session.connection(), rt.cipher, rt.contact_ids, number, now)
        row = outbox.add(
            session, rt.cipher, contact_id=oncall, line_number=line, body=text, now=now, kind=ONCALL_KIND
        )
        session.flush()
        outbound_ids.append(row.id)
    return alert, outbound_ids


def raise_waiting_too_long(rt: Runtime, now: datetime) -> int:
    """Alert once per wait for every seeker waiting for a peer longer than
    PEERLINE_WAIT_ALERT_MINUTES; return how many alerts were raised."""
    began_before = now - timedelta(minutes=rt.settings.wait_alert_minutes)
    with rt.db.session() as session:
        overdue = session.scalars(
            _overdue_requests(began_before).order_by(PeerRequest.requested_at, PeerRequest.id)
        ).all()
    raised = 0
    for request_id in overdue:
        with rt.db.session() as session:
            outbound_ids = _alert_once(rt, session, request_id, began_before, now)
        if outbound_ids is not None:
            raised += 1
            outbox.dispatch(rt, outbound_ids)
    return raised


def _overdue_requests(began_before: datetime) -> Select[int]:
    """Waits that began before the limit, of seekers still with the line, not yet alerted."""
    already = exists().where(
        Alert.conversation_id == PeerRequest.conversation_id,
        Alert.kind == WAITING_TOO_LONG,
        Alert.created_at >= PeerRequest.requested_at,
    )
    return (
        select(PeerRequest.id)
        .join(Contact, Contact.id == PeerRequest.seeker_id)
        .join(Conversation, Conversation.id == PeerRequest.conversation_id)
        .where(
            PeerRequest.status == peer_requests.WAITING,
            PeerRequest.requested_at < began_before,
            Conversation.ended_at.is_(None),
            not_(contacts.leaving()),
            not_(already),
        )
    )


def _alert_once(
    rt: Runtime, session: Session, request_id: int, began_before: datetime, now: datetime
) -> list[int] | None:
    """Raise the alert for this wait unless another sweep did first; None if it did not.

    Two sweepers may find the same wait: each locks the request row (PostgreSQL; SQLite runs
    one writing transaction at a time) and asks again, so the second sees the first's alert."""
    session.execute(select(PeerRequest.id).where(PeerRequest.id == request_id).with_for_update())
    if session.scalar(_overdue_requests(began_before).where(PeerRequest.id == request_id)) is None:
        return None  # matched, ended, left the line, or alerted meanwhile
    request = session.get_one(PeerRequest, request_id)
    conversation = session.get_one(Conversation, request.conversation_id)
    alert, outbound_ids = record(
        rt,
        session,
        WAITING_TOO_LONG,
        now,
        line_number=conversation.line_number,
        conversation_id=conversation.id,
        contact_id=request.seeker_id,
    )
    log.info("seeker waiting too long", extra={"request_id": request_id, "alert_id": alert.id})
    return outbound_ids
