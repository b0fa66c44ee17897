"""A whole line as real processes: gunicorn web (with the Twilio stand-in), RQ workers, the
sweeper and an embedded Redis, driven over HTTP with webhooks signed as Twilio signs them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from service.adapters.embedded_redis import EmbeddedRedis
from tests.support.twilio_signing import inbound_params, signature

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "e2e-auth-token-5555555555555555"
LINE_NUMBER = "+15005550006"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class Line:
    root: Path
    database_url: str
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    redis: EmbeddedRedis | None = None
    settings: dict[str, str] = field(default_factory=dict)  # more environment for every process

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PEERLINE_", "TWILIO_"))},
            "PEERLINE_ENV": "dev",  # dev mode serves the Twilio stand-in the workers send to
            "PEERLINE_DATA_DIR": str(self.root / "var"),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_BASE_URL": f"{self.base_url}/dev/twilio",
            "PEERLINE_NUMBERS": LINE_NUMBER,
            "PUBLIC_BASE_URL": self.base_url,
            "PEERLINE_SECRET_KEY": "e2e-secret",
            "PEERLINE_DATA_KEY": "e2e-data-key",
            "PEERLINE_SEND_RATE": "50",
            **self.settings,
        }

    def start(self, workers: int = 2) -> Line:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.redis = EmbeddedRedis(self.root / "redis")
        self.redis.start()
        self.spawn("web", ["web", "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--threads", "4"])
        wait_for(self.ready, 60, "the web server to answer /readyz")
        for i in range(1, workers + 1):
            self.spawn(f"worker-{i}", ["worker", "--queues", "inbound,default"])
        self.spawn("sender", ["worker", "--queues", "outbound"])
        self.spawn("scheduler", ["scheduler", "--every", "1"])
        return self

    def spawn(self, name: str, args: list[str]) -> None:
        with open(self.log_dir / f"{name}.log", "ab") as log:  # the child keeps its own copy
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "service.cli", *args],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own group: a kill takes its children too
            )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, sig)
        process.wait(timeout=10)

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + "/readyz", timeout=2) as response:
                return response.status == 200
        except (OSError, urllib.error.HTTPError):
            return False

    def text(self, from_: str, body: str, sid: str | None = None) -> int:
        """Text the line from a phone, exactly as Twilio would deliver it; return the HTTP status."""
        params = inbound_params(from_, body, to=LINE_NUMBER, sid=sid)
        url = self.base_url + "/twilio/sms"
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(params).encode(),
            method="POST",
            headers={
                "X-Twilio-Signature": signature(AUTH_TOKEN, url, params),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status

    def twilio(self) -> Client:
        """A Twilio client pointed at the stand-in: what 'Twilio' holds as sent."""
        client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=TwilioHttpClient(timeout=10))
        client.api.base_url = f"{self.base_url}/dev/twilio"
        return client

    def received_by(self, phone: str) -> list[str]:
        """Bodies the line sent to this phone, oldest first."""
        messages = self.twilio().messages.list(to=phone, limit=1000)  # Twilio lists newest first
        return [m.body for m in reversed(messages)]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()
        if self.redis is not None:
            self.redis.stop()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))
