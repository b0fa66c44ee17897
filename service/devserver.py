"""`peerline dev`: the whole line in one process group, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select

from service.adapters import accounts, peers
from service.adapters.crypto import DataCipher
from service.adapters.db import Database, make_engine, migrate
from service.adapters.demo_peers import DEMO_PEERS
from service.adapters.embedded_redis import EmbeddedRedis
from service.adapters.jobqueue import DEFAULT, INBOUND, OUTBOUND
from service.adapters.models import Coordinator
from service.adapters.settings import Settings
from service.adapters.topic_files import load_taxonomy

READY_TIMEOUT = 60.0
DEMO_COORDINATOR = "coordinator@peerline.test"  # .test is reserved: never a real mailbox


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


def _stop_on_signal(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signum)


def _start_line(settings: Settings, env: dict[str, str], log_dir: Path) -> list[subprocess.Popen[bytes]]:
    """Web, the inbound workers, one sender (the per-number throttle waits there) and the sweeper."""
    tag = os.getpid()
    inbound_workers = [
        _child(
            ["worker", "--queues", f"{INBOUND},{DEFAULT}", "--name", f"dev-{i}-{tag}"],
            env,
            log_dir,
            f"worker-{i}",
        )
        for i in range(1, settings.workers + 1)
    ]
    return [
        _child(["web", "--bind", f"127.0.0.1:{settings.port}", "--workers", "2"], env, log_dir, "web"),
        *inbound_workers,
        _child(["worker", "--queues", OUTBOUND, "--name", f"dev-send-{tag}"], env, log_dir, "sender"),
        _child(["scheduler"], env, log_dir, "scheduler"),
    ]


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _load_demo_peers(settings: Settings, engine: Engine) -> str:
    """Add the demo peers (idempotent) and say how to answer as one from the dev phone."""
    with Database(engine).session() as session:
        peers.load_demo_peers(
            session,
            DataCipher(settings.data_key),
            now=datetime.now(UTC),
            known_topics=load_taxonomy(settings.flows_dir).ids(),
        )
    lines = [f"    {p.phone}  {p.name}: {', '.join(p.topics)} ({', '.join(p.languages)})" for p in DEMO_PEERS]
    return (
        "  Demo peers (put one of these numbers on a dev phone to answer offers as that peer;\n"
        "  PEERLINE_DEMO_PEERS=0 leaves them out):\n" + "\n".join(lines) + "\n"
    )


def _demo_coordinator(settings: Settings, engine: Engine) -> str:
    """A dev admin account for the dashboard, its password kept in the data dir (mode 0600)."""
    path = settings.data_dir / "dev-coordinator.json"
    kept = json.loads(path.read_text()) if path.exists() else {}
    email, password = DEMO_COORDINATOR, kept.get("password") or secrets.token_urlsafe(12)
    with Database(engine).session() as session:
        account = session.scalar(select(Coordinator).where(Coordinator.email == email))
        if account is None:
            accounts.create(session, email=email, role="admin", password=password, now=datetime.now(UTC))
        elif "password" not in kept or accounts.authenticate(session, email, password) is None:
            accounts.set_password(account, password)  # the kept file was lost or changed
            account.active = True
    if kept.get("password") != password:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"email": email, "password": password}))
        tmp.chmod(0o600)
        tmp.replace(path)
    return f"  Dashboard:   {settings.public_base_url}/dashboard/  (sign in as {email} / {password})\n"


def run_dev(settings: Settings) -> int:
    """Start Redis, migrate, start web + workers + sweeper; return an exit code when stopped."""
    # Ctrl-C or a TERM stops everything, even where the shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PEERLINE_ENV=settings.env, PEERLINE_DATA_DIR=str(settings.data_dir))
    embedded = EmbeddedRedis(settings.data_dir / "redis") if settings.redis_url is None else None
    processes: list[subprocess.Popen[bytes]] = []
    base = settings.public_base_url
    try:
        if embedded is not None:
            env["REDIS_URL"] = embedded.start()
        engine = make_engine(settings.database_url)
        migrate(engine)
        demo = _load_demo_peers(settings, engine) if settings.demo_peers else ""
        dashboard = _demo_coordinator(settings, engine)
        engine.dispose()
        processes = _start_line(settings, env, log_dir)
        if not _wait_ready(f"http://127.0.0.1:{settings.port}/readyz", processes):
            print(f"PeerLine did not start; see the logs in {log_dir}", file=sys.stderr)
            return 1
        print(
            f"\nPeerLine is running (logs in {log_dir}).\n"
            f"  Dev phone:   {base}/dev/phone\n"
            f"{dashboard}"
            f"  Line number: {', '.join(settings.numbers)}\n"
            f"  On-call:     {', '.join(settings.oncall_numbers) or 'none'} (coordinator alerts go here)\n"
            f"  Health:      {base}/readyz   Metrics: {base}/metrics\n"
            f"{demo}"
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
        _stop_all(processes)
        if embedded is not None:
            embedded.stop()
