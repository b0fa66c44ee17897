"""Fakes that subclass the adapter interfaces (not mocks), and a burst worker for tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from rq import SimpleWorker
from rq.serializers import JSONSerializer
from twilio.base.exceptions import TwilioRestException

from service.adapters.jobqueue import ALL_QUEUES
from service.adapters.runtime import Runtime
from service.adapters.twilio_sender import SendResult, TwilioSender
from workers import context


@dataclass
class Sent:
    to: str
    from_: str
    body: str
    sid: str


@dataclass
class FakeSender(TwilioSender):
    """Records what would reach Twilio; `failures` scripts errors for the next sends."""

    sent: list[Sent] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    _sids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def send(self, to: str, from_: str, body: str, status_callback: str) -> SendResult:
        if self.failures:
            raise self.failures.pop(0)
        sid = f"SM{next(self._sids):032x}"
        self.sent.append(Sent(to, from_, body, sid))
        return SendResult(sid=sid, status="queued")

    def find_sent(self, to, from_, body, since: datetime, exclude=()):
        for message in self.sent:
            if (message.to, message.from_, message.body) == (to, from_, body) and message.sid not in exclude:
                return SendResult(sid=message.sid, status="queued")
        return None

    def bodies_to(self, to: str) -> list[str]:
        return [m.body for m in self.sent if m.to == to]


def twilio_error(status: int, code: int) -> TwilioRestException:
    return TwilioRestException(status, "https://api.twilio.com/2010-04-01/Messages.json", "error", code)


def run_jobs(rt: Runtime, queues=ALL_QUEUES, with_scheduler: bool = False) -> None:
    """Run every queued job to the end in this process, as a real RQ worker would; with the
    scheduler, jobs scheduled for a time already past are queued and run too."""
    context.install(rt)
    try:
        worker = SimpleWorker(list(queues), connection=rt.redis, serializer=JSONSerializer)
        worker.work(burst=True, with_scheduler=with_scheduler)
    finally:
        context.install(None)


@dataclass
class FixedClock:
    """A clock that moves only when a test says so."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self.now += timedelta(**delta)
        return self.now
