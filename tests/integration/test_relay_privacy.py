"""Property: no text the line sends to one party of a relay ever holds the other party's number.

Many generated conversations (seeded, so a failure replays): random seekers and peers, peers
with room for two conversations on two line numbers, and random turns — plain words, each side
typing its own number in the ways people write numbers, pictures, DONE, #end, STOP. Every text
sent to anyone is then checked against the numbers of everyone they were paired with.
"""

from __future__ import annotations

import random
import re

import pytest

NUMBERS = ("+15005550006", "+15005550007")
CONVERSATIONS = 24
WORDS = (
    "I have been sober 90 days and today was hard",
    "What helped me was calling my sponsor every morning",
    "I feel like nobody gets it",
    "thanks for listening",
    "ok",
    "my daughter stopped talking to me",
)


def written(phone: str, rng: random.Random) -> str:
    """A number as people type it: +1 555-201-7788, (555) 201-7788, 555.201.7788, 5552017788..."""
    area, exchange, line = phone[2:5], phone[5:8], phone[8:]
    return rng.choice(
        [
            phone,
            f"+1 {area}-{exchange}-{line}",
            f"({area}) {exchange}-{line}",
            f"{area}.{exchange}.{line}",
            f"{area}{exchange}{line}",
            f"{area} {exchange} {line}",
        ]
    )


def turn(rng: random.Random, own: str) -> tuple[str, int]:
    """One text: (body, pictures)."""
    roll = rng.random()
    if roll < 0.25:
        return f"{rng.choice(['call me at', 'my cell is', 'text me', 'mi número es'])} {written(own, rng)}", 0
    if roll < 0.3:
        return "", 1
    return rng.choice(WORDS), 0


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.fixture
def phones(phones):
    phones.configure(numbers=NUMBERS)
    return phones


def test_no_party_ever_receives_the_other_partys_number(phones):
    rng = random.Random(20261125)
    peers = [f"+1555301{n:04d}" for n in range(1, 6)]
    for i, peer in enumerate(peers):
        phones.add_peer(peer, f"Peer {i}", "alcohol,drugs,depression", capacity=2)
    seekers = [f"+1555{rng.randrange(200, 999)}{rng.randrange(1000, 9999):04d}" for _ in range(CONVERSATIONS)]
    for seeker in seekers:
        phones.seeker_asks_for_a_peer(seeker, topic=rng.choice("123"), share=rng.choice("12"))
        offered = [p for p in peers if any(t.startswith("A seeker would like") for t in phones.read(p))]
        if not offered:
            continue  # every peer busy: the seeker was told honestly; nothing to relay
        peer = offered[0]
        relay_number = next(m.from_ for m in reversed(phones.runtime.sender.sent) if m.to == peer)
        phones.text(peer, "1", to=relay_number)
        for _ in range(rng.randrange(2, 8)):
            if rng.random() < 0.5:
                body, media = turn(rng, seeker)
                phones.text(seeker, body, media=media)
            else:
                body, media = turn(rng, peer)
                phones.text(peer, body, to=relay_number, media=media)
        ending = rng.choice(
            [(seeker, "DONE"), (peer, "#end"), (peer, "#end"), (seeker, "STOP"), (peer, "STOP")]
        )
        phones.text(ending[0], ending[1], to=relay_number if ending[0] == peer else NUMBERS[0])
        if rng.random() < 0.5:
            phones.text(seeker, "4", "2", "1")  # the closing questions
        if rng.random() < 0.5:
            phones.text(peer, "4", "2", to=relay_number)  # the debrief
        phones.runtime.clock.advance(minutes=15)
    phones.run()

    relays = phones.relays()
    assert len(relays) >= CONVERSATIONS // 2  # the generator really paired people up
    phone_of = {
        cid: phone for phone, cid in zip(seekers + peers, phones.contact_ids(*seekers, *peers), strict=True)
    }
    peer_phone = {p.id: phone_of[p.contact_id] for p in map(phones.peer, {r.peer_id for r in relays})}
    paired: dict[str, set[str]] = {}
    for relay in relays:
        seeker, peer = phone_of[relay.seeker_id], peer_phone[relay.peer_id]
        paired.setdefault(seeker, set()).add(peer)
        paired.setdefault(peer, set()).add(seeker)
    checked = 0
    for message in phones.runtime.sender.sent:
        assert message.from_ in NUMBERS  # always the line's own number
        for other in paired.get(message.to, ()):
            assert other not in message.body and other[2:] not in digits(message.body), message.body
            checked += 1
    assert checked > 200
