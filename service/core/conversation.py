"""What a seeker's text does to their conversation: the flow handler behind `inbound.decide`.

Order on every text (design §3, §4): crisis detection first, then commands that work at any
time (PAUSE/RESUME check-ins), then the active flow; with no active flow, a new one starts —
first contact for someone who has not said yes yet, otherwise a check-in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from service.core import answers, commands, language
from service.core.flow_check import FlowSet
from service.core.flow_engine import CrisisDetected, CrisisDetector, Effect, Engine, FlowState, Send
from service.core.inbound import Contact

FIRST_CONTACT, CHECK_IN = "first_contact", "check_in"
SEEKER = "seeker"
CHECKIN_COMMANDS = ("pause_checkins", "resume_checkins")
NO_CHECKINS = "no_checkins"  # shared message: PAUSE/RESUME from someone with no check-ins set up


@dataclass(frozen=True)
class StateChanged:
    """Store this state; `new` when it starts a new conversation (ending any before it)."""

    state: FlowState
    new: bool


@dataclass(frozen=True)
class RunCommand:
    name: str
    duration: timedelta | None = None


class FlowHandler:
    """Plays the flows for seekers. Pure: the host passes the stored state in and stores it."""

    def __init__(self, flow_set: FlowSet, detector: CrisisDetector | None = None) -> None:
        self.flow_set = flow_set
        self.engine = Engine(flow_set.flows, flow_set.shared, detector)

    def handle(self, contact: Contact, text: str, now: datetime) -> list[Effect | StateChanged | RunCommand]:
        locale, active = contact.locale, self.resume(contact.conversation)
        effects: list[Effect | StateChanged | RunCommand] = []
        if active is not None:
            found = (
                commands.match(self.flow_set.commands, SEEKER, text)
                if contact.consented and self._may_command(active, text)
                else None
            )
            if found is not None:
                return [*self._command(found, active.locale, contact.checkins)]
            outcome = self.engine.receive(active, SEEKER, text, now)
            return [*outcome.effects, StateChanged(outcome.state, new=False)]
        speaks = locale or language.guess(text) or "en"
        detector = self.engine.detector
        reasons = detector.scan(text, speaks) if detector else ()
        if reasons:  # no conversation yet: resources at once, then the flow begins as usual
            resources = self.flow_set.shared["crisis_resources"].render(speaks, "sms", {})
            effects += [CrisisDetected(SEEKER, tuple(reasons)), Send(SEEKER, resources)]
        # Commands are for people who know the line; a first text always gets first contact.
        found = commands.match(self.flow_set.commands, SEEKER, text) if contact.consented else None
        if found is not None:
            return [*effects, *self._command(found, speaks, contact.checkins)]
        return [
            *effects,
            *self.start(CHECK_IN if contact.consented else FIRST_CONTACT, speaks, now, urgent=bool(reasons)),
        ]

    def start(
        self, flow: str, locale: str, now: datetime, *, urgent: bool = False, channel: str = "sms"
    ) -> list[Effect | StateChanged | RunCommand]:
        outcome = self.engine.start(flow, locale=locale, channel=channel, now=now)
        state = replace(outcome.state, urgent=True) if urgent else outcome.state
        return [*outcome.effects, StateChanged(state, new=True)]

    def resume(self, state: FlowState | None) -> FlowState | None:
        """The active state, playable with the flows loaded now; None when there is none.

        A coordinator may edit a flow while people are in it. If their step still exists (with
        the same kind), they carry on under the new version; if not, the conversation starts
        afresh rather than leaving them stuck."""
        if state is None or state.ended:
            return None
        flow = self.flow_set.flows.get(state.flow)
        step = flow.steps.get(state.step or "") if flow else None
        if flow is None or step is None:
            return None
        if flow.content_hash != state.content_hash:
            if step.waits() != (state.wait is not None):  # the step changed kind: cannot wait there
                return None
            return replace(state, content_hash=flow.content_hash)
        return state

    def _may_command(self, state: FlowState, text: str) -> bool:
        """A command word counts unless the person is talking with a peer (then it is their
        words, relayed) or it is a valid answer to the question they were just asked."""
        step = self.flow_set.flows[state.flow].steps[state.step or ""]
        if step.kind == "relay" or step.forward:
            return False
        return step.answer is None or answers.read(step.answer, text) is None

    def _command(
        self, found: commands.CommandMatch, locale: str, checkins: str | None
    ) -> list[Effect | StateChanged | RunCommand]:
        if found.command.name in CHECKIN_COMMANDS and checkins is None:
            return [Send(SEEKER, self.flow_set.shared[NO_CHECKINS].render(locale, "sms", {}))]
        reply = found.command.say.render(locale, "sms", {})
        return [RunCommand(found.command.name, found.duration), Send(SEEKER, reply)]
