"""What the dashboard's live tables show: who waits for a peer, and the peers with their load.

The pages refresh every second, so each view is a few set-based statements (none per row) and
returns frozen rows of plain values: no ORM objects, and a phone as its last four digits at most.
A peer's minutes this week are counted exactly as matching counts them against the weekly cap.
The conversations going on and their transcripts are in transcripts.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, exists, func, select, true
from sqlalchemy.orm import Session

from service.adapters.contacts import PHONE_CONTEXT
from service.adapters.crypto import DataCipher
from service.adapters.matching import WEEK
from service.adapters.models import Alert, Contact, Conversation, Offer, Peer, PeerRequest, PeerTopic, Relay
from service.adapters.peer_requests import PENDING, WAITING
from service.adapters.safety import CRISIS
from service.core.shifts import on_shift, parse_shifts
from service.core.topic_classifier import Taxonomy

MASK = "•••• "
ANY_TOPIC = "anything"  # a seeker whose words named no topic talks with a peer of any topic
OFFER_WINDOW = timedelta(days=30)  # what a peer's offer counts and acceptance rate cover
REFUSED = ("declined", "expired")  # with accepted: the offers a peer answered, or let run out


def last4(cipher: DataCipher, phone_cipher: bytes) -> str:
    """A contact's number as coordinators may see it: "•••• 0042"."""
    return MASK + cipher.decrypt(phone_cipher, PHONE_CONTEXT)[-4:]


def topic_label(taxonomy: Taxonomy, topic_id: str, empty: str = ANY_TOPIC) -> str:
    """The topic's English label; `empty` when no topic was told."""
    if not topic_id:
        return empty
    topic = taxonomy.get(topic_id)
    return topic.labels.get("en", topic.id) if topic else topic_id


