"""The seeker's side before the engine: crisis first, commands that never hijack an answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from service.core.conversation import RunCommand, StateChanged
from service.core.flow_engine import CrisisDetected, Forward, Send
from service.core.inbound import Contact
from tests.support.flows import handler

NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


class Detector:
    def __init__(self):
        self.scanned = []

    def scan(self, text, locale):
        self.scanned.append(text)
        if "my brother" in text:
            return ("third_party: my brother ... wants to end it",)
        return ("ideation: want to die",) if "want to die" in text else ()


def with_detector():
    from service.core.conversation import FlowHandler

    return FlowHandler(handler().flow_set, Detector())


def started(flow_handler, flow="check_in", locale="en"):
    effects = flow_handler.start(flow, locale, NOW)
    return next(e.state for e in effects if isinstance(e, StateChanged))


def test_a_first_text_in_crisis_gets_resources_then_the_welcome_and_is_urgent():
    effects = with_detector().handle(Contact(1, "en", False), "i want to die", NOW)
    assert effects[0] == CrisisDetected("seeker", ("ideation: want to die",))
    texts = [e.text for e in effects if isinstance(e, Send)]
    assert "988" in texts[0] and texts[1].startswith("Welcome to PeerLine")
    assert next(e for e in effects if isinstance(e, StateChanged)).state.urgent


def test_pause_is_a_command_between_questions_but_not_an_answer_or_a_relayed_text():
    flows = handler()
    state = started(flows)
    effects = flows.handle(Contact(1, "en", False, True, state, checkins="on"), "PAUSE", NOW)
    assert effects[0] == RunCommand("pause_checkins")
    nothing_to_pause = flows.handle(Contact(1, "en", False, True, state), "PAUSE", NOW)
    assert [type(e) for e in nothing_to_pause] == [Send]  # "you have no check-ins set up"
    # "3" is a valid mood: never a command, always the answer
    answered = flows.handle(Contact(1, "en", False, True, state), "3", NOW)
    assert not any(isinstance(e, RunCommand) for e in answered)
    talking = replace(state, flow="story_sharing", step="exchange")
    relayed = flows.handle(Contact(1, "es", False, True, talking), "PAUSA", NOW)
    assert relayed[0] == Forward("seeker", "peer", "PAUSA")


def test_with_no_conversation_a_consented_person_gets_a_check_in_and_a_new_one_first_contact():
    flows = handler()
    returning = flows.handle(Contact(1, "es", False, True), "hola", NOW)
    assert next(e for e in returning if isinstance(e, StateChanged)).state.flow == "check_in"
    new = flows.handle(Contact(2, None, False, False), "hello", NOW)
    assert next(e for e in new if isinstance(e, StateChanged)).state.flow == "first_contact"


def test_a_new_persons_first_pause_gets_first_contact_not_a_command():
    effects = handler().handle(Contact(3, None, False, False), "PAUSE", NOW)
    assert next(e for e in effects if isinstance(e, StateChanged)).state.flow == "first_contact"


def test_a_flow_edited_under_a_conversation():
    flows = handler()
    state = started(flows)
    assert flows.resume(replace(state, content_hash="older")) == state  # same step still there: carry on
    assert flows.resume(replace(state, step="a_step_that_was_removed")) is None  # start afresh
    fresh = flows.handle(Contact(1, "en", False, True, replace(state, step="gone")), "hi", NOW)
    assert next(e for e in fresh if isinstance(e, StateChanged)).new


def test_crisis_while_the_peer_writes_their_story_reaches_the_peer_with_guidance():
    flows = with_detector()
    sharing = replace(started(flows, "story_sharing"), step="peer_share")
    effects = flows.engine.receive(sharing, "seeker", "i want to die", NOW).effects
    assert Forward("seeker", "peer", "i want to die") in effects
    assert any(isinstance(e, Send) and e.to == "peer" for e in effects)


def test_a_first_text_in_spanish_gets_the_welcome_spanish_first():
    from service.core import language

    assert language.guess("hola, necesito hablar con alguien") == "es"
    assert language.guess("hi, I need to talk to someone") == "en"
    assert language.guess("ok") is None
    effects = handler().handle(Contact(4, None, False, False), "Hola, buenas noches", NOW)
    assert next(e for e in effects if isinstance(e, Send)).text.startswith("Te damos la bienvenida")
    chosen = handler().handle(Contact(4, "en", False, False), "hola", NOW)  # a choice made wins
    assert next(e for e in chosen if isinstance(e, Send)).text.startswith("Welcome to PeerLine")


def test_a_text_about_someone_else_at_risk_gets_its_own_answer_in_a_flow_and_outside():
    flows = with_detector()
    report = "my brother says he wants to end it"
    outside = flows.handle(Contact(1, "es", False, True), report, NOW)
    assert outside[0] == CrisisDetected("seeker", ("third_party: my brother ... wants to end it",))
    assert outside[1] == Send("seeker", flows.shared_text("crisis_third_party", "es"))
    inside = flows.handle(Contact(1, "en", False, True, started(flows)), report, NOW)
    texts = [e.text for e in inside if isinstance(e, Send)]
    assert texts == [flows.shared_text("crisis_third_party", "en")]
    own = flows.handle(Contact(1, "en", False, True, started(flows)), "i want to die", NOW)
    assert [e.text for e in own if isinstance(e, Send)] == [flows.shared_text("crisis_resources", "en")]


def test_each_text_is_scanned_once_on_its_way_through_the_relay():
    detector = Detector()
    from service.core.conversation import FlowHandler, RelayView

    flows = FlowHandler(handler().flow_set, detector)
    talking = replace(started(flows), flow="story_sharing", step="exchange")
    flows.in_relay(talking, "peer", "i want to die some days", NOW, RelayView())
    flows.handle(Contact(1, "en", False, True, talking), "i want to die", NOW)
    assert detector.scanned == ["i want to die some days", "i want to die"]
