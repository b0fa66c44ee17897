"""The Metrics page's figures and the anonymised CSV export, computed from the records themselves.

A range is whole local days in the line's time zone: the `days` days ending with today (the day
`now` falls on there). Each figure counts what began or ended in the range, as its docstring says.
A few grouped queries do the work (the range may hold thousands of requests); the percentiles
and the hour-of-week buckets are computed here, as SQLite and PostgreSQL share no way to do them.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, Subquery, func, not_, select
from sqlalchemy.orm import Session

from service.adapters.contacts import leaving
from service.adapters.models import Contact, Conversation, Offer, Peer, PeerRequest, Relay
from service.adapters.peer_requests import CANCELLED, MATCHED, NO_PEER, WAITING
from service.core import stats
from service.core.shifts import parse_shifts

DEFAULT_DAYS = 14
OUTCOMES = (MATCHED, NO_PEER, CANCELLED)  # how a wait ends (peer_requests); always listed, zeros too
ACCEPTED, DECLINED, EXPIRED = "accepted", "declined", "expired"  # offers a peer answered or let run out
RELEVANCE_SCALE = (1, 2, 3)  # closing.yaml: 1 not really, 2 somewhat, 3 very
# check_in.yaml / closing.yaml ask "from 1 (very low) to 5 (good)": a higher mood after is better
CSV_COLUMNS = (
    "record",
    "date",
    "hour",
    "weekday",
    "channel",
    "language",
    "topic",
    "urgent",
    "outcome",
    "waited_minutes",
    "offers_made",
    "talk_minutes",
    "mood_before",
    "mood_after",
    "relevance",
    "crisis",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DayWait:
    """Waits to a peer that began on one local day: how many ended in a match, and how long they took."""

    day: date
    count: int
    median_minutes: float | None  # None when no wait that began that day was matched
    p90_minutes: float | None  # linear interpolation between ranks (see core.stats.percentile)


@dataclass(frozen=True)
class Metrics:
    """Everything the Metrics page charts for one range. Rates are None when nothing was measured."""

    first_day: date  # inclusive, local
    last_day: date  # inclusive, local (today)
    waits: list[DayWait]  # one per day in the range, in order, by the local day the wait began
    outcomes: dict[str, int]  # requests that ended in the range, by outcome (matched, no_peer, cancelled)
    match_rate: float | None  # matched / all that ended
    offers_accepted: int  # offers sent in the range that the peer accepted
    offers_refused: int  # ... that the peer declined or let expire
    acceptance_rate: float | None  # accepted / (accepted + refused); taken and withdrawn offers do not count
    mood_pairs: int  # relays started in the range with a mood both before and after
    mood_before_avg: float | None  # over those pairs, on the 1 (very low) .. 5 (good) scale
    mood_after_avg: float | None
    mood_better: int  # after > before
    mood_same: int
    mood_worse: int
    relevance: dict[int, int]  # relays started in the range, by rating 1..3; every value present
    # 168, Monday 00:00 first: requests made in that local hour per week it came round; a
    # daylight-saving week counts its skipped hour 0 times and its doubled hour twice (stats.hours_observed)
    requests_by_hour: list[float]
    peers_on_shift_by_hour: list[int]  # 168: active peers on shift at some moment of that hour
    offers_declined: int  # the refused offers split: said no ...
    offers_expired: int  # ... or let the offer run out
    hours_observed_by_hour: list[float]  # 168: the averages' denominators (about the weeks in range)


@dataclass(frozen=True)
class Range:
    """Whole local days first_day..last_day, and the UTC instants [start, end) they span."""

    first_day: date
    last_day: date
    start: datetime
    end: datetime

    def holds(self, column: Any) -> ColumnElement[bool]:
        """The SQL condition: this timestamp column falls in the range."""
        condition: ColumnElement[bool] = (column >= self.start) & (column < self.end)
        return condition


def day_range(*, now: datetime, days: int, tz: ZoneInfo) -> Range:
    """The `days` local days ending with the day `now` falls on in `tz`."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time")
    if days < 1:
        raise ValueError(f"a range needs at least one day, not {days}")
    last_day = now.astimezone(tz).date()
    first_day = last_day - timedelta(days=days - 1)
    end = stats.local_midnight(last_day + timedelta(days=1), tz)
    return Range(first_day, last_day, stats.local_midnight(first_day, tz), end)