def whole_minutes(since: datetime, until: datetime) -> int:
    return max(int((until - since).total_seconds() // 60), 0)


def unresolved_crisis(contact_id: ColumnElement[int] | Any) -> ColumnElement[bool]:
    """A crisis alert for this contact that no coordinator has resolved (acknowledged still counts)."""
    return exists().where(Alert.kind == CRISIS, Alert.contact_id == contact_id, Alert.status != "resolved")


@dataclass(frozen=True)
class WaitingSeeker:
    request_id: int
    conversation_id: int
    contact_id: int
    phone_last4: str
    waiting_since: datetime
    wait_minutes: int
    topic_label: str
    language: str
    mood: str  # 1-5 as the seeker gave it in the check-in; "" if they skipped it
    risk: str  # crisis (an unresolved crisis alert) | urgent | ""
    offers_made: int
    refusals: int
    pending_offer_peers: tuple[str, ...]  # names of the peers holding an offer right now


def queue(session: Session, cipher: DataCipher, taxonomy: Taxonomy, now: datetime) -> list[WaitingSeeker]:
    """Seekers waiting for a peer: at risk first, then longest waiting (the matching order)."""
    rows = session.execute(
        select(
            PeerRequest.id,
            PeerRequest.conversation_id,
            PeerRequest.seeker_id,
            PeerRequest.requested_at,
            PeerRequest.topic,
            PeerRequest.language,
            PeerRequest.mood,
            PeerRequest.offers_made,
            PeerRequest.refusals,
            (PeerRequest.urgent | Conversation.urgent).label("urgent"),
            unresolved_crisis(PeerRequest.seeker_id).label("crisis"),
            Contact.phone_cipher,
        )
        .join(Contact, Contact.id == PeerRequest.seeker_id)
        .join(Conversation, Conversation.id == PeerRequest.conversation_id)
        .where(PeerRequest.status == WAITING)
    ).all()
    holders: dict[int, list[str]] = defaultdict(list)
    # By the listed requests' ids: PostgreSQL, asked for pending offers of waiting requests,
    # scanned every offer (pending ones are few, but no index leads with the status).
    for request_id, name in session.execute(
        select(Offer.request_id, Peer.name)
        .join(Peer, Peer.id == Offer.peer_id)
        .where(Offer.status == PENDING, Offer.request_id.in_([row.id for row in rows]))
        .order_by(Offer.sent_at, Offer.id)
    ):
        holders[request_id].append(name)
    waiting = [
        WaitingSeeker(
            request_id=row.id,
            conversation_id=row.conversation_id,
            contact_id=row.seeker_id,
            phone_last4=last4(cipher, row.phone_cipher),
            waiting_since=row.requested_at,
            wait_minutes=whole_minutes(row.requested_at, now),
            topic_label=topic_label(taxonomy, row.topic),
            language=row.language,
            mood=row.mood,
            risk="crisis" if row.crisis else "urgent" if row.urgent else "",
            offers_made=row.offers_made,
            refusals=row.refusals,
            pending_offer_peers=tuple(holders[row.id]),
        )
        for row in rows
    ]
    return sorted(waiting, key=lambda w: (not w.risk, w.waiting_since, w.request_id))


@dataclass(frozen=True)
class TopicTag:
    id: str
    label: str


@dataclass(frozen=True)
class PeerRow:
    peer_id: int
    name: str
    phone_last4: str
    status: str  # available | paused | off (a pause that has ended reads available)
    paused_until: datetime | None  # set only while paused
    cooling_down_until: datetime | None  # no offers after a crisis conversation, until then
    opted_out: bool  # texted STOP: nothing reaches them
    confirmed: bool  # replied ON to the welcome
    on_shift_now: bool  # in their own time zone; no shifts means any time
    active_now: int  # conversations open right now
    capacity: int
    talks_today: int  # conversations started today (the dashboard's local day)
    minutes_today: int  # their length (one still going counts up to now)
    minutes_week: int  # rolling 7 days, as matching counts it against the cap
    weekly_cap_minutes: int
    offers: int  # sent in the last 30 days
    accepted: int
    acceptance_rate: float | None  # accepted / (accepted + declined + expired); None if none
    last_offered_at: datetime | None
    topics: tuple[TopicTag, ...]  # in the taxonomy's order
    languages: tuple[str, ...]
    shifts: str
    timezone: str


def peer_rows(
    session: Session, cipher: DataCipher, taxonomy: Taxonomy, now: datetime, tz: tzinfo
) -> list[PeerRow]:
    """Every peer, by name; "today" is the local day in `tz` (the line's zone)."""
    return _rows(session, cipher, taxonomy, now, tz, None)


def peer_detail(
    session: Session, cipher: DataCipher, taxonomy: Taxonomy, peer_id: int, now: datetime, tz: tzinfo
) -> PeerRow | None:
    """One peer's row, or None when there is no such peer."""
    rows = _rows(session, cipher, taxonomy, now, tz, peer_id)
    return rows[0] if rows else None


def _rows(
    session: Session, cipher: DataCipher, taxonomy: Taxonomy, now: datetime, tz: tzinfo, only: int | None
) -> list[PeerRow]:
    def of_peer(column: Any) -> Any:
        return true() if only is None else column == only

    peers = session.execute(
        select(*_PEER_COLUMNS, Contact.phone_cipher, Contact.opted_out)
        .join(Contact, Contact.id == Peer.contact_id)
        .where(of_peer(Peer.id))
    ).all()
    if not peers:
        return []
    order = {topic_id: position for position, topic_id in enumerate(taxonomy.ids())}
    topics: dict[int, list[str]] = defaultdict(list)
    for peer_id, topic in session.execute(
        select(PeerTopic.peer_id, PeerTopic.topic).where(of_peer(PeerTopic.peer_id))
    ):
        topics[peer_id].append(topic)
    today = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    load = _load(session, now, today, of_peer)
    answers = _answers(session, now, of_peer)
    # Worked out once per topic and per (shifts, zone), not once per peer: peers share them.
    tags: dict[str, TopicTag] = {}
    shift_now: dict[tuple[str, str], bool] = {}
    for row in peers:
        for topic in topics[row.id]:
            if topic not in tags:
                tags[topic] = TopicTag(topic, topic_label(taxonomy, topic))
        if (row.shifts, row.timezone) not in shift_now:
            shift_now[row.shifts, row.timezone] = on_shift(
                parse_shifts(row.shifts), ZoneInfo(row.timezone), now
            )
    rows = [
        _row(
            cipher,
            now,
            row,
            tuple(tags[t] for t in sorted(topics[row.id], key=lambda t: order.get(t, len(order)))),
            shift_now[row.shifts, row.timezone],
            load[row.id],
            answers.get(row.id, _NO_ANSWERS),
        )
        for row in peers
    ]
    return sorted(rows, key=lambda r: (r.name.casefold(), r.peer_id))


# What a peer's row reads of the peers table: plain columns (ORM entities cost more to build).
_PEER_COLUMNS = (
    Peer.id,
    Peer.name,
    Peer.status,
    Peer.paused_until,
    Peer.cooldown_until,
    Peer.confirmed_at,
    Peer.shifts,
    Peer.timezone,
    Peer.capacity,
    Peer.weekly_cap_minutes,
    Peer.last_offered_at,
    Peer.languages,
)


@dataclass(frozen=True)
class _Answers:
    offers: int = 0  # sent in the window, whatever became of them
    accepted: int = 0
    refused: int = 0  # declined or let run out


_NO_ANSWERS = _Answers()


def _answers(session: Session, now: datetime, of_peer: Any) -> dict[int, _Answers]:
    """Each peer's offers of the last 30 days and how they were answered, one row per peer
    (read from ix_offers_peer_status_sent alone on SQLite)."""
    found = session.execute(
        select(
            Offer.peer_id,
            func.count(),
            func.count(case((Offer.status == "accepted", 1))),
            func.count(case((Offer.status.in_(REFUSED), 1))),
        )
        .where(Offer.sent_at >= now - OFFER_WINDOW, of_peer(Offer.peer_id))
        .group_by(Offer.peer_id)
    )
    return {peer_id: _Answers(offers, accepted, refused) for peer_id, offers, accepted, refused in found}


@dataclass
class _Load:
    active: int = 0
    today: int = 0
    today_minutes: float = 0.0
    week_minutes: float = 0.0


def _load(session: Session, now: datetime, today: datetime, of_peer: Any) -> dict[int, _Load]:
    """Open conversations (counted on the partial index of open relays), and today's and the
    rolling week's from the relays started since the earlier of the two (an index range)."""
    # Two reads, not one with OR: SQLite cannot use an index for each side of an OR (it scanned
    # every relay), and the open ones older than a week would widen the range to all of them.
    load: dict[int, _Load] = defaultdict(_Load)
    for peer_id, active in session.execute(
        select(Relay.peer_id, func.count())
        .where(Relay.ended_at.is_(None), of_peer(Relay.peer_id))
        .group_by(Relay.peer_id)
    ):
        load[peer_id].active = active
    week_start = now - WEEK
    for peer_id, started, ended in session.execute(
        select(Relay.peer_id, Relay.started_at, Relay.ended_at).where(
            Relay.started_at >= min(week_start, today), of_peer(Relay.peer_id)
        )
    ):
        minutes = ((ended or now) - started).total_seconds() / 60
        peer = load[peer_id]
        if started >= today:
            peer.today += 1
            peer.today_minutes += minutes
        if started >= week_start:
            peer.week_minutes += minutes
    return load


def _row(
    cipher: DataCipher,
    now: datetime,
    peer: Any,
    topics: tuple[TopicTag, ...],
    on_shift_now: bool,
    load: _Load,
    answers: _Answers,
) -> PeerRow:
    paused = peer.status == "paused" and peer.paused_until is not None and peer.paused_until > now
    answered = answers.accepted + answers.refused
    return PeerRow(
        peer_id=peer.id,
        name=peer.name,
        phone_last4=last4(cipher, peer.phone_cipher),
        status="paused" if paused else "off" if peer.status == "off" else "available",
        paused_until=peer.paused_until if paused else None,
        cooling_down_until=peer.cooldown_until if peer.cooldown_until and peer.cooldown_until > now else None,
        opted_out=peer.opted_out,
        confirmed=peer.confirmed_at is not None,
        on_shift_now=on_shift_now,
        active_now=load.active,
        capacity=peer.capacity,
        talks_today=load.today,
        # whole minutes rounded down: at or over the cap here exactly when matching says so
        minutes_today=int(load.today_minutes),
        minutes_week=int(load.week_minutes),
        weekly_cap_minutes=peer.weekly_cap_minutes,
        offers=answers.offers,
        accepted=answers.accepted,
        acceptance_rate=answers.accepted / answered if answered else None,
        last_offered_at=peer.last_offered_at,
        topics=topics,
        languages=tuple(peer.languages.split(",")),
        shifts=peer.shifts,
        timezone=peer.timezone,
    )
