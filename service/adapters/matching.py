"""The matching pass: offer waiting seekers to peers, seekers at risk first, then longest waiting.

One pass runs at a time (a Redis lock); a request for a pass while one runs makes it go round
once more, so nothing asked for is missed. Candidates are read from peer_topics rows marked
offerable, so the work grows with the peers who could say yes, not with every peer registered.
Each offer starts the peer's offer flow under the peer's own lock, in its own transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import LockError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from service.adapters import contacts, outbox, peer_requests, peers, processing, relays
from service.adapters.conversation_rows import active, end_all
from service.adapters.conversations import Host, after_commit
from service.adapters.models import (
    Contact,
    Conversation,
    Offer,
    Peer,
    PeerBlock,
    PeerRequest,
    PeerTopic,
    Relay,
)
from service.adapters.runtime import Runtime
from service.core import matching
from service.core.shifts import parse_shifts

log = logging.getLogger(__name__)
LOCK, AGAIN = "peerline:lock:matching", "peerline:matching:again"
PEER_OFFER, PEER_DEBRIEF = "peer_offer", "peer_debrief"
DEBRIEF_GIVES_WAY = timedelta(minutes=10)
WEEK = timedelta(days=7)
LANGUAGE_LABELS = {"en": "English", "es": "Español"}
# Why an offer could not be made after all (see `offer`).
NOT_WAITING, NO_NUMBER, ANSWERING, PHONE_BUSY = "not waiting", "no free number", "answering", "phone busy"
ANY_TOPIC = {"en": "something else", "es": "otra cosa"}  # the seeker's words named no topic


def match_waiting(rt: Runtime) -> int:
    """Run passes until no one asked for another; return how many offers were sent."""
    sent = 0
    lock = rt.redis.lock(LOCK, timeout=120)
    if not lock.acquire(blocking=False):
        rt.redis.set(AGAIN, 1, ex=300)  # the running pass will go round again
        return 0
    try:
        while True:
            rt.redis.delete(AGAIN)
            sent += run_pass(rt, lock.reacquire)
            if not rt.redis.exists(AGAIN):
                break
        tell_those_who_asked(rt)
    finally:
        with suppress(LockError):  # expired under a very long pass: nothing of ours to release
            lock.release()
    if rt.redis.exists(AGAIN):  # asked for between our last look and letting go
        rt.jobs.match_waiting()
    return sent


def run_pass(rt: Runtime, still_mine: Callable[[], object] = lambda: None) -> int:
    """One look at every waiting seeker; `still_mine` renews the pass's lock as it goes."""
    now, sent = rt.clock(), 0
    with rt.db.session() as session:
        waiting = list(
            session.scalars(
                select(PeerRequest.id)
                .where(PeerRequest.status == peer_requests.WAITING)
                .order_by(PeerRequest.urgent.desc(), PeerRequest.requested_at, PeerRequest.id)
            )
        )
    # Peers passed over for the rest of this pass: offered someone already (one new offer per
    # peer per pass), or found busy when the offer was about to go (mid-debrief, no free number).
    skip: set[int] = set()
    for request_id in waiting:
        still_mine()
        while True:
            chosen = _choose(rt, request_id, skip, now)
            if chosen is None:  # no one can take this seeker now: the flow tells them, with 988
                rt.jobs.search_ended(request_id)
                break
            made = 0
            for candidate in chosen:
                skip.add(candidate.peer_id)
                made += _offer(rt, request_id, candidate, now)
            sent += made
            if made or not chosen:
                break  # none of them could take it after all: try the next best
    return sent


def tell_those_who_asked(rt: Runtime) -> int:
    """Seekers who asked to hear when a peer is free: text them once some peer could talk."""
    now, told = rt.clock(), []
    with rt.db.session() as session:
        asked = session.scalars(
            select(Contact).where(Contact.wants_peer_since.is_not(None), ~contacts.leaving())
        ).all()
        for seeker in asked:
            locale = seeker.locale or "en"
            need = matching.Need(seeker_id=seeker.id, topic="", related=frozenset(), language=locale)
            if active(session, seeker.id) is not None or not matching.rank(
                candidates(session, need, now), need, now, 1
            ):
                continue
            seeker.wants_peer_since = None
            text = rt.flows.shared_text("peer_free_now", locale)
            line = (
                session.scalar(
                    select(Conversation.line_number)
                    .where(Conversation.contact_id == seeker.id)
                    .order_by(Conversation.id.desc())
                    .limit(1)
                )
                or rt.settings.numbers[0]
            )
            told.append(
                outbox.add(session, rt.cipher, contact_id=seeker.id, line_number=line, body=text, now=now)
            )
        session.flush()
        ids = [row.id for row in told]
    outbox.dispatch(rt, ids)
    return len(ids)


