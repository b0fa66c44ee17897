"""Database tables. Phone numbers and bodies are stored only as ciphertext (see crypto.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite has no big-integer autoincrement; PostgreSQL gets BIGINT ids.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Store UTC, always hand back timezone-aware datetimes, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass timezone-aware UTC times")
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Contact(Base):
    """A phone that has texted the line, or that the line texts."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    phone_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    locale: Mapped[str | None] = mapped_column(String(8))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # said yes at first contact
    # asked to be texted when a peer is free (no peer was); matching texts them, then clears it
    wants_peer_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # DELETE / BORRAR: asked once (a second DELETE soon after confirms), then confirmed; the
    # erasure job removes everything once the last text to them has gone (see erasure.py)
    erase_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erase_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # on the block list: texts are kept, never answered (crisis resources excepted), never matched
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_reason: Mapped[str | None] = mapped_column(String(16))  # abuse | spam | other


class OptOutEvent(Base):
    """History of a contact's opt-out state: who said what, when, and why."""

    __tablename__ = "opt_out_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    opted_out: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(32))  # keyword | carrier-21610
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboundMessage(Base):
    """A text Twilio handed us. Its id orders a phone's texts in arrival order."""

    __tablename__ = "inbound_messages"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    twilio_sid: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    line_number: Mapped[str] = mapped_column(String(32))  # the line's own number, not a person's
    body_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)  # None once purged (retention)
    num_media: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A text whose processing keeps failing is set aside after a few tries (failed=True), so it
    # cannot hold up the texts that came after it from the same phone.
    processing_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        Index("ix_inbound_pending", "contact_id", "processed_at", "id"),
        Index("ix_inbound_received_at", "received_at"),
    )


class OutboundMessage(Base):
    """The outbox: recorded before it is sent, claimed once, then tracked by Twilio's callbacks."""

    __tablename__ = "outbound_messages"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    line_number: Mapped[str] = mapped_column(String(32))
    body_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)  # None once purged (retention)
    kind: Mapped[str] = mapped_column(String(32), default="reply")
    in_reply_to: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    # pending -> claimed (about to call Twilio) -> Twilio's statuses (queued, sent, delivered,
    # undelivered, failed); or cancelled (opted out before it went)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # retention purges by it
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # a contact's texts, and the latest one (the dashboard's last activity) from the index alone
        Index("ix_outbound_contact_created", "contact_id", "created_at"),
        # the dashboard tells on-call coordinators (texted an alert) from seekers every second
        Index("ix_outbound_kind_contact", "kind", "contact_id"),
    )


class AuditEvent(Base):
    """Append-only record of actions on people's data: ids only, never numbers or bodies.

    The application only ever inserts: the database refuses UPDATE and DELETE (triggers from
    migration 0004), and retention and erasure leave this table alone."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))  # "system", "carrier", a coordinator's id
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Id)
    detail: Mapped[str] = mapped_column(Text, default="{}")

    # the sweeper asks every few seconds when the last daily purge ran
    __table_args__ = (Index("ix_audit_events_action_at", "action", "at"),)


class Conversation(Base):
    """One run of flows with a person: the engine's state (encrypted: answers can be personal),
    which flow file ran (its content hash), and the wait a timeout job may end."""

    __tablename__ = "conversations"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    flow: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(32))
    flows_run: Mapped[str] = mapped_column(Text, default="")  # "first_contact@hash check_in@hash"
    channel: Mapped[str] = mapped_column(String(8), default="sms")
    line_number: Mapped[str] = mapped_column(String(32))
    state_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)  # None once purged after it ended
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    timeout_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    timeout_token: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index(
            "ix_one_active_conversation",
            "contact_id",
            unique=True,
            sqlite_where=ended_at.is_(None),
            postgresql_where=ended_at.is_(None),
        ),
    )


class CheckinSchedule(Base):
    """Recurring check-ins a person asked for: at a local time, daily or weekly, never in quiet
    hours; PAUSE keeps the schedule but sends nothing; STOP removes it."""

    __tablename__ = "checkin_schedules"
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    every: Mapped[str] = mapped_column(String(8))  # daily | weekly
    local_time: Mapped[str] = mapped_column(String(5))  # HH:MM
    timezone: Mapped[str] = mapped_column(String(64))
    weekday: Mapped[int] = mapped_column(Integer)  # weekly: 0 = Monday
    line_number: Mapped[str] = mapped_column(String(32))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Peer(Base):
    """A volunteer with lived experience. Their phone is their contact's (encrypted there)."""

    __tablename__ = "peers"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    name: Mapped[str] = mapped_column(String(80))  # shown to coordinators, never to seekers
    languages: Mapped[str] = mapped_column(String(32), default="en")  # "en,es", first = texts to them
    capacity: Mapped[int] = mapped_column(Integer, default=1)  # conversations at a time
    weekly_cap_minutes: Mapped[int] = mapped_column(Integer, default=12 * 60)  # rolling 7 days
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    shifts: Mapped[str] = mapped_column(String(200), default="")  # "" = any time; see core.shifts
    # available | paused (until paused_until) | off. `offerable` mirrors "may get offers at all"
    # on peer_topics too, so matching reads only the peers who could say yes.
    status: Mapped[str] = mapped_column(String(16), default="available")
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # replied ON to the welcome
    cooldown_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # after a crisis conversation
    last_offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PeerTopic(Base):
    """A topic a peer has lived through; `offerable` is kept equal to the peer's (see Peer)."""

    __tablename__ = "peer_topics"
    peer_id: Mapped[int] = mapped_column(ForeignKey("peers.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    offerable: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_peer_topics_offerable", "topic", "offerable", "peer_id"),)


