"""The composition root: the one place that builds clients from settings.

Everything that talks to the outside world hangs off one `Runtime`, passed explicitly (as
mailroom does), so tests can build one against a real test Redis and database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import redis

from service.adapters.contact_cache import ContactIds
from service.adapters.crisis_files import load_detector
from service.adapters.crypto import DataCipher
from service.adapters.db import Database, make_engine, migrate
from service.adapters.embedded_redis import EmbeddedRedis
from service.adapters.flow_files import load as load_flows
from service.adapters.jobqueue import JobQueue
from service.adapters.redis_state import RedisState
from service.adapters.settings import Settings
from service.adapters.topic_files import load_taxonomy
from service.adapters.twilio_sender import TwilioSender
from service.core.conversation import FlowHandler
from service.core.inbound import ConversationHandler
from service.core.topic_classifier import Taxonomy


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    redis: redis.Redis
    cipher: DataCipher
    flows: FlowHandler
    handler: ConversationHandler  # what inbound texts go to: the flows (tests may swap it)
    clock: Callable[[], datetime] = utc_now
    embedded_redis: EmbeddedRedis | None = None
    _sender: TwilioSender | None = field(default=None, repr=False)

    @cached_property
    def jobs(self) -> JobQueue:
        return JobQueue(self.redis)

    @cached_property
    def contact_ids(self) -> ContactIds:
        return ContactIds()

    @cached_property
    def taxonomy(self) -> Taxonomy:
        """The topics peers are matched on (flows/topics.yaml), with their words and labels."""
        return load_taxonomy(self.settings.flows_dir)

    @cached_property
    def state(self) -> RedisState:
        return RedisState(self.redis)

    @property
    def sender(self) -> TwilioSender:
        if self._sender is None:
            s = self.settings
            self._sender = TwilioSender(s.twilio_account_sid, s.twilio_auth_token, s.twilio_api_base_url)
        return self._sender

    @sender.setter
    def sender(self, sender: TwilioSender) -> None:
        self._sender = sender

    def close(self) -> None:
        self.redis.close()
        self.db.dispose()
        if self.embedded_redis is not None:
            self.embedded_redis.stop()


def connect_redis(settings: Settings) -> tuple[redis.Redis, EmbeddedRedis | None]:
    """Connect to REDIS_URL, or start PeerLine's own Redis in the data dir when it is unset."""
    embedded = None
    url = settings.redis_url
    if url is None:
        embedded = EmbeddedRedis(settings.data_dir / "redis")
        url = embedded.start()
    return redis.Redis.from_url(url, health_check_interval=30), embedded


def build_runtime(settings: Settings, *, migrate_schema: bool = True) -> Runtime:
    """Build every client from settings; apply migrations so the schema is current. A broken
    flow file stops the start here (FlowsInvalid names every problem)."""
    flows = FlowHandler(load_flows(settings.flows_dir), load_detector())
    db = Database(make_engine(settings.database_url))
    if migrate_schema:
        migrate(db.engine)
    connection, embedded = connect_redis(settings)
    return Runtime(
        settings=settings,
        db=db,
        redis=connection,
        cipher=DataCipher(settings.data_key),
        flows=flows,
        handler=flows,
        embedded_redis=embedded,
    )
