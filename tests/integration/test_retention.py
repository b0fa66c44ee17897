"""Retention: what people wrote is purged after the retention period (30 days here), daily and
by `peerline purge`; what is still to be sent or processed is kept, and so are the summaries."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.adapters import contacts, intake, outbox, processing, retention, safety, sweeper
from service.adapters.conversation_rows import STATE_CONTEXT, state_of
from service.adapters.jobqueue import DEFAULT
from service.adapters.models import AuditEvent, Conversation, CrisisHit, InboundMessage, OutboundMessage
from service.adapters.runtime import utc_now
from service.purge_cli import purge as purge_command
from tests.conftest import AUTH_TOKEN, LINE_NUMBER, PUBLIC_BASE_URL
from tests.integration.test_outbox import status_callback
from tests.support.cli_env import cli_env
from tests.support.fakes import FixedClock
from tests.support.twilio_signing import inbound_params, message_sid, signed_post

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
SEEKER = "+15551230001"
OLD, RECENT = timedelta(days=31), timedelta(days=29)
ALL_ZERO = {"inbound": 0, "outbound": 0, "conversations": 0, "crisis_hits": 0}
PURGED = {"inbound": 1, "outbound": 2, "conversations": 1, "crisis_hits": 1}


@dataclass
class Seeded:
    """Ids of the rows `seed` wrote, by what retention should do with them."""

    purged: dict[str, list[int]]
    kept: dict[str, list[int]]


def seed(runtime, now: datetime) -> Seeded:
    """One seeker's history: old and recent texts both ways, texts still to send or process,
    and conversations ended long ago, ended lately, and still going."""
    cipher = runtime.cipher
    with runtime.db.session() as session:
        contact_id = contacts.contact_id(session.connection(), cipher, runtime.contact_ids, SEEKER, now)

        def inbound(age: timedelta, processed: bool) -> int:
            at = now - age
            row = InboundMessage(
                twilio_sid=message_sid(),
                contact_id=contact_id,
                line_number=LINE_NUMBER,
                body_cipher=cipher.encrypt("my private words", intake.BODY_CONTEXT),
                received_at=at,
                processed_at=at if processed else None,
            )
            session.add(row)
            session.flush()
            return row.id

        def outbound(age: timedelta, status: str) -> int:
            row = outbox.add(
                session, cipher, contact_id=contact_id, line_number=LINE_NUMBER, body="a reply", now=now - age
            )
            row.status = status
            session.flush()
            return row.id

        def conversation(started: timedelta, ended: timedelta | None) -> int:
            row = Conversation(
                contact_id=contact_id,
                flow="first_contact",
                content_hash="0" * 32,
                line_number=LINE_NUMBER,
                state_cipher=cipher.encrypt('{"answers": "personal"}', STATE_CONTEXT),
                started_at=now - started,
                updated_at=now - (ended or started),
                ended_at=None if ended is None else now - ended,
                end_reason=None if ended is None else "completed",
            )
            session.add(row)
            session.flush()
            return row.id

        def crisis_hit(age: timedelta) -> int:
            row = CrisisHit(
                at=now - age,
                contact_id=contact_id,
                party="seeker",
                categories="ideation",
                reasons_cipher=cipher.encrypt('["ideation: want to die"]', safety.REASONS_CONTEXT),
                detector_version="test",
            )
            session.add(row)
            session.flush()
            return row.id

        return Seeded(
            purged={
                "inbound": [inbound(OLD, processed=True)],
                "outbound": [outbound(OLD, "delivered"), outbound(OLD, "failed")],
                "conversations": [conversation(OLD + timedelta(hours=1), ended=OLD)],
                "crisis_hits": [crisis_hit(OLD)],
            },
            kept={
                "inbound": [inbound(RECENT, processed=True), inbound(OLD, processed=False)],
                "outbound": [outbound(RECENT, "sent"), outbound(OLD, "pending"), outbound(OLD, "claimed")],
                "conversations": [
                    conversation(OLD + timedelta(hours=1), ended=RECENT),
                    conversation(OLD + timedelta(days=5), ended=None),  # long, but still going
                ],
                "crisis_hits": [crisis_hit(RECENT)],
            },
        )


COLUMNS = {
    "inbound": InboundMessage.body_cipher,
    "outbound": OutboundMessage.body_cipher,
    "conversations": Conversation.state_cipher,
    "crisis_hits": CrisisHit.reasons_cipher,
}


def ciphers(runtime, kind: str, ids: list[int]) -> list[bytes | None]:
    column = COLUMNS[kind]
    model = column.class_
    with runtime.db.session() as session:
        return list(session.scalars(select(column).where(model.id.in_(ids)).order_by(model.id)))


def purge_events(runtime) -> list[AuditEvent]:
    with runtime.db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "purge")))


@pytest.fixture
def clock(runtime) -> FixedClock:
    runtime.clock = clock = FixedClock(NOW)
    return clock


def run_purge(runtime, actor: str = "system", days: int = 30) -> dict[str, int]:
    with runtime.db.session() as session:
        return retention.purge(session, runtime.clock(), days, actor)


def test_old_texts_and_ended_conversations_are_purged_recent_and_unfinished_ones_kept(runtime, clock):
    seeded = seed(runtime, NOW)
    assert run_purge(runtime) == PURGED
    for kind, ids in seeded.purged.items():
        assert ciphers(runtime, kind, ids) == [None] * len(ids), kind
    for kind, ids in seeded.kept.items():
        assert None not in ciphers(runtime, kind, ids), kind


def test_the_summaries_stay(runtime, clock):
    seeded = seed(runtime, NOW)
    run_purge(runtime)
    with runtime.db.session() as session:
        sent = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        assert [row.status for row in sent] == ["delivered", "failed", "sent", "pending", "claimed"]
        assert sent[0].created_at == NOW - OLD
        ended = session.get_one(Conversation, seeded.purged["conversations"][0])
        assert (ended.ended_at, ended.end_reason, ended.flow) == (NOW - OLD, "completed", "first_contact")
        assert len(session.scalars(select(InboundMessage)).all()) == 3


def test_each_run_is_audited_with_counts_and_cutoff_only_and_a_second_run_purges_nothing(runtime, clock):
    seed(runtime, NOW)
    run_purge(runtime)
    clock.advance(minutes=5)
    assert run_purge(runtime) == ALL_ZERO
    first, second = purge_events(runtime)
    assert (first.actor, first.subject_type, first.subject_id, first.at) == ("system", "messages", None, NOW)
    assert json.loads(first.detail) == {
        "inbound": 1,
        "outbound": 2,
        "conversations": 1,
        "crisis_hits": 1,
        "days": 30,
        "before": "2026-10-26T07:00:00+00:00",
    }
    assert {kind: json.loads(second.detail)[kind] for kind in ALL_ZERO} == ALL_ZERO
    assert "private" not in first.detail and SEEKER[2:] not in first.detail


def test_the_daily_purge_is_due_again_24_hours_after_the_last(runtime, clock):
    with runtime.db.session() as session:
        assert retention.purge_due(session, clock()) is True
    assert retention.purge_expired(runtime) == ALL_ZERO
    for hours, due in ((1, False), (22, False), (1, True)):  # 1 h, 23 h, then 24 h after it
        clock.advance(hours=hours)
        with runtime.db.session() as session:
            assert retention.purge_due(session, clock()) is due, hours


def test_the_daily_job_runs_once_however_often_it_is_queued(runtime, clock):
    seed(runtime, NOW)
    assert retention.purge_expired(runtime) == PURGED
    clock.advance(minutes=1)
    assert retention.purge_expired(runtime) == {}  # a copy queued while the first ran
    assert len(purge_events(runtime)) == 1


def test_a_one_off_cli_purge_does_not_stand_in_for_the_daily_one(runtime, clock):
    run_purge(runtime, actor="cli:ana", days=90)
    with runtime.db.session() as session:
        assert retention.purge_due(session, clock()) is True


def queued_purges(runtime) -> int:
    return sum(job.func_name == "workers.jobs.purge_expired" for job in runtime.jobs.queues[DEFAULT].jobs)


def test_the_sweeper_queues_the_purge_when_due_and_not_twice(runtime, clock):
    assert sweeper.sweep(runtime)["purge"] == 1
    assert queued_purges(runtime) == 1
    assert sweeper.sweep(runtime)["purge"] == 0  # still waiting in the queue: not queued again
    runtime.jobs.queues[DEFAULT].empty()  # a worker took it...
    retention.purge_expired(runtime)  # ...and ran it
    clock.advance(hours=23)
    assert sweeper.sweep(runtime)["purge"] == 0
    clock.advance(hours=1)
    assert sweeper.sweep(runtime)["purge"] == 1
    assert queued_purges(runtime) == 1


@pytest.fixture
def purge_cli(settings, monkeypatch):
    """`peerline purge ...` run by a coordinator whose login name is ana-coord (real clock)."""
    monkeypatch.setattr("getpass.getuser", lambda: "ana-coord")
    return lambda *args: CliRunner(env=cli_env(settings)).invoke(purge_command, list(args))


REPORT = re.compile(
    r"(would purge|purged) (\d+) inbound and (\d+) outbound message bodies, (\d+) conversation states"
    r" and (\d+) crisis hits' quoted words"
    r" older than (\d+) days \(before (\d{4}-\d\d-\d\d \d\d:\d\d) UTC\)"
)


def parse(output: str) -> tuple[str, int, int, int, int, datetime]:
    """The verb, the inbound, outbound and state counts, the days, and the cutoff (every crisis
    hit seeded is a hit too: its count follows the states')."""
    found = REPORT.match(output)
    assert found, output
    verb, inbound, outbound, states, hits, days, before = found.groups()
    assert hits == states  # seed() writes one purgeable of each
    cutoff = datetime.strptime(before, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    return verb, int(inbound), int(outbound), int(states), int(days), cutoff


def test_cli_dry_run_counts_and_changes_nothing(purge_cli, runtime):
    seeded = seed(runtime, utc_now())
    result = purge_cli("--dry-run")
    assert result.exit_code == 0, result.output
    assert parse(result.output)[:5] == ("would purge", 1, 2, 1, 30)
    assert result.output.rstrip().endswith("; nothing changed (--dry-run)")
    for kind, ids in seeded.purged.items():
        assert None not in ciphers(runtime, kind, ids), kind
    assert purge_events(runtime) == []


def test_cli_purges_with_the_setting_or_older_than_and_records_the_login(purge_cli, runtime):
    seeded = seed(runtime, started := utc_now())
    result = purge_cli()
    assert result.exit_code == 0, result.output
    verb, inbound, outbound, states, days, cutoff = parse(result.output)
    assert (verb, inbound, outbound, states, days) == ("purged", 1, 2, 1, 30)
    assert started - timedelta(days=30, minutes=1) <= cutoff <= utc_now() - timedelta(days=30)
    assert ciphers(runtime, "inbound", seeded.purged["inbound"]) == [None]
    result = purge_cli("--older-than", "7")
    assert parse(result.output)[:5] == ("purged", 1, 1, 1, 7)  # the 29-day-old ones this time
    assert [e.actor for e in purge_events(runtime)] == ["cli:ana-coord", "cli:ana-coord"]
    assert json.loads(purge_events(runtime)[1].detail)["days"] == 7


def test_cli_refuses_a_period_under_a_day(purge_cli, runtime):
    result = purge_cli("--older-than", "0")
    assert result.exit_code == 2 and "--older-than" in result.output
    assert purge_events(runtime) == []


def test_purged_rows_do_not_break_what_reads_them_later(client, runtime, clock):
    seeded = seed(runtime, NOW)
    delivered, active = seeded.purged["outbound"][0], seeded.kept["conversations"][1]
    with runtime.db.session() as session:
        session.get_one(OutboundMessage, delivered).twilio_sid = sid = "SM" + "a" * 32
        session.get_one(OutboundMessage, delivered).status = "sent"
        # its made-up state is no flow's: end it (yesterday), so the next text starts afresh
        session.get_one(Conversation, active).ended_at = NOW - timedelta(days=1)
    run_purge(runtime)
    assert status_callback(client, sid, "delivered").status_code == 204  # late, on a purged row
    with runtime.db.session() as session:
        assert session.get_one(OutboundMessage, delivered).status == "delivered"
        purged_text = session.get_one(InboundMessage, seeded.purged["inbound"][0])
        assert intake.body_of(runtime, purged_text) == ""
        with pytest.raises(ValueError, match="purged"):
            state_of(runtime.cipher, session.get_one(Conversation, seeded.purged["conversations"][0]))
    # The seeker whose old answers are gone texts again, and is answered as usual.
    params = inbound_params(SEEKER, "hi", to=LINE_NUMBER)
    response = signed_post(client, "/twilio/sms", params, token=AUTH_TOKEN, base_url=PUBLIC_BASE_URL)
    assert response.status_code == 200
    # the old text still to be processed (its words were kept) goes first, then the new one
    assert processing.process_contact(runtime, purged_text.contact_id) == 2
    with runtime.db.session() as session:
        replies = session.scalars(select(OutboundMessage).where(OutboundMessage.created_at == NOW)).all()
        assert replies and all(outbox.body_of(runtime.cipher, reply) for reply in replies)