class PeerBlock(Base):
    """A seeker asked never to be matched with this peer again."""

    __tablename__ = "peer_blocks"
    seeker_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peers.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class PeerRequest(Base):
    """A seeker waiting for a peer: the matching queue (at risk first, then longest waiting)."""

    __tablename__ = "peer_requests"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    topic: Mapped[str] = mapped_column(String(32))  # "" when nothing could be told from their words
    language: Mapped[str] = mapped_column(String(8))
    mood: Mapped[str] = mapped_column(String(2), default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    preferred_peer_id: Mapped[int | None] = mapped_column(ForeignKey("peers.id"))  # asked for again
    # waiting -> matched | no_peer | cancelled
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)
    widened: Mapped[bool] = mapped_column(Boolean, default=False)  # related topics allowed now
    offers_made: Mapped[int] = mapped_column(Integer, default=0)
    refusals: Mapped[int] = mapped_column(Integer, default=0)  # declined or let expire
    matched_peer_id: Mapped[int | None] = mapped_column(ForeignKey("peers.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Offer(Base):
    """One peer asked to take one request, on the line number their conversation would use."""

    __tablename__ = "offers"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("peer_requests.id"), index=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peers.id"))
    line_number: Mapped[str] = mapped_column(String(32))
    # pending -> accepted | declined | expired | taken (another peer was first) | withdrawn
    status: Mapped[str] = mapped_column(String(16), default="pending")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # matching reads a peer's offers by status; the dashboard counts each peer's last 30 days
    __table_args__ = (Index("ix_offers_peer_status_sent", "peer_id", "status", "sent_at"),)


class Relay(Base):
    """A seeker and a peer talking through the line's numbers: neither sees the other's.

    The peer's side uses `peer_number`, different for each of their conversations at a time, so
    a text from the peer to that number belongs to exactly this relay."""

    __tablename__ = "relays"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("peer_requests.id"))
    seeker_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peers.id"))
    seeker_number: Mapped[str] = mapped_column(String(32))
    peer_number: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    seeker_chars: Mapped[int] = mapped_column(Integer, default=0)
    peer_chars: Mapped[int] = mapped_column(Integer, default=0)
    tips_given: Mapped[str] = mapped_column(String(200), default="")  # "long balance"
    # the seeker's closing answers: they feed matching (relevance) and continuity (same peer)
    mood_before: Mapped[int | None] = mapped_column(Integer)
    mood_after: Mapped[int | None] = mapped_column(Integer)
    relevance: Mapped[int | None] = mapped_column(Integer)
    same_peer_again: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_relays_peer_started", "peer_id", "started_at"),
        # every peer's load on the dashboard: the relays since a week ago, read from the index alone
        Index("ix_relays_started_peer_ended", "started_at", "peer_id", "ended_at"),
        Index(
            "ix_one_relay_per_peer_number",
            "peer_id",
            "peer_number",
            unique=True,
            sqlite_where=ended_at.is_(None),
            postgresql_where=ended_at.is_(None),
        ),
    )


class Alert(Base):
    """Something a coordinator must see: crisis, no peer free, a peer asking for help."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # no_peer | peer_asks_coordinator | crisis | ...
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    peer_id: Mapped[int | None] = mapped_column(ForeignKey("peers.id"))
    status: Mapped[str] = mapped_column(
        String(16), default="open", index=True
    )  # open | acknowledged | resolved
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id"))
    # The coordinator's note may speak of the person, so it is encrypted like a message body.
    note_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)

    # a contact's open (or unresolved) alert of a kind: crisis and burst checks, the queue's flag
    __table_args__ = (Index("ix_alerts_contact_kind_status", "contact_id", "kind", "status"),)


class Coordinator(Base):
    """A dashboard account. Roles: coordinator (operations), supervisor (also transcripts and
    peer management), admin (also accounts); each role can do what the one before it can."""

    __tablename__ = "coordinators"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id, with its parameters
    totp_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)  # second factor, once confirmed
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DashboardSession(Base):
    """A signed-in browser. The cookie holds a random token; only its hash is kept here, and
    logging out deletes the row, so a copied cookie stops working at once."""

    __tablename__ = "dashboard_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("coordinators.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CrisisHit(Base):
    """A text the crisis detector flagged, kept for review with its reasons. The categories are
    plain (they count for the metrics); the reasons quote the text, so they are encrypted like
    bodies and purged with them."""

    __tablename__ = "crisis_hits"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)  # who wrote it
    party: Mapped[str] = mapped_column(String(8))  # seeker | peer
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    categories: Mapped[str] = mapped_column(String(200))  # "intent ideation"
    reasons_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)  # JSON list; None once purged
    detector_version: Mapped[str] = mapped_column(String(32))


class Erasure(Base):
    """The anonymous tombstone a DELETE leaves: counts for the metrics, nothing about the person."""

    __tablename__ = "erasures"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    role: Mapped[str] = mapped_column(String(8))  # seeker | peer
    conversations: Mapped[int] = mapped_column(Integer, default=0)
    relays: Mapped[int] = mapped_column(Integer, default=0)
    texts: Mapped[int] = mapped_column(Integer, default=0)  # in and out
    crisis_hits: Mapped[int] = mapped_column(Integer, default=0)


class KeptOptOut(Base):
    """An erased person who had opted out stays opted out: only the keyed hash of their number
    is kept, so a new text from it starts out opted out (STOP must keep stopping everything)."""

    __tablename__ = "kept_opt_outs"
    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime)
