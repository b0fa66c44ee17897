"""Benchmark a seeker's "yes" to the first offer a peer gets, with 50 seekers saying yes at once.

The whole line runs as real processes (tests/e2e/line.py's `Line`): gunicorn web with the Twilio
stand-in, RQ workers for inbound texts (`--workers`), one for outbound texts, the sweeper and an
embedded Redis, on SQLite in a temporary directory (or a throwaway PostgreSQL, `--database-url`).
Sends are throttled at PEERLINE_SEND_RATE=500 a second per number, so the throttle is not what
is measured. `--peers` confirmed English-speaking peers for topic alcohol go straight into the
line's database (peers.register with the line's data key, confirmed: no welcome texts).

Each of `--seekers` phones texts "hi", "1", "1", "2", "1", "1" (English, yes, mood 2, alcohol, a
peer), each text once the line has answered the one before, until the story-sharing permission
question has come. When every seeker has it, all of them text "1" (yes, share) at once, one
thread each; for each seeker the time runs from just before its "1" is posted to the webhook
until the stand-in holds the first offer text ("A seeker would like to talk") sent to a peer for
that seeker: that is when a peer's phone would get it. Offers are mapped to seekers through the
database (offers -> peer_requests -> the seeker's contact, found by its phone's lookup hash);
the stand-in's timestamps are read from its own SQLite file, which is also how the run watches
for replies (polling the REST API from 50 threads would load the very web server being measured).

Baseline, same run, same processes: the time from a fresh phone's first "hi" to its welcome
reaching the stand-in, one phone at a time, and the seekers' own 50 "hi"s sent at once.

    .venv/bin/python bench/offer_latency.py [--seekers 50] [--peers 60] [--workers 2] [--keep]

Goal: p95 <= 2 s from "yes" to the first offer, with 50 seekers at once.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from anywhere: `service` and `tests` are importable from the checkout

from service.adapters import peers  # noqa: E402
from service.adapters.crypto import DataCipher  # noqa: E402
from service.adapters.db import Database, make_engine  # noqa: E402
from service.adapters.models import Contact, Offer, OutboundMessage, Peer, PeerRequest  # noqa: E402
from service.adapters.settings import SHIPPED_FLOWS  # noqa: E402
from service.adapters.topic_files import load_taxonomy  # noqa: E402
from tests.e2e.line import LINE_NUMBER, Line  # noqa: E402

GOAL_P95_S = 2.0
WELCOME = "Welcome to PeerLine"
PERMISSION = "A peer who has been through something similar can share"
LOOKING = "Thank you. We're finding a peer for you now"
OFFER = "A seeker would like to talk"
STEPS = ("1", "1", "2", "1", "1")  # after "hi": English, yes, mood 2, alcohol, a peer
SEND_RATE = "500"
STEP_TIMEOUT = 60.0
OFFER_TIMEOUT = 90.0  # well under the 2-minute offer time limit: no offer expires and goes round again
POLL_EVERY = 0.01


def phone(prefix: str, n: int) -> str:
    return f"+1{prefix}{n:04d}"  # 202-555-01xx and the like: numbers kept for fiction


# --- what the stand-in holds ----------------------------------------------------------------------------


@dataclass
class Received:
    body: str
    at: float  # the stand-in's timestamp (epoch seconds): when "Twilio" accepted it for sending


class Inbox:
    """Tails the stand-in's message store: every text the line sent, by recipient, as it lands."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.by_phone: dict[str, list[Received]] = {}
        self.changed = threading.Condition()
        self._last_id = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="inbox", daemon=True)
        self.error: BaseException | None = None
        self.last_problem: Exception | None = None

    def start(self) -> Inbox:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        db: sqlite3.Connection | None = None
        try:
            while not self._stop.is_set():
                if db is None and self.path.exists():
                    db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10.0)
                rows = []
                if db is not None:
                    try:
                        rows = db.execute(
                            "SELECT id, to_number, body, created FROM messages"
                            " WHERE id > ? AND direction != 'inbound' ORDER BY id",
                            (self._last_id,),
                        ).fetchall()
                    except sqlite3.OperationalError as error:  # the stand-in is still making its table
                        self.last_problem = error
                    if rows:
                        with self.changed:
                            for row_id, to, body, created in rows:
                                at = datetime.fromisoformat(created).replace(tzinfo=UTC).timestamp()
                                self.by_phone.setdefault(to, []).append(Received(body, at))
                                self._last_id = row_id
                            self.changed.notify_all()
                self._stop.wait(POLL_EVERY)
        except BaseException as error:  # surfaced by wait()
            self.error = error
            with self.changed:
                self.changed.notify_all()
        finally:
            if db is not None:
                db.close()

    def count(self, to: str) -> int:
        with self.changed:
            return len(self.by_phone.get(to, ()))

    def wait(self, to: str, found: Callable[[list[Received]], Received | None], timeout: float) -> Received:
        """The first text to this phone that `found` picks out of what it got so far, once it has come."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                if self.error is not None:
                    raise RuntimeError(f"reading the stand-in's store failed: {self.error!r}")
                hit = found(self.by_phone.get(to, []))
                if hit is not None:
                    return hit
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [r.body[:60] for r in self.by_phone.get(to, [])]
                    problem = f" (reading the stand-in: {self.last_problem!r})" if self.last_problem else ""
                    raise TimeoutError(f"{to}: nothing expected after {timeout:.0f} s; got {got}{problem}")
                self.changed.wait(left)

    def wait_for_all(
        self,
        phones: list[str],
        found: Callable[[list[Received]], Received | None],
        count: int,
        timeout: float,
    ) -> dict[str, Received]:
        """What `found` picks for each phone, once `count` of them have one (or the time is up)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                hits = {p: hit for p in phones if (hit := found(self.by_phone.get(p, []))) is not None}
                left = deadline - time.monotonic()
                if len(hits) >= count or left <= 0 or self.error is not None:
                    return hits
                self.changed.wait(left)


