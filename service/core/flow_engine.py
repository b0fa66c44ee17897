"""The flow engine: state and an input in, new state and effects out. No I/O, no clock.

The host (service/adapters/conversations.py) stores the state, performs the effects and calls
back with timeouts and handoff events. A timeout carries the token of the wait it was set
for; once the person has answered, the wait has a new token and the late timeout does nothing.
Crisis detection runs before anything else on every text (`CrisisDetector`, filled by the
safety work); then the flow's interrupts; then the current step.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from service.core import answers
from service.core.flow_model import Flow, Step, Text, Timeout

OTHERWISE = "otherwise"  # in `next:` by value: where every value not listed goes
MAX_STEPS_PER_INPUT = 50  # the checker forbids loops without a wait; this is the backstop


@dataclass(frozen=True)
class Send:
    to: str  # party
    text: str
    asks: str | None = None  # the step id when this text is a question (voice gathers an answer)


@dataclass(frozen=True)
class Forward:
    """Relay a party's own words to the other party, through the line's number."""

    sender: str
    to: str
    text: str


@dataclass(frozen=True)
class ScheduleTimeout:
    token: int
    at: datetime


@dataclass(frozen=True)
class HandOff:
    action: str


@dataclass(frozen=True)
class Remember:
    """Keep this answer on the person's profile for next time (language, consent, check-ins)."""

    key: str
    value: str


@dataclass(frozen=True)
class CrisisDetected:
    sender: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Ended:
    flow: str
    reason: str  # "done", "interrupted", "stopped"


@dataclass(frozen=True)
class FlowStarted:
    flow: str
    content_hash: str


Effect = Send | Forward | ScheduleTimeout | HandOff | Remember | CrisisDetected | Ended | FlowStarted


class CrisisDetector(Protocol):
    def scan(self, text: str, locale: str) -> tuple[str, ...]:
        """Return the reasons this text is a crisis, or () when it is not."""
        ...


THIRD_PARTY = "third_party"  # the reason category of a text about someone else at risk


def crisis_reply(reasons: tuple[str, ...]) -> str:
    """The shared message for these reasons: help for someone else, or for the texter."""
    about_others = all(reason.startswith(THIRD_PARTY) for reason in reasons)
    return "crisis_third_party" if about_others else "crisis_resources"


@dataclass(frozen=True)
class Wait:
    token: int
    due: datetime | None
    reminders_sent: int = 0
    invalid_answers: int = 0


@dataclass(frozen=True)
class FlowState:
    flow: str
    content_hash: str
    locale: str
    channel: str
    step: str | None  # None once the flow has ended
    values: Mapping[str, str] = field(default_factory=dict)
    wait: Wait | None = None
    tokens_issued: int = 0
    urgent: bool = False

    @property
    def ended(self) -> bool:
        return self.step is None

    def to_json(self) -> str:
        data: dict[str, Any] = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["values"] = dict(self.values)
        if self.wait:
            due = self.wait.due.isoformat() if self.wait.due else None
            data["wait"] = {**self.wait.__dict__, "due": due}
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> FlowState:
        data = json.loads(raw)
        if data["wait"]:
            due = data["wait"]["due"]
            data["wait"] = Wait(**{**data["wait"], "due": datetime.fromisoformat(due) if due else None})
        return cls(**data)


@dataclass(frozen=True)
class Outcome:
    state: FlowState
    effects: list[Effect]


