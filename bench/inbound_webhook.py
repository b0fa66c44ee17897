"""Benchmark the real inbound-SMS webhook against a bare Flask endpoint that only checks the signature.

Both run as real gunicorn processes on 127.0.0.1 with the same options (PeerLine's own `serve()`,
same workers and threads), one after the other, under the same load: C keep-alive connections,
each sending a distinct, correctly signed inbound SMS as soon as the previous answer arrives
(or, with --rate, at a fixed pace). Requests are signed before the clock starts. The real app
runs with test settings in a temporary directory: SQLite and an embedded Redis, or DATABASE_URL /
REDIS_URL from the environment (use throwaway ones: the run leaves its rows and jobs there).

    .venv/bin/python bench/inbound_webhook.py [--seconds 10] [--connections 16]
                                              [--workers 2] [--threads 4] [--rate R]

Prints req/s, p50 and p99 latency and errors for both, and the ratio real/bare.
Goal: real >= 0.5 x bare req/s and real p99 <= 20 ms at 16 connections.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psutil
import redis
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from anywhere: `service` is importable from the checkout

from service.adapters.db import make_engine, migrate  # noqa: E402
from service.adapters.embedded_redis import EmbeddedRedis  # noqa: E402
from service.adapters.jobqueue import INBOUND, JobQueue  # noqa: E402
from service.adapters.models import InboundMessage  # noqa: E402
from service.adapters.settings import SETTING_NAMES  # noqa: E402

GOAL_RATIO = 0.5
GOAL_P99_MS = 20.0
BUSY_WARNING = 0.2  # share of the CPU already in use before the run that makes its figures suspect
LINE_NUMBER = "+15005550006"
SENDERS = [f"+1202555{100 + i:04d}" for i in range(50)]  # 555-01xx: reserved for fiction
START_TIMEOUT = 60.0
SOCKET_TIMEOUT = 10.0


# --- load generator ------------------------------------------------------------------------------


@dataclass
class Load:
    """What one target is asked to take: where, how many connections, for how long."""

    port: int
    auth_token: str
    connections: int
    processes: int
    warmup: float
    seconds: float
    per_process: int  # pre-signed requests each client process may send, at most
    rate: float = 0.0  # requests/s offered in all (open loop); 0: closed loop, as fast as answered


def signed_requests(load: Load, count: int, tag: str, first_sender: int = 0) -> list[bytes]:
    """`count` distinct inbound SMS requests, each signed as Twilio signs them."""
    url = f"http://127.0.0.1:{load.port}/twilio/sms"
    validator = RequestValidator(load.auth_token)
    requests = []
    for n in range(count):
        sid = "SM" + secrets.token_hex(16)
        params = {
            "ToCountry": "US",
            "ToState": "CA",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "DC",
            "SmsStatus": "received",
            "FromCity": "WASHINGTON",
            "Body": f"hi, is anyone there? ({tag}-{n})",
            "FromCountry": "US",
            "To": LINE_NUMBER,
            "ToZip": "",
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": SENDERS[(first_sender + n) % len(SENDERS)],
            "ApiVersion": "2010-04-01",
        }
        body = urlencode(params).encode()
        head = (
            "POST /twilio/sms HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{load.port}\r\n"
            "User-Agent: TwilioProxy/1.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Twilio-Signature: {validator.compute_signature(url, params)}\r\n"
            "\r\n"
        )
        requests.append(head.encode() + body)
    return requests


class Connection:
    """One keep-alive HTTP/1.1 connection: send a request, read one response."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def request(self, data: bytes) -> int:
        """Send and return the status code; raises OSError or ValueError on a broken exchange."""
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=SOCKET_TIMEOUT)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        self.sock.sendall(data)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if "content-length" not in headers:
            raise ValueError("response without Content-Length")
        length = int(headers["content-length"])
        while len(self.buffer) < length:
            self._fill()
        self.buffer = self.buffer[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status

    def _fill(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


@dataclass
class ConnectionResult:
    latencies_ns: list[int] = field(default_factory=list)  # answered 200, sent inside the window
    completed: int = 0  # answers (any status) that arrived inside the window: the throughput
    errors: dict[str, int] = field(default_factory=dict)  # sent inside the window, by kind
    ok_total: int = 0  # every 200, warm-up included (each one must have been stored)
    unsent: int = 0  # open loop: requests due inside the window that the server left no time for
    ran_out: bool = False


def drive(
    port: int, requests: Iterator[bytes], window: tuple[int, int], pace: tuple[int, int]
) -> ConnectionResult:
    """Send requests until the window ends (monotonic ns) or they run out; measure inside the window.

    Closed loop (pace interval 0): each request goes as soon as the previous answer is in.
    Open loop: one request every interval from the first due time; latency counts from when a
    request was due, so a server that falls behind is charged for the wait (no coordinated omission).
    """
    measure_from, stop_at = window
    interval, due = pace
    result = ConnectionResult()
    connection = Connection(port)
    try:
        for data in requests:
            now = time.monotonic_ns()
            if interval:
                if due > now:
                    time.sleep((due - now) / 1e9)
                started, due = due, due + interval
            else:
                started = now
            if started >= stop_at or now >= stop_at:
                if interval and started < stop_at:
                    result.unsent += (stop_at - started - 1) // interval + 1
                break
            error = None
            try:
                status = connection.request(data)
                if status == 200:
                    result.ok_total += 1
                else:
                    error = f"HTTP {status}"
            except (OSError, ValueError) as exc:
                error = type(exc).__name__
                connection.close()
            finished = time.monotonic_ns()
            if measure_from <= finished <= stop_at:
                result.completed += 1
            if started >= measure_from:
                if error is None:
                    result.latencies_ns.append(finished - started)
                else:
                    result.errors[error] = result.errors.get(error, 0) + 1
        else:
            result.ran_out = True
    finally:
        connection.close()
    return result


def client_process(load: Load, index: int, ready: Any, go: Any, start_ns: Any, results: Any) -> None:
    """Sign this process's requests, then drive its connections from the common start.

    The connections share the process's requests (gunicorn may give one connection far more
    turns than another), taking them from one iterator: `next` on it is atomic under the GIL.
    """
    mine = range(index, load.connections, load.processes)
    requests = iter(signed_requests(load, load.per_process, f"p{index}", first_sender=index))
    ready.put(index)
    go.wait()
    measure_from = start_ns.value + int(load.warmup * 1e9)
    stop_at = measure_from + int(load.seconds * 1e9)
    before = resource.getrusage(resource.RUSAGE_SELF)
    outcomes: list[ConnectionResult] = []

    # Open loop: each connection sends every `interval`, the connections evenly staggered.
    interval = int(load.connections / load.rate * 1e9) if load.rate else 0

    def run(connection_index: int) -> None:
        first_due = start_ns.value + interval * connection_index // load.connections
        outcomes.append(drive(load.port, requests, (measure_from, stop_at), (interval, first_due)))

    while time.monotonic_ns() < start_ns.value:
        time.sleep(0.001)
    threads = [threading.Thread(target=run, args=(c,)) for c in mine]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    results.put((index, outcomes, cpu))


@dataclass
class Outcome:
    requests: int  # answered inside the measured window
    errors: dict[str, int]
    seconds: float
    latencies_ms: list[float]
    ok_total: int
    unsent: int
    ran_out: int
    spread: tuple[int, int]  # fewest and most answers one connection got: gunicorn's fairness
    client_cores: float
    server_cores: float
    machine_busy: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)  # nearest rank
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def machine_busy_seconds() -> tuple[float, float]:
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    return sum(times) - idle, sum(times)


def machine_busy_now(seconds: float = 1.0) -> float:
    """The share of the machine's CPU in use over a moment, before any load: other people's work."""
    busy_before, all_before = machine_busy_seconds()
    time.sleep(seconds)
    busy_after, all_after = machine_busy_seconds()
    return max(0.0, (busy_after - busy_before) / max(1e-9, all_after - all_before))


def run_load(load: Load, server_pid: int) -> Outcome:
    """Run the load against one target and gather what the clients and the server used."""
    context = multiprocessing.get_context("fork")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    start_ns = context.Value("q", 0)
    clients = [
        context.Process(target=client_process, args=(load, i, ready, go, start_ns, results), daemon=True)
        for i in range(load.processes)
    ]
    for client in clients:
        client.start()
    try:
        for _ in clients:
            ready.get(timeout=300)
        server = psutil.Process(server_pid)
        server_tree = [server, *server.children(recursive=True)]
        start_ns.value = time.monotonic_ns() + 100_000_000  # everyone starts together, 0.1 s from now
        go.set()
        measure_from = start_ns.value + int(load.warmup * 1e9)
        time.sleep(max(0.0, (measure_from - time.monotonic_ns()) / 1e9))
        server_before, (busy_before, all_before) = cpu_seconds(server_tree), machine_busy_seconds()
        time.sleep(load.seconds)
        server_after, (busy_after, all_after) = cpu_seconds(server_tree), machine_busy_seconds()
        gathered = [results.get(timeout=load.seconds + SOCKET_TIMEOUT + 60) for _ in clients]
    finally:
        for client in clients:
            client.join(timeout=5)
            if client.is_alive():
                client.kill()
    outcomes = [outcome for _, per_process, _ in gathered for outcome in per_process]
    errors: dict[str, int] = {}
    for outcome in outcomes:
        for kind, count in outcome.errors.items():
            errors[kind] = errors.get(kind, 0) + count
    latencies = [ns / 1e6 for outcome in outcomes for ns in outcome.latencies_ns]
    client_cpu = sum(cpu for _, _, cpu in gathered)
    return Outcome(
        requests=sum(outcome.completed for outcome in outcomes),
        errors=errors,
        seconds=load.seconds,
        latencies_ms=latencies,
        ok_total=sum(outcome.ok_total for outcome in outcomes),
        unsent=sum(outcome.unsent for outcome in outcomes),
        ran_out=sum(outcome.ran_out for outcome in outcomes),
        spread=(min(o.completed for o in outcomes), max(o.completed for o in outcomes)),
        client_cores=client_cpu / (load.warmup + load.seconds),
        server_cores=(server_after - server_before) / load.seconds,
        machine_busy=(busy_after - busy_before) / max(1e-9, all_after - all_before),
    )


# --- servers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )


def wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback URL
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:]
    raise SystemExit(f"server did not start ({process.args!r}):\n{tail}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def settings_environment(work: Path, auth_token: str, database_url: str, redis_url: str) -> dict[str, str]:
    """The process environment less any PeerLine setting, plus test settings for this run."""
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env.update(
        PEERLINE_ENV="test",
        PEERLINE_DATA_DIR=str(work / "var"),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        TWILIO_ACCOUNT_SID="AC" + secrets.token_hex(16),
        TWILIO_AUTH_TOKEN=auth_token,
        PEERLINE_NUMBERS=LINE_NUMBER,
        PEERLINE_SECRET_KEY=secrets.token_urlsafe(32),
        PEERLINE_DATA_KEY=secrets.token_urlsafe(32),
        PEERLINE_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


def bench_target(name: str, args: argparse.Namespace, env: dict[str, str], work: Path) -> Outcome:
    port = free_port()
    env = {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    options = ["--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", str(args.threads)]
    if name == "real":
        command = [sys.executable, "-m", "service.cli", "web", *options]
    else:
        command = [sys.executable, str(ROOT / "bench" / "bare_app.py"), *options]
    log = work / f"{name}.log"
    print(f"{name}: starting {' '.join(command[1:])}", file=sys.stderr, flush=True)
    # cwd is the scratch directory, so a developer's .env is not read by the servers.
    process = start_server(command, env, work, log)
    try:
        wait_ready(process, f"http://127.0.0.1:{port}/healthz", log)
        load = Load(
            port=port,
            auth_token=env["TWILIO_AUTH_TOKEN"],
            connections=args.connections,
            processes=args.client_processes,
            warmup=args.warmup,
            seconds=args.seconds,
            per_process=max(1, args.max_requests // args.client_processes),
            rate=args.rate,
        )
        print(
            f"{name}: {args.connections} connections, {args.warmup:g} s warm-up, {args.seconds:g} s...",
            file=sys.stderr,
            flush=True,
        )
        return run_load(load, process.pid)
    finally:
        stop_server(process)


def stored_and_queued(database_url: str, redis_url: str) -> tuple[int, int]:
    """How many inbound texts the real app stored, and how many jobs it queued for them."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(InboundMessage)).scalar_one()
    engine.dispose()
    queued = JobQueue(redis.Redis.from_url(redis_url)).depths()[INBOUND]
    return int(stored), queued


# --- report ----------------------------------------------------------------------------------------


def report(
    args: argparse.Namespace, database_url: str, idle_busy: float, results: dict[str, Outcome]
) -> bool:
    bare, real = results["bare"], results["real"]
    loop = f"open loop at {args.rate:g} req/s" if args.rate else "closed loop"
    print()
    print(
        f"inbound webhook, gunicorn --workers {args.workers} --threads {args.threads}, "
        f"{args.connections} keep-alive connections ({loop}), {args.seconds:g} s measured after "
        f"{args.warmup:g} s warm-up; {os.cpu_count()} CPUs, database {database_url.split('://', 1)[0]}"
    )
    print(f"machine busy before the run: {idle_busy:.0%}")
    if idle_busy > BUSY_WARNING:
        print("  other work is running on this machine: the figures are noisy, run again when it is idle")
    print()
    print(
        f"{'target':<6} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'client CPU':>10} {'server CPU':>10} {'server CPU/req':>14} {'machine busy':>12}"
    )
    for name, outcome in results.items():
        per_request = outcome.server_cores / outcome.rate * 1000 if outcome.rate else float("nan")
        print(
            f"{name:<6} {outcome.requests:>9} {outcome.rate:>7.0f} {outcome.percentile(50):>7.2f} "
            f"{outcome.percentile(99):>7.2f} {sum(outcome.errors.values()):>6} "
            f"{outcome.client_cores:>4.2f} cores {outcome.server_cores:>4.2f} cores "
            f"{per_request:>11.2f} ms {outcome.machine_busy:>12.0%}"
        )
        print(f"       answers per connection: {outcome.spread[0]} to {outcome.spread[1]}")
        if outcome.errors:
            print(f"       errors: {outcome.errors}")
        if outcome.unsent:
            print(f"       {outcome.unsent} requests fell due but were never sent: it fell behind the rate")
        if outcome.ran_out:
            print("       the pre-signed requests ran out before the time: raise --max-requests")
    ratio = real.rate / bare.rate if bare.rate else float("nan")
    p99 = real.percentile(99)
    rate_met, p99_met = ratio >= GOAL_RATIO, p99 <= GOAL_P99_MS
    print()
    print(f"real/bare req/s: {ratio:.2f}  (goal >= {GOAL_RATIO}: {'met' if rate_met else 'MISSED'})")
    if args.rate:
        print("  (open loop: both were offered the same rate; the req/s goal is for the closed loop)")
    print(f"real p99: {p99:.2f} ms  (goal <= {GOAL_P99_MS:g} ms: {'met' if p99_met else 'MISSED'})")
    errors_free = not real.errors and not bare.errors
    return rate_met and p99_met and errors_free


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per target (10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured load before it (2)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections (16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (4)")
    parser.add_argument("--client-processes", type=int, default=2, help="load generator processes (2)")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="offer this many req/s in all (open loop) instead of max"
    )
    parser.add_argument(
        "--max-requests", type=int, default=50_000, help="pre-signed requests per target, at most (50000)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (logs, database)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the goal is missed")
    args = parser.parse_args(argv)
    if not 1 <= args.client_processes <= args.connections or args.seconds <= 0:
        parser.error("need 1 <= --client-processes <= --connections and --seconds > 0")
    if args.warmup < 0 or args.rate < 0:
        parser.error("--warmup and --rate must be >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="peerline-bench-"))
    embedded = None
    try:
        database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{work / 'var' / 'peerline.db'}"
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            embedded = EmbeddedRedis(work / "redis")
            redis_url = embedded.start()
        engine = make_engine(database_url)
        migrate(engine)
        engine.dispose()
        env = settings_environment(work, secrets.token_hex(16), database_url, redis_url)
        stored_before, queued_before = stored_and_queued(database_url, redis_url)
        idle_busy = machine_busy_now()

        results = {name: bench_target(name, args, env, work) for name in ("bare", "real")}

        met = report(args, database_url, idle_busy, results)
        stored, queued = stored_and_queued(database_url, redis_url)
        stored, queued = stored - stored_before, queued - queued_before
        answered = results["real"].ok_total
        print(f"real: {answered} texts answered 200, {stored} stored, {queued} processing jobs queued")
        if stored != answered:
            print("real: every text answered 200 must be stored: it was not", file=sys.stderr)
            met = False
        if args.keep:
            print(f"scratch directory kept: {work}")
        return 0 if met or not args.check else 1
    finally:
        if embedded is not None:
            embedded.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
