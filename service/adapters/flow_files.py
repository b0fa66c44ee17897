"""Load flows/*.yaml strictly and check them: a broken flow stops start-up, with reasons.

YAML 1.2 (ruamel): `yes`, `no` and `on` stay strings; a duplicate key is an error. The content
hash of each flow file is recorded on every conversation that runs it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from service.core.commands import Command, parse_commands
from service.core.flow_check import FlowSet, check
from service.core.flow_model import Flow, FlowFormatError, Text
from service.core.flow_reader import parse_flow, parse_messages

MESSAGES, COMMANDS, TOPICS = "messages.yaml", "commands.yaml", "topics.yaml"
NOT_FLOWS = {MESSAGES, COMMANDS, TOPICS}
TIMEZONE_ANSWER = "checkin_tz"  # the host builds a ZoneInfo from it


class FlowsInvalid(Exception):
    """The flows cannot run: every problem, one per line, each naming the file and step."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            f"{len(problems)} problem(s) in the flows:\n" + "\n".join(f"  {p}" for p in problems)
        )
        self.problems = problems


def read_yaml(path: Path) -> Any:
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = False
    return yaml.load(path.read_bytes())


def load(flows_dir: Path, only: Iterable[Path] = ()) -> FlowSet:
    """Load and check the flows in this directory; raise FlowsInvalid with every problem."""
    problems: list[str] = []
    shared: dict[str, Text] = {}
    messages_path = flows_dir / MESSAGES
    try:
        shared = parse_messages(read_yaml(messages_path), _name(messages_path))
    except (OSError, YAMLError, FlowFormatError) as error:
        problems += _problems(messages_path, error)
    flows: dict[str, Flow] = {}
    paths = sorted(p for p in flows_dir.glob("*.yaml") if p.name not in NOT_FLOWS)
    if not paths:
        problems.append(f"{_name(flows_dir)}: no flow files (*.yaml) found")
    for path in paths:
        try:
            raw = path.read_bytes()
            digest = hashlib.sha256(raw).hexdigest()[:16]
            flow = parse_flow(read_yaml(path), _name(path), shared, digest)
            flows[flow.name] = flow
        except (OSError, YAMLError, FlowFormatError) as error:
            problems += _problems(path, error)
    commands_path = flows_dir / COMMANDS
    commands: tuple[Command, ...] = ()
    try:
        commands = parse_commands(read_yaml(commands_path), _name(commands_path), shared)
    except (OSError, YAMLError, FlowFormatError) as error:
        problems += _problems(commands_path, error)
    flow_set = FlowSet(flows, shared, commands, _name(commands_path))
    found = check(flow_set) + _zone_problems(flow_set)
    if only:
        wanted = {_name(Path(p).resolve()) for p in only}
        found = [p for p in found if p.split(":", 1)[0] in wanted]
    problems += found
    if problems:
        raise FlowsInvalid(problems)
    return flow_set


def _name(path: Path) -> str:
    """A path as people read it: relative to the working directory when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


def _problems(path: Path, error: Exception) -> list[str]:
    if isinstance(error, FlowFormatError):
        return error.problems
    if isinstance(error, FileNotFoundError):
        return [f"{_name(path)}: file not found"]
    detail = " ".join(str(error).split())
    return [f"{_name(path)}: not valid YAML: {detail}"]


def _zone_problems(flow_set: FlowSet) -> list[str]:
    """Time zones offered for check-ins must exist in this machine's tz database."""
    found = []
    for flow in flow_set.flows.values():
        for step in flow.steps.values():
            if step.save != TIMEZONE_ANSWER or step.answer is None:
                continue
            for option in step.answer.options:
                try:
                    ZoneInfo(option.value)
                except (ZoneInfoNotFoundError, ValueError):
                    found.append(
                        f"{flow.source}: step '{step.id}': '{option.value}' is not a time zone"
                        " (use an IANA name such as America/New_York)"
                    )
    return found
