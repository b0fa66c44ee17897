"""Who may be offered a seeker, and in what order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from service.core.matching import Candidate, Need, rank, someone_may_free_up, why_not
from service.core.shifts import parse_shifts

NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
PEER = Candidate(
    peer_id=1,
    contact_id=101,
    topics=frozenset({"alcohol"}),
    languages=("en",),
    capacity=1,
    load=0,
    week_minutes=0,
    weekly_cap_minutes=720,
    shifts=(),
    timezone="America/New_York",
    status="available",
)
NEED = Need(seeker_id=500, topic="alcohol", related=frozenset({"drugs", "family"}), language="en")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"contact_id": 500}, "is the seeker"),
        ({"opted_out": True}, "opted out"),
        ({"status": "off"}, "not available"),
        ({"status": "paused", "paused_until": NOW + timedelta(hours=1)}, "not available"),
        ({"languages": ("es",)}, "language"),
        ({"topics": frozenset({"grief"})}, "topic"),
        ({"topics": frozenset({"drugs"})}, "topic"),  # related: only once the search widens
        ({"load": 1}, "at capacity"),
        ({"week_minutes": 720}, "weekly cap"),
        ({"cooldown_until": NOW + timedelta(minutes=5)}, "cooling down"),
        ({"shifts": parse_shifts("mon-fri 18:00-22:00")}, "off shift"),
    ],
)
def test_a_peer_who_cannot_take_the_seeker_says_why(change, reason):
    assert why_not(replace(PEER, **change), NEED, NOW) == reason


@pytest.mark.parametrize(
    "change",
    [
        {"status": "paused", "paused_until": NOW - timedelta(minutes=1)},  # the pause is over
        {"cooldown_until": NOW - timedelta(minutes=1)},
        {"shifts": parse_shifts("mon-fri 09:00-17:00")},
        {"capacity": 2, "load": 1},
        {"languages": ("es", "en")},
    ],
)
def test_a_peer_who_can_take_the_seeker(change):
    assert why_not(replace(PEER, **change), NEED, NOW) is None


def test_blocked_and_already_asked_peers_are_left_out():
    assert why_not(PEER, replace(NEED, blocked=frozenset({1})), NOW) == "blocked by the seeker"
    assert why_not(PEER, replace(NEED, already_asked=frozenset({1})), NOW) == "already asked"


def test_related_topics_count_once_widened_and_rank_below_the_topic_itself():
    related = replace(PEER, peer_id=2, contact_id=102, topics=frozenset({"drugs"}))
    widened = replace(NEED, widened=True)
    assert [p.peer_id for p in rank([related, PEER], widened, NOW, 5)] == [1, 2]
    assert [p.peer_id for p in rank([related], NEED, NOW, 5)] == []


def test_the_peer_asked_for_again_comes_first():
    fresher = replace(PEER, peer_id=2, contact_id=102, last_offered_at=None)
    asked_for = replace(PEER, last_offered_at=NOW - timedelta(minutes=1))
    need = replace(NEED, preferred_peer_id=1)
    assert [p.peer_id for p in rank([fresher, asked_for], need, NOW, 2)] == [1, 2]


def test_fairness_the_least_recently_offered_peer_goes_first():
    recent = replace(PEER, peer_id=1, last_offered_at=NOW - timedelta(minutes=10))
    earlier = replace(PEER, peer_id=2, contact_id=102, last_offered_at=NOW - timedelta(hours=6))
    assert [p.peer_id for p in rank([recent, earlier], NEED, NOW, 2)] == [2, 1]


def test_seekers_relevance_ratings_break_an_even_tie():
    rated_low = replace(PEER, peer_id=1, mean_relevance=1.2)
    rated_high = replace(PEER, peer_id=2, contact_id=102, mean_relevance=2.9)
    assert [p.peer_id for p in rank([rated_low, rated_high], NEED, NOW, 1)] == [2]


def test_no_topic_known_any_peer_who_speaks_the_language_will_do():
    need = replace(NEED, topic="", related=frozenset())
    other = replace(PEER, topics=frozenset({"grief"}))
    assert [p.peer_id for p in rank([other], need, NOW, 1)] == [1]


def test_a_fitting_peer_who_is_only_busy_is_worth_waiting_for():
    busy = replace(PEER, load=1)
    busy_and_off_shift = replace(busy, shifts=parse_shifts("sat 10:00-12:00"))
    assert someone_may_free_up([busy], NEED, NOW)
    assert not someone_may_free_up([busy_and_off_shift], NEED, NOW)
    assert not someone_may_free_up([replace(busy, languages=("es",))], NEED, NOW)
