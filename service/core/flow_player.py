"""Play a flow from a script of inputs and write down what each party reads: the simulator and
the golden transcripts both use this, on the pure engine with a clock that only moves when told.

Script lines:
  some text          the flow's first party texts this (seeker, or peer in a peer flow)
  peer: some text    the peer texts this (seeker: … works too)
  /wait 10m          time passes; any timer that comes due fires, in order
  /timeout           the current wait runs out now (its timer fires)
  /event NAME        the host answers a handoff: peer_found, no_peer
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from service.core import inbound
from service.core.conversation import FlowHandler, RunCommand, StateChanged
from service.core.flow_engine import (
    CrisisDetected,
    Ended,
    FlowStarted,
    FlowState,
    Forward,
    HandOff,
    Outcome,
    Remember,
    ScheduleTimeout,
    Send,
)
from service.core.flow_reader import Reader

START = datetime.fromisoformat("2026-01-05T15:00:00+00:00")  # a Monday, 10:00 in New York


@dataclass
class Player:
    handler: FlowHandler
    flow: str
    locale: str | None = "en"  # None: not known yet, as for a new person's first text
    channel: str = "sms"
    now: datetime = START
    state: FlowState | None = None
    opted_out: bool = False
    peer_opted_out: bool = False
    checkins: str | None = None  # "on", "paused" or None, as the host would know it
    consented: bool = True
    timer: ScheduleTimeout | None = None
    lines: list[str] = field(default_factory=list)
    read_by_seeker: list[str] = field(default_factory=list)  # every text the seeker got, in order

    def begin(self, values: dict[str, str] | None = None) -> None:
        """Start the flow; `values` stand in for what earlier flows saved (topic_label, mood)."""
        outcome = self.handler.engine.start(
            self.flow, locale=self.locale or "en", channel=self.channel, now=self.now, values=values
        )
        self._record([*outcome.effects, StateChanged(outcome.state, new=True)])

    def play(self, line: str) -> None:
        """Play one script line; problems with the line itself raise ValueError."""
        line = line.rstrip("\n")
        if line.startswith("/"):
            command, _, argument = line.partition(" ")
            if command not in ("/wait", "/timeout", "/event"):
                raise ValueError(f"unknown script command {command!r} (use /wait, /timeout, /event)")
            self.lines.append(f"~ {line[1:]}")
            if command == "/wait":
                self._wait(argument.strip())
            elif command == "/timeout":
                self._fire()
            else:
                self._event(argument.strip())
            return
        party, text = self._who(line)
        self.lines.append(f"> {party}: {text}")
        self.now += timedelta(seconds=30)
        if party == "seeker":
            contact = inbound.Contact(
                1, self.locale, self.opted_out, self.consented, self._active(), self.checkins
            )
            self._record(inbound.decide(contact, text, self.now, self.handler).effects)
        else:  # a peer's STOP or HELP is theirs too, and never reaches the seeker
            contact = inbound.Contact(2, self.locale, self.peer_opted_out, True, self._active())
            for effect in inbound.decide(contact, text, self.now, _PeerSide(self)).effects:
                if isinstance(effect, inbound.SetOptOut):
                    self.peer_opted_out = effect.opted_out
                    self.lines.append(f"  [peer opted {'out' if effect.opted_out else 'in'}]")
                elif isinstance(effect, inbound.Reply):
                    self.lines.append(f"< peer: {effect.text}")

    def _who(self, line: str) -> tuple[str, str]:
        for party in ("seeker", "peer"):
            if line.startswith(f"{party}:"):
                return party, line[len(party) + 1 :].strip()
        assert self.state is not None or self.flow in self.handler.flow_set.flows
        first = self.handler.flow_set.flows[self.state.flow if self.state else self.flow].parties[0]
        return first, line

    def _active(self) -> FlowState | None:
        return self.state if self.state is not None and not self.state.ended else None

    def _wait(self, spelled: str) -> None:
        reader = Reader("script", {})
        until = self.now + reader.duration(spelled, "/wait")
        if reader.problems:
            raise ValueError(reader.problems[0])
        while self.timer is not None and self.timer.at <= until and self._active():
            self._fire()
        self.now = max(self.now, until)

    def _fire(self) -> None:
        state, timer = self._active(), self.timer
        if state is None or timer is None:
            self.lines.append("  (nothing is waiting)")
            return
        self.now = max(self.now, timer.at)
        self.timer = None
        self._record_outcome(self.handler.engine.timeout(state, timer.token, self.now))

    def _event(self, name: str) -> None:
        state = self._active()
        if state is None:
            self.lines.append("  (no conversation)")
            return
        values = {"language_label": {"en": "English", "es": "español"}.get(state.locale, state.locale)}
        self._record_outcome(self.handler.engine.event(state, name, self.now, values))

    def _record_outcome(self, outcome: Outcome) -> None:
        self._record([*outcome.effects, StateChanged(outcome.state, new=False)])

    def _record(self, effects: list[object]) -> None:
        latest = next((e.state for e in reversed(effects) if isinstance(e, StateChanged)), self.state)
        for effect in effects:
            self.lines += _describe(effect, self.now)
            if isinstance(effect, inbound.Reply) or (isinstance(effect, Send) and effect.to == "seeker"):
                self.read_by_seeker.append(effect.text)
            if isinstance(effect, StateChanged):
                self.state = effect.state
                self.locale = effect.state.locale
            elif isinstance(effect, ScheduleTimeout):
                self.timer = effect
            elif isinstance(effect, inbound.SetOptOut):
                self.opted_out = effect.opted_out
                if effect.opted_out and self.state is not None:  # the host ends it: STOP stops everything
                    self.state, self.timer = replace(self.state, step=None, wait=None), None
            elif isinstance(effect, Remember) and effect.key == "consent":
                self.consented = effect.value == "yes"
            elif isinstance(effect, HandOff) and effect.action == "schedule_checkins" and latest:
                self.checkins = "on" if latest.values.get("checkins") in ("daily", "weekly") else None
            elif isinstance(effect, RunCommand) and effect.name in ("pause_checkins", "resume_checkins"):
                self.checkins = "paused" if effect.name == "pause_checkins" else "on"


class _PeerSide:
    """What a peer's ordinary text does: the conversation they are in takes it."""

    def __init__(self, player: Player) -> None:
        self.player = player

    def handle(self, contact: inbound.Contact, text: str, now: datetime) -> list[object]:
        if contact.conversation is not None:
            self.player._record_outcome(
                self.player.handler.engine.receive(contact.conversation, "peer", text, now)
            )
        return []


