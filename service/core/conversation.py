"""What a seeker's text does to their conversation: the flow handler behind `inbound.decide`.

Order on every text (design §3, §4): crisis detection first, then commands that work at any
time (PAUSE/RESUME check-ins), then the active flow; with no active flow, a new one starts —
first contact for someone who has not said yes yet, otherwise a check-in.

Peers: `handle_peer` for their offers, debriefs and commands; `in_relay` for either party's
texts while the two are connected, where the story-sharing guidance holds or coaches the peer's
texts and contact details never cross.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from service.core import answers, commands, language, share_review
from service.core.flow_check import FlowSet
from service.core.flow_engine import (
    CrisisDetected,
    CrisisDetector,
    Effect,
    Engine,
    FlowState,
    Send,
    crisis_reply,
)
from service.core.inbound import Contact

FIRST_CONTACT, CHECK_IN = "first_contact", "check_in"
SEEKER, PEER = "seeker", "peer"
PEER_STATUS, PEER_COORDINATOR = "peer_status", "peer_coordinator"
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


@dataclass(frozen=True)
class RelayView:
    """What the story-sharing guidance needs to know about the talk so far."""

    peer_chars: int = 0
    seeker_chars: int = 0
    tips_given: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Coached:
    """The peer's text was held back (`held`) or relayed with a private tip; the host records it."""

    held: bool
    reason: str


HostEffect = Effect | StateChanged | RunCommand | Coached


class ScanOnce:
    """A text is scanned on several steps of its way (the relay's guard, the engine, a new
    conversation); remember the last few answers so each text costs one scan."""

    def __init__(self, detector: CrisisDetector) -> None:
        self.version: str = getattr(detector, "version", "")
        self._scan = lru_cache(maxsize=256)(detector.scan)

    def scan(self, text: str, locale: str) -> tuple[str, ...]:
        return self._scan(text, locale)


