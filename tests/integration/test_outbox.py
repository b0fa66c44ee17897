"""Outbound: the outbox, retries, 21610, at-most-once after a crash, status callbacks, throttle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from service.adapters import contacts, outbox, sending, sweeper
from service.adapters.models import Contact, OutboundMessage
from tests.conftest import AUTH_TOKEN, LINE_NUMBER, PUBLIC_BASE_URL
from tests.support.fakes import FakeSender, run_jobs, twilio_error
from tests.support.twilio_signing import signed_post

SEEKER = "+15551230001"


def queue_reply(runtime, body="hello from the line", phone=SEEKER) -> int:
    now = runtime.clock()
    with runtime.db.session() as session:
        contact_id = contacts.contact_id(
            session.connection(), runtime.cipher, runtime.contact_ids, phone, now
        )
        row = outbox.add(
            session, runtime.cipher, contact_id=contact_id, line_number=LINE_NUMBER, body=body, now=now
        )
        session.flush()
        return row.id


def row(runtime, outbound_id) -> OutboundMessage:
    with runtime.db.session() as session:
        return session.get_one(OutboundMessage, outbound_id)


def status_callback(client, sid, status, error_code=None):
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": "AC" + "0" * 32,
        "To": SEEKER,
        "From": LINE_NUMBER,
        "ApiVersion": "2010-04-01",
    }
    if error_code:
        params["ErrorCode"] = str(error_code)
    return signed_post(client, "/twilio/status", params, token=AUTH_TOKEN, base_url=PUBLIC_BASE_URL)


def test_send_records_the_sid_and_status(runtime):
    runtime.sender = sender = FakeSender()
    outbound_id = queue_reply(runtime)
    assert sending.send(runtime, outbound_id) == "queued"
    sent = row(runtime, outbound_id)
    assert (sent.status, sent.twilio_sid, sent.attempts) == ("queued", sender.sent[0].sid, 1)
    assert sending.send(runtime, outbound_id) == "skipped"  # a repeated job sends nothing
    assert len(sender.sent) == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_retryable_errors_back_off_then_send(runtime, status):
    runtime.sender = sender = FakeSender(failures=[twilio_error(status, 20429), twilio_error(status, 20429)])
    outbound_id = queue_reply(runtime)
    before = runtime.clock()
    assert sending.send(runtime, outbound_id) == "retry"
    first = row(runtime, outbound_id)
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.next_attempt_at >= before + timedelta(seconds=1)
    assert sending.send(runtime, outbound_id) == "retry"
    second = row(runtime, outbound_id)
    assert second.next_attempt_at - first.next_attempt_at >= timedelta(seconds=1)  # the wait grows
    assert sending.send(runtime, outbound_id) == "queued"
    assert len(sender.sent) == 1
    assert runtime.jobs.queues["outbound"].scheduled_job_registry.count == 2  # each retry was scheduled


def test_permanent_error_fails_without_retry(runtime):
    runtime.sender = FakeSender(failures=[twilio_error(400, 21211)])
    outbound_id = queue_reply(runtime)
    assert sending.send(runtime, outbound_id) == "failed"
    assert (row(runtime, outbound_id).status, row(runtime, outbound_id).error_code) == ("failed", 21211)


def test_error_21610_marks_the_recipient_opted_out_and_stops_everything(runtime):
    runtime.sender = sender = FakeSender(failures=[twilio_error(400, 21610)])
    first, second = queue_reply(runtime, "one"), queue_reply(runtime, "two")
    assert sending.send(runtime, first) == "opted-out"
    with runtime.db.session() as session:
        assert session.scalars(select(Contact.opted_out)).one() is True
    assert row(runtime, second).status == "cancelled"
    assert sending.send(runtime, second) == "skipped"
    assert sender.sent == []


def test_nothing_is_sent_to_an_opted_out_number(runtime):
    runtime.sender = sender = FakeSender()
    outbound_id = queue_reply(runtime)
    with runtime.db.session() as session:
        session.execute(update(Contact).values(opted_out=True))
    assert sending.send(runtime, outbound_id) == "cancelled"
    assert sender.sent == []


def test_crash_after_twilio_took_it_is_not_sent_again(runtime):
    """A worker died between Twilio's 201 and our commit: verify finds the message at Twilio."""
    runtime.sender = sender = FakeSender()
    outbound_id = queue_reply(runtime)
    sender.send(SEEKER, LINE_NUMBER, "hello from the line", "")  # Twilio took it...
    with runtime.db.session() as session:  # ...but our record still says "claimed"
        session.execute(
            update(OutboundMessage).values(status="claimed", claimed_at=runtime.clock(), attempts=1)
        )
    assert sending.verify(runtime, outbound_id) == "found"
    assert row(runtime, outbound_id).twilio_sid == sender.sent[0].sid
    assert len(sender.sent) == 1


