"""End to end, real processes: a person texts the line and reads the answers; workers die and
Redis restarts without a text lost or answered twice; no number or text leaks anywhere."""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, func, select, text

from service.adapters.models import Base, InboundMessage
from service.core import replies
from tests.e2e.line import wait_for
from tests.support.flows import opening, replies_for

pytestmark = pytest.mark.e2e
SEEKER = "+15551110001"


def unprocessed(line) -> int:
    engine = create_engine(line.database_url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).where(InboundMessage.processed_at.is_(None)))
    engine.dispose()
    return count


def test_a_seeker_texts_the_line(line):
    assert line.text(SEEKER, "hello") == 200
    wait_for(lambda: line.received_by(SEEKER) == opening(), 20, "the welcome")
    line.text(SEEKER, "HELP")
    wait_for(lambda: len(line.received_by(SEEKER)) == 2, 20, "the help text")
    line.text(SEEKER, "STOP")
    wait_for(lambda: len(line.received_by(SEEKER)) == 3, 20, "the opt-out confirmation")
    line.text(SEEKER, "hello? anyone?")
    line.text(SEEKER, "STOP")
    line.text(SEEKER, "HELP")
    wait_for(lambda: unprocessed(line) == 0, 20, "the texts after STOP to be processed")
    time.sleep(1.5)  # give any wrongly queued reply time to go out
    assert line.received_by(SEEKER) == [*opening(), replies.HELP["en"], replies.OPTED_OUT["en"]]
    line.text(SEEKER, "START")
    wait_for(lambda: line.received_by(SEEKER)[3:] == [replies.OPTED_IN["en"]], 20, "the welcome back")


def test_one_message_sid_delivered_twice_gets_one_reply(line):
    sid = "SM" + "ab" * 16
    assert line.text(SEEKER, "hello", sid=sid) == 200
    assert line.text(SEEKER, "hello", sid=sid) == 200
    wait_for(lambda: unprocessed(line) == 0 and line.received_by(SEEKER), 20, "the reply")
    time.sleep(1.5)
    assert line.received_by(SEEKER) == opening()


def test_worker_killed_mid_batch_loses_nothing_and_answers_once(line):
    phones = [f"+1555222{i:04d}" for i in range(10)]
    for round_ in range(4):
        for phone in phones:
            assert line.text(phone, f"text {round_}") == 200
        if round_ == 1:
            line.kill("worker-1", signal.SIGKILL)
            line.kill("sender", signal.SIGKILL)
    line.spawn("worker-1", ["worker", "--queues", "inbound,default"])
    line.spawn("sender", ["worker", "--queues", "outbound"])
    wait_for(lambda: unprocessed(line) == 0, 90, "every text to be processed")
    expected = replies_for([f"text {round_}" for round_ in range(4)])
    wait_for(
        lambda: all(len(line.received_by(p)) >= len(expected) for p in phones), 90, "every reply", every=1
    )
    time.sleep(2)
    assert {p: line.received_by(p) for p in phones} == {p: expected for p in phones}


def test_redis_restart_loses_nothing(line):
    line.text(SEEKER, "before the restart")
    wait_for(lambda: len(line.received_by(SEEKER)) == 1, 20, "the first reply")
    line.redis.stop()
    assert line.text(SEEKER, "while redis is down") == 200  # kept in the database all the same
    line.redis.start()
    line.text(SEEKER, "after the restart")
    expected = replies_for(["before the restart", "while redis is down", "after the restart"])
    wait_for(lambda: len(line.received_by(SEEKER)) == len(expected), 60, "replies after the restart", every=1)
    time.sleep(2)
    assert line.received_by(SEEKER) == expected


CANARY_PHONE = "+15559876543"
CANARY_TEXT = "canary-pelican-7731 relapsed last night"


def test_no_phone_number_or_text_in_database_redis_or_logs(line):
    line.text(CANARY_PHONE, CANARY_TEXT)
    wait_for(lambda: line.received_by(CANARY_PHONE), 20, "the welcome")
    line.text(CANARY_PHONE, "STOP")
    wait_for(lambda: len(line.received_by(CANARY_PHONE)) == 2, 20, "both replies")
    time.sleep(1.5)  # delivery callbacks
    needles = [CANARY_PHONE, CANARY_PHONE.lstrip("+"), CANARY_PHONE[-10:], "canary-pelican"]

    rows = []
    engine = create_engine(line.database_url)
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows += [repr(tuple(r)) for r in connection.execute(text(f"SELECT * FROM {table.name}"))]
    engine.dispose()
    database = "\n".join(rows)
    assert len(rows) > 5
    if line.database_url.startswith("sqlite"):
        path = line.database_url.removeprefix("sqlite:///")
        for name in (path, path + "-wal"):
            if os.path.exists(name):
                database += Path(name).read_bytes().decode("latin-1")

    connection = redis.Redis.from_url(line.redis.url)
    dumped = []
    for key in connection.scan_iter(count=1000):
        dumped.append(key.decode("latin-1"))
        value = connection.dump(key)
        if value:
            dumped.append(value.decode("latin-1"))
    assert dumped
    logs = line.logs()
    assert "inbound processed" in logs  # the logs are really there
    for needle in needles:
        assert needle not in database
        assert needle not in "\n".join(dumped)
        assert needle not in logs


def test_metrics_add_up_across_gunicorn_workers(line):
    for i in range(8):  # each on its own connection, spread over both workers by the kernel
        assert line.text(f"+1555333{i:04d}", "hello") == 200
    for _ in range(6):  # whichever worker answers the scrape, it reports the total
        with urllib.request.urlopen(line.base_url + "/metrics", timeout=5) as response:
            metrics = response.read().decode()
        assert 'peerline_webhook_requests_total{code="200",path="/twilio/sms"} 8.0' in metrics
        assert 'peerline_webhook_seconds_count{path="/twilio/sms"} 8.0' in metrics