def _describe(effect: object, now: datetime) -> list[str]:
    if isinstance(effect, Send):
        return [f"< {effect.to}: {line}" for line in effect.text.splitlines() or [""]]
    if isinstance(effect, inbound.Reply):
        return [f"< seeker: {effect.text}"]
    if isinstance(effect, Forward):
        return [f"< {effect.to} (from {effect.sender}): {effect.text}"]
    if isinstance(effect, ScheduleTimeout):
        return [f"  [timer #{effect.token} in {_spell(effect.at - now)}]"]
    if isinstance(effect, HandOff):
        return [f"  [handoff {effect.action}]"]
    if isinstance(effect, Remember):
        return [f"  [remember {effect.key}={effect.value}]"]
    if isinstance(effect, RunCommand):
        return [f"  [command {effect.name}{' ' + _spell(effect.duration) if effect.duration else ''}]"]
    if isinstance(effect, CrisisDetected):
        return [f"  [CRISIS from {effect.sender}: {', '.join(effect.reasons)}]"]
    if isinstance(effect, inbound.SetOptOut):
        return [f"  [opted {'out' if effect.opted_out else 'in'}]"]
    if isinstance(effect, FlowStarted):
        return [f"  [flow {effect.flow}]"]
    if isinstance(effect, Ended):
        return [f"  [end of {effect.flow}]"]
    return []


def _spell(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
