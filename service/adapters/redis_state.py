"""Redis state: per-contact processing locks and the per-number send throttle.

Keys carry ids only (contact ids, the index of a line number), never phone numbers or bodies.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import redis
from redis.lock import Lock

LOCK_SECONDS = 15  # far longer than one text takes (lock renewed per text); a dead holder frees it by then

# Reserve the next send slot for a number: returns how many ms to wait before sending.
_RESERVE_SLOT = """
local now = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_free)
redis.call('SET', KEYS[1], slot + gap, 'PX', math.max(gap * 2, 60000))
return slot - now
"""


class RedisState:
    def __init__(self, connection: redis.Redis) -> None:
        self.redis = connection
        self._reserve = connection.register_script(_RESERVE_SLOT)

    @contextmanager
    def contact_lock(self, contact_id: int, wait: bool = False) -> Iterator[Lock | None]:
        """Hold the contact's processing lock. If another worker has it, yield None at once, or
        with `wait`, after waiting up to LOCK_SECONDS for it."""
        lock = self.redis.lock(f"peerline:lock:contact:{contact_id}", timeout=LOCK_SECONDS)
        if not lock.acquire(blocking=wait, blocking_timeout=LOCK_SECONDS if wait else None):
            yield None
            return
        try:
            yield lock
        finally:
            # If it expired while we held it, the next holder owns it now: nothing to release.
            with suppress(redis.exceptions.LockError):
                lock.release()

    def reserve_send_slot(self, number_index: int, per_second: float) -> float:
        """Reserve the next slot to send from a line number; return seconds to wait for it."""
        gap_ms = max(1, round(1000 / per_second))
        now_ms = int(time.time() * 1000)
        wait_ms = self._reserve(keys=[f"peerline:throttle:number:{number_index}"], args=[now_ms, gap_ms])
        return int(wait_ms) / 1000
