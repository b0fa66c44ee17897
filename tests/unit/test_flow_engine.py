"""The pure engine on a small flow: answers, invalid answers, timeouts (late ones too), handoffs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.core.flow_engine import (
    CrisisDetected,
    Ended,
    Engine,
    Forward,
    HandOff,
    Remember,
    ScheduleTimeout,
    Send,
)
from service.core.flow_model import Text
from service.core.flow_reader import parse_flow

NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
SHARED = {
    "crisis_resources": Text(
        {"en": "Call or text 988.", "es": "Llama o escribe al 988."}, name="crisis_resources"
    ),
    "crisis_peer_guidance": Text({"en": "Stay with them.", "es": "Quédate."}, name="crisis_peer_guidance"),
}


def t(en: str, es: str | None = None) -> dict:
    return {"text": {"en": en, "es": es or f"es: {en}"}}


MOOD_FLOW = {
    "spec": 1,
    "flow": "mood",
    "start": "mood",
    "remember": ["mood"],
    "placeholders": {"mood": {"max_length": 1, "gsm": True}},
    "interrupts": [{"words": ["DONE", "LISTO"], "goto": "bye"}],
    "steps": {
        "mood": {
            "ask": t("How are you, 1-5?"),
            "answer": {"number": {"min": 1, "max": 5}},
            "save": "mood",
            "next": "peer",
            "invalid": {"say": t("Please reply 1 to 5."), "retries": 1, "then": "bye"},
            "timeout": {"after": "1h", "remind": t("Still there?"), "then": "bye"},
        },
        "peer": {
            "ask": t("Mood {mood}. Talk to a peer? 1 yes 2 no"),
            "answer": {"yes_no": {}},
            "save": "wants",
            "next": {"yes": "find", "no": "bye"},
            "invalid": {"then": "peer"},
            "timeout": {"after": "1h", "then": "bye"},
        },
        "find": {
            "handoff": "find_peer",
            "await": {"peer_found": "bye", "no_peer": "sorry"},
            "timeout": {"after": "5m", "then": "sorry"},
            "while_waiting": t("Still looking."),
        },
        "sorry": {"say": t("No peer is free."), "next": "bye"},
        "bye": {"say": t("Take care."), "end": {}},
    },
}


def engine(detector=None) -> Engine:
    return Engine({"mood": parse_flow(MOOD_FLOW, "mood.yaml", SHARED, "h1")}, SHARED, detector)


def sends(effects) -> list[str]:
    return [e.text for e in effects if isinstance(e, Send)]


def test_a_valid_answer_is_saved_remembered_and_moves_on():
    e = engine()
    start = e.start("mood", locale="en", channel="sms", now=NOW)
    assert sends(start.effects) == ["How are you, 1-5?"]
    assert ScheduleTimeout(1, NOW + timedelta(hours=1)) in start.effects
    out = e.receive(start.state, "seeker", "a 4 i guess", NOW)
    assert out.state.values["mood"] == "4"
    assert Remember("mood", "4") in out.effects
    assert sends(out.effects) == ["Mood 4. Talk to a peer? 1 yes 2 no"]
    assert out.state.step == "peer" and out.state.wait.token == 2


def test_invalid_answers_are_retried_then_moved_on():
    e = engine()
    state = e.start("mood", locale="en", channel="sms", now=NOW).state
    once = e.receive(state, "seeker", "terrible", NOW)
    assert sends(once.effects) == ["Please reply 1 to 5."] and once.state.step == "mood"
    assert once.state.wait.token == state.wait.token  # the timer still stands
    twice = e.receive(once.state, "seeker", "7", NOW)
    assert sends(twice.effects) == ["Take care."]  # no "please reply" right before moving on
    assert twice.state.ended


def test_timeout_reminds_then_moves_on_and_a_late_timeout_does_nothing():
    e = engine()
    state = e.start("mood", locale="en", channel="sms", now=NOW).state
    reminded = e.timeout(state, 1, NOW + timedelta(hours=1))
    assert sends(reminded.effects) == ["Still there?"] and reminded.state.wait.token == 2
    answered = e.receive(reminded.state, "seeker", "3", NOW + timedelta(hours=1, minutes=5))
    late = e.timeout(answered.state, 2, NOW + timedelta(hours=2))
    assert late.effects == [] and late.state == answered.state


def test_interrupt_words_in_either_language_end_the_flow():
    e = engine()
    state = e.start("mood", locale="en", channel="sms", now=NOW).state
    out = e.receive(state, "seeker", "listo", NOW)
    assert sends(out.effects) == ["Take care."] and Ended("mood", "done") in out.effects


def test_handoff_waits_for_the_host_and_times_out_honestly():
    e = engine()
    state = e.start("mood", locale="en", channel="sms", now=NOW).state
    state = e.receive(state, "seeker", "2", NOW).state
    asked = e.receive(state, "seeker", "1", NOW)
    assert HandOff("find_peer") in asked.effects
    waiting = e.receive(asked.state, "seeker", "hello?", NOW)
    assert sends(waiting.effects) == ["Still looking."]
    timed_out = e.timeout(asked.state, asked.state.wait.token, NOW + timedelta(minutes=5))
    assert sends(timed_out.effects) == ["No peer is free.", "Take care."]
    late_event = e.event(timed_out.state, "peer_found", NOW + timedelta(minutes=6))
    assert late_event.effects == []


def test_crisis_comes_first_and_keeps_the_person_where_they_were():
    class Detector:
        def scan(self, text, locale):
            return ("ideation",) if "die" in text else ()

    e = engine(Detector())
    state = e.start("mood", locale="es", channel="sms", now=NOW).state
    out = e.receive(state, "seeker", "quiero morir, i want to die", NOW)
    assert out.effects[0] == CrisisDetected("seeker", ("ideation",))
    assert sends(out.effects) == ["Llama o escribe al 988."]
    assert out.state.urgent and out.state.step == "mood" and out.state.wait == state.wait


def test_relay_forwards_each_party_to_the_other():
    flow = {
        "spec": 1,
        "flow": "talk",
        "parties": ["seeker", "peer"],
        "start": "talk",
        "interrupts": [{"words": ["#end"], "from": ["peer"], "goto": "bye"}],
        "steps": {
            "talk": {
                "relay": True,
                "to": "both",
                "timeout": {"after": "20m", "remind": t("10 more minutes."), "then": "bye"},
            },
            "bye": {"say": t("Thanks, both."), "to": "both", "end": {}},
        },
    }
    e = Engine({"talk": parse_flow(flow, "talk.yaml", SHARED)}, SHARED)
    state = e.start("talk", locale="en", channel="sms", now=NOW).state
    assert e.receive(state, "seeker", "hi", NOW).effects == [Forward("seeker", "peer", "hi")]
    nudge = e.timeout(state, 1, NOW + timedelta(minutes=20))
    assert [(s.to, s.text) for s in nudge.effects if isinstance(s, Send)] == [
        ("seeker", "10 more minutes."),
        ("peer", "10 more minutes."),
    ]
    assert e.receive(state, "seeker", "#end", NOW).effects == [Forward("seeker", "peer", "#end")]
    assert sends(e.receive(state, "peer", "#END", NOW).effects) == ["Thanks, both.", "Thanks, both."]


def test_state_survives_a_round_trip_through_json():
    e = engine()
    state = e.receive(e.start("mood", locale="es", channel="sms", now=NOW).state, "seeker", "3", NOW).state
    from service.core.flow_engine import FlowState

    assert FlowState.from_json(state.to_json()) == state
