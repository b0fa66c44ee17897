"""The conversations going on, and what a supervisor reads of one: its texts, in order, audited.

A transcript is the seeker's texts in and out from the conversation's start to its end (or now),
each marked with who wrote it. Reading one appends an audit event (ids only, never text) to the
caller's session: it is committed with the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from service.adapters import contacts, outbox
from service.adapters.alerts import ONCALL_KIND
from service.adapters.conversation_rows import STATE_CONTEXT
from service.adapters.coordinator_actions import COORDINATOR_KIND
from service.adapters.crypto import DataCipher
from service.adapters.dashboard_views import ANY_TOPIC, last4, topic_label, whole_minutes
from service.adapters.intake import BODY_CONTEXT as INBOUND_BODY
from service.adapters.matching import PEER_DEBRIEF, PEER_OFFER
from service.adapters.models import (
    Contact,
    Conversation,
    CrisisHit,
    InboundMessage,
    OutboundMessage,
    Peer,
    PeerRequest,
    Relay,
)
from service.adapters.peer_requests import WAITING
from service.adapters.relays import RELAYED
from service.core.flow_engine import FlowState
from service.core.topic_classifier import Taxonomy

TRANSCRIPT_READ = "transcript_read"
# What a coordinator calls each part of the seeker's story-sharing flow (steps by name).
STORY_STAGES = {
    **dict.fromkeys(("permission", "permission_end"), "choosing story or listening"),
    **dict.fromkeys(("looking", "finding", "search_timed_out", "peer_left"), "waiting for a peer"),
    **dict.fromkeys(("no_peer", "notify", "notify_set", "no_notify", "call_off_search"), "no peer was free"),
    "to_closing": "closing",
}
FLOW_STAGES = {"first_contact": "first contact", "check_in": "check-in", "closing": "closing"}


@dataclass(frozen=True)
class ActiveConversation:
    conversation_id: int
    contact_id: int
    phone_last4: str
    flow: str
    step: str  # the flow step the seeker is at ("" if unknown)
    stage: str  # first contact | check-in | waiting for a peer | with a peer | closing | ...
    started_at: datetime
    minutes: int
    last_activity_at: datetime  # the latest text to or from them, else the last state change
    peer_id: int | None
    peer_name: str
    topic_label: str  # "" while they have not said yet
    urgent: bool
    channel: str


def conversations(
    session: Session,
    cipher: DataCipher,
    taxonomy: Taxonomy,
    now: datetime,
    *,
    oncall_numbers: Collection[str] = (),
    only: int | None = None,
) -> list[ActiveConversation]:
    """Seekers' conversations not ended, urgent first, then the most recent activity first; with
    `only`, just that conversation's row ([] if it is not one of them).

    Peers' own flows (offer, debrief) are not listed, nor on-call coordinators: those the line
    has texted an alert, and the `oncall_numbers` given (settings), should they text the line."""
    of_contact = Conversation.contact_id
    last_in = select(func.max(InboundMessage.received_at)).where(InboundMessage.contact_id == of_contact)
    last_out = select(func.max(OutboundMessage.created_at)).where(OutboundMessage.contact_id == of_contact)
    oncall = exists().where(OutboundMessage.contact_id == of_contact, OutboundMessage.kind == ONCALL_KIND)

    def latest_request(column: Any) -> Any:  # of this conversation, by an index probe each
        return (
            select(column)
            .where(PeerRequest.conversation_id == Conversation.id)
            .order_by(PeerRequest.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    query = (
        select(
            Conversation.id,
            Conversation.contact_id,
            Conversation.flow,
            Conversation.state_cipher,
            Conversation.urgent,
            Conversation.channel,
            Conversation.started_at,
            Conversation.updated_at,
            Contact.phone_cipher,
            last_in.scalar_subquery().label("last_in"),
            last_out.scalar_subquery().label("last_out"),
            latest_request(PeerRequest.topic).label("request_topic"),
            latest_request(PeerRequest.status).label("request_status"),
        )
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(
            Conversation.ended_at.is_(None),
            Conversation.flow.not_in((PEER_OFFER, PEER_DEBRIEF)),
            Conversation.contact_id.not_in(select(Peer.contact_id)),
            ~oncall,
        )
    )
    open_relays = (
        select(Relay.conversation_id, Relay.peer_id, Relay.topic, Peer.name)
        .join(Peer, Peer.id == Relay.peer_id)
        .where(Relay.ended_at.is_(None))
    )
    if only is not None:
        query = query.where(Conversation.id == only)
        open_relays = open_relays.where(Relay.conversation_id == only)
    if oncall_numbers:
        query = query.where(Contact.phone_hash.not_in([cipher.lookup_hash(n) for n in oncall_numbers]))
    rows = session.execute(query).all()
    if not rows:
        return []
    relays = {row.conversation_id: row for row in session.execute(open_relays)}
    listed = [_conversation(cipher, taxonomy, now, row, relays.get(row.id)) for row in rows]
    return sorted(listed, key=lambda c: (not c.urgent, -c.last_activity_at.timestamp(), -c.conversation_id))


def _conversation(
    cipher: DataCipher, taxonomy: Taxonomy, now: datetime, row: Any, relay: Any
) -> ActiveConversation:
    # A conversation not ended keeps its state (retention purges only long-ended ones).
    state = (
        FlowState.from_json(cipher.decrypt(row.state_cipher, STATE_CONTEXT))
        if row.state_cipher is not None
        else None
    )
    step = (state.step if state else None) or ""
    asked = row.request_status is not None  # the conversation has asked for a peer at least once
    if relay is not None:
        stage = "with a peer"
    elif asked and row.request_status == WAITING:
        stage = "waiting for a peer"
    else:
        stage = _stage(row.flow, step)
    told = relay.topic if relay is not None else row.request_topic if asked else None
    if told is None:  # no peer asked for yet: the topic picked in the check-in, if any
        picked = state.values.get("topic", "") if state else ""
        topic = topic_label(taxonomy, picked) if taxonomy.get(picked) else ""
    else:
        topic = topic_label(taxonomy, told)
    texts = [at for at in (row.last_in, row.last_out) if at is not None]
    return ActiveConversation(
        conversation_id=row.id,
        contact_id=row.contact_id,
        phone_last4=last4(cipher, row.phone_cipher),
        flow=row.flow,
        step=step,
        stage=stage,
        started_at=row.started_at,
        minutes=whole_minutes(row.started_at, now),
        last_activity_at=max(texts) if texts else row.updated_at,
        peer_id=relay.peer_id if relay is not None else None,
        peer_name=relay.name if relay is not None else "",
        topic_label=topic,
        urgent=row.urgent,
        channel=row.channel,
    )


def _stage(flow: str, step: str) -> str:
    if flow == "story_sharing":
        return STORY_STAGES.get(step, "story sharing")
    return FLOW_STAGES.get(flow, flow.replace("_", " "))


@dataclass(frozen=True)
class TranscriptEntry:
    at: datetime
    who: str  # seeker | line (flow texts) | peer (relayed from them) | coordinator
    text: str | None  # None once retention purged it
    removed: str  # "removed after N days" when purged, else ""
    status: str  # delivery status of a text to the seeker ("" for one they sent)


@dataclass(frozen=True)
class Transcript:
    conversation_id: int
    contact_id: int
    phone_last4: str
    flow: str  # the flow it is in now (or ended in)
    flows_run: tuple[str, ...]  # every flow it went through, in order
    started_at: datetime
    ended_at: datetime | None
    end_reason: str
    peer_name: str  # the peers it was relayed with, in order, comma-separated
    topic_label: str
    crisis_hits: int
    urgent: bool
    entries: tuple[TranscriptEntry, ...]


def read_transcript(
    session: Session,
    cipher: DataCipher,
    conversation_id: int,
    *,
    actor: str,
    now: datetime,
    taxonomy: Taxonomy | None = None,
    retention_days: int = 30,
) -> Transcript | None:
    """The conversation's texts in order, recording who read them; None if there is no such
    conversation. Pass `taxonomy` for topic labels (else the topic id) and the line's retention
    period for the note on purged texts. The role check is the caller's (supervisors only)."""
    found = session.execute(
        select(Conversation, Contact.phone_cipher)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.id == conversation_id)
    ).one_or_none()
    if found is None:
        return None
    conversation: Conversation = found.Conversation
    relayed = session.execute(
        select(Peer.name, Relay.topic)
        .join(Peer, Peer.id == Relay.peer_id)
        .where(Relay.conversation_id == conversation_id)
        .order_by(Relay.started_at, Relay.id)
    ).all()
    asked = session.scalar(
        select(PeerRequest.topic)
        .where(PeerRequest.conversation_id == conversation_id)
        .order_by(PeerRequest.id.desc())
        .limit(1)
    )
    topic = relayed[-1].topic if relayed else asked
    hits = session.scalar(select(func.count()).where(CrisisHit.conversation_id == conversation_id)) or 0
    owner_is_peer = session.scalar(select(exists().where(Peer.contact_id == conversation.contact_id)))
    entries = _entries(session, cipher, conversation, now, retention_days, bool(owner_is_peer))
    contacts.audit(
        session,
        now,
        actor,
        TRANSCRIPT_READ,
        "conversation",
        conversation.id,
        {"contact_id": conversation.contact_id},
    )
    session.flush()
    return Transcript(
        conversation_id=conversation.id,
        contact_id=conversation.contact_id,
        phone_last4=last4(cipher, found.phone_cipher),
        flow=conversation.flow,
        flows_run=tuple(ran.split("@")[0] for ran in conversation.flows_run.split()),
        started_at=conversation.started_at,
        ended_at=conversation.ended_at,
        end_reason=conversation.end_reason or "",
        peer_name=", ".join(dict.fromkeys(name for name, _ in relayed)),
        topic_label=""
        if topic is None
        else topic_label(taxonomy, topic)
        if taxonomy
        else topic or "anything",
        crisis_hits=hits,
        urgent=conversation.urgent,
        entries=entries,
    )


