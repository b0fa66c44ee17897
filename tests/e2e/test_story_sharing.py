"""The heart of the line, with real processes: a peer is registered with `peerline peers add` and
confirms by text; a seeker checks in, picks a topic and says yes; the right peer gets the offer,
accepts and shares; the seeker is invited and replies; #end (or LISTO) leads to the seeker's
closing and the peer's debrief. Neither phone ever sees the other's number."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.line import LINE_NUMBER, Line, wait_for

SEEKER, PEER, OTHER_PEER = "+15554440101", "+15554440201", "+15554440202"
CASES = {
    "en": {
        "peer": ("Sam", "alcohol,family", "en"),
        "other": ("Rita", "alcohol", "es"),  # speaks only Spanish: never offered an English seeker
        "seeker": ["hi", "1", "1", "2", "1", "1", "1"],  # English, yes, mood 2, alcohol, a peer, share
        "offer": "A seeker would like to talk: Alcohol",
        "share": "Two years ago I drank every night. What helped me was a Tuesday meeting. Today I'm sober.",
        "invite": "That's a bit of their story. Your turn",
        "reply": "I relapsed last week and I feel ashamed.",
        "end": ("#end", "Thank you for talking. How are you feeling now", "Thank you for being there."),
    },
    "es": {
        "peer": ("Lucía", "depression", "es,en"),
        "other": ("Omar", "depression", "en"),
        "seeker": ["hola", "2", "1", "2", "3", "1", "1"],  # Spanish, yes, mood 2, depression, a peer, share
        "offer": "Alguien quiere hablar: Depresión",
        "share": "Hace un año no podía levantarme. Lo que me ayudó fue hablar con alguien cada día.",
        "invite": "Eso fue un poco de su historia.",
        "reply": "Yo tampoco me puedo levantar.",
        "end": ("#fin", "Gracias por hablar. ¿Cómo te sientes ahora", "Gracias por estar ahí."),
    },
}


def add_peer(line: Line, phone: str, name: str, topics: str, languages: str) -> None:
    command = [sys.executable, "-m", "service.cli", "peers", "add", "--name", name, "--phone", phone]
    command += ["--topics", topics, "--languages", languages]
    done = subprocess.run(command, env=line.env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    wait_for(lambda: line.received_by(phone), 20, f"{name}'s welcome")
    line.text(phone, "ON" if languages.startswith("en") else "DISPONIBLE")
    confirmed = ("You're on.", "Estás disponible.")
    wait_for(lambda: line.received_by(phone)[-1].startswith(confirmed), 20, f"{name}'s confirmation")


def news(line: Line, phone: str, already: int, count: int = 1) -> list[str]:
    """The `count` texts this phone got after the first `already`, once they have all come."""
    return wait_for(
        lambda: (
            line.received_by(phone)[already:][:count]
            if len(line.received_by(phone)) >= already + count
            else None
        ),
        30,
        f"{count} text(s) to {phone}",
    )


@pytest.mark.parametrize("locale", ["en", "es"])
def test_a_seeker_and_a_peer_talk_through_the_line(line, locale):
    case = CASES[locale]
    add_peer(line, PEER, *case["peer"])
    add_peer(line, OTHER_PEER, *case["other"])
    peer_seen, other_seen = len(line.received_by(PEER)), len(line.received_by(OTHER_PEER))
    for body in case["seeker"]:
        line.text(SEEKER, body)
    [offer] = news(line, PEER, peer_seen)
    assert offer.startswith(case["offer"])
    line.text(PEER, "1")
    briefing = news(line, PEER, peer_seen + 1, 4)
    assert briefing[-1].endswith(("#end anytime to finish.", "#fin para terminar cuando quieras."))
    seeker_seen = len(line.received_by(SEEKER))
    line.text(PEER, case["share"])
    shared = news(line, SEEKER, seeker_seen, 2)
    assert shared[0] == case["share"] and shared[1].startswith(case["invite"])
    line.text(SEEKER, case["reply"])
    assert news(line, PEER, peer_seen + 5) == [case["reply"]]
    end_word, closing, debrief = case["end"]
    line.text(PEER, end_word)
    assert news(line, SEEKER, seeker_seen + 2, 2)[1].startswith(closing)
    assert news(line, PEER, peer_seen + 6, 2)[1].startswith(debrief)
    assert line.received_by(OTHER_PEER)[other_seen:] == []  # wrong language: never offered
    for phone in (SEEKER, PEER):  # everything came from the line's own number
        messages = line.twilio().messages.list(to=phone, limit=100)
        assert {m.from_ for m in messages} == {LINE_NUMBER}
        assert not any(other in m.body for m in messages for other in (SEEKER, PEER))
