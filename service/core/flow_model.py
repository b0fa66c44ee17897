"""The flow format as frozen dataclasses: what `flow_reader` builds from the YAML files and the
engine plays. The format is described in flows/README.md."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

SPEC_VERSION = 1
REQUIRED_LOCALES = ("en", "es")
CHANNELS = ("sms", "voice")
PARTIES = ("seeker", "peer")
ANSWER_KINDS = ("number", "choice", "yes_no", "text", "time", "digits")
# What a handoff asks the host to do, and the events it may answer with (empty: go on at once).
HANDOFF_EVENTS: dict[str, tuple[str, ...]] = {
    "find_peer": ("peer_found", "no_peer"),
    "cancel_find_peer": (),
    "start_relay": (),
    "end_relay": (),
    "notify_when_peer_free": (),
    "alert_coordinator": (),
    "schedule_checkins": (),
    "search_timed_out": (
        "no_peer",
        "peer_found",
    ),  # the flow gave up waiting: the host withdraws offers and alerts
    "offer_accepted": ("won", "taken"),  # two peers may accept at once: the host says who won
    "offer_declined": (),
    "offer_expired": (),
}
# Events the host sends into a conversation whatever its step (see Interrupt.event).
HOST_EVENTS = ("peer_left", "ended_by_coordinator", "offer_taken", "offer_withdrawn")


class FlowFormatError(Exception):
    """One or more problems, each naming the file and the place; raised after collecting them all."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Text:
    """One message: SMS text per locale, and a voice prompt per locale where it differs."""

    sms: Mapping[str, str]
    voice: Mapping[str, str] = field(default_factory=dict)
    name: str = ""  # message id, or "" for text written inline in a step

    def render(self, locale: str, channel: str, values: Mapping[str, str]) -> str:
        table = self.voice if channel == "voice" and self.voice else self.sms
        template = table.get(locale) or table.get("en") or next(iter(table.values()))
        return template.format_map(_Blank(values))

    def placeholders(self) -> dict[tuple[str, str], set[str]]:
        """The placeholders of each (channel, locale) rendering."""
        found: dict[tuple[str, str], set[str]] = {}
        for channel, table in (("sms", self.sms), ("voice", self.voice)):
            for locale, template in table.items():
                found[(channel, locale)] = placeholders_of(template)
        return found


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""  # the checker proves every placeholder is declared; never crash on a person


def placeholders_of(template: str) -> set[str]:
    """The {names} in a text; "" for an empty {}. Raises ValueError on a stray { or }."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@dataclass(frozen=True)
class Option:
    key: str  # what the person types or presses: "1"
    value: str  # what is saved
    words: tuple[str, ...] = ()
    label: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    kind: str
    minimum: int = 0
    maximum: int = 0
    options: tuple[Option, ...] = ()
    length: int = 0  # digits
    max_length: int = 0  # text; 0 = no limit
    earliest: str = ""  # time, "HH:MM"
    latest: str = ""


@dataclass(frozen=True)
class Invalid:
    then: str
    say: Text | None = None
    retries: int = 2


@dataclass(frozen=True)
class Timeout:
    after: timedelta
    then: str
    remind: Text | None = None
    reminders: int = 1
    after_from: str | None = None  # a value holding minutes, set by the host (an offer's window)


@dataclass(frozen=True)
class Step:
    id: str
    kind: str  # say, ask, branch, handoff, relay, end
    to: str = "seeker"  # who reads what this step says, and who is asked
    say: tuple[Text, ...] = ()
    prompt: Text | None = None
    answer: Answer | None = None
    save: str | None = None
    forward: bool = False  # ask: pass a valid answer on to the other party instead of saving it
    next: str | None = None
    next_by_value: Mapping[str, str] = field(default_factory=dict)
    invalid: Invalid | None = None
    timeout: Timeout | None = None
    branch_on: str | None = None
    cases: Mapping[str, str] = field(default_factory=dict)
    otherwise: str | None = None
    action: str | None = None
    events: Mapping[str, str] = field(default_factory=dict)
    while_waiting: Text | None = None
    then_flow: str | None = None

    def targets(self) -> list[tuple[str, str]]:
        """Every (label, step id) this step can move to."""
        out: list[tuple[str, str]] = []
        if self.next:
            out.append(("next", self.next))
        out += [(f"next.{value}", target) for value, target in self.next_by_value.items()]
        if self.invalid:
            out.append(("invalid.then", self.invalid.then))
        if self.timeout:
            out.append(("timeout.then", self.timeout.then))
        out += [(f"branch.cases.{value}", target) for value, target in self.cases.items()]
        if self.otherwise:
            out.append(("branch.otherwise", self.otherwise))
        out += [(f"await.{event}", target) for event, target in self.events.items()]
        return out

    def waits(self) -> bool:
        return self.kind in ("ask", "relay") or (self.kind == "handoff" and bool(self.events))


@dataclass(frozen=True)
class Interrupt:
    words: tuple[str, ...]
    goto: str
    parties: tuple[str, ...] = PARTIES
    say: Text | None = None
    during: tuple[str, ...] = ()  # only while the flow is at one of these steps; () = any step
    event: str | None = None  # a host event (HOST_EVENTS) instead of words: "the peer had to leave"


@dataclass(frozen=True)
class Placeholder:
    max_length: int
    gsm: bool = False  # True when the value is always plain GSM-7 (digits, ids)


@dataclass(frozen=True)
class Flow:
    name: str
    description: str
    parties: tuple[str, ...]
    channels: tuple[str, ...]
    start: str
    steps: Mapping[str, Step]
    interrupts: tuple[Interrupt, ...] = ()
    placeholders: Mapping[str, Placeholder] = field(default_factory=dict)
    remember: tuple[str, ...] = ()
    source: str = ""
    content_hash: str = ""
