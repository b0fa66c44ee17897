"""Processing: replies through the outbox, opt-out words, ordering per phone, exactly once."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from service.adapters import processing
from service.adapters.intake import body_of
from service.adapters.models import Contact, InboundMessage, OptOutEvent, OutboundMessage
from service.core import replies
from service.core.inbound import Reply
from tests.conftest import AUTH_TOKEN, LINE_NUMBER, PUBLIC_BASE_URL
from tests.support.fakes import FakeSender, run_jobs
from tests.support.flows import opening
from tests.support.twilio_signing import inbound_params, signed_post

SEEKER = "+15551230001"


def text(client, from_, body, sid=None):
    params = inbound_params(from_, body, to=LINE_NUMBER, sid=sid)
    response = signed_post(client, "/twilio/sms", params, token=AUTH_TOKEN, base_url=PUBLIC_BASE_URL)
    assert response.status_code == 200
    return params["MessageSid"]


class EchoHandler:
    """Answers every text with itself, and notes the order it saw them in."""

    def __init__(self):
        self.seen: list[tuple[int, str]] = []
        self._lock = threading.Lock()

    def handle(self, contact, text, now):
        with self._lock:
            self.seen.append((contact.id, text))
        return [Reply(f"echo {text}")]


def test_hello_gets_the_welcome(client, runtime):
    runtime.sender = sender = FakeSender()
    text(client, SEEKER, "hello")
    run_jobs(runtime)
    assert sender.sent[0].to == SEEKER
    assert sender.sent[0].from_ == LINE_NUMBER
    assert sender.bodies_to(SEEKER) == opening()


def test_stop_confirms_once_then_silence_until_start(client, runtime):
    runtime.sender = sender = FakeSender()
    for body in ["hello", "STOP", "are you there?", "stop", "HELP"]:
        text(client, SEEKER, body)
        run_jobs(runtime)
    assert sender.bodies_to(SEEKER) == [*opening(), replies.OPTED_OUT["en"]]
    text(client, SEEKER, "START")
    run_jobs(runtime)
    text(client, SEEKER, "HELP")
    run_jobs(runtime)
    assert sender.bodies_to(SEEKER)[2:] == [replies.OPTED_IN["en"], replies.HELP["en"]]
    with runtime.db.session() as session:
        history = session.execute(
            select(OptOutEvent.opted_out, OptOutEvent.reason).order_by(OptOutEvent.id)
        ).all()
    assert [tuple(row) for row in history] == [(True, "keyword"), (False, "keyword")]


def test_stop_cancels_replies_not_yet_sent(client, runtime):
    runtime.sender = sender = FakeSender()
    text(client, SEEKER, "hello")
    text(client, SEEKER, "STOP")
    run_jobs(runtime, queues=["inbound"])  # both processed before any send runs
    run_jobs(runtime)
    assert sender.bodies_to(SEEKER) == [replies.OPTED_OUT["en"]]
    with runtime.db.session() as session:
        statuses = session.scalars(select(OutboundMessage.status).order_by(OutboundMessage.id)).all()
    assert statuses == ["cancelled", "queued"]


def test_spanish_stop_confirms_in_spanish(client, runtime):
    runtime.sender = sender = FakeSender()
    text(client, SEEKER, "PARAR")
    run_jobs(runtime)
    assert sender.bodies_to(SEEKER) == [replies.OPTED_OUT["es"]]


def test_a_redelivered_message_sid_gets_one_reply(client, runtime):
    runtime.sender = sender = FakeSender()
    sid = text(client, SEEKER, "hello")
    run_jobs(runtime)
    text(client, SEEKER, "hello", sid=sid)
    run_jobs(runtime)
    assert sender.bodies_to(SEEKER) == opening()


def test_fifty_texts_posted_at_once_are_processed_in_order_exactly_once(app, runtime):
    # The rate limit would hold most of these back (tests/integration/test_safety.py checks that);
    # lifted here, to see ordering and exactly-once alone.
    runtime.settings = replace(runtime.settings, rate_limit_per_minute=100)
    runtime.handler = handler = EchoHandler()
    runtime.sender = sender = FakeSender()
    bodies = [f"text {i}" for i in range(50)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda body: text(app.test_client(), SEEKER, body), bodies))
    run_jobs(runtime)
    with runtime.db.session() as session:
        arrival = [
            body_of(runtime, m) for m in session.scalars(select(InboundMessage).order_by(InboundMessage.id))
        ]
        assert session.scalar(select(func.count()).where(InboundMessage.processed_at.is_(None))) == 0
    seen = [t for _, t in handler.seen]
    assert sorted(arrival) == sorted(bodies)
    assert seen == arrival  # each exactly once, in the order they arrived
    assert [f"echo {t}" for t in seen] == sender.bodies_to(SEEKER)


def test_twenty_phones_by_four_competing_workers(app, runtime):
    """Workers race for the same contacts; each phone's texts are still handled once, in order."""
    runtime.handler = handler = EchoHandler()
    runtime.sender = FakeSender()
    phones = [f"+1555123{i:04d}" for i in range(20)]
    client = app.test_client()
    for round_ in range(5):
        for phone in phones:
            text(client, phone, f"{phone} #{round_}")
    with runtime.db.session() as session:
        contact_ids = session.scalars(select(Contact.id)).all()
    work = [cid for cid in contact_ids for _ in range(5)]
    random.Random(7).shuffle(work)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda cid: processing.process_contact(runtime, cid), work))
    assert len(handler.seen) == 100
    for contact_id in contact_ids:
        texts = [t for cid, t in handler.seen if cid == contact_id]
        assert [int(t.rsplit("#", 1)[1]) for t in texts] == [0, 1, 2, 3, 4]


class FailingHandler:
    """Fails on one text every time; answers the others."""

    def handle(self, contact, text, now):
        if text == "poison":
            raise ValueError("cannot handle this text")
        return [Reply(f"echo {text}")]


def test_a_text_that_keeps_failing_is_set_aside_and_the_next_ones_go_on(client, runtime):
    runtime.handler = FailingHandler()
    runtime.sender = sender = FakeSender()
    text(client, SEEKER, "poison")
    text(client, SEEKER, "after")
    for _ in range(processing.MAX_ATTEMPTS - 1):
        with pytest.raises(ValueError):
            processing.process_contact(runtime, 1)
        assert sender.sent == []  # order holds: nothing after the failing text yet
    processing.process_contact(runtime, 1)
    run_jobs(runtime, queues=["outbound"])
    assert sender.bodies_to(SEEKER) == ["echo after"]
    with runtime.db.session() as session:
        rows = session.execute(
            select(InboundMessage.failed, InboundMessage.processing_attempts).order_by(InboundMessage.id)
        ).all()
    assert [tuple(r) for r in rows] == [(True, 3), (False, 0)]
