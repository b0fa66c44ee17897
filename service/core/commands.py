"""Words a seeker or a peer can text at any time, outside any flow (flows/commands.yaml).

Seekers: PAUSE / RESUME their recurring check-ins. Peers: ON, OFF, PAUSE 2h, STATUS. The host
does what the command names and answers with its message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from service.core import answers
from service.core.flow_model import PARTIES, FlowFormatError, Placeholder, Text
from service.core.flow_reader import Reader, check_spec

ARGUMENTS = ("duration",)
_SPOKEN_DURATION = re.compile(
    r"^(\d+)\s*(m|min|mins|minutes?|minutos?|h|hr|hrs|hours?|horas?|d|days?|dias?)$"
)


@dataclass(frozen=True)
class Command:
    name: str
    party: str
    words: tuple[str, ...]
    say: Text
    argument: str | None = None
    placeholders: Mapping[str, Placeholder] = field(default_factory=dict)


@dataclass(frozen=True)
class CommandMatch:
    command: Command
    duration: timedelta | None = None


def match(commands: tuple[Command, ...], party: str, text: str) -> CommandMatch | None:
    """The command this text is for this party ('pause 2h' -> peer_pause, 2 hours), or None."""
    said = answers.normalise(text)
    for command in commands:
        if command.party != party:
            continue
        for word in command.words:
            plain = answers.normalise(word)
            if said == plain:
                return CommandMatch(command)
            if command.argument == "duration" and said.startswith(plain + " "):
                duration = read_duration(said[len(plain) + 1 :])
                if duration is not None:
                    return CommandMatch(command, duration)
    return None


def read_duration(said: str) -> timedelta | None:
    """'2h', '2 hours', '30 min', '1 dia' -> a duration; None if it is not one."""
    found = _SPOKEN_DURATION.match(said.strip())
    if not found:
        return None
    amount, unit = int(found.group(1)), found.group(2)[0]
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]


def parse_commands(data: Any, source: str, shared: Mapping[str, Text]) -> tuple[Command, ...]:
    reader = Reader(source, shared)
    top = reader.fields(data, "top", ("spec", "commands"))
    found: list[Command] = []
    if top is not None:
        check_spec(reader, top.get("spec"))
        table = top.get("commands")
        if not isinstance(table, Mapping):
            reader.problem("commands", "expected a mapping of command name to command")
            table = {}
        for name, body in table.items():
            where = f"command '{name}'"
            spec = reader.fields(body, where, ("party", "words", "say"), ("argument", "placeholders"))
            if spec is None:
                continue
            if spec["party"] not in PARTIES:
                reader.problem(f"{where}.party", f"use one of {', '.join(PARTIES)}")
            if spec.get("argument") not in (None, *ARGUMENTS):
                reader.problem(f"{where}.argument", f"use one of {', '.join(ARGUMENTS)}")
            say = reader.text(spec["say"], f"{where}.say")
            placeholders = {
                str(p): Placeholder(reader.integer(n, f"{where}.placeholders.{p}"))
                for p, n in (spec.get("placeholders") or {}).items()
            }
            words = reader.strings(spec["words"], f"{where}.words")
            if say is not None:
                found.append(
                    Command(str(name), spec["party"], words, say, spec.get("argument"), placeholders)
                )
    if reader.problems:
        raise FlowFormatError(reader.problems)
    return tuple(found)