def first(prefix: str, after: int = 0) -> Callable[[list[Received]], Received | None]:
    return lambda got: next((r for r in got[after:] if r.body.startswith(prefix)), None)


def newer_than(count: int) -> Callable[[list[Received]], Received | None]:
    return lambda got: got[count] if len(got) > count else None


# --- the run --------------------------------------------------------------------------------------------


@dataclass
class Seeker:
    phone: str
    hi_at: float = 0.0
    welcome_at: float = 0.0
    yes_at: float = 0.0  # just before the "1" was posted
    yes_answered_at: float = 0.0  # the webhook's 200
    looking_at: float = 0.0  # "we're finding a peer" reached the stand-in
    offer_at: float = 0.0  # the first offer for this seeker reached the stand-in
    requested_at: float = 0.0  # database: the request was opened (the "1" processed)
    offer_sent_at: float = 0.0  # database: Offer.sent_at (the matching pass's clock)
    claimed_at: float = 0.0  # database: the sender claimed the offer text
    peer_phone: str = ""  # the peer who got this seeker's first offer


@dataclass
class Run:
    seekers: list[Seeker]
    single_hi: list[float] = field(default_factory=list)  # seconds, one fresh phone at a time
    errors: list[str] = field(default_factory=list)
    yes_spread: float = 0.0  # from the first "1" posted to the last


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)  # nearest rank
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def at_once(items: list[Seeker], work: Callable[[Seeker], None], errors: list[str]) -> None:
    """Run `work` for every item on its own thread, all released together."""
    gate = threading.Barrier(len(items))

    def one(item: Seeker) -> None:
        try:
            gate.wait(timeout=60)
            work(item)
        except Exception as error:
            errors.append(f"{item.phone}: {error!r}")

    threads = [threading.Thread(target=one, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def add_peers(line: Line, count: int) -> dict[int, str]:
    """Confirmed peers for alcohol, in English, written straight into the line's database."""
    engine = make_engine(line.database_url)
    db = Database(engine)
    cipher = DataCipher(line.env()["PEERLINE_DATA_KEY"])
    known = load_taxonomy(SHIPPED_FLOWS).ids()
    made: dict[int, str] = {}
    try:
        with db.session() as session:
            for n in range(count):
                number = phone("555444", 2000 + n)
                peer = peers.register(
                    session,
                    cipher,
                    name=f"Bench peer {n}",
                    phone=number,
                    topics=["alcohol"],
                    languages=["en"],
                    now=datetime.now(UTC),
                    known_topics=known,
                    confirmed=True,
                )
                made[peer.id] = number
    finally:
        engine.dispose()
    return made


def single_hi(line: Line, inbox: Inbox, first_number: int, count: int) -> list[float]:
    """One fresh phone at a time: "hi" to its welcome at the stand-in."""
    took = []
    for n in range(count):
        number = phone("202555", first_number + n)
        sent = time.time()
        line.text(number, "hi")
        took.append(inbox.wait(number, first(WELCOME), STEP_TIMEOUT).at - sent)
    return took


def bring_to_permission(line: Line, inbox: Inbox, seeker: Seeker) -> None:
    """Answer each question once the line has replied to the text before, up to the permission one."""
    for body in STEPS:
        seen = inbox.count(seeker.phone)
        line.text(seeker.phone, body)
        inbox.wait(seeker.phone, newer_than(seen), STEP_TIMEOUT)
    inbox.wait(seeker.phone, first(PERMISSION), STEP_TIMEOUT)


def from_database(line: Line, run: Run, peer_phones: dict[int, str]) -> None:
    """Per seeker: when its request opened, when the pass that offered it started, when the
    offer text was claimed for sending; and which peer got the seeker's first offer."""
    engine = make_engine(line.database_url)
    cipher = DataCipher(line.env()["PEERLINE_DATA_KEY"])
    try:
        with engine.connect() as connection:
            by_hash = {cipher.lookup_hash(s.phone): s for s in run.seekers}
            contact_of = {
                contact_id: by_hash[phone_hash]
                for contact_id, phone_hash in connection.execute(
                    select(Contact.id, Contact.phone_hash).where(Contact.phone_hash.in_(list(by_hash)))
                )
            }
            peer_contact = dict(connection.execute(select(Peer.id, Peer.contact_id)).all())
            claimed: dict[int, list[datetime]] = {}
            for contact_id, at in connection.execute(
                select(OutboundMessage.contact_id, OutboundMessage.claimed_at).where(
                    OutboundMessage.contact_id.in_(list(peer_contact.values()))
                )
            ):
                if at is not None:
                    claimed.setdefault(contact_id, []).append(at)
            rows = connection.execute(
                select(PeerRequest.seeker_id, PeerRequest.requested_at, Offer.peer_id, Offer.sent_at)
                .join(Offer, Offer.request_id == PeerRequest.id, isouter=True)
                .order_by(Offer.sent_at, Offer.id)
            ).all()
    finally:
        engine.dispose()
    offered: set[str] = set()
    for seeker_id, requested, peer_id, sent in rows:
        seeker = contact_of.get(seeker_id)
        if seeker is None:
            continue
        seeker.requested_at = requested.timestamp()
        if peer_id is None or seeker.phone in offered:
            continue
        offered.add(seeker.phone)
        seeker.offer_sent_at = sent.timestamp()
        times = sorted(claimed.get(peer_contact[peer_id], []))
        seeker.claimed_at = times[0].timestamp() if times else 0.0
        seeker.peer_phone = peer_phones.get(peer_id, "")


def bench(line: Line, args: argparse.Namespace) -> Run:
    peer_phones = add_peers(line, args.peers)
    inbox = Inbox(line.root / "var" / "dev-twilio" / "standin.sqlite3").start()
    run = Run([Seeker(phone("202555", 100 + n)) for n in range(args.seekers)])
    try:
        print("baseline: one fresh phone at a time...", file=sys.stderr, flush=True)
        warm_up = phone("202555", 100 + args.seekers)
        line.text(warm_up, "hi")  # the processes' first request and job are not measured
        inbox.wait(warm_up, first(WELCOME), STEP_TIMEOUT)
        run.single_hi = single_hi(line, inbox, 101 + args.seekers, args.single)

        print(f"{args.seekers} seekers: 'hi' at once...", file=sys.stderr, flush=True)

        def hi(seeker: Seeker) -> None:
            seeker.hi_at = time.time()
            line.text(seeker.phone, "hi")
            seeker.welcome_at = inbox.wait(seeker.phone, first(WELCOME), STEP_TIMEOUT).at

        at_once(run.seekers, hi, run.errors)
        print("... each up to the permission question...", file=sys.stderr, flush=True)
        at_once(run.seekers, lambda s: bring_to_permission(line, inbox, s), run.errors)
        if run.errors:
            return run
        time.sleep(args.settle)  # let the last sends and status callbacks finish: a quiet line

        print(f"... and all {args.seekers} say yes at once", file=sys.stderr, flush=True)

        def yes(seeker: Seeker) -> None:
            before = inbox.count(seeker.phone)
            seeker.yes_at = time.time()
            line.text(seeker.phone, "1")
            seeker.yes_answered_at = time.time()
            seeker.looking_at = inbox.wait(seeker.phone, first(LOOKING, before), OFFER_TIMEOUT).at

        at_once(run.seekers, yes, run.errors)
        run.yes_spread = max(s.yes_at for s in run.seekers) - min(s.yes_at for s in run.seekers)
        # Every peer gets one offer at most here (capacity 1, and none expires in the run), so
        # the first offer text to the peer a seeker was offered to is that seeker's offer. The
        # database is read once they have all come, so that reading it does not slow the line.
        offered = inbox.wait_for_all(list(peer_phones.values()), first(OFFER), args.seekers, OFFER_TIMEOUT)
        from_database(line, run, peer_phones)
        for seeker in run.seekers:
            if seeker.peer_phone in offered:
                seeker.offer_at = offered[seeker.peer_phone].at
            else:
                run.errors.append(f"{seeker.phone}: no offer at the stand-in within {OFFER_TIMEOUT:.0f} s")
    finally:
        inbox.stop()
    return run


# --- what the logs say ----------------------------------------------------------------------------------

JOB_DONE = re.compile(r"Successfully completed workers\.jobs\.(\w+)\(.*? job in (\d+):(\d+):(\d+(?:\.\d+)?)s")


def job_times(log_dir: Path) -> dict[str, list[float]]:
    """Seconds each kind of job took, from the workers' logs (RQ logs each job it completes)."""
    times: dict[str, list[float]] = {}
    for log in sorted(log_dir.glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            done = JOB_DONE.search(line)
            if done:
                h, m, s = int(done.group(2)), int(done.group(3)), float(done.group(4))
                times.setdefault(done.group(1), []).append(h * 3600 + m * 60 + s)
    return times


# --- report --------------------------------------------------------------------------------------------


def report(run: Run, args: argparse.Namespace, line: Line, database: str) -> bool:
    seekers = [s for s in run.seekers if s.offer_at and s.yes_at]
    latencies = [s.offer_at - s.yes_at for s in seekers]
    hi_all = [s.welcome_at - s.hi_at for s in run.seekers if s.welcome_at and s.hi_at]
    print()
    print(
        f"seeker's 'yes' -> first offer at the stand-in; {args.seekers} seekers at once, {args.peers} peers, "
        f"{args.workers} inbound worker(s) + 1 sender, send rate {SEND_RATE}/s a number, "
        f"{args.numbers} line number(s); {os.cpu_count()} CPUs, database {database}"
    )
    print(f"the {args.seekers} 'yes' texts were posted within {run.yes_spread * 1000:.0f} ms of each other")
    print()
    print(f"{'':<50} {'n':>4} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")

    def line_of(label: str, values: list[float]) -> None:
        print(
            f"{label:<50} {len(values):>4} {percentile(values, 50):>7.3f} {percentile(values, 95):>7.3f} "
            f"{max(values, default=float('nan')):>7.3f}"
        )

    line_of("baseline: 'hi' -> welcome, one phone at a time", run.single_hi)
    line_of(f"baseline: 'hi' -> welcome, {len(run.seekers)} phones at once", hi_all)
    line_of("'yes' -> 'finding a peer' reply to the seeker", [s.looking_at - s.yes_at for s in seekers])
    line_of("'yes' -> first offer at the stand-in (headline)", latencies)
    print("  where that time went (database clocks):")
    line_of("    'yes' posted -> webhook answered", [s.yes_answered_at - s.yes_at for s in seekers])
    line_of(
        "    'yes' posted -> request opened (text processed)", [s.requested_at - s.yes_at for s in seekers]
    )
    line_of(
        "    request opened -> the pass that offered it", [s.offer_sent_at - s.requested_at for s in seekers]
    )
    line_of(
        "    pass started -> offer text claimed by sender",
        [s.claimed_at - s.offer_sent_at for s in seekers if s.claimed_at],
    )
    line_of("    claimed -> at the stand-in", [s.offer_at - s.claimed_at for s in seekers if s.claimed_at])
    line_of(
        "  'yes' -> Offer.sent_at (offer queued, database)", [s.offer_sent_at - s.yes_at for s in seekers]
    )

    times = job_times(line.log_dir)
    if times:
        print()
        print(
            f"{'jobs, whole run (from the worker logs)':<40} {'n':>5} {'p50 s':>7} {'p95 s':>7} {'max s':>7}"
        )
        for name, values in sorted(times.items(), key=lambda item: -sum(item[1])):
            print(
                f"{name:<40} {len(values):>5} {percentile(values, 50):>7.3f} {percentile(values, 95):>7.3f} "
                f"{max(values):>7.3f}"
            )
    print()
    single = statistics.median(run.single_hi) if run.single_hi else float("nan")
    p95 = percentile(latencies, 95)
    print(
        f"ratios: 'yes' -> offer p95 / single 'hi' -> welcome p50: {p95 / single:.1f}x; "
        f"/ {len(hi_all)} at once 'hi' -> welcome p95: {p95 / percentile(hi_all, 95):.1f}x"
    )
    met = len(latencies) == len(run.seekers) and p95 <= GOAL_P95_S and not run.errors
    print(f"'yes' -> first offer p95: {p95:.3f} s  (goal <= {GOAL_P95_S:g} s: {'met' if met else 'MISSED'})")
    for error in run.errors[:10]:
        print(f"  error: {error}")
    return met


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, default=50, help="seekers who say yes at once (50)")
    parser.add_argument("--peers", type=int, default=60, help="confirmed peers for alcohol, English (60)")
    parser.add_argument(
        "--workers", type=int, default=2, help="RQ workers for inbound texts (2, as make dev)"
    )
    parser.add_argument("--numbers", type=int, default=1, help="the line's numbers (1)")
    parser.add_argument(
        "--single", type=int, default=5, help="fresh phones for the one-at-a-time baseline (5)"
    )
    parser.add_argument("--settle", type=float, default=2.0, help="seconds of quiet before the yes (2)")
    parser.add_argument(
        "--database-url",
        help="a throwaway PostgreSQL database (its public schema is dropped first); default: SQLite",
    )
    parser.add_argument("--keep", action="store_true", help="keep the run directory (logs, databases)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the goal is missed")
    args = parser.parse_args(argv)
    if args.seekers < 1 or args.peers < args.seekers or args.workers < 1 or not 1 <= args.numbers <= 4:
        parser.error("need --seekers >= 1, --peers >= --seekers, --workers >= 1 and 1 <= --numbers <= 4")
    if args.database_url and make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("--database-url is for PostgreSQL (SQLite is the default)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="peerline-offer-"))
    if args.database_url:
        engine = make_engine(args.database_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    database_url = args.database_url or f"sqlite:///{root / 'var' / 'peerline.db'}"
    numbers = [LINE_NUMBER, *(f"+1500555{n:04d}" for n in range(7, 7 + args.numbers - 1))]
    line = Line(
        root,
        database_url,
        settings={
            "PEERLINE_SEND_RATE": SEND_RATE,
            "PEERLINE_NUMBERS": ",".join(numbers),
            "PEERLINE_DEMO_PEERS": "0",
            "PEERLINE_LOG_LEVEL": "INFO",
        },
    )
    try:
        print(f"starting the line in {root} ...", file=sys.stderr, flush=True)
        line.start(workers=args.workers)
        run = bench(line, args)
        met = report(run, args, line, "PostgreSQL" if args.database_url else "SQLite")
        return 0 if met or not args.check else 1
    finally:
        line.stop()
        if args.keep:
            print(f"run directory kept: {root} (logs in {line.log_dir})")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
