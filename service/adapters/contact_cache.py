"""Phone lookup hash -> contact id, remembered per process: the webhook's hottest lookup."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

CACHE_SIZE = 10_000


class ContactIds:
    """Phone lookup hash -> contact id, remembered per process (ids never change)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._ids: OrderedDict[str, int] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get(self, phone_hash: str) -> int | None:
        with self._lock:
            found = self._ids.get(phone_hash)
            if found is not None:
                self._ids.move_to_end(phone_hash)
            return found

    def put(self, phone_hash: str, contact_id: int) -> None:
        with self._lock:
            self._ids[phone_hash] = contact_id
            if len(self._ids) > self._size:
                self._ids.popitem(last=False)

    def forget(self, phone_hash: str) -> None:
        with self._lock:
            self._ids.pop(phone_hash, None)
