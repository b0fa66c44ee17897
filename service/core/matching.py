"""Who may be offered a waiting seeker, and in what order. Pure: the host loads the candidates
(only peers who could say yes at all) and their load; time comes in as `now`.

A candidate must share the seeker's topic (related topics only once the search has widened),
speak their language, be on shift, not paused, under capacity and weekly cap, not cooling down
after a crisis conversation, not opted out, not the seeker, not blocked by the seeker, and not
already asked for this seeker. Among those: the peer the seeker asked for again comes first, then
topic fit, then fairness (least recently offered), then how relevant seekers found them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from service.core.shifts import Shift, on_shift

EXACT_TOPIC, RELATED_TOPIC, ANY_TOPIC = 1.0, 0.5, 0.2
CONTINUITY = 10.0  # the peer the seeker asked for again outranks any other fit
FAIRNESS_HORIZON = timedelta(hours=24)  # waiting longer than this since the last offer counts the same
FAIRNESS_WEIGHT = 0.4
BUSY = "at capacity"
RELEVANCE_WEIGHT = 0.3  # per point of mean rating away from the middle (1..3 scale, 2 = neutral)


@dataclass(frozen=True)
class Candidate:
    peer_id: int
    contact_id: int
    topics: frozenset[str]
    languages: tuple[str, ...]
    capacity: int
    load: int  # active conversations plus offers waiting for an answer
    week_minutes: float  # talked in the last 7 days
    weekly_cap_minutes: int
    shifts: tuple[Shift, ...]
    timezone: str
    status: str  # available | paused | off
    paused_until: datetime | None = None
    cooldown_until: datetime | None = None
    last_offered_at: datetime | None = None
    opted_out: bool = False
    mean_relevance: float | None = None  # seekers' ratings, 1 (not really) .. 3 (very)


@dataclass(frozen=True)
class Need:
    """What one waiting seeker needs from a peer."""

    seeker_id: int
    topic: str  # "" when nothing could be told: any topic will do
    related: frozenset[str]
    language: str
    widened: bool = False
    preferred_peer_id: int | None = None
    blocked: frozenset[int] = frozenset()  # peer ids
    already_asked: frozenset[int] = frozenset()  # peer ids offered this seeker before


def why_not(peer: Candidate, need: Need, now: datetime) -> str | None:
    """The first reason this peer cannot be offered this seeker now, or None if they can."""
    if peer.contact_id == need.seeker_id:
        return "is the seeker"
    if peer.opted_out:
        return "opted out"
    if peer.status == "off" or (peer.status == "paused" and (peer.paused_until or now) > now):
        return "not available"
    if peer.peer_id in need.blocked:
        return "blocked by the seeker"
    if peer.peer_id in need.already_asked:
        return "already asked"
    if need.language not in peer.languages:
        return "language"
    if topic_fit(peer, need) == 0:
        return "topic"
    if peer.week_minutes >= peer.weekly_cap_minutes:
        return "weekly cap"
    if peer.cooldown_until is not None and peer.cooldown_until > now:
        return "cooling down"
    if not on_shift(peer.shifts, ZoneInfo(peer.timezone), now):
        return "off shift"
    if peer.load >= peer.capacity:
        return BUSY  # last: everything else fits, so they may be free in a few minutes
    return None


def someone_may_free_up(candidates: Iterable[Candidate], need: Need, now: datetime) -> bool:
    """A fitting peer is only busy (in a conversation, or asked for someone else): worth waiting."""
    return any(why_not(c, need, now) == BUSY for c in candidates)


def topic_fit(peer: Candidate, need: Need) -> float:
    if not need.topic:
        return ANY_TOPIC
    if need.topic in peer.topics:
        return EXACT_TOPIC
    if need.widened and peer.topics & need.related:
        return RELATED_TOPIC
    return 0.0


def score(peer: Candidate, need: Need, now: datetime) -> float:
    fit = topic_fit(peer, need)
    continuity = CONTINUITY if peer.peer_id == need.preferred_peer_id else 0.0
    since = now - peer.last_offered_at if peer.last_offered_at else FAIRNESS_HORIZON
    fairness = FAIRNESS_WEIGHT * min(since / FAIRNESS_HORIZON, 1.0)
    relevance = RELEVANCE_WEIGHT * (peer.mean_relevance - 2) if peer.mean_relevance is not None else 0.0
    return continuity + fit + fairness + relevance


def rank(candidates: Iterable[Candidate], need: Need, now: datetime, limit: int) -> list[Candidate]:
    """The best `limit` peers to offer this seeker, best first (ties: lowest id, for stable tests)."""
    fit = [c for c in candidates if why_not(c, need, now) is None]
    fit.sort(key=lambda c: (-score(c, need, now), c.peer_id))
    return fit[:limit]
