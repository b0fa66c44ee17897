"""`peerline dev`: the whole line in one process group, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from service.adapters.db import make_engine, migrate
from service.adapters.embedded_redis import EmbeddedRedis
from service.adapters.jobqueue import DEFAULT, INBOUND, OUTBOUND
from service.adapters.settings import Settings

READY_TIMEOUT = 60.0


def _child(args: list[str], env: dict[str, str], log_dir: Path, name: str) -> subprocess.Popen[bytes]:
    with open(log_dir / f"{name}.log", "ab") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "service.cli", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def _wait_ready(url: str, processes: list[subprocess.Popen[bytes]]) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own localhost URL
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def run_dev(settings: Settings) -> int:
    """Start Redis, migrate, start web + workers + sweeper; return an exit code when stopped."""
    data_dir = settings.data_dir
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    embedded = None
    env = dict(os.environ, PEERLINE_ENV=settings.env, PEERLINE_DATA_DIR=str(data_dir))
    if settings.redis_url is None:
        embedded = EmbeddedRedis(data_dir / "redis")
        env["REDIS_URL"] = embedded.start()
    migrate(make_engine(settings.database_url))

    port = settings.public_base_url.rsplit(":", 1)[-1].split("/")[0]
    processes = [
        _child(["web", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env, log_dir, "web"),
        *(
            _child(
                ["worker", "--queues", f"{INBOUND},{DEFAULT}", "--name", f"dev-{i}-{os.getpid()}"],
                env,
                log_dir,
                f"worker-{i}",
            )
            for i in range(1, settings.workers + 1)
        ),
        _child(["worker", "--queues", OUTBOUND, "--name", f"dev-send-{os.getpid()}"], env, log_dir, "sender"),
        _child(["scheduler"], env, log_dir, "scheduler"),
    ]
    base = settings.public_base_url
    try:
        if not _wait_ready(base + "/readyz", processes):
            print(f"PeerLine did not start; see the logs in {log_dir}", file=sys.stderr)
            return 1
        print(
            f"\nPeerLine is running (logs in {log_dir}).\n"
            f"  Dev phone:  {base}/dev/phone\n"
            f"  Line number: {', '.join(settings.numbers)}\n"
            f"  Health:     {base}/readyz   Metrics: {base}/metrics\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        print(f"A PeerLine process stopped unexpectedly; see the logs in {log_dir}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping PeerLine...", flush=True)
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if embedded is not None:
            embedded.stop()