class FlowHandler:
    """Plays the flows for seekers and peers. Pure: the host passes the stored state in and stores it."""

    def __init__(self, flow_set: FlowSet, detector: CrisisDetector | None = None) -> None:
        self.flow_set = flow_set
        self.engine = Engine(flow_set.flows, flow_set.shared, ScanOnce(detector) if detector else None)
        self.detector_version: str = getattr(detector, "version", "")  # kept with each hit

    def scan(self, text: str, locale: str) -> tuple[str, ...]:
        """The crisis reasons in this text (none without a detector)."""
        return self.engine.detector.scan(text, locale) if self.engine.detector else ()

    def crisis_effects(self, party: str, reasons: tuple[str, ...], locale: str) -> list[HostEffect]:
        """Crisis words outside any flow: the resources (or help for someone else) at once."""
        return [CrisisDetected(party, reasons), Send(party, self.shared_text(crisis_reply(reasons), locale))]

    def handle(self, contact: Contact, text: str, now: datetime) -> list[HostEffect]:
        locale, active = contact.locale, self.resume(contact.conversation)
        effects: list[HostEffect] = []
        if active is not None:
            if self._talking_with_peer(active):
                passed_on = self._for_peer(text, active.locale)
                if passed_on is None:
                    held = self._shared_to(SEEKER, "seeker_held_contact", active.locale)
                    return [Coached(True, "contact"), held]
                text = passed_on
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
        reasons = self.scan(text, speaks)
        if reasons:  # no conversation yet: resources at once, then the flow begins as usual
            effects += self.crisis_effects(SEEKER, reasons, speaks)
        # Commands are for people who know the line; a first text always gets first contact.
        found = commands.match(self.flow_set.commands, SEEKER, text) if contact.consented else None
        if found is not None:
            return [*effects, *self._command(found, speaks, contact.checkins)]
        return [
            *effects,
            *self.start(CHECK_IN if contact.consented else FIRST_CONTACT, speaks, now, urgent=bool(reasons)),
        ]

    def handle_peer(self, state: FlowState | None, text: str, locale: str, now: datetime) -> list[object]:
        """A peer's text outside a conversation with a seeker: an answer to their offer or
        debrief, or one of their commands (ON, OFF, PAUSE 2h, STATUS, COORDINATOR). Anything
        else gets their status, which lists the commands."""
        active = self.resume(state)
        found = commands.match(self.flow_set.commands, PEER, text)
        if active is not None and (found is None or not self._may_command(active, text)):
            outcome = self.engine.receive(active, PEER, text, now)
            return [*outcome.effects, StateChanged(outcome.state, new=False)]
        reasons = self.scan(text, locale)
        if reasons:
            return [*self.crisis_effects(PEER, reasons, locale)]
        return [RunCommand(found.command.name, found.duration) if found else RunCommand(PEER_STATUS)]

    def in_relay(
        self, state: FlowState | None, sender: str, text: str, now: datetime, relay: RelayView
    ) -> list[object]:
        """A text from either party while a seeker and a peer are connected. The peer's texts
        follow the story-sharing guidance: some are held back to be reworded (contact details,
        a full name, how they used, a self-harm method), some are relayed with a private tip."""
        active = self.resume(state)
        if active is None:
            return []
        in_crisis = bool(self.scan(text, active.locale))
        coaching: list[object] = []
        if sender == PEER and not in_crisis:
            found = commands.match(self.flow_set.commands, PEER, text)
            if found is not None and found.command.name == PEER_COORDINATOR:
                return [RunCommand(PEER_COORDINATOR)]  # never relayed: it is for the line
            step = self.flow_set.flows[active.flow].steps[active.step or ""]
            if step.kind == "relay" or step.forward:
                review = share_review.review_share(
                    text,
                    active.locale,
                    is_share=step.forward and step.to == PEER,
                    peer_chars=relay.peer_chars,
                    seeker_chars=relay.seeker_chars,
                    tips_given=relay.tips_given,
                )
                if review.held:
                    reason = review.held[0]
                    return [
                        Coached(True, reason),
                        self._shared_to(PEER, f"share_held_{reason}", active.locale),
                    ]
                for tip in review.tips:
                    coaching += [Coached(False, tip), self._shared_to(PEER, f"tip_{tip}", active.locale)]
        if in_crisis:  # relayed at once so the other side can help, but never with a number in it
            text = share_review.mask_contact(text)
        outcome = self.engine.receive(active, sender, text, now)
        return [*outcome.effects, *coaching, StateChanged(outcome.state, new=False)]

    def shared_text(self, name: str, locale: str) -> str:
        """A message from flows/messages.yaml, as a text message in this language."""
        return self.flow_set.shared[name].render(locale, "sms", {})

    def _shared_to(self, party: str, name: str, locale: str) -> Send:
        return Send(party, self.shared_text(name, locale))

    def start(
        self,
        flow: str,
        locale: str,
        now: datetime,
        *,
        urgent: bool = False,
        channel: str = "sms",
        values: dict[str, str] | None = None,
    ) -> list[HostEffect]:
        outcome = self.engine.start(flow, locale=locale, channel=channel, now=now, values=values)
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

    def _talking_with_peer(self, state: FlowState) -> bool:
        step = self.flow_set.flows[state.flow].steps[state.step or ""]
        return step.kind == "relay" or step.forward

    def _for_peer(self, text: str, locale: str) -> str | None:
        """What of the seeker's text may reach the peer: None when it holds a number, email,
        link or address (kept back, for the seeker's privacy). Crisis words go through at once,
        with any number or link in them hidden."""
        if self.scan(text, locale):
            return share_review.mask_contact(text)
        return None if share_review.has_contact(text, share_review.fold(text)) else text

    def _may_command(self, state: FlowState, text: str) -> bool:
        """A command word counts unless the person is talking with a peer (then it is their
        words, relayed) or it is a valid answer to the question they were just asked."""
        step = self.flow_set.flows[state.flow].steps[state.step or ""]
        if self._talking_with_peer(state):
            return False
        return step.answer is None or answers.read(step.answer, text) is None

    def _command(self, found: commands.CommandMatch, locale: str, checkins: str | None) -> list[HostEffect]:
        if found.command.name in CHECKIN_COMMANDS and checkins is None:
            return [Send(SEEKER, self.flow_set.shared[NO_CHECKINS].render(locale, "sms", {}))]
        reply = found.command.say.render(locale, "sms", {})
        return [RunCommand(found.command.name, found.duration), Send(SEEKER, reply)]
