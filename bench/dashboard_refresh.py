"""Benchmark the dashboard's live refresh: what one open tab asks of the server every second.

Each live page (Queue, Conversations, Peers, Alerts, and one conversation's and one peer's page)
is fetched as live.js fetches it: GET with `X-Live: 1`, signed in, through Flask's test client on
the real app (`create_app(runtime=build_runtime(settings))`), and answers with its table only.
For each size a fresh database (a new SQLite file, or the PostgreSQL schema dropped and migrated
again) is filled with Core bulk inserts: peers with topics, shifts and load; open conversations
with real encrypted flow states, some seekers waiting (with pending offers), some talking with a
peer; alerts open, acknowledged and resolved, with encrypted notes and crisis hits; and the
history a line keeps (ended conversations, requests, relays, offers and texts in and out over 90
days). Phone numbers are encrypted with the runtime's DataCipher, found by its lookup hash.

The baselines, measured in the same rounds on the same app and database: GET /healthz (no query)
and GET /dashboard/ signed in (the guard's session lookup, then a redirect: no page query).
Every figure is also printed as a ratio to them.

    .venv/bin/python bench/dashboard_refresh.py [--runs 100] [--sizes small,large] [--profile]
                                                [--pages queue,peers] [--gc-freeze]
                                                [--database-url postgresql+psycopg://...]
                                                [--redis-url redis://...]

--profile adds, at the largest size, where each page's time goes (cProfile, by layer and by
function) and its SQL statements run one by one, slowest first, with the full-table scans in
their plans: that is how the findings in bench/README.md were made.

Goal: p95 of each live refresh <= 100 ms at the large size (500 waiting, 1,000 open conversations,
2,000 peers, 1,000 alerts listed, 200k texts each way and offers over 90 days) on SQLite, measured
in this single process (one tab at a time, no concurrency). `--check` exits 1 when it is missed.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import math
import pstats
import random
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import Engine, create_engine, event, insert, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from anywhere: `service` is importable from the checkout

from service.adapters import accounts  # noqa: E402
from service.adapters.alert_desk import NOTE_CONTEXT  # noqa: E402
from service.adapters.contacts import PHONE_CONTEXT  # noqa: E402
from service.adapters.conversation_rows import STATE_CONTEXT  # noqa: E402
from service.adapters.crypto import DataCipher  # noqa: E402
from service.adapters.embedded_redis import EmbeddedRedis  # noqa: E402
from service.adapters.intake import BODY_CONTEXT as INBOUND_BODY  # noqa: E402
from service.adapters.models import (  # noqa: E402
    Alert,
    Contact,
    Conversation,
    CrisisHit,
    InboundMessage,
    Offer,
    OutboundMessage,
    Peer,
    PeerRequest,
    PeerTopic,
    Relay,
)
from service.adapters.outbox import BODY_CONTEXT as OUTBOUND_BODY  # noqa: E402
from service.adapters.runtime import Runtime, build_runtime  # noqa: E402
from service.adapters.safety import REASONS_CONTEXT  # noqa: E402
from service.adapters.settings import load_settings  # noqa: E402
from service.web import create_app  # noqa: E402

GOAL_P95_MS = 100.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINE_NUMBER = "+15005550006"
BATCH = 5_000  # rows per executemany
SEEKER_FLOWS = ("first_contact", "check_in", "story_sharing")  # in the order a seeker goes through them
DAYS = 90  # how far back the history goes
TIMEZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
SHIFTS = ("", "", "", "mon-fri 18:00-22:00; sat,sun 10:00-14:00", "daily 07:00-09:00 19:00-23:00")
FIRST_NAMES = ("Alex", "Sam", "Jordan", "Maria", "José", "Taylor", "Chris", "Dana", "Lee", "Rosa", "Kim")
CATEGORIES = ("intent", "ideation", "plan", "means", "self_harm", "third_party")
NOTES = ("Called the seeker back; they are safe tonight.", "Texted resources.", "On it.")
BODIES = (
    "hi, is anyone there?",
    "I have been sober 40 days and tonight is hard",
    "thanks, that helped. talk tomorrow?",
    "A peer is with you now. Say hi whenever you like.",
)


@dataclass(frozen=True)
class Size:
    """What one line looks like: the live tables' rows, and the history behind them."""

    name: str
    waiting: int  # seekers waiting for a peer (each an open conversation)
    open_conversations: int
    peers: int
    alerts: int  # listed on the Alerts page: open, acknowledged, resolved in the last 24 h
    history: int  # texts in, texts out and offers over DAYS days; half as many ended conversations


SIZES = {
    "small": Size("small", waiting=20, open_conversations=50, peers=100, alerts=30, history=2_000),
    "medium": Size("medium", waiting=100, open_conversations=250, peers=500, alerts=200, history=20_000),
    "large": Size("large", waiting=500, open_conversations=1_000, peers=2_000, alerts=1_000, history=200_000),
}


# --- the data ----------------------------------------------------------------------------------------


def batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk(engine: Engine, table: Any, rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> int:
    """Insert rows with Core executemany, a batch per transaction; return how many."""
    count = 0
    for batch in batches(iter(rows)):
        with engine.begin() as connection:
            connection.execute(insert(table), batch)
        count += len(batch)
    return count


@dataclass
class Population:
    """What was put in the database, and what each live table should list."""

    size: Size
    expected: dict[str, int]  # page -> rows its live table should have
    conversation_id: int  # one with a peer, for the conversation page
    peer_id: int  # one available peer, for the peer page
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def flow_states(rt: Runtime, now: datetime) -> Callable[[str, str, dict[str, str]], tuple[str, bytes]]:
    """Real engine states (the flow started as the line starts it), moved to a given step: the
    conversations view decrypts and reads them as it reads the line's own."""
    flow_set = rt.flows.flow_set
    started = {
        name: rt.flows.engine.start(name, locale="en", channel="sms", now=now).state for name in SEEKER_FLOWS
    }

    def state(flow: str, step: str, values: dict[str, str]) -> tuple[str, bytes]:
        assert step in flow_set.flows[flow].steps, (flow, step)
        moved = replace(started[flow], step=step, values={**started[flow].values, **values})
        return flow_set.flows[flow].content_hash, rt.cipher.encrypt(moved.to_json(), STATE_CONTEXT)

    return state


def alert_rows(
    rng: random.Random,
    cipher: DataCipher,
    size: Size,
    now: datetime,
    coordinators: list[int],
    *,
    seekers: range,
    old_seeker: int,
    peers: list[int],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Alerts and their crisis hits: `size.alerts` listed (a quarter open, a quarter acknowledged,
    half resolved in the last day) about seekers in open conversations (contact id = conversation
    id + seekers.start - 1), and twice as many resolved long ago (not listed, but the listing
    reads past them)."""
    alerts: list[dict[str, Any]] = []
    hits: list[dict[str, Any]] = []
    kinds = ("crisis", "crisis", "waiting_too_long", "waiting_too_long", "no_peer", "peer_asks_coordinator")
    for n in range(1, size.alerts * 3 + 1):
        listed = n <= size.alerts
        kind = rng.choice(kinds)
        minutes = rng.uniform(1, 24 * 60) if listed else rng.uniform(2 * 24 * 60, DAYS * 24 * 60)
        created = now - timedelta(minutes=minutes)
        draw = rng.random() if listed else 1.0
        status = "open" if draw < 0.25 else "acknowledged" if draw < 0.5 else "resolved"
        conversation = rng.randint(1, len(seekers)) if listed else None
        contact_id = seekers[conversation - 1] if conversation else old_seeker
        peer_id = None
        if kind == "peer_asks_coordinator":  # about a peer, not a seeker
            peer_id, conversation = rng.choice(peers), None
        acknowledged = created + timedelta(minutes=rng.randint(1, 30)) if status != "open" else None
        resolved = min(now, (acknowledged or created) + timedelta(minutes=rng.randint(1, 60)))
        notes = []
        if acknowledged and rng.random() < 0.7:
            notes.append({"at": acknowledged.isoformat(), "by": coordinators[0], "action": "acknowledge"})
        if status == "resolved":
            notes.append({"at": resolved.isoformat(), "by": coordinators[-1], "action": "resolve"})
        for note in notes:
            note["text"] = rng.choice(NOTES)
        alerts.append(
            {
                "id": n,
                "kind": kind,
                "contact_id": None if peer_id else contact_id,
                "conversation_id": conversation,
                "peer_id": peer_id,
                "status": status,
                "created_at": created,
                "updated_at": resolved if status == "resolved" else acknowledged or created,
                "acknowledged_at": acknowledged,
                "acknowledged_by": coordinators[0] if acknowledged else None,
                "resolved_at": resolved if status == "resolved" else None,
                "resolved_by": coordinators[-1] if status == "resolved" else None,
                "note_cipher": cipher.encrypt(json.dumps(notes), NOTE_CONTEXT) if notes else None,
            }
        )
        if kind == "crisis":
            for _ in range(rng.randint(1, 2)):
                hits.append(
                    {
                        "id": len(hits) + 1,
                        "at": created - timedelta(seconds=rng.randint(1, 600)),
                        "contact_id": contact_id,
                        "party": "seeker",
                        "conversation_id": conversation,
                        "alert_id": n,
                        "categories": " ".join(rng.sample(CATEGORIES, rng.randint(1, 2))),
                        "reasons_cipher": cipher.encrypt(json.dumps(["(quoted words)"]), REASONS_CONTEXT),
                        "detector_version": "bench",
                    }
                )
    return alerts, hits


def populate(rt: Runtime, size: Size, coordinators: list[int], now: datetime, seed: int) -> Population:
    """Fill a migrated, empty database (but for the coordinators' accounts) for `size`."""
    started_clock = time.perf_counter()
    rng = random.Random(seed)
    cipher, engine = rt.cipher, rt.db.engine
    topics = rt.taxonomy.ids()
    state = flow_states(rt, now)
    hashes = {name: flow.content_hash for name, flow in rt.flows.flow_set.flows.items()}

    def ago(minutes_from: float, minutes_to: float) -> datetime:
        return now - timedelta(minutes=rng.uniform(minutes_from, minutes_to))

    peers, open_count, waiting = size.peers, size.open_conversations, size.waiting
    with_peer = min(open_count - waiting, max(1, (open_count - waiting) * 3 // 5))
    history_seekers = max(50, size.history // 10)
    seeker_base, history_base = peers, peers + open_count  # contact id = base + n (n from 1)
    contact_count = peers + open_count + history_seekers

    # Peers: 70% confirmed; of those most available, some paused, some off.
    confirmed = {p for p in range(1, peers + 1) if rng.random() < 0.7}
    status: dict[int, str] = {}
    for p in range(1, peers + 1):
        draw = rng.random()
        status[p] = "available" if p not in confirmed or draw < 0.75 else "paused" if draw < 0.85 else "off"
    available = [p for p in sorted(confirmed) if status[p] == "available"]
    rng.shuffle(available)
    talking = available[:with_peer]  # one conversation each: no two relays share a peer's number
    assert len(talking) == with_peer, "too few available peers for the conversations with a peer"

    def contacts() -> Iterator[dict[str, Any]]:
        for contact_id in range(1, contact_count + 1):
            phone = f"+1555{contact_id:07d}"  # 555: no real area code
            yield {
                "id": contact_id,
                "phone_hash": cipher.lookup_hash(phone),
                "phone_cipher": cipher.encrypt(phone, PHONE_CONTEXT),
                "locale": "es" if contact_id % 7 == 0 else "en",
                "opted_out": contact_id <= peers and contact_id % 97 == 0,
                "created_at": ago(60, (DAYS + 30) * 24 * 60),
                "consented_at": None if contact_id <= peers else ago(60, DAYS * 24 * 60),
            }

    def peer_rows() -> Iterator[dict[str, Any]]:
        for p in range(1, peers + 1):
            yield {
                "id": p,
                "contact_id": p,
                "name": f"{rng.choice(FIRST_NAMES)} {p:04d}",
                "languages": rng.choice(("en", "en", "en", "es", "en,es")),
                "capacity": rng.choice((1, 1, 2, 3)),
                "weekly_cap_minutes": rng.choice((12 * 60, 4 * 60, 20 * 60)),
                "timezone": rng.choice(TIMEZONES),
                "shifts": rng.choice(SHIFTS),
                "status": status[p],
                "paused_until": now + timedelta(hours=rng.randint(1, 72)) if status[p] == "paused" else None,
                "confirmed_at": ago(60 * 24, 300 * 24 * 60) if p in confirmed else None,
                "cooldown_until": now + timedelta(minutes=30) if rng.random() < 0.02 else None,
                "last_offered_at": ago(1, 7 * 24 * 60) if p in confirmed and rng.random() < 0.8 else None,
                "created_at": now - timedelta(days=rng.randint(30, 400)),
                "updated_at": now - timedelta(days=1),
            }

    def peer_topics() -> Iterator[dict[str, Any]]:
        for p in range(1, peers + 1):
            for topic in rng.sample(topics, rng.randint(2, 4)):
                yield {"peer_id": p, "topic": topic, "offerable": p in confirmed and status[p] == "available"}

    conversations: list[dict[str, Any]] = []
    requests: list[dict[str, Any]] = []
    relays: list[dict[str, Any]] = []
    offers: list[dict[str, Any]] = []
    inbound: list[dict[str, Any]] = []
    outbound: list[dict[str, Any]] = []
    bodies_in = [cipher.encrypt(body, INBOUND_BODY) for body in BODIES]
    bodies_out = [cipher.encrypt(body, OUTBOUND_BODY) for body in BODIES]

    def offer(request_id: int, peer_id: int, sent: datetime, offer_status: str) -> None:
        offers.append(
            {
                "id": len(offers) + 1,
                "request_id": request_id,
                "peer_id": peer_id,
                "line_number": LINE_NUMBER,
                "status": offer_status,
                "sent_at": sent,
                "expires_at": sent + timedelta(minutes=2),
                "answered_at": None if offer_status == "pending" else sent + timedelta(seconds=40),
            }
        )

    def texts(contact_id: int, since: datetime, until: datetime, count: int, kind: str = "reply") -> None:
        """`count` texts in and as many out, between the two moments."""
        span = max((until - since).total_seconds(), 1.0)
        for _ in range(count):
            at = since + timedelta(seconds=rng.uniform(0, span))
            inbound.append(
                {
                    "id": len(inbound) + 1,
                    "twilio_sid": f"SM{len(inbound) + 1:032x}",
                    "contact_id": contact_id,
                    "line_number": LINE_NUMBER,
                    "body_cipher": rng.choice(bodies_in),
                    "num_media": 0,
                    "received_at": at,
                    "processed_at": at + timedelta(milliseconds=300),
                    "processing_attempts": 1,
                    "failed": False,
                }
            )
            sent = at + timedelta(seconds=2)
            outbound.append(
                {
                    "id": len(outbound) + 1,
                    "contact_id": contact_id,
                    "line_number": LINE_NUMBER,
                    "body_cipher": rng.choice(bodies_out),
                    "kind": kind,
                    "status": "delivered",
                    "twilio_sid": f"SM{len(outbound) + 1:032x}b",
                    "attempts": 1,
                    "created_at": sent,
                    "next_attempt_at": sent,
                    "claimed_at": sent,
                    "updated_at": sent + timedelta(seconds=3),
                }
            )

    # Open conversations: 1..waiting wait for a peer, then `with_peer` talk with one, the rest
    # are in first contact, the check-in or choosing story or listening.
    for n in range(1, open_count + 1):
        contact_id, topic = seeker_base + n, rng.choice((*topics, ""))
        began = ago(5, 180)
        values = {"mood": str(rng.randint(1, 5)), "topic": topic}
        if n <= waiting + with_peer:
            flow = "story_sharing"
            step = rng.choice(("looking", "finding")) if n <= waiting else "exchange"
        else:
            flow, step = rng.choice(
                (("first_contact", "consent"), ("check_in", "mood"), ("story_sharing", "permission"))
            )
        content_hash, state_cipher = state(flow, step, values)
        conversations.append(
            {
                "id": n,
                "contact_id": contact_id,
                "flow": flow,
                "content_hash": content_hash,
                "flows_run": " ".join(
                    f"{f}@{hashes[f]}" for f in SEEKER_FLOWS[: SEEKER_FLOWS.index(flow) + 1]
                ),
                "channel": "sms",
                "line_number": LINE_NUMBER,
                "state_cipher": state_cipher,
                "urgent": rng.random() < 0.05,
                "started_at": began,
                "updated_at": began + (now - began) / 2,
                "ended_at": None,
                "end_reason": None,
            }
        )
        texts(contact_id, began, now, rng.randint(3, 8))
        if n > waiting + with_peer:
            continue
        asked = began + (now - began) / 3
        peer_id = talking[n - waiting - 1] if n > waiting else None
        refusals = rng.choice((0, 0, 1, 2)) if n <= waiting else 0
        requests.append(
            {
                "id": n,
                "conversation_id": n,
                "seeker_id": contact_id,
                "topic": topic,
                "language": "en",
                "mood": values["mood"],
                "urgent": rng.random() < 0.05,
                "status": "waiting" if peer_id is None else "matched",
                "widened": refusals > 1,
                "offers_made": refusals + (peer_id is not None),
                "refusals": refusals,
                "matched_peer_id": peer_id,
                "requested_at": asked,
                "resolved_at": None if peer_id is None else asked + timedelta(minutes=2),
            }
        )
        for _ in range(refusals):
            offer(
                n, rng.choice(available), asked + timedelta(seconds=10), rng.choice(("declined", "expired"))
            )
        if peer_id is None:
            if rng.random() < 0.4:
                offer(n, rng.choice(available), now - timedelta(seconds=rng.randint(5, 100)), "pending")
            continue
        offer(n, peer_id, asked + timedelta(seconds=20), "accepted")
        relays.append(
            {
                "id": len(relays) + 1,
                "conversation_id": n,
                "request_id": n,
                "seeker_id": contact_id,
                "peer_id": peer_id,
                "seeker_number": LINE_NUMBER,
                "peer_number": LINE_NUMBER,
                "topic": topic,
                "started_at": asked + timedelta(minutes=2),
                "ended_at": None,
                "end_reason": None,
                "crisis": False,
                "seeker_chars": 0,
                "peer_chars": 0,
                "tips_given": "",
                "mood_before": int(values["mood"]),
                "mood_after": None,
                "relevance": None,
            }
        )
        texts(peer_id, asked + timedelta(minutes=2), now, rng.randint(2, 6), "relay")

    # History: ended conversations over DAYS days, each with a request; most got a peer.
    ended = size.history // 2
    everyone_confirmed = sorted(confirmed)
    for n in range(open_count + 1, open_count + ended + 1):
        contact_id = history_base + rng.randint(1, history_seekers)
        began = ago(60, DAYS * 24 * 60)
        finished = began + timedelta(minutes=rng.randint(10, 90))
        content_hash, kept_state = "0" * 32, None  # retention purged the state of the older ones
        if now - finished < timedelta(days=30):
            content_hash, kept_state = state("story_sharing", "to_closing", {})
        conversations.append(
            {
                "id": n,
                "contact_id": contact_id,
                "flow": "story_sharing",
                "content_hash": content_hash,
                "flows_run": "",
                "channel": "sms",
                "line_number": LINE_NUMBER,
                "state_cipher": kept_state,
                "urgent": False,
                "started_at": began,
                "updated_at": finished,
                "ended_at": finished,
                "end_reason": "done",
            }
        )
        matched = rng.random() < 0.8
        peer_id = rng.choice(everyone_confirmed) if matched else None
        requests.append(
            {
                "id": n,
                "conversation_id": n,
                "seeker_id": contact_id,
                "topic": rng.choice(topics),
                "language": "en",
                "mood": str(rng.randint(1, 5)),
                "urgent": False,
                "status": "matched" if matched else rng.choice(("no_peer", "cancelled")),
                "widened": False,
                "offers_made": 1,
                "refusals": 0,
                "matched_peer_id": peer_id,
                "requested_at": began + timedelta(minutes=3),
                "resolved_at": began + timedelta(minutes=5),
            }
        )
        if peer_id is not None:
            offer(n, peer_id, began + timedelta(minutes=4), "accepted")
            relays.append(
                {
                    "id": len(relays) + 1,
                    "conversation_id": n,
                    "request_id": n,
                    "seeker_id": contact_id,
                    "peer_id": peer_id,
                    "seeker_number": LINE_NUMBER,
                    "peer_number": LINE_NUMBER,
                    "topic": requests[-1]["topic"],
                    "started_at": began + timedelta(minutes=5),
                    "ended_at": finished,
                    "end_reason": "seeker_done",
                    "crisis": False,
                    "seeker_chars": rng.randint(100, 3000),
                    "peer_chars": rng.randint(100, 3000),
                    "tips_given": "",
                    "mood_before": rng.randint(1, 5),
                    "mood_after": rng.randint(1, 5),
                    "relevance": rng.choice((1, 2, 3, 3)) if rng.random() < 0.7 else None,
                }
            )
    history_requests = range(open_count + 1, open_count + ended + 1)
    while len(offers) < size.history:  # the offers nobody took: declined, let expire, taken
        request_id = rng.choice(history_requests)
        offer(request_id, rng.choice(everyone_confirmed), ago(60, DAYS * 24 * 60), "declined")
        offers[-1]["status"] = rng.choice(("declined", "declined", "expired", "taken"))
    history_texts = size.history - len(inbound)
    for _ in range(max(0, history_texts)):  # texts one at a time: a seeker's, or a peer's in a relay
        seeker = rng.random() < 0.7
        contact_id = (
            history_base + rng.randint(1, history_seekers) if seeker else rng.choice(everyone_confirmed)
        )
        at = ago(60, DAYS * 24 * 60)
        texts(contact_id, at, at, 1, "reply" if seeker else "relay")

    alerts, hits = alert_rows(
        rng,
        cipher,
        size,
        now,
        coordinators,
        seekers=range(seeker_base + 1, seeker_base + open_count + 1),
        old_seeker=history_base + 1,
        peers=everyone_confirmed,
    )

    rows: dict[str, int] = {}
    rows["contacts"] = bulk(engine, Contact, contacts())
    rows["peers"] = bulk(engine, Peer, peer_rows())
    rows["peer_topics"] = bulk(engine, PeerTopic, peer_topics())
    for table, name, made in (
        (Conversation, "conversations", conversations),
        (PeerRequest, "peer_requests", requests),
        (Relay, "relays", relays),
        (Offer, "offers", offers),
        (InboundMessage, "inbound_messages", inbound),
        (OutboundMessage, "outbound_messages", outbound),
        (Alert, "alerts", alerts),
        (CrisisHit, "crisis_hits", hits),
    ):
        rows[name] = bulk(engine, table, made)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for name in rows:  # explicit ids were inserted: move each id sequence past them
                if name != "peer_topics":
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"  # noqa: S608 - our own table names
                    )
            connection.exec_driver_sql("ANALYZE")  # what autovacuum would soon have done after such a load
    return Population(
        size=size,
        expected={
            "queue": waiting,
            "conversations": open_count,
            "peers": peers,
            "alerts": size.alerts,
            "conversation": 1,
            "peer": 1,
        },
        conversation_id=waiting + 1,
        peer_id=talking[0],
        rows=rows,
        seconds=time.perf_counter() - started_clock,
    )


# --- the line under test -------------------------------------------------------------------------------


def fresh_database(url: str | None, work: Path, name: str) -> str:
    """A URL to an empty database: a new SQLite file, or the PostgreSQL schema dropped and made again."""
    if url is None:
        return f"sqlite:///{work / f'{name}.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def line_runtime(work: Path, database_url: str, redis_url: str) -> Runtime:
    """The runtime `peerline web` would build, with test settings (as tests/conftest.py makes them)."""
    environ = {
        "PEERLINE_ENV": "test",
        "PEERLINE_DATA_DIR": str(work / "var"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "PEERLINE_NUMBERS": LINE_NUMBER,
        "PUBLIC_BASE_URL": "https://line.example.org",
        "PEERLINE_SECRET_KEY": secrets.token_hex(16),
        "PEERLINE_DATA_KEY": secrets.token_hex(16),
        "PEERLINE_SEND_RATE": "1000",
    }
    return build_runtime(load_settings(environ=environ, env_file=None))


def make_accounts(rt: Runtime, password: str) -> list[int]:
    """Three coordinators: the first signs in (a supervisor); the others handled alerts."""
    with rt.db.session() as session:
        return [
            accounts.create(session, email=email, role=role, password=password, now=rt.clock()).id
            for email, role in (
                ("bench-supervisor@example.org", "supervisor"),
                ("bench-coordinator@example.org", "coordinator"),
                ("bench-admin@example.org", "admin"),
            )
        ]


def sign_in(client: Any, email: str, password: str) -> None:
    """As a browser signs in: the login form, its CSRF token, the post (tests/support/dashboard.py)."""
    page = client.get("/dashboard/login").get_data(as_text=True)
    found = CSRF.search(page)
    assert found, "no CSRF token on the login page"
    answer = client.post(
        "/dashboard/login", data={"email": email, "password": password, "csrf_token": found.group(1)}
    )
    assert answer.status_code == 302 and "/login" not in answer.location, "sign-in failed"


# --- timing --------------------------------------------------------------------------------------------


class FullCollections:
    """Counts the garbage collector's full (generation 2) collections and how long they took."""

    def __init__(self) -> None:
        self.pauses_ms: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses_ms.append((time.perf_counter() - self._started) * 1e3)

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    marker: str  # counted in the answer: one per row of its live table
    live: bool = True  # sent with X-Live: 1 (GET /healthz is not)
    status: int = 200
    baseline: bool = False


@dataclass
class Figure:
    page: Page
    latencies_ms: list[float] = field(default_factory=list)
    rows: int = 0
    kilobytes: float = 0.0
    statements: int = 0  # SQL statements one refresh runs
    transactions: int = 0  # database sessions it opens
    spent: float = 0.0  # seconds measured so far

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)  # nearest rank
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


BASELINES = (
    Page("healthz (no query)", "/healthz", "", live=False, baseline=True),
    Page("signed in, no page query", "/dashboard/", "", status=302, baseline=True),
)


LIVE_PAGES = ("queue", "conversations", "peers", "alerts", "conversation", "peer")


def live_pages(population: Population, names: list[str]) -> tuple[Page, ...]:
    pages = (
        Page("queue", "/dashboard/queue", 'data-request="'),
        Page("conversations", "/dashboard/conversations", 'data-conversation="'),
        Page("peers", "/dashboard/peers", 'data-peer="'),
        Page("alerts", "/dashboard/alerts", 'data-alert="'),
        Page(
            "conversation",
            f"/dashboard/conversations/{population.conversation_id}",
            'id="conversation-facts"',
        ),
        Page("peer", f"/dashboard/peers/{population.peer_id}", 'id="peer-facts"'),
    )
    return tuple(page for page in pages if page.name in names)


def fetch(client: Any, page: Page) -> Any:
    return client.get(page.path, headers={"X-Live": "1"} if page.live else {})


def check(client: Any, engine: Engine, page: Page, expected: int | None) -> Figure:
    """One unmeasured fetch: the answer is right (status, rows), and its size and query count."""
    counts = {"statements": 0, "transactions": 0}

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if not sql.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE is a transaction, counted below
            counts["statements"] += 1

    def transaction(*_: Any) -> None:
        counts["transactions"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", transaction)
    try:
        answer = fetch(client, page)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", transaction)
    body = answer.get_data(as_text=True)
    assert answer.status_code == page.status, (page.path, answer.status_code, body[:300])
    figure = Figure(
        page,
        rows=body.count(page.marker) if page.marker else 0,
        statements=counts["statements"],
        transactions=counts["transactions"],
    )
    figure.kilobytes = len(answer.get_data()) / 1024
    if expected is not None and figure.rows != expected:
        raise AssertionError(
            f"{page.path}: {figure.rows} rows, expected {expected}: the data is not as meant"
        )
    return figure


def measure(
    client: Any,
    engine: Engine,
    pages: tuple[Page, ...],
    expected: dict[str, int],
    args: argparse.Namespace,
    collections: FullCollections,
) -> list[Figure]:
    """Round after round, each page fetched once (the baselines too), so that all see the same
    moments of the machine. A page stops once it has `--runs` runs, or has used `--page-seconds`
    and has at least `--min-runs`; the first `--warmup` rounds are not counted."""
    figures = [check(client, engine, page, expected.get(page.name)) for page in pages]
    for _ in range(args.warmup):
        for page in pages:
            fetch(client, page)
    collections.pauses_ms.clear()
    while True:
        going = [
            f
            for f in figures
            if len(f.latencies_ms) < args.runs
            and (f.spent < args.page_seconds or len(f.latencies_ms) < args.min_runs)
        ]
        if all(f.page.baseline for f in going):
            return figures
        for figure in going:
            started = time.perf_counter()
            answer = fetch(client, figure.page)
            took = time.perf_counter() - started
            assert answer.status_code == figure.page.status, (figure.page.path, answer.status_code)
            figure.latencies_ms.append(took * 1e3)
            figure.spent += took


OTHER = "Python built-ins and the rest"
PROFILE_PARTS = (  # where a function's own time is counted, first match wins
    ("database driver (sqlite3 / psycopg, and waiting for the database)", ("sqlite3", "psycopg")),
    (
        "templates (Jinja, markupsafe escaping, url_for, csrf_token)",
        ("jinja2", ".html", "markupsafe", "routing"),
    ),
    ("SQLAlchemy ORM (entities, identity map, session)", ("sqlalchemy/orm/",)),
    ("SQLAlchemy Core (compile cache, result rows)", ("sqlalchemy/",)),
    ("decrypting (AES-GCM: phones, states, notes)", ("AESGCM", "cryptography", "adapters/crypto.py")),
    ("models.UTCDateTime (every datetime read)", ("adapters/models.py",)),
    ("the views (service/adapters/*)", ("service/adapters/",)),
    ("core (shifts, on_shift)", ("service/core/",)),
    ("Flask / Werkzeug / the test client", ("flask", "werkzeug")),
)


def statements(client: Any, engine: Engine, page: Page) -> list[tuple[float, str, list[str]]]:
    """The SQL one refresh runs, each run again alone (best of 3, rows fetched) with the scans its
    plan does over whole tables: (ms, statement, scans), slowest first."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        if not sql.startswith("BEGIN"):
            captured.append((sql, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        fetch(client, page)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    sqlite = engine.dialect.name == "sqlite"
    timed = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for sql, parameters in captured:
            best = math.inf
            for _ in range(3):
                started = time.perf_counter()
                cursor.execute(sql, parameters)
                cursor.fetchall()
                best = min(best, time.perf_counter() - started)
            cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql, parameters)
            plan = [str(row[-1] if sqlite else row[0]).strip() for row in cursor.fetchall()]
            scans = [
                step
                for step in plan
                if (step.startswith("SCAN") and "CONSTANT ROW" not in step) or "Seq Scan" in step
            ]
            timed.append((best * 1e3, sql, scans))
        raw.rollback()
    finally:
        raw.close()
    return sorted(timed, key=lambda t: -t[0])


def profile(client: Any, engine: Engine, pages: tuple[Page, ...], runs: int) -> str:
    """cProfile over `runs` live refreshes of each page: where the time goes, by layer and function;
    then its slowest SQL statements, each run alone, with their full-table scans."""
    out = io.StringIO()
    for page in pages:
        profiler = cProfile.Profile()

        def refreshes(page: Page = page) -> None:
            for _ in range(runs):
                fetch(client, page)

        profiler.runcall(refreshes)
        stats = pstats.Stats(profiler, stream=out)
        raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
        parts: dict[str, float] = {}
        total = 0.0
        for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
            where = f"{filename}:{name}"
            part = next((label for label, keys in PROFILE_PARTS if any(k in where for k in keys)), OTHER)
            parts[part] = parts.get(part, 0.0) + tottime
            total += tottime
        out.write(f"\n=== cProfile: {page.name} ({page.path}), {runs} live refreshes, own time by layer:\n")
        for part, seconds in sorted(parts.items(), key=lambda item: -item[1]):
            out.write(f"  {seconds / total:>4.0%}  {seconds / runs * 1e3:>7.2f} ms/refresh  {part}\n")
        out.write("\n")
        stats.sort_stats("tottime").print_stats(12)
        stats.sort_stats("cumulative").print_stats(r"service/", 12)
        timed = statements(client, engine, page)
        out.write(f"SQL of one refresh, each statement alone: {sum(t[0] for t in timed):.1f} ms in all\n")
        for ms, sql, scans in timed[:4]:
            out.write(f"  {ms:>7.2f} ms  {' '.join(sql.split())[:300]}\n")
            for scan in scans:
                out.write(f"             full scan: {scan}\n")
    return out.getvalue()


# --- report --------------------------------------------------------------------------------------------


@dataclass
class Measured:
    population: Population
    figures: list[Figure]
    gc_pauses_ms: list[float]
    others_busy: float  # share of the machine's CPU that other processes used while measuring


class OthersBusy:
    """How much of the machine other processes used meanwhile: their load makes figures noisy."""

    def __enter__(self) -> OthersBusy:
        self.process = psutil.Process()
        psutil.cpu_percent(None)
        self.own, self.started, self.share = self._own(), time.perf_counter(), 0.0
        return self

    def _own(self) -> float:
        times = self.process.cpu_times()
        return float(times.user + times.system)

    def __exit__(self, *_: object) -> None:
        machine = psutil.cpu_percent(None) / 100
        wall = time.perf_counter() - self.started
        own = (self._own() - self.own) / wall / (psutil.cpu_count() or 1)
        self.share = max(0.0, machine - own)


def report(results: list[Measured], args: argparse.Namespace, database: str, busy: float) -> bool:
    print()
    print(
        f"live refresh = GET with X-Live: 1, signed in, Flask test client on the real app; database "
        f"{database}; up to {args.runs} runs per page (or --page-seconds {args.page_seconds:g} s, at least "
        f"{args.min_runs}) after {args.warmup} warm-up rounds; machine busy before the run: {busy:.0%}"
        + ("; gc.freeze() after the app was built" if args.gc_freeze else "")
    )
    print(
        "times in ms; rows: rows in the answer's table; KB: its size; q: SQL statements per refresh\n"
        "(BEGIN not counted), tx: database transactions it opens; n: refreshes measured; /health, /signed:\n"
        "p95 over the p95 of GET /healthz and of GET /dashboard/ signed in (the baselines)"
    )
    met = True
    for result in results:
        size = result.population.size
        print()
        print(
            f"{size.name}: {size.waiting:,} waiting, {size.open_conversations:,} open conversations, "
            f"{size.peers:,} peers, {size.alerts:,} alerts listed, {size.history:,} texts each way and "
            f"offers over {DAYS} days (filled in {result.population.seconds:.0f} s)"
        )
        health, signed = (result.figures[0].percentile(95), result.figures[1].percentile(95))
        print(
            f"  {'page':<26} {'rows':>5} {'KB':>7} {'q':>3} {'tx':>2} {'n':>4} {'p50':>8} {'p95':>8}"
            f" {'p99':>8} {'/health':>8} {'/signed':>8}"
        )
        for figure in result.figures:
            p95 = figure.percentile(95)
            rows = "-" if figure.page.baseline else f"{figure.rows:,}"
            print(
                f"  {figure.page.name:<26} {rows:>5} {figure.kilobytes:>7.1f} {figure.statements:>3}"
                f" {figure.transactions:>2} {len(figure.latencies_ms):>4} {figure.percentile(50):>8.2f}"
                f" {p95:>8.2f} {figure.percentile(99):>8.2f} {p95 / health:>7.1f}x {p95 / signed:>7.1f}x"
            )
        pauses = result.gc_pauses_ms
        if pauses:
            print(
                f"  full garbage collections while measuring: {len(pauses)}, {statistics.median(pauses):.0f}"
                f" ms median, {max(pauses):.0f} ms longest (each lands in whichever request is running)"
            )
        print(f"  other processes used {result.others_busy:.0%} of the machine's CPU while measuring")
    largest = results[-1]
    print()
    print(
        f"goal: p95 <= {GOAL_P95_MS:g} ms for each live refresh at the large size on SQLite; "
        f"here: {largest.population.size.name} on {database}"
    )
    for figure in largest.figures:
        if figure.page.baseline:
            continue
        ok = figure.percentile(95) <= GOAL_P95_MS
        met = met and ok
        print(
            f"{largest.population.size.name} {figure.page.name:<14} p95 {figure.percentile(95):>8.2f} ms"
            f" (goal <= {GOAL_P95_MS:g} ms: {'met' if ok else 'MISSED'})"
        )
    return met


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="small,large", help=f"comma-separated, of {', '.join(SIZES)} (small,large)"
    )
    parser.add_argument("--runs", type=int, default=100, help="measured refreshes per page, at most (100)")
    parser.add_argument(
        "--page-seconds",
        type=float,
        default=8.0,
        help="a page stops once it has been measured this long and has --min-runs (8)",
    )
    parser.add_argument("--min-runs", type=int, default=10, help="measured refreshes per page, at least (10)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured rounds before them (3)")
    parser.add_argument(
        "--database-url",
        help="a throwaway PostgreSQL database (its public schema is dropped and made again for each size);"
        " default: a new SQLite file per size in a temporary directory",
    )
    parser.add_argument(
        "--redis-url", help="a Redis for the app (only sign-in uses it); default: an embedded one"
    )
    parser.add_argument(
        "--pages",
        default=",".join(LIVE_PAGES),
        help=f"live pages to time, comma-separated ({','.join(LIVE_PAGES)})",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed for the data (7)")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the live refreshes at the largest size, and print it"
    )
    parser.add_argument("--profile-runs", type=int, default=5, help="refreshes per page for --profile (5)")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() once the app is built, as workers/main.py does (the web process does not yet)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (SQLite files)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the goal is missed")
    args = parser.parse_args(argv)
    names = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in names if s not in SIZES]
    if not names or unknown:
        parser.error(f"--sizes takes names from {', '.join(SIZES)}, not {', '.join(unknown) or 'nothing'}")
    args.sizes = [SIZES[s] for s in names]
    args.pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    if not args.pages or set(args.pages) - set(LIVE_PAGES):
        parser.error(f"--pages takes names from {', '.join(LIVE_PAGES)}")
    if min(args.runs, args.min_runs, args.profile_runs) < 1 or args.warmup < 0:
        parser.error("need --runs, --min-runs and --profile-runs >= 1 and --warmup >= 0")
    if args.database_url and make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("--database-url is for PostgreSQL (SQLite is the default)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="peerline-dashboard-"))
    embedded = None
    redis_url = args.redis_url
    if redis_url is None:
        embedded = EmbeddedRedis(work / "redis")
        redis_url = embedded.start()
    database = "PostgreSQL" if args.database_url else "SQLite"
    busy = psutil.cpu_percent(interval=1.0) / 100
    password = secrets.token_urlsafe(18)
    results: list[Measured] = []
    notes: list[str] = []
    try:
        for size in args.sizes:
            url = fresh_database(args.database_url, work, f"dashboard-{size.name}")
            rt = line_runtime(work / size.name, url, redis_url)
            try:
                coordinators = make_accounts(rt, password)
                population = populate(rt, size, coordinators, rt.clock(), args.seed)
                print(
                    f"{size.name}: filled in {population.seconds:.1f} s "
                    f"({', '.join(f'{n:,} {t}' for t, n in population.rows.items())})",
                    file=sys.stderr,
                    flush=True,
                )
                client = create_app(runtime=rt).test_client()
                if args.gc_freeze:
                    gc.collect()
                    gc.freeze()  # the runtime, the app and the detector stay out of full collections
                sign_in(client, "bench-supervisor@example.org", password)
                pages = (*BASELINES, *live_pages(population, args.pages))
                with FullCollections() as collections, OthersBusy() as others:
                    figures = measure(client, rt.db.engine, pages, population.expected, args, collections)
                results.append(Measured(population, figures, collections.pauses_ms, others.share))
                if args.profile and size is args.sizes[-1]:
                    notes.append(
                        profile(client, rt.db.engine, live_pages(population, args.pages), args.profile_runs)
                    )
            finally:
                rt.close()
                gc.unfreeze()
        met = report(results, args, database, busy)
        for note in notes:
            print(note)
        return 0 if met or not args.check else 1
    finally:
        if embedded is not None:
            embedded.stop()
        if args.keep:
            print(f"temporary directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