def _choose(rt: Runtime, request_id: int, skip: set[int], now: datetime) -> list[matching.Candidate] | None:
    """The peers to offer this request now (none while enough offers are still open); None when
    no one at all can take it, even with related topics, and no one who could is merely busy
    (then the wait ends honestly at once; otherwise the flow's own time limit ends it)."""
    settings = rt.settings
    want = settings.offer_fanout if settings.offer_strategy == "fanout" else 1
    with rt.db.session() as session:
        request = session.get_one(PeerRequest, request_id)
        asked = {
            o.peer_id: o.status for o in session.scalars(select(Offer).where(Offer.request_id == request_id))
        }
        open_offers = sum(1 for status in asked.values() if status == peer_requests.PENDING)
        if open_offers >= want:
            return []
        if request.topic and not request.widened and request.refusals >= settings.widen_after_refusals:
            request.widened = True
        for _ in range(2):
            need = _need(session, rt, request, frozenset(asked))
            found = candidates(session, need, now)
            chosen = matching.rank([c for c in found if c.peer_id not in skip], need, now, want - open_offers)
            if chosen or request.widened or not request.topic:
                break
            request.widened = True  # no one with this topic can take it: related topics too
        passed_over = any(c.peer_id in skip and matching.why_not(c, need, now) is None for c in found)
        if (
            not chosen
            and not open_offers
            and not passed_over
            and not matching.someone_may_free_up(found, need, now)
        ):
            peer_requests.close(session, request, peer_requests.NO_PEER, now)
            log.info("no peer", extra={"request_id": request.id})
            return None
        return chosen


def _need(session: Session, rt: Runtime, request: PeerRequest, asked: frozenset[int]) -> matching.Need:
    blocked = frozenset(
        session.scalars(select(PeerBlock.peer_id).where(PeerBlock.seeker_id == request.seeker_id))
    )
    return matching.Need(
        seeker_id=request.seeker_id,
        topic=request.topic,
        related=frozenset(rt.taxonomy.related(request.topic)) if request.topic else frozenset(),
        language=request.language,
        widened=request.widened,
        preferred_peer_id=request.preferred_peer_id,
        blocked=blocked,
        already_asked=asked,
    )


def candidates(session: Session, need: matching.Need, now: datetime) -> list[matching.Candidate]:
    """Peers who could take this seeker at all, with what matching needs to rank them.

    Two statements: the candidates (named by a subquery on the offerable topic rows) with their
    topics, load and ratings as per-peer subqueries, then their hours this week. Plain columns,
    not ORM objects: this runs for every waiting seeker."""
    topics = {need.topic} | (set(need.related) if need.widened else set())
    ids = select(PeerTopic.peer_id).where(PeerTopic.offerable.is_(True))
    if need.topic:
        ids = ids.where(PeerTopic.topic.in_(topics))
    rows = session.execute(
        # "opted out" to matching: anyone the line is letting go of (STOP, DELETE, blocked)
        select(*PEER_COLUMNS, contacts.leaving().label("opted_out"), *_per_peer())
        .join(Contact, Contact.id == Peer.contact_id)
        .where(Peer.id.in_(ids.scalar_subquery()))
    ).all()
    if not rows:
        return []
    minutes = _week_minutes(session, ids, now)
    return [
        matching.Candidate(
            peer_id=row.id,
            contact_id=row.contact_id,
            topics=frozenset((row.topics or "").split(",")),
            languages=tuple(row.languages.split(",")),
            capacity=row.capacity,
            load=row.relays + row.offers,
            week_minutes=minutes.get(row.id, 0.0),
            weekly_cap_minutes=row.weekly_cap_minutes,
            shifts=parse_shifts(row.shifts),
            timezone=row.timezone,
            status=row.status,
            paused_until=row.paused_until,
            cooldown_until=row.cooldown_until,
            last_offered_at=row.last_offered_at,
            opted_out=row.opted_out,
            mean_relevance=float(row.relevance) if row.relevance is not None else None,
        )
        for row in rows
    ]


PEER_COLUMNS = (
    Peer.id,
    Peer.contact_id,
    Peer.languages,
    Peer.capacity,
    Peer.weekly_cap_minutes,
    Peer.shifts,
    Peer.timezone,
    Peer.status,
    Peer.paused_until,
    Peer.cooldown_until,
    Peer.last_offered_at,
)


