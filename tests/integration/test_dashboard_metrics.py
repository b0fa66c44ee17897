"""Dashboard metrics and the anonymised CSV against a real database: known records with fixed
times give figures worked out by hand, and a seeker run through the real SMS path is counted."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.adapters import contacts, dashboard_metrics, peers
from service.adapters.dashboard_metrics import CSV_COLUMNS, DayWait
from service.adapters.models import Contact, Conversation, Offer, Peer, PeerRequest, Relay
from service.core.stats import HOURS_IN_WEEK
from tests.conftest import LINE_NUMBER
from tests.integration.test_matching import SAM, SHARE
from tests.support.peer_line import SEEKER

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 1, 14, 17, 0, tzinfo=UTC)  # Wednesday 14 January, noon in New York
MONDAY, TUESDAY, WEDNESDAY = 0, 24, 48  # first hour-of-week of each day


def ny(text: str) -> datetime:
    """A New York wall time as the clock stores it (UTC)."""
    return datetime.fromisoformat(text).replace(tzinfo=NY).astimezone(UTC)


@dataclass
class Line:
    """Writes rows as the line would have, each seeker with their own number and conversation."""

    session: object
    runtime: object
    phones: list[str] = field(default_factory=list)
    peers: dict[str, int] = field(default_factory=dict)

    def contact(self, phone: str) -> int:
        self.phones.append(phone)
        rt = self.runtime
        return contacts.contact_id(self.session.connection(), rt.cipher, rt.contact_ids, phone, NOW)

    def peer(self, key: str, phone: str, name: str, **details) -> int:
        self.phones.append(phone)
        peer = peers.register(
            self.session,
            self.runtime.cipher,
            name=name,
            phone=phone,
            topics=["alcohol"],
            languages=["en"],
            now=ny("2025-12-01T09:00"),
            known_topics=self.runtime.taxonomy.ids(),
            confirmed=True,
            **details,
        )
        self.peers[key] = peer.id
        return peer.id

    def request(
        self, asked: str, status: str, resolved: str | None = None, *, mood: str = "2", channel: str = "sms"
    ) -> PeerRequest:
        seeker = self.contact(f"+1555020{len(self.phones):04d}")
        conversation = Conversation(
            contact_id=seeker,
            flow="check_in",
            content_hash="0" * 32,
            channel=channel,
            line_number=LINE_NUMBER,
            started_at=ny(asked) - timedelta(minutes=3),
            updated_at=ny(asked),
            ended_at=ny(resolved or asked) + timedelta(hours=1),
        )
        self.session.add(conversation)
        self.session.flush()
        request = PeerRequest(
            conversation_id=conversation.id,
            seeker_id=seeker,
            topic="alcohol",
            language="en",
            mood=mood,
            status=status,
            offers_made=1,
            requested_at=ny(asked),
            resolved_at=ny(resolved) if resolved else None,
        )
        self.session.add(request)
        self.session.flush()
        return request

    def relay(self, request: PeerRequest, peer: str, started: str, ended: str, **ratings) -> None:
        self.session.add(
            Relay(
                conversation_id=request.conversation_id,
                request_id=request.id,
                seeker_id=request.seeker_id,
                peer_id=self.peers[peer],
                seeker_number=LINE_NUMBER,
                peer_number=LINE_NUMBER,
                topic=request.topic,
                started_at=ny(started),
                ended_at=ny(ended),
                end_reason="done",
                **ratings,
            )
        )

    def offer(self, request: PeerRequest, peer: str, sent: str, status: str) -> None:
        self.session.add(
            Offer(
                request_id=request.id,
                peer_id=self.peers[peer],
                line_number=LINE_NUMBER,
                status=status,
                sent_at=ny(sent),
                expires_at=ny(sent) + timedelta(minutes=2),
            )
        )


@pytest.fixture
def line(runtime):
    """Two weeks of a small line (times in New York; the range is 1..14 January 2026)."""
    with runtime.db.session() as session:
        line = Line(session, runtime)
        line.peer("ana", "+15550107001", "Ana Rivera")  # New York, any time
        line.peer("ben", "+15550107002", "Ben Okafor", timezone="Europe/London", shifts="mon 20:00-21:30")
        off = line.peer("cy", "+15550107003", "Cy Off")
        peers.set_status(session, session.get_one(Peer, off), "off", now=ny("2026-01-02T09:00"))
        gone = line.peer("di", "+15550107004", "Di Stopped")
        session.get_one(Contact, session.get_one(Peer, gone).contact_id).opted_out = True

        # Before the range: a match, and a wait that began before it but ended on 1 January.
        old = line.request("2025-12-30T10:00", "matched", "2025-12-30T10:07")
        line.relay(
            old, "ana", "2025-12-30T10:07", "2025-12-30T10:30", mood_before=1, mood_after=1, relevance=1
        )
        line.offer(old, "ana", "2025-12-30T10:01", "accepted")
        edge = line.request("2025-12-31T23:50", "matched", "2026-01-01T00:10")
        line.relay(edge, "ana", "2026-01-01T00:10", "2026-01-01T00:40")

        # Monday 12 January: four matched waits of 5, 10, 40 and 20 minutes.
        q1 = line.request("2026-01-12T09:00", "matched", "2026-01-12T09:05")
        line.offer(q1, "ana", "2026-01-12T09:01", "accepted")
        line.relay(
            q1, "ana", "2026-01-12T09:05", "2026-01-12T09:35", mood_before=2, mood_after=4, relevance=3
        )
        q2 = line.request("2026-01-12T09:05", "matched", "2026-01-12T09:15", mood="3")
        line.offer(q2, "ben", "2026-01-12T09:06", "declined")
        line.offer(q2, "ana", "2026-01-12T09:10", "accepted")
        line.relay(
            q2, "ana", "2026-01-12T09:15", "2026-01-12T09:45", mood_before=3, mood_after=3, relevance=3
        )
        # The first peer left before they were connected: the seeker waited on until 14:40.
        q4 = line.request("2026-01-12T14:00", "matched", "2026-01-12T14:40", mood="1")
        line.offer(q4, "ana", "2026-01-12T14:01", "accepted")
        line.offer(q4, "ben", "2026-01-12T14:01", "taken")
        line.relay(q4, "ana", "2026-01-12T14:02", "2026-01-12T14:03", mood_before=1)
        line.offer(q4, "ben", "2026-01-12T14:39", "accepted")
        line.relay(q4, "ben", "2026-01-12T14:40", "2026-01-12T15:05", mood_before=1, mood_after=5)
        # 21:30 in New York is 02:30 on Tuesday in UTC: still Monday's wait, Monday's 21:00 hour.
        q3 = line.request("2026-01-12T21:30", "matched", "2026-01-12T21:50", mood="4")
        line.offer(q3, "ben", "2026-01-12T21:31", "expired")
        line.offer(q3, "ana", "2026-01-12T21:45", "accepted")
        line.relay(
            q3, "ana", "2026-01-12T21:50", "2026-01-12T22:05", mood_before=4, mood_after=2, relevance=1
        )

        # Tuesday 13 January: a 3-minute match, no peer (a call), called off; Wednesday: waiting.
        q5 = line.request("2026-01-13T08:00", "matched", "2026-01-13T08:03")
        line.relay(q5, "ben", "2026-01-13T08:03", "2026-01-13T08:23", mood_before=2, relevance=2)
        q6 = line.request("2026-01-13T10:00", "no_peer", "2026-01-13T10:12", channel="voice")
        line.offer(q6, "ana", "2026-01-13T10:01", "withdrawn")
        line.offer(q6, "ben", "2026-01-13T10:02", "declined")
        line.request("2026-01-13T11:00", "cancelled", "2026-01-13T11:04")
        q8 = line.request("2026-01-14T11:30", "waiting")
        line.offer(q8, "ana", "2026-01-14T11:31", "pending")
    return line


def metrics(runtime, **overrides):
    with runtime.db.session() as session:
        return dashboard_metrics.compute(session, **{"now": NOW, "days": 14, "tz": NY, **overrides})


def test_waits_by_the_local_day_they_began_with_median_and_p90(runtime, line):
    m = metrics(runtime)
    assert (m.first_day, m.last_day) == (date(2026, 1, 1), date(2026, 1, 14))
    assert [w.day for w in m.waits] == [date(2026, 1, 1) + timedelta(days=n) for n in range(14)]
    by_day = {w.day: w for w in m.waits}
    # 5, 10, 20, 40 minutes: median halfway between 10 and 20; p90 at rank 2.7 = 20 + 0.7 * 20
    monday = by_day[date(2026, 1, 12)]
    assert (monday.count, monday.median_minutes) == (4, 15.0)
    assert monday.p90_minutes == pytest.approx(34.0)
    assert by_day[date(2026, 1, 13)] == DayWait(date(2026, 1, 13), 1, 3.0, 3.0)
    # 1 January's match began on 31 December; days without a matched wait say so, never 0 minutes
    assert by_day[date(2026, 1, 1)] == DayWait(date(2026, 1, 1), 0, None, None)
    assert by_day[date(2026, 1, 14)] == DayWait(date(2026, 1, 14), 0, None, None)


def test_match_rate_over_the_waits_that_ended_in_the_range(runtime, line):
    m = metrics(runtime)
    assert m.outcomes == {"matched": 6, "no_peer": 1, "cancelled": 1}  # the one still waiting is not in
    assert m.match_rate == 0.75


def test_acceptance_rate_counts_only_offers_answered_or_let_expire(runtime, line):
    m = metrics(runtime)
    assert (m.offers_accepted, m.offers_declined, m.offers_expired, m.offers_refused) == (5, 2, 1, 3)
    assert m.acceptance_rate == 5 / 8  # taken, withdrawn and pending offers do not count


def test_mood_before_and_after_and_relevance(runtime, line):
    m = metrics(runtime)
    # pairs (2,4) (3,3) (1,5) (4,2): December's (1,1) is out, moods without an "after" are not pairs
    assert m.mood_pairs == 4
    assert (m.mood_before_avg, m.mood_after_avg) == (2.5, 3.5)
    assert (m.mood_better, m.mood_same, m.mood_worse) == (2, 1, 1)
    assert m.relevance == {1: 1, 2: 1, 3: 2}


def test_requests_by_hour_of_week_on_the_local_clock(runtime, line):
    m = metrics(runtime)
    assert len(m.requests_by_hour) == HOURS_IN_WEEK
    assert m.hours_observed_by_hour[MONDAY + 21] == 2.0  # Mondays 5 and 12 January
    assert m.requests_by_hour[MONDAY + 9] == 1.0  # two requests at 9 over two Mondays
    assert m.requests_by_hour[MONDAY + 21] == 0.5  # 02:30 UTC on Tuesday lands on Monday 21:00
    assert m.requests_by_hour[TUESDAY + 2] == 0.0
    assert m.requests_by_hour[WEDNESDAY + 11] == 0.5
    assert m.hours_observed_by_hour[WEDNESDAY + 12] == 1.0  # today's noon hour has not happened yet
    assert sum(m.requests_by_hour) == 4.0  # the other five hours with one request each: 0.5


def test_peers_on_shift_by_hour_in_their_own_time_zones(runtime, line):
    m = metrics(runtime)
    expected = [1] * HOURS_IN_WEEK  # Ana: any time; Cy is off and Di texted STOP: never counted
    expected[MONDAY + 15] = expected[MONDAY + 16] = 2  # Ben: Monday 20:00-21:30 in London
    assert m.peers_on_shift_by_hour == expected


def test_a_range_with_no_records_has_no_rates(runtime):
    m = metrics(runtime, days=1)
    assert m.waits == [DayWait(date(2026, 1, 14), 0, None, None)]
    assert m.match_rate is None and m.acceptance_rate is None
    assert m.mood_before_avg is None and m.mood_after_avg is None and m.mood_pairs == 0
    assert m.outcomes == {"matched": 0, "no_peer": 0, "cancelled": 0}
    assert m.relevance == {1: 0, 2: 0, 3: 0}
    assert m.requests_by_hour == [0.0] * HOURS_IN_WEEK


def test_a_shorter_range_leaves_out_what_came_before_it(runtime, line):
    m = metrics(runtime, days=2)  # Tuesday 13 and Wednesday 14 January
    assert m.outcomes == {"matched": 1, "no_peer": 1, "cancelled": 1}
    assert [w.count for w in m.waits] == [1, 0]
    assert m.relevance == {1: 0, 2: 1, 3: 0}


def read_csv(runtime, **overrides) -> tuple[int, str]:
    out = io.StringIO()
    with runtime.db.session() as session:
        written = dashboard_metrics.write_csv(session, out, **{"now": NOW, "days": 14, "tz": NY, **overrides})
    return written, out.getvalue()


def test_csv_has_one_anonymised_row_per_wait_in_time_order(runtime, line):
    written, text = read_csv(runtime)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(text.splitlines()[0].split(",")) == CSV_COLUMNS
    assert written == len(rows) == 8  # the requests made 1..14 January
    assert [r["record"] for r in rows] == [str(n) for n in range(1, 9)]
    assert [(r["date"], r["hour"], r["outcome"]) for r in rows] == [
        ("2026-01-12", "9", "matched"),
        ("2026-01-12", "9", "matched"),
        ("2026-01-12", "14", "matched"),
        ("2026-01-12", "21", "matched"),
        ("2026-01-13", "8", "matched"),
        ("2026-01-13", "10", "no_peer"),
        ("2026-01-13", "11", "cancelled"),
        ("2026-01-14", "11", "waiting"),
    ]
    assert rows[2] == {
        "record": "3",
        "date": "2026-01-12",
        "hour": "14",
        "weekday": "Monday",
        "channel": "sms",
        "language": "en",
        "topic": "alcohol",
        "urgent": "no",
        "outcome": "matched",
        "waited_minutes": "40.0",  # to the conversation that happened, not the peer who left
        "offers_made": "1",
        "talk_minutes": "25.0",
        "mood_before": "1",
        "mood_after": "5",
        "relevance": "",
        "crisis": "no",
    }
    no_peer = rows[5]
    assert (no_peer["channel"], no_peer["waited_minutes"], no_peer["talk_minutes"]) == ("voice", "12.0", "")
    assert (no_peer["mood_before"], no_peer["mood_after"], no_peer["crisis"]) == ("2", "", "")
    assert rows[7]["waited_minutes"] == ""  # still waiting: no length yet
    for phone in line.phones:
        assert phone not in text and phone[-4:] not in text
    assert "Ana" not in text and "Ben" not in text


def test_a_real_conversation_is_counted_and_exported_without_anything_personal(phones, runtime):
    phones.add_peer(SAM, "Sam Whitfield", "alcohol")
    phones.seeker_asks_for_a_peer(topic="1")  # mood 2, alcohol
    runtime.clock.advance(minutes=3)
    phones.text(SAM, "1")
    phones.text(SAM, SHARE)
    phones.text(SEEKER, "Thanks. I relapsed last week and I feel like a failure.")
    phones.text(SAM, "#end")
    phones.text(SEEKER, "4", "3", "1")  # feeling 4 now, the story very relevant, same peer again
    [request], [relay] = phones.requests(), phones.relays()
    waited = (relay.started_at - request.requested_at).total_seconds() / 60

    m = metrics(runtime, now=runtime.clock())
    today = m.waits[-1]
    assert (today.day, today.count, today.median_minutes, today.p90_minutes) == (
        date(2026, 1, 5),
        1,
        waited,
        waited,
    )
    assert waited > 3
    assert m.outcomes["matched"] == 1 and m.match_rate == 1.0 and m.acceptance_rate == 1.0
    assert (m.mood_pairs, m.mood_before_avg, m.mood_after_avg, m.mood_better) == (1, 2.0, 4.0, 1)
    assert m.relevance == {1: 0, 2: 0, 3: 1}
    assert m.requests_by_hour[MONDAY + 10] == 0.5  # Monday 10:00 in New York; Mondays 29 Dec and 5 Jan
    assert m.peers_on_shift_by_hour == [1] * HOURS_IN_WEEK  # Sam has no shifts: any time

    written, text = read_csv(runtime, now=runtime.clock())
    assert written == 1
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert (row["outcome"], row["mood_before"], row["mood_after"], row["relevance"]) == (
        "matched",
        "2",
        "4",
        "3",
    )
    for phone in (SEEKER, SAM):
        assert phone not in text and phone[-4:] not in text
    assert "Sam" not in text and "Whitfield" not in text
    assert "relapsed" not in text and "divorce" not in text  # neither side's words
