"""Database engine, sessions and migrations (Alembic, applied on start)."""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, CursorResult, Engine, Result, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str | URL, *, autocommit: bool = False) -> Engine:
    """Build an engine; SQLite gets WAL and a busy timeout so several processes can share it.

    `autocommit` (PostgreSQL) gives an engine for single-statement writes on the webhook's hot
    path: no BEGIN/COMMIT and no pre-ping round trips; its callers retry a dropped connection.
    """
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
            dbapi_conn.isolation_level = None  # let the "begin" hook below open transactions

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            # Take the write lock up front: a deferred transaction that later writes can fail
            # at once with "database is locked" instead of waiting out the busy timeout.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    elif autocommit:
        engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_recycle=1800)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    # A forked RQ work horse must not reuse the parent's sockets (SQLAlchemy's pooling guide).
    ref = weakref.ref(engine)
    os.register_at_fork(after_in_child=lambda: _dispose_in_child(ref()))
    return engine


def _dispose_in_child(engine: Engine | None) -> None:
    if engine is not None:
        engine.dispose(close=False)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several processes may start at once; one migrates, the others wait and find it done.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7301999)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched."""
    return cast(CursorResult[Any], result).rowcount


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @cached_property
    def quick_writes(self) -> Engine:
        """Where single-statement, idempotent writes go (see make_engine's `autocommit`)."""
        if self.engine.dialect.name != "postgresql":
            return self.engine
        return make_engine(self.engine.url, autocommit=True)

    def dispose(self) -> None:
        self.engine.dispose()
        if "quick_writes" in self.__dict__ and self.quick_writes is not self.engine:
            self.quick_writes.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        with self._sessions.begin() as session:
            yield session