def _per_peer() -> tuple[Any, ...]:
    """A candidate's topics, open conversations, open offers and mean relevance rating."""
    return (
        select(func.aggregate_strings(PeerTopic.topic, ","))
        .where(PeerTopic.peer_id == Peer.id)
        .scalar_subquery()
        .label("topics"),
        select(func.count())
        .where(Relay.peer_id == Peer.id, Relay.ended_at.is_(None))
        .scalar_subquery()
        .label("relays"),
        select(func.count())
        .where(Offer.peer_id == Peer.id, Offer.status == peer_requests.PENDING)
        .scalar_subquery()
        .label("offers"),
        select(func.avg(Relay.relevance))
        .where(Relay.peer_id == Peer.id, Relay.relevance.is_not(None))
        .scalar_subquery()
        .label("relevance"),
    )


def _week_minutes(session: Session, ids: Select[Any], now: datetime) -> dict[int, float]:
    """Minutes talked in the last 7 days (a conversation still going counts up to now)."""
    total: dict[int, float] = {}
    for peer_id, started, ended in session.execute(
        select(Relay.peer_id, Relay.started_at, Relay.ended_at).where(
            Relay.peer_id.in_(ids.scalar_subquery()), Relay.started_at >= now - WEEK
        )
    ):
        total[peer_id] = total.get(peer_id, 0.0) + ((ended or now) - started).total_seconds() / 60
    return total


def answering(row: Conversation | None, now: datetime) -> bool:
    """The peer is answering another offer, or a debrief that has not given way yet."""
    return row is not None and not (row.flow == PEER_DEBRIEF and row.updated_at < now - DEBRIEF_GIVES_WAY)


def _free_for_offer(host: Host, now: datetime) -> bool:
    """No offer while the peer is answering another offer or their debrief; a debrief left
    unanswered for a while gives way (the offer's own question is clear on its own)."""
    row = host.row
    if row is None:
        return True
    if not answering(row, now):
        end_all(host.session, host.contact.id, "gave_way_to_offer", now)
        host.session.flush()
        host.row = host.stored = host.latest = None
        return True
    return False


def _offer(rt: Runtime, request_id: int, candidate: matching.Candidate, now: datetime) -> int:
    """Offer this candidate the seeker; 0 if they became busy meanwhile."""
    return 1 if offer(rt, request_id, candidate.peer_id, candidate.contact_id, now) is None else 0


def offer(
    rt: Runtime,
    request_id: int,
    peer_id: int,
    contact_id: int,
    now: datetime,
    *,
    vet: Callable[[Session, PeerRequest, Peer, Contact], None] | None = None,
    record: Callable[[Session, Offer], None] | None = None,
) -> str | None:
    """Start the offer flow on the peer's phone, under the peer's lock; None once it is on its
    way, else why not (NOT_WAITING, NO_NUMBER, ANSWERING, PHONE_BUSY). `vet` may raise to call
    the offer off before anything changes; `record` runs in the offer's own transaction."""
    try:
        with rt.state.contact_lock(contact_id, wait=True) as lock:
            if lock is None:
                return PHONE_BUSY
            with rt.db.session() as session:
                request = session.get_one(PeerRequest, request_id)
                peer = session.get_one(Peer, peer_id)
                contact = session.get_one(Contact, peer.contact_id)
                if vet is not None:
                    vet(session, request, peer, contact)
                line = relays.free_number(session, rt.settings.numbers, peer.id)
                host = Host(rt, session, contact, line or "", now)
                if request.status != peer_requests.WAITING:
                    return NOT_WAITING
                if line is None:
                    return NO_NUMBER
                if not _free_for_offer(host, now):
                    return ANSWERING
                made = _start_offer(rt, host, request, peer, line, now)
                if record is not None:
                    record(session, made)
                applied = host.applied
    finally:
        # A text that came while we held the lock was left to us, the holder: queue it.
        if processing.next_pending(rt, contact_id) is not None:
            rt.jobs.process_contact(contact_id)
    after_commit(rt, applied)
    log.info("offer sent", extra={"request_id": request_id, "peer_id": peer_id})
    return None


def _start_offer(
    rt: Runtime, host: Host, request: PeerRequest, peer: Peer, line: str, now: datetime
) -> Offer:
    minutes = rt.settings.offer_accept_minutes
    made = Offer(
        request_id=request.id,
        peer_id=peer.id,
        line_number=line,
        status=peer_requests.PENDING,
        sent_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    host.session.add(made)
    host.session.flush()
    peer.last_offered_at = now
    request.offers_made += 1
    locale = peers.locale_of(peer)
    topic = rt.taxonomy.get(request.topic)
    values = {
        "offer_id": str(made.id),
        "topic_label": topic.labels.get(locale, topic.id) if topic else ANY_TOPIC[locale],
        "mood": request.mood or "?",
        "language_label": LANGUAGE_LABELS.get(request.language, request.language),
        "accept_minutes": str(minutes),
    }
    host.apply(rt.flows.start(PEER_OFFER, locale, now, values=values))
    return made
