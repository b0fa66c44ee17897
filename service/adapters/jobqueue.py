"""Enqueue background work by name: the web side never imports the workers package.

Job arguments are ids only. Queue names and job paths here are the contract with `workers/`.
"""

from __future__ import annotations

from datetime import datetime

import redis
from rq import Queue
from rq.serializers import JSONSerializer

INBOUND, OUTBOUND, DEFAULT = "inbound", "outbound", "default"
ALL_QUEUES = (INBOUND, OUTBOUND, DEFAULT)  # a worker serves them in this priority order

PROCESS_CONTACT = "workers.jobs.process_contact"
SEND_OUTBOUND = "workers.jobs.send_outbound"
VERIFY_OUTBOUND = "workers.jobs.verify_outbound"
FLOW_TIMEOUT = "workers.jobs.flow_timeout"
CHECKIN_DUE = "workers.jobs.checkin_due"
FAILURE_TTL = 7 * 86400  # keep failed jobs a week for a look; they hold ids only


class JobQueue:
    def __init__(self, connection: redis.Redis) -> None:
        self.connection = connection
        self.queues = {
            name: Queue(name, connection=connection, serializer=JSONSerializer) for name in ALL_QUEUES
        }

    def process_contact(self, contact_id: int) -> None:
        self._enqueue(INBOUND, PROCESS_CONTACT, contact_id)

    def send_outbound(self, outbound_id: int, at: datetime | None = None) -> None:
        self._enqueue(OUTBOUND, SEND_OUTBOUND, outbound_id, at=at)

    def verify_outbound(self, outbound_id: int, at: datetime | None = None) -> None:
        self._enqueue(OUTBOUND, VERIFY_OUTBOUND, outbound_id, at=at)

    def flow_timeout(self, conversation_id: int, token: int, at: datetime | None = None) -> None:
        self._enqueue(INBOUND, FLOW_TIMEOUT, conversation_id, token, at=at)

    def checkin_due(self, contact_id: int, at: datetime | None = None) -> None:
        self._enqueue(INBOUND, CHECKIN_DUE, contact_id, at=at)

    def _enqueue(self, queue_name: str, job: str, *args: int, at: datetime | None = None) -> None:
        """Queue now, or at a time (moved to the queue by a worker running the RQ scheduler)."""
        queue = self.queues[queue_name]
        if at is None:
            with self.connection.pipeline() as pipe:  # one round trip to Redis
                queue.enqueue(job, *args, result_ttl=0, failure_ttl=FAILURE_TTL, pipeline=pipe)
                pipe.execute()
        else:
            queue.enqueue_at(at, job, *args, result_ttl=0, failure_ttl=FAILURE_TTL)

    def depths(self) -> dict[str, int]:
        return {name: queue.count for name, queue in self.queues.items()}