def compute(session: Session, *, now: datetime, days: int, tz: ZoneInfo) -> Metrics:
    """All the Metrics page's figures for the `days` local days up to today."""
    span = day_range(now=now, days=days, tz=tz)
    requests = _requests_with_relay_start(session, span)
    outcomes = _counts(
        session,
        PeerRequest.status,
        span.holds(PeerRequest.resolved_at),
        PeerRequest.status != WAITING,
    )
    offers = _counts(
        session, Offer.status, span.holds(Offer.sent_at), Offer.status.in_((ACCEPTED, DECLINED, EXPIRED))
    )
    refused = offers[DECLINED] + offers[EXPIRED]
    moods = _mood_pairs(session, span)
    mood_pairs = sum(moods.values())
    relevance = _counts(session, Relay.relevance, span.holds(Relay.started_at), Relay.relevance.is_not(None))
    observed = stats.hours_observed(span.first_day, span.last_day, tz, until=now)
    return Metrics(
        first_day=span.first_day,
        last_day=span.last_day,
        waits=_waits_by_day(requests, span, tz),
        outcomes={**dict.fromkeys(OUTCOMES, 0), **outcomes},
        match_rate=stats.rate(outcomes[MATCHED], sum(outcomes.values())),
        offers_accepted=offers[ACCEPTED],
        offers_refused=refused,
        acceptance_rate=stats.rate(offers[ACCEPTED], offers[ACCEPTED] + refused),
        mood_pairs=mood_pairs,
        mood_before_avg=_mean(before for before, _after in moods.elements()),
        mood_after_avg=_mean(after for _before, after in moods.elements()),
        mood_better=sum(n for (before, after), n in moods.items() if after > before),
        mood_same=sum(n for (before, after), n in moods.items() if after == before),
        mood_worse=sum(n for (before, after), n in moods.items() if after < before),
        relevance={**dict.fromkeys(RELEVANCE_SCALE, 0), **relevance},
        requests_by_hour=_per_hour_of_week((at for at, _s, _r in requests), tz, observed),
        peers_on_shift_by_hour=peers_on_shift_by_hour(session, span.last_day, tz),
        offers_declined=offers[DECLINED],
        offers_expired=offers[EXPIRED],
        hours_observed_by_hour=observed,
    )


def peers_on_shift_by_hour(session: Session, last_day: date, tz: ZoneInfo) -> list[int]:
    """For each hour of the week (on `tz`'s clock), how many active peers are on shift at some
    moment of it: not off, not opted out, erasing or blocked, with their shifts read in their own
    time zone (an empty spec is any time). A paused peer counts: a pause is a short break.

    Peers' shifts are today's; they are laid over the local week ending `last_day`, because two
    zones' daylight-saving changes fall on different dates and so move shifts against each other."""
    rows = session.execute(
        select(Peer.timezone, Peer.shifts, func.count())
        .join(Contact, Contact.id == Peer.contact_id)
        .where(Peer.status != "off", not_(leaving()))
        .group_by(Peer.timezone, Peer.shifts)
    ).all()
    week = stats.week_hours(last_day, tz)
    on_shift = [0] * stats.HOURS_IN_WEEK
    for timezone, spec, count in rows:  # peers with the same zone and shifts are counted together
        zone, shifts = ZoneInfo(timezone), parse_shifts(spec)
        for slot, (start, end) in enumerate(week):
            if stats.on_shift_during(shifts, zone, start, end):
                on_shift[slot] += count
    return on_shift


def write_csv(session: Session, out: TextIO, *, now: datetime, days: int, tz: ZoneInfo) -> int:
    """Write one anonymised row per request for a peer made in the range (oldest first), joined
    with the conversation it led to if any; return the number of rows after the header.

    No phone number, name, id or text, and no exact time: the local date and hour only. The
    record column numbers the rows within this file."""
    span = day_range(now=now, days=days, tz=tz)
    last = _last_relay_per_request(span)
    query = (
        select(
            PeerRequest.requested_at,
            PeerRequest.resolved_at,
            PeerRequest.status,
            PeerRequest.language,
            PeerRequest.topic,
            PeerRequest.urgent,
            PeerRequest.offers_made,
            PeerRequest.mood,
            Conversation.channel,
            Relay.started_at,
            Relay.ended_at,
            Relay.mood_before,
            Relay.mood_after,
            Relay.relevance,
            Relay.crisis,
        )
        .join(Conversation, Conversation.id == PeerRequest.conversation_id)
        .outerjoin(last, last.c.request_id == PeerRequest.id)
        .outerjoin(Relay, Relay.id == last.c.relay_id)
        .where(span.holds(PeerRequest.requested_at))
        .order_by(PeerRequest.requested_at, PeerRequest.id)
    )
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    written = 0
    for written, row in enumerate(session.execute(query), start=1):
        writer.writerow([written, *_record(row, tz)])
    return written