class Engine:
    def __init__(
        self, flows: Mapping[str, Flow], shared: Mapping[str, Text], detector: CrisisDetector | None = None
    ) -> None:
        self.flows = flows
        self.shared = shared
        self.detector = detector  # None until the safety work fills the seam

    def start(
        self,
        flow: str,
        *,
        locale: str,
        channel: str,
        now: datetime,
        values: Mapping[str, str] | None = None,
    ) -> Outcome:
        definition = self.flows[flow]
        state = FlowState(flow, definition.content_hash, locale, channel, None, dict(values or {}))
        run = _Run(self, state, now)
        run.effects.append(FlowStarted(flow, definition.content_hash))
        run.go(definition.start)
        return run.outcome()

    def receive(self, state: FlowState, sender: str, text: str, now: datetime) -> Outcome:
        """A text (or keypad/speech answer) from one party of the conversation."""
        if state.ended:
            return Outcome(state, [])
        run = _Run(self, state, now)
        if self._crisis(run, sender, text):
            return run.outcome()
        flow = self.flows[state.flow]
        said = answers.normalise(text)
        for interrupt in flow.interrupts:
            if interrupt.event or (interrupt.during and state.step not in interrupt.during):
                continue
            if sender in interrupt.parties and said in (answers.normalise(w) for w in interrupt.words):
                if interrupt.say:
                    run.send(sender, interrupt.say)
                run.go(interrupt.goto)
                return run.outcome()
        run.answer(sender, text)
        return run.outcome()

    def timeout(self, state: FlowState, token: int, now: datetime) -> Outcome:
        """The wait with this token ran out. A wait already answered has a new token: no-op."""
        wait = state.wait
        if state.ended or wait is None or wait.token != token:
            return Outcome(state, [])
        run = _Run(self, state, now)
        step = run.step()
        assert step.timeout is not None  # a wait with a due time always comes from a timeout
        if step.timeout.remind and wait.reminders_sent < step.timeout.reminders:
            run.send(step.to, step.timeout.remind)
            run.wait(step, reminders_sent=wait.reminders_sent + 1, invalid_answers=wait.invalid_answers)
        else:
            run.go(step.timeout.then)
        return run.outcome()

    def event(
        self, state: FlowState, name: str, now: datetime, values: Mapping[str, str] | None = None
    ) -> Outcome:
        """The host's answer to a handoff (peer_found, no_peer), with any values it brings (the
        peer's briefing details), or a host event the flow listens for at any step (peer_left).
        A late or unknown event changes nothing."""
        if state.ended or state.wait is None:
            return Outcome(state, [])
        run = _Run(self, state, now)
        step = run.step()
        goto = step.events.get(name) if step.kind == "handoff" else None
        for interrupt in self.flows[state.flow].interrupts:
            if (
                goto is None
                and interrupt.event == name
                and (state.step in interrupt.during or not interrupt.during)
            ):
                goto = interrupt.goto
        if goto is None:
            return Outcome(state, [])
        run.state = replace(state, values={**state.values, **(values or {})})
        run.go(goto)
        return run.outcome()

    def render(self, state: FlowState, text: Text) -> str:
        return text.render(state.locale, state.channel, state.values)

    def _crisis(self, run: _Run, sender: str, text: str) -> bool:
        reasons = self.detector.scan(text, run.state.locale) if self.detector else ()
        if not reasons:
            return False
        run.state = replace(run.state, urgent=True)
        run.effects.append(CrisisDetected(sender, tuple(reasons)))
        run.send(sender, self.shared[crisis_reply(reasons)])
        step = run.step()
        if step.kind == "relay" or step.forward:  # the two are connected: the peer must see it, and be guided
            other = _other(sender)
            run.effects.append(Forward(sender, other, text))
            if sender == "seeker":
                run.send("peer", self.shared["crisis_peer_guidance"])
        return True  # the step stays where it was: the person is never dropped


def _other(party: str) -> str:
    return "peer" if party == "seeker" else "seeker"


