"""Enqueue background work by name: the web side never imports the workers package.

Job arguments are ids only. Queue names and job paths here are the contract with `workers/`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import redis
from rq import Queue, Retry
from rq.serializers import JSONSerializer

INBOUND, OUTBOUND, DEFAULT = "inbound", "outbound", "default"
ALL_QUEUES = (INBOUND, OUTBOUND, DEFAULT)  # a worker serves them in this priority order

PROCESS_CONTACT = "workers.jobs.process_contact"
SEND_OUTBOUND = "workers.jobs.send_outbound"
VERIFY_OUTBOUND = "workers.jobs.verify_outbound"
FLOW_TIMEOUT = "workers.jobs.flow_timeout"
CHECKIN_DUE = "workers.jobs.checkin_due"
MATCH_WAITING = "workers.jobs.match_waiting"
ERASE_CONTACT = "workers.jobs.erase_contact"
ERASE_AFTER = timedelta(seconds=20)
# Jobs that wait for a person's lock: a busy person is tried again shortly, never dropped.
LOCK_RETRY = Retry(max=6, interval=[1, 2, 5, 10, 30, 60])
FAILURE_TTL = 7 * 86400  # keep failed jobs a week for a look; they hold ids only


class JobQueue:
    def __init__(self, connection: redis.Redis) -> None:
        self.connection = connection
        self.queues = {
            name: Queue(name, connection=connection, serializer=JSONSerializer) for name in ALL_QUEUES
        }

    def process_contact(self, contact_id: int, at: datetime | None = None) -> None:
        self._enqueue(INBOUND, PROCESS_CONTACT, contact_id, at=at)

    def send_outbound(self, outbound_id: int, at: datetime | None = None) -> None:
        self._enqueue(OUTBOUND, SEND_OUTBOUND, outbound_id, at=at)

    def verify_outbound(self, outbound_id: int, at: datetime | None = None) -> None:
        self._enqueue(OUTBOUND, VERIFY_OUTBOUND, outbound_id, at=at)

    def flow_timeout(self, conversation_id: int, token: int, at: datetime | None = None) -> None:
        self._enqueue(INBOUND, FLOW_TIMEOUT, conversation_id, token, at=at)

    def checkin_due(self, contact_id: int, at: datetime | None = None) -> None:
        self._enqueue(INBOUND, CHECKIN_DUE, contact_id, at=at)

    def match_waiting(self) -> None:
        # At the front: a seeker who said yes should not wait behind a burst of other texts.
        self._enqueue(INBOUND, MATCH_WAITING, at_front=True)

    def connect_seeker(self, relay_id: int) -> None:
        self._enqueue(INBOUND, "workers.jobs.connect_seeker", relay_id, retry=LOCK_RETRY)

    def close_offer(self, offer_id: int, event: str) -> None:
        self._enqueue(INBOUND, "workers.jobs.close_offer", offer_id, event, retry=LOCK_RETRY)

    def start_debrief(self, relay_id: int) -> None:
        self._enqueue(INBOUND, "workers.jobs.start_debrief", relay_id, retry=LOCK_RETRY)

    def peer_left(self, relay_id: int) -> None:
        self._enqueue(INBOUND, "workers.jobs.peer_left", relay_id, retry=LOCK_RETRY)

    def search_ended(self, request_id: int) -> None:
        self._enqueue(INBOUND, "workers.jobs.search_ended", request_id, retry=LOCK_RETRY)

    def relay_cleanup(self) -> None:
        self._enqueue(INBOUND, "workers.jobs.relay_cleanup")

    def erase_contact(self, contact_id: int) -> None:
        self._enqueue(INBOUND, ERASE_CONTACT, contact_id, retry=LOCK_RETRY)

    def erase_contact_soon(self, contact_id: int) -> None:
        """Once the "we are erasing" text has had time to go out; the sweeper is the backstop."""
        self.queues[INBOUND].enqueue_in(
            ERASE_AFTER, ERASE_CONTACT, contact_id, result_ttl=0, failure_ttl=FAILURE_TTL, retry=LOCK_RETRY
        )

    def purge_expired(self) -> None:
        self._enqueue(DEFAULT, "workers.jobs.purge_expired")

    def _enqueue(
        self,
        queue_name: str,
        job: str,
        *args: int | str,
        at: datetime | None = None,
        retry: Retry | None = None,
        at_front: bool = False,
    ) -> None:
        """Queue now, or at a time (moved to the queue by a worker running the RQ scheduler)."""
        queue = self.queues[queue_name]
        if at is None:
            with self.connection.pipeline() as pipe:  # one round trip to Redis
                queue.enqueue(
                    job,
                    *args,
                    result_ttl=0,
                    failure_ttl=FAILURE_TTL,
                    retry=retry,
                    at_front=at_front,
                    pipeline=pipe,
                )
                pipe.execute()
        else:
            queue.enqueue_at(at, job, *args, result_ttl=0, failure_ttl=FAILURE_TTL, retry=retry)

    def depths(self) -> dict[str, int]:
        return {name: queue.count for name, queue in self.queues.items()}