def test_crash_before_twilio_took_it_is_sent_once(runtime):
    runtime.sender = sender = FakeSender()
    outbound_id = queue_reply(runtime)
    with runtime.db.session() as session:
        session.execute(
            update(OutboundMessage).values(status="claimed", claimed_at=runtime.clock(), attempts=1)
        )
    assert sending.verify(runtime, outbound_id) == "resend"
    run_jobs(runtime)
    assert [m.body for m in sender.sent] == ["hello from the line"]


def test_connection_error_is_verified_not_blindly_retried(runtime):
    runtime.sender = sender = FakeSender(failures=[ConnectionError("reset by peer")])
    outbound_id = queue_reply(runtime)
    assert sending.send(runtime, outbound_id) == "unknown"
    assert row(runtime, outbound_id).status == "claimed"
    assert runtime.jobs.queues["outbound"].scheduled_job_registry.count == 1
    assert sender.sent == []


def test_sweeper_requeues_what_was_left_behind(runtime):
    runtime.sender = sender = FakeSender()
    outbound_id = queue_reply(runtime)
    long_ago = runtime.clock() - timedelta(minutes=5)
    with runtime.db.session() as session:
        session.execute(update(OutboundMessage).values(next_attempt_at=long_ago))
    assert sweeper.sweep(runtime) == {
        "contacts": 0,
        "pending": 1,
        "claimed": 0,
        "timeouts": 0,
        "checkins": 0,
        "seekers_waiting": 0,
        "purge": 1,  # a fresh database has never been purged
        "erasing": 0,
        "waiting_too_long": 0,
    }
    run_jobs(runtime)
    assert row(runtime, outbound_id).status == "queued"
    assert len(sender.sent) == 1


def test_status_callbacks_move_forward_only(client, runtime):
    runtime.sender = FakeSender()
    outbound_id = queue_reply(runtime)
    sending.send(runtime, outbound_id)
    sid = row(runtime, outbound_id).twilio_sid
    for status in ["sent", "delivered", "sent", "queued"]:  # late and repeated callbacks
        assert status_callback(client, sid, status).status_code == 204
    assert row(runtime, outbound_id).status == "delivered"


def test_status_callback_21610_opts_the_recipient_out(client, runtime):
    runtime.sender = FakeSender()
    outbound_id = queue_reply(runtime)
    sending.send(runtime, outbound_id)
    assert status_callback(client, row(runtime, outbound_id).twilio_sid, "failed", 21610).status_code == 204
    with runtime.db.session() as session:
        assert session.scalars(select(Contact.opted_out)).one() is True
    assert row(runtime, outbound_id).error_code == 21610


def test_unknown_sid_and_unsigned_callbacks(client, runtime):
    assert status_callback(client, "SM" + "f" * 32, "delivered").status_code == 204
    assert (
        client.post("/twilio/status", data={"MessageSid": "SM1", "MessageStatus": "sent"}).status_code == 403
    )


def test_throttle_spaces_sends_from_one_number(runtime):
    gaps = [runtime.state.reserve_send_slot(0, per_second=2) for _ in range(4)]
    assert gaps[0] == pytest.approx(0, abs=0.05)
    assert gaps[3] == pytest.approx(1.5, abs=0.1)  # four messages at 2/s: the last waits 1.5 s
    assert runtime.state.reserve_send_slot(1, per_second=2) == pytest.approx(0, abs=0.05)  # other number


def test_sweeper_leaves_a_busy_queue_alone(runtime):
    """A backlog is not overdue work: queueing its rows again would only pile up duplicates."""
    runtime.sender = FakeSender()
    outbound_id = queue_reply(runtime)
    runtime.jobs.send_outbound(outbound_id)  # its job is still waiting in the queue
    long_ago = runtime.clock() - timedelta(minutes=5)
    with runtime.db.session() as session:
        session.execute(update(OutboundMessage).values(next_attempt_at=long_ago))
    assert sweeper.sweep(runtime)["pending"] == 0
    assert runtime.jobs.depths()["outbound"] == 1