class _Run:
    """One call into the engine: moves through steps until one waits or the flow ends."""

    def __init__(self, engine: Engine, state: FlowState, now: datetime) -> None:
        self.engine, self.state, self.now = engine, state, now
        self.effects: list[Effect] = []

    def outcome(self) -> Outcome:
        return Outcome(self.state, self.effects)

    def flow(self) -> Flow:
        return self.engine.flows[self.state.flow]

    def step(self) -> Step:
        assert self.state.step is not None
        return self.flow().steps[self.state.step]

    def send(self, to: str, text: Text, asks: str | None = None) -> None:
        rendered = self.engine.render(self.state, text)
        for party in self.flow().parties if to == "both" else (to,):
            self.effects.append(Send(party, rendered, asks))

    def wait(self, step: Step, reminders_sent: int = 0, invalid_answers: int = 0) -> None:
        token = self.state.tokens_issued + 1
        due = self.now + self.wait_for(step.timeout) if step.timeout else None
        self.state = replace(
            self.state,
            step=step.id,
            tokens_issued=token,
            wait=Wait(token, due, reminders_sent, invalid_answers),
        )
        if due is not None:
            self.effects.append(ScheduleTimeout(token, due))

    def wait_for(self, timeout: Timeout) -> timedelta:
        minutes = self.state.values.get(timeout.after_from or "", "")
        return timedelta(minutes=int(minutes)) if minutes.isdigit() and int(minutes) > 0 else timeout.after

    def save(self, name: str, value: str) -> None:
        self.state = replace(self.state, values={**self.state.values, name: value})
        if name == "locale":
            self.state = replace(self.state, locale=value)
        if name in self.flow().remember:
            self.effects.append(Remember(name, value))

    def go(self, step_id: str | None) -> None:
        for _ in range(MAX_STEPS_PER_INPUT):
            if step_id is None:
                return
            self.state = replace(self.state, step=step_id, wait=None)
            step_id = self.enter(self.step())
        raise RuntimeError(f"flow {self.state.flow} ran {MAX_STEPS_PER_INPUT} steps without waiting")

    def enter(self, step: Step) -> str | None:
        """Do what the step does on arrival; return the next step, or None to wait or stop."""
        for text in step.say:
            self.send(step.to, text)
        if step.kind == "say":
            return step.next
        if step.kind == "branch":
            value = self.state.values.get(step.branch_on or "", "")
            return step.cases.get(value, step.otherwise)
        if step.kind == "end":
            self.effects.append(Ended(self.state.flow, "done"))
            self.state = replace(self.state, step=None, wait=None)
            if step.then_flow:
                nxt = self.engine.flows[step.then_flow]
                self.state = replace(self.state, flow=nxt.name, content_hash=nxt.content_hash)
                self.effects.append(FlowStarted(nxt.name, nxt.content_hash))
                return nxt.start
            return None
        if step.kind == "handoff":
            self.effects.append(HandOff(step.action or ""))
            if not step.events:
                return step.next
        if step.kind == "ask" and step.prompt:
            self.send(step.to, step.prompt, asks=step.id)
        self.wait(step)
        return None

    def answer(self, sender: str, text: str) -> None:
        step = self.step()
        wait = self.state.wait or Wait(0, None)
        if step.kind == "relay":
            self.effects.append(Forward(sender, _other(sender), text))
            return
        if step.kind != "ask" or sender != step.to or step.answer is None:
            if step.kind == "ask" and step.forward:  # the two are connected: pass it on
                self.effects.append(Forward(sender, _other(sender), text))
            elif step.while_waiting:
                self.send(sender, step.while_waiting)
            return
        value = answers.read(step.answer, text)
        if value is None:
            self.invalid(step, wait)
            return
        if step.forward:
            self.effects.append(Forward(sender, _other(sender), text))
        elif step.save:
            self.save(step.save, value)
            label = next((o.label for o in step.answer.options if o.value == value and o.label), None)
            if label:  # a topic's label, to show in the person's language: {topic_label}
                self.save(f"{step.save}_label", label.get(self.state.locale) or label.get("en", value))
        by_value = step.next_by_value
        self.go(by_value.get(value, by_value.get(OTHERWISE)) if by_value else step.next)

    def invalid(self, step: Step, wait: Wait) -> None:
        """Say the retry message and keep waiting; past the retries, move on to `then` (which
        speaks for itself: no "please reply 1 or 2" right before "let's leave it there")."""
        assert step.invalid is not None
        count = wait.invalid_answers + 1
        if count > step.invalid.retries:
            self.go(step.invalid.then)
            return
        if step.invalid.say:
            self.send(step.to, step.invalid.say)
        self.state = replace(self.state, wait=replace(wait, invalid_answers=count))  # same timer
