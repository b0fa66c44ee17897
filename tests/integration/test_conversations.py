"""The flows on the real SMS path: webhook -> worker -> flow -> outbox, with a fixed clock.

Timers (a flow's wait, a recurring check-in) are stored on the row and queued with RQ's
scheduler; a late or repeated timer changes nothing, and the sweeper re-queues timers Redis lost.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from service.adapters import conversations, sweeper, timers
from service.adapters.jobqueue import INBOUND
from service.adapters.models import CheckinSchedule, Contact, Conversation
from tests.conftest import AUTH_TOKEN, LINE_NUMBER, PUBLIC_BASE_URL
from tests.support.fakes import FakeSender, FixedClock, run_jobs
from tests.support.flows import opening
from tests.support.twilio_signing import inbound_params, signed_post

SEEKER = "+15551230002"
MONDAY_10AM_NEW_YORK = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


@pytest.fixture
def line(client, runtime):
    runtime.sender = FakeSender()
    runtime.clock = FixedClock(MONDAY_10AM_NEW_YORK)
    return Line(client, runtime)


class Line:
    def __init__(self, client, runtime):
        self.client, self.runtime = client, runtime
        self.seen = 0

    def text(self, *bodies: str) -> list[str]:
        """Text the line; return what the seeker read back."""
        for body in bodies:
            params = inbound_params(SEEKER, body, to=LINE_NUMBER)
            response = signed_post(
                self.client, "/twilio/sms", params, token=AUTH_TOKEN, base_url=PUBLIC_BASE_URL
            )
            assert response.status_code == 200
            run_jobs(self.runtime)
            self.runtime.clock.advance(seconds=30)
        return self.read()

    def read(self) -> list[str]:
        run_jobs(self.runtime)
        bodies = self.runtime.sender.bodies_to(SEEKER)
        new, self.seen = bodies[self.seen :], len(bodies)
        return new

    def row(self) -> Conversation:
        with self.runtime.db.session() as session:
            return session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()

    def contact(self) -> Contact:
        with self.runtime.db.session() as session:
            return session.scalars(select(Contact)).one()

    def schedule(self) -> CheckinSchedule | None:
        with self.runtime.db.session() as session:
            return session.scalars(select(CheckinSchedule)).one_or_none()


def test_a_new_seeker_goes_through_first_contact_into_a_check_in_in_spanish(line):
    assert line.text("hola") == opening(locale="es")  # a Spanish first text: Spanish first
    about = line.text("2")
    assert "988" in about[0] and about[-1].startswith("¿Te parece bien?")
    assert line.text("1")[-1].startswith("¿Cómo te sientes")  # the check-in, in Spanish
    contact = line.contact()
    assert contact.locale == "es" and contact.consented_at is not None
    row = line.row()
    assert row.flow == "check_in" and row.ended_at is None
    assert "first_contact@" in row.flows_run and "check_in@" in row.flows_run
    assert b"consent" not in row.state_cipher  # the state is encrypted at rest


def test_a_returning_seeker_skips_first_contact(line):
    line.text("hi", "1", "1")  # English, consent: the check-in starts
    bye = line.text("DONE")
    assert bye and line.row().ended_at is not None
    again = line.text("hello again")
    assert again[0].startswith("How are you feeling")
    assert line.row().flow == "check_in"


def test_a_wait_that_runs_out_reminds_then_moves_on_and_a_late_timer_does_nothing(line):
    line.text("hi")
    row = line.row()
    assert row.timeout_token == 1 and row.timeout_at == MONDAY_10AM_NEW_YORK + timedelta(hours=24)
    registry = ScheduledJobRegistry(INBOUND, connection=line.runtime.redis)
    assert len(registry.get_job_ids()) == 1  # queued for later with RQ's scheduler
    assert timers.flow_timeout(line.runtime, row.id, 1) == "early"  # not due yet: nothing
    line.runtime.clock.now = row.timeout_at
    assert timers.flow_timeout(line.runtime, row.id, 1) == "fired"
    reminder = line.read()
    assert len(reminder) == 1 and "1" in reminder[0]
    assert timers.flow_timeout(line.runtime, row.id, 1) == "stale"  # the same timer again
    assert line.read() == []
    line.text("1")  # answered: the next timer is for the next wait
    assert timers.flow_timeout(line.runtime, row.id, 2) == "stale"
    assert line.read() == []


def test_timers_redis_lost_are_queued_again_by_the_sweeper(line):
    line.text("hi")
    row = line.row()
    line.runtime.redis.flushdb()  # Redis restarted without its data
    line.runtime.clock.now = row.timeout_at + timedelta(minutes=2)
    assert sweeper.sweep(line.runtime)["timeouts"] == 1
    assert len(line.read()) == 1  # the reminder went out
    assert line.row().timeout_token == 2


def test_a_due_timer_runs_from_rqs_scheduler(line):
    """Jobs scheduled with enqueue_at live in Redis and are moved to the queue when due."""
    line.text("hi")
    line.runtime.clock.now = line.row().timeout_at  # the fixed clock is in the past: due for RQ too
    run_jobs(line.runtime, with_scheduler=True)
    assert len(line.read()) == 1 and line.row().timeout_token == 2


def command_reply(line, name: str) -> str:
    command = next(c for c in line.runtime.flows.flow_set.commands if c.name == name)
    return command.say.render("en", "sms", {})


def daily_checkins_at_6_30pm_eastern(line) -> None:
    line.text("hi", "1", "1")  # first contact: English, consent
    line.text("4", "7", "2", "1", "6:30pm", "1")  # mood, topic, just check in, daily, time, Eastern


def test_recurring_check_in_fires_at_the_chosen_local_time(line):
    daily_checkins_at_6_30pm_eastern(line)
    schedule = line.schedule()
    assert schedule.every == "daily" and schedule.timezone == "America/New_York"
    assert schedule.next_at == datetime(2026, 1, 5, 23, 30, tzinfo=UTC)  # 18:30 EST
    assert timers.checkin_due(line.runtime, schedule.contact_id) == "not due"
    line.runtime.clock.now = schedule.next_at
    assert timers.checkin_due(line.runtime, schedule.contact_id) == "sent"
    assert line.read()[0].startswith("How are you feeling")
    assert line.schedule().next_at == datetime(2026, 1, 6, 23, 30, tzinfo=UTC)


def test_no_check_in_while_paused_and_none_after_stop(line):
    daily_checkins_at_6_30pm_eastern(line)
    contact_id = line.schedule().contact_id
    assert line.text("PAUSE") == [command_reply(line, "pause_checkins")]
    assert line.schedule().paused and line.schedule().next_at is None
    line.runtime.clock.now = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)
    assert timers.checkin_due(line.runtime, contact_id) == "off"
    assert line.read() == []
    assert line.text("RESUME") == [command_reply(line, "resume_checkins")]
    assert not line.schedule().paused and line.schedule().next_at is not None
    line.text("STOP")
    assert line.schedule() is None and line.row().ended_at is not None
    line.runtime.clock.now = datetime(2026, 1, 6, 23, 30, tzinfo=UTC)
    assert timers.checkin_due(line.runtime, contact_id) == "off"
    assert line.read() == []


def test_a_check_in_found_in_quiet_hours_is_skipped_not_sent(line):
    daily_checkins_at_6_30pm_eastern(line)
    schedule = line.schedule()
    line.runtime.clock.now = datetime(2026, 1, 6, 2, 30, tzinfo=UTC)  # 21:30 in New York, a worker was down
    assert timers.checkin_due(line.runtime, schedule.contact_id) == "skipped"
    assert line.read() == []
    assert line.schedule().next_at == datetime(2026, 1, 6, 23, 30, tzinfo=UTC)


def test_stop_mid_flow_ends_the_conversation_and_its_timers(line):
    line.text("hi")
    row = line.row()
    line.text("STOP")
    line.runtime.clock.now = row.timeout_at
    assert timers.flow_timeout(line.runtime, row.id, 1) == "ended"
    assert line.read() == []
    assert line.row().end_reason == "opted_out"
    with line.runtime.db.session() as session:
        assert conversations.active(session, row.contact_id) is None


def test_no_peer_at_all_is_said_honestly_at_once_and_a_request_to_be_texted_is_kept(line):
    line.text("hi", "1", "1")  # first contact
    sorry, question = line.text("2", "1", "1", "1")[-2:]  # mood, alcohol, a peer now, share then listen
    assert "no peer is free" in sorry and "988" in sorry and question.startswith("Would you like a text")
    line.text("1")
    assert line.contact().wants_peer_since is not None


def test_an_answer_waiting_when_the_timer_runs_counts_first(line):
    """Arrival order: the person answered just before the deadline, but their text was still
    queued (the worker was busy) when the timer job ran. The answer wins; the timer is stale."""
    line.text("hi")
    row = line.row()
    line.runtime.clock.now = row.timeout_at - timedelta(seconds=1)
    params = inbound_params(SEEKER, "1", to=LINE_NUMBER)
    with line.runtime.state.contact_lock(row.contact_id):  # as if another job held the lock
        signed_post(line.client, "/twilio/sms", params, token=AUTH_TOKEN, base_url=PUBLIC_BASE_URL)
        run_jobs(line.runtime)  # the inbound job finds the lock taken and leaves the text waiting
    assert line.read() == []
    line.runtime.clock.now = row.timeout_at
    assert timers.flow_timeout(line.runtime, row.id, 1) == "stale"
    answer = line.read()
    assert answer and "988" in answer[0]  # "1" (English) was taken: what PeerLine is, no reminder


def test_a_flow_edited_while_someone_is_in_it_never_leaves_them_stuck(line, tmp_path):
    import shutil

    from service.adapters import flow_files
    from service.adapters.settings import SHIPPED_FLOWS
    from service.core.conversation import FlowHandler

    line.text("hi")  # waiting at first_contact's language question
    row = line.row()
    edited = tmp_path / "flows"
    shutil.copytree(SHIPPED_FLOWS, edited)
    path = edited / "first_contact.yaml"
    path.write_text(path.read_text().replace("language", "language_choice"))  # the step is renamed
    line.runtime.flows = line.runtime.handler = FlowHandler(flow_files.load(edited))
    line.runtime.clock.now = row.timeout_at
    assert timers.flow_timeout(line.runtime, row.id, 1) == "ended"  # no crash, no endless retries
    assert line.row().end_reason == "flow_changed"
    assert line.text("1") == opening()  # their next text starts afresh
