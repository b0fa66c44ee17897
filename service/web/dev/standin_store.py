"""What the Twilio stand-in "sent" and "received": its own SQLite file, never PeerLine's stores.

This plays Twilio's side, so it keeps numbers and bodies in plain text like Twilio would; it
lives apart from PeerLine's database and Redis, which must never hold them in plain text.
Several gunicorn worker processes share the file: WAL and a busy timeout keep them civil.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, sid TEXT NOT NULL UNIQUE, account_sid TEXT NOT NULL,
    direction TEXT NOT NULL, from_number TEXT, to_number TEXT NOT NULL, body TEXT NOT NULL,
    num_media INTEGER NOT NULL DEFAULT 0, num_segments INTEGER NOT NULL DEFAULT 1,
    messaging_service_sid TEXT, status TEXT NOT NULL, error_code INTEGER, status_callback TEXT,
    webhook_status INTEGER, created TEXT NOT NULL, updated TEXT NOT NULL, sent TEXT
);
CREATE INDEX IF NOT EXISTS messages_to ON messages (to_number);
CREATE INDEX IF NOT EXISTS messages_from ON messages (from_number);
CREATE TABLE IF NOT EXISTS faults (kind TEXT PRIMARY KEY, value TEXT NOT NULL, remaining INTEGER NOT NULL);
"""
EXTENSION = "peerline.dev_twilio"  # where init_app keeps the app's store
COLUMNS = (
    *("sid", "account_sid", "direction", "from_number", "to_number", "body", "num_media", "num_segments"),
    *("messaging_service_sid", "status", "error_code", "status_callback", "webhook_status"),
    *("created", "updated", "sent"),
)


def stamp(moment: datetime) -> str:
    """A fixed-width UTC timestamp, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Filters:
    to: str | None = None
    from_: str | None = None
    sent_from: str | None = None  # inclusive bounds, as `stamp` text
    sent_until: str | None = None


class StandinStore:
    """Messages and injected faults, in one SQLite file shared by processes and threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False
        self._lock = threading.Lock()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10.0, isolation_level=None)) as db:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout = 10000")
            if not self._ready:
                with self._lock:
                    db.execute("PRAGMA journal_mode = WAL")
                    db.executescript(SCHEMA)
                    self._ready = True
            yield db

    def add(self, **values: Any) -> dict[str, Any]:
        """Keep a new message; `values` are COLUMNS (created/updated default to now)."""
        now = stamp(utc_now())
        row = {"created": now, "updated": now, **values}
        names = [name for name in COLUMNS if name in row]
        with self._connect() as db:
            db.execute(
                f"INSERT INTO messages ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",  # noqa: S608 - fixed column names
                [row[name] for name in names],
            )
        found = self.get(row["sid"])
        assert found is not None
        return found

    def get(self, sid: str) -> dict[str, Any] | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM messages WHERE sid = ?", (sid,)).fetchone()
        return dict(row) if row else None

    def update(self, sid: str, **values: Any) -> None:
        values["updated"] = stamp(utc_now())
        assignments = ", ".join(f"{name} = ?" for name in values if name in COLUMNS)
        with self._connect() as db:
            db.execute(f"UPDATE messages SET {assignments} WHERE sid = ?", [*values.values(), sid])  # noqa: S608

    def page(
        self, filters: Filters, size: int, after: str | None = None, before: str | None = None
    ) -> list[dict[str, Any]] | None:
        """Newest first; `after`/`before` are SIDs bounding the page (None: unknown SID)."""
        where, args = ["1 = 1"], []
        for column, value, op in (
            ("to_number", filters.to, "="),
            ("from_number", filters.from_, "="),
            ("sent", filters.sent_from, ">="),
            ("sent", filters.sent_until, "<="),
        ):
            if value is not None:
                where.append(f"{column} {op} ?")
                args.append(value)
        for sid, op in ((after, "<"), (before, ">")):
            if sid is not None:
                if self.get(sid) is None:
                    return None
                where.append(f"id {op} (SELECT id FROM messages WHERE sid = ?)")  # noqa: S608 - op is fixed
                args.append(sid)
        # Walking back from a `before` token, take the oldest ones after it, then flip them.
        order = "ASC" if before is not None else "DESC"
        query = f"SELECT * FROM messages WHERE {' AND '.join(where)} ORDER BY id {order} LIMIT ?"  # noqa: S608
        with self._connect() as db:
            rows = [dict(row) for row in db.execute(query, [*args, size])]
        return rows[::-1] if before is not None else rows

    def thread(self, phone: str, limit: int = 200) -> list[dict[str, Any]]:
        """What one phone sent to the line and what the line sent to it, oldest first."""
        query = (
            "SELECT * FROM messages WHERE (direction = 'inbound' AND from_number = ?)"
            " OR (direction != 'inbound' AND to_number = ?) ORDER BY id DESC LIMIT ?"
        )
        with self._connect() as db:
            rows = [dict(row) for row in db.execute(query, (phone, phone, limit))]
        return rows[::-1]

    def set_fault(self, kind: str, value: str, count: int) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO faults (kind, value, remaining) VALUES (?, ?, ?)"
                " ON CONFLICT (kind) DO UPDATE SET value = excluded.value, remaining = excluded.remaining",
                (kind, value, count),
            )

    def take_fault(self, kind: str) -> str | None:
        """Use up one injected fault of this kind, atomically across processes."""
        with self._connect() as db:
            row = db.execute(
                "UPDATE faults SET remaining = remaining - 1"
                " WHERE kind = ? AND remaining > 0 RETURNING value",
                (kind,),
            ).fetchone()
        return str(row["value"]) if row else None


def current_store() -> StandinStore:
    store: StandinStore = current_app.extensions[EXTENSION]
    return store