def _record(row: Any, tz: ZoneInfo) -> list[object]:
    """One request's anonymised cells, after the record number (see CSV_COLUMNS)."""
    local = row.requested_at.astimezone(tz)
    matched = row.status == MATCHED and row.started_at is not None
    wait_ended = row.started_at if matched else row.resolved_at
    talked = row.ended_at - row.started_at if matched and row.ended_at is not None else None
    mood_before = row.mood_before if matched else (int(row.mood) if row.mood.isdigit() else None)
    return [
        local.date().isoformat(),
        local.hour,
        WEEKDAYS[local.weekday()],
        row.channel,
        row.language,
        row.topic,
        _yes_no(row.urgent),
        row.status,
        _minutes(wait_ended - row.requested_at) if wait_ended is not None else "",
        row.offers_made,
        _minutes(talked) if talked is not None else "",
        _blank_if_none(mood_before),
        _blank_if_none(row.mood_after if matched else None),
        _blank_if_none(row.relevance if matched else None),
        _yes_no(row.crisis) if matched else "",
    ]


def _requests_with_relay_start(session: Session, span: Range) -> list[tuple[datetime, str, datetime | None]]:
    """Every request made in the range: when, how it stands, and when its conversation began."""
    last = _last_relay_per_request(span)
    query = (
        select(PeerRequest.requested_at, PeerRequest.status, Relay.started_at)
        .outerjoin(last, last.c.request_id == PeerRequest.id)
        .outerjoin(Relay, Relay.id == last.c.relay_id)
        .where(span.holds(PeerRequest.requested_at))
    )
    return [(at, status, started) for at, status, started in session.execute(query)]


def _last_relay_per_request(span: Range) -> Subquery:
    """The relay that answered each request made in the range: its latest, since a peer who
    left before the two were connected sends the seeker back to waiting on the same request."""
    in_range = select(PeerRequest.id).where(span.holds(PeerRequest.requested_at))
    return (
        select(Relay.request_id, func.max(Relay.id).label("relay_id"))
        .where(Relay.request_id.in_(in_range))
        .group_by(Relay.request_id)
        .subquery()
    )


def _waits_by_day(
    requests: Iterable[tuple[datetime, str, datetime | None]], span: Range, tz: ZoneInfo
) -> list[DayWait]:
    """Matched waits, in minutes from asking to the conversation's start, by the local day they began."""
    minutes: dict[date, list[float]] = {}
    for requested_at, status, started_at in requests:
        if status == MATCHED and started_at is not None:
            day = requested_at.astimezone(tz).date()
            minutes.setdefault(day, []).append((started_at - requested_at).total_seconds() / 60)
    waits = []
    for offset in range((span.last_day - span.first_day).days + 1):
        day = span.first_day + timedelta(days=offset)
        values = minutes.get(day, [])
        waits.append(DayWait(day, len(values), stats.median(values), stats.percentile(values, 90)))
    return waits


def _counts(session: Session, column: Any, *conditions: ColumnElement[bool]) -> Counter[Any]:
    """How many rows have each value of `column` among those meeting the conditions (0 if none)."""
    query: Select[tuple[Any, int]] = select(column, func.count()).where(*conditions).group_by(column)
    return Counter({value: count for value, count in session.execute(query)})


def _mood_pairs(session: Session, span: Range) -> Counter[tuple[int, int]]:
    """Relays started in the range with both moods, counted by (before, after)."""
    query = (
        select(Relay.mood_before, Relay.mood_after, func.count())
        .where(span.holds(Relay.started_at), Relay.mood_before.is_not(None), Relay.mood_after.is_not(None))
        .group_by(Relay.mood_before, Relay.mood_after)
    )
    pairs: Counter[tuple[int, int]] = Counter()
    for before, after, count in session.execute(query):
        if before is not None and after is not None:  # the query says so; this tells the type checker
            pairs[before, after] = count
    return pairs


def _per_hour_of_week(times: Iterable[datetime], tz: ZoneInfo, observed: Sequence[float]) -> list[float]:
    """Events per hour of the week, divided by how many hours of each the range held (0.0 if none)."""
    counts = Counter(stats.hour_of_week(at, tz) for at in times)
    return [counts[slot] / hours if hours else 0.0 for slot, hours in enumerate(observed)]


def _mean(values: Iterable[int]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _blank_if_none(value: int | None) -> object:
    return "" if value is None else value