def _label(taxonomy: Taxonomy | None, topic: str | None) -> str:
    if topic is None:  # never asked for a peer
        return ""
    return topic_label(taxonomy, topic) if taxonomy is not None else topic or ANY_TOPIC


def _entries(
    session: Session,
    cipher: DataCipher,
    conversation: Conversation,
    now: datetime,
    retention_days: int,
    owner_is_peer: bool,
) -> tuple[TranscriptEntry, ...]:
    """The owner's texts both ways within the conversation's time, oldest first; a text in
    counts from when it was handled (it may have arrived a moment before the conversation began)."""
    start, end = conversation.started_at, conversation.ended_at or now
    owner, other = ("peer", "seeker") if owner_is_peer else ("seeker", "peer")
    who_by_kind = {RELAYED: other, COORDINATOR_KIND: "coordinator"}
    removed = f"removed after {retention_days} days"
    handled = func.coalesce(InboundMessage.processed_at, InboundMessage.received_at)
    texts: list[tuple[datetime, int, int, TranscriptEntry]] = []
    for at, message_id, body in session.execute(
        select(InboundMessage.received_at, InboundMessage.id, InboundMessage.body_cipher).where(
            InboundMessage.contact_id == conversation.contact_id, handled >= start, handled <= end
        )
    ):
        text = cipher.decrypt(body, INBOUND_BODY) if body is not None else None
        texts.append((at, 0, message_id, TranscriptEntry(at, owner, text, "" if body else removed, "")))
    for at, message_id, body, kind, status in session.execute(
        select(
            OutboundMessage.created_at,
            OutboundMessage.id,
            OutboundMessage.body_cipher,
            OutboundMessage.kind,
            OutboundMessage.status,
        ).where(
            OutboundMessage.contact_id == conversation.contact_id,
            OutboundMessage.created_at >= start,
            OutboundMessage.created_at <= end,
        )
    ):
        text = cipher.decrypt(body, outbox.BODY_CONTEXT) if body is not None else None
        entry = TranscriptEntry(at, who_by_kind.get(kind, "line"), text, "" if body else removed, status)
        texts.append((at, 1, message_id, entry))
    # At the same moment a text in comes before the replies to it.
    return tuple(entry for *_, entry in sorted(texts, key=lambda t: t[:3]))
