"""Read the flow format: plain data (already loaded from YAML) in, `flow_model` dataclasses out.

Strict: unknown fields, wrong types and missing required fields are problems that name the file
and the step, collected so one run reports them all. Cross-references (does this transition land
on a step?) and the content rules are checked afterwards by `flow_check`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from service.core.flow_model import (
    ANSWER_KINDS,
    CHANNELS,
    HOST_EVENTS,
    PARTIES,
    SPEC_VERSION,
    Answer,
    Flow,
    FlowFormatError,
    Interrupt,
    Invalid,
    Option,
    Placeholder,
    Step,
    Text,
    Timeout,
)

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Reader:
    """Collects problems while reading one file, so the checker reports them all at once."""

    def __init__(self, source: str, messages: Mapping[str, Text]) -> None:
        self.source = source
        self.messages = dict(messages)
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.source}: {where}: {message}")

    def fields(
        self, data: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        if not isinstance(data, Mapping):
            self.problem(where, f"expected a mapping, found {type(data).__name__}")
            return None
        for key in data:
            if key not in required and key not in optional:
                known = ", ".join(required + optional)
                self.problem(where, f"unknown field '{key}' (known: {known})")
        for key in required:
            if key not in data:
                self.problem(where, f"missing required field '{key}'")
        return dict(data)

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.problem(where, f"expected a non-empty text, found {value!r}")
            return ""
        return value

    def integer(self, value: Any, where: str, minimum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(where, f"expected a whole number, found {value!r}")
            return 0
        if minimum is not None and value < minimum:
            self.problem(where, f"expected {minimum} or more, found {value}")
        return value

    def clock_time(self, value: Any, where: str) -> str:
        """A time of day written HH:MM (24-hour), as answers are compared: '09:00', '20:30'."""
        if not isinstance(value, str) or not _CLOCK.match(value):
            self.problem(
                where, f'expected a time such as "09:00" or "20:30" (HH:MM, quoted), found {value!r}'
            )
            return "00:00"
        return value

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.problem(where, f"expected a list of texts, found {value!r}")
            return ()
        return tuple(self.string(item, where) for item in value)

    def duration(self, value: Any, where: str) -> timedelta:
        match = _DURATION.match(value) if isinstance(value, str) else None
        if not match:
            self.problem(where, f"expected a duration such as 90s, 30m, 4h or 2d, found {value!r}")
            return timedelta(0)
        if int(match.group(1)) == 0:
            self.problem(where, "a wait of zero would end before anyone could answer")
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})

    def locale_table(self, value: Any, where: str) -> dict[str, str]:
        if not isinstance(value, Mapping) or not value:
            self.problem(where, "expected texts per locale, such as {en: '...', es: '...'}")
            return {}
        return {str(locale): self.string(text, f"{where}.{locale}") for locale, text in value.items()}

    def text(self, value: Any, where: str) -> Text | None:
        """A message id, or an inline message {text: {en, es}, voice: {en, es}}."""
        if isinstance(value, str):
            if value not in self.messages:
                self.problem(where, f"unknown message '{value}' (define it under messages:)")
                return None
            return self.messages[value]
        data = self.fields(value, where, ("text",), ("voice",))
        if data is None:
            return None
        voice = self.locale_table(data["voice"], f"{where}.voice") if "voice" in data else {}
        return Text(self.locale_table(data.get("text"), f"{where}.text"), voice)

    def message_table(self, value: Any, where: str) -> dict[str, Text]:
        if not isinstance(value, Mapping):
            self.problem(where, "expected a mapping of message id to message")
            return {}
        table = {}
        for name, body in value.items():
            text = self.text(body, f"{where}.{name}") if isinstance(body, Mapping) else None
            if text is None and not isinstance(body, Mapping):
                self.problem(f"{where}.{name}", "expected {text: {en: ..., es: ...}}")
            if text is not None:
                table[str(name)] = Text(text.sms, text.voice, str(name))
        return table


def parse_messages(data: Any, source: str) -> dict[str, Text]:
    """Read the shared messages file (flows/messages.yaml)."""
    reader = Reader(source, {})
    top = reader.fields(data, "top", ("spec", "messages"))
    messages = {}
    if top is not None:
        check_spec(reader, top.get("spec"))
        messages = reader.message_table(top.get("messages"), "messages")
    if reader.problems:
        raise FlowFormatError(reader.problems)
    return messages


def parse_flow(data: Any, source: str, shared: Mapping[str, Text], content_hash: str = "") -> Flow:
    """Read one flow file's data; raise FlowFormatError naming every problem found."""
    reader = Reader(source, shared)
    top = reader.fields(
        data,
        "top",
        ("spec", "flow", "start", "steps"),
        ("description", "parties", "channels", "interrupts", "placeholders", "messages", "remember"),
    )
    if top is None:
        raise FlowFormatError(reader.problems)
    check_spec(reader, top.get("spec"))
    reader.messages.update(reader.message_table(top.get("messages", {}), "messages"))
    parties = reader.strings(top.get("parties", ["seeker"]), "parties")
    for party in parties:
        if party not in PARTIES:
            reader.problem("parties", f"unknown party '{party}' (use {', '.join(PARTIES)})")
    channels = reader.strings(top.get("channels", ["sms"]), "channels")
    for channel in channels:
        if channel not in CHANNELS:
            reader.problem("channels", f"unknown channel '{channel}' (use {', '.join(CHANNELS)})")
    steps_data = top.get("steps")
    steps: dict[str, Step] = {}
    if isinstance(steps_data, Mapping) and steps_data:
        for step_id, body in steps_data.items():
            step = _read_step(reader, str(step_id), body, parties or ("seeker",))
            if step is not None:
                steps[step.id] = step
    else:
        reader.problem("steps", "expected a mapping of step id to step")
    flow = Flow(
        name=reader.string(top.get("flow"), "flow"),
        description=str(top.get("description", "")),
        parties=parties,
        channels=channels,
        start=reader.string(top.get("start"), "start"),
        steps=steps,
        interrupts=tuple(_read_interrupts(reader, top.get("interrupts", []), parties)),
        placeholders=_read_placeholders(reader, top.get("placeholders", {})),
        remember=reader.strings(top.get("remember", []), "remember"),
        source=source,
        content_hash=content_hash,
    )
    if reader.problems:
        raise FlowFormatError(reader.problems)
    return flow


def check_spec(reader: Reader, spec: Any) -> None:
    if spec != SPEC_VERSION:
        reader.problem("spec", f"this PeerLine reads flow format spec {SPEC_VERSION}, found {spec!r}")


_STEP_KINDS = ("say", "ask", "branch", "handoff", "relay", "end")
_STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "say": ("to", "next"),
    "ask": ("to", "answer", "save", "forward", "next", "invalid", "timeout", "while_waiting"),
    "branch": (),
    "handoff": ("next", "await", "timeout", "while_waiting", "to"),
    "relay": ("timeout", "while_waiting", "to"),
    "end": ("to",),
}


def _read_step(reader: Reader, step_id: str, body: Any, parties: tuple[str, ...]) -> Step | None:
    where = f"step '{step_id}'"
    if not isinstance(body, Mapping):
        reader.problem(where, "expected a mapping")
        return None
    kinds = [kind for kind in _STEP_KINDS if kind in body]
    if "say" in kinds and len(kinds) > 1:
        kinds.remove("say")  # any step may say something first: before a question, before ending
    if len(kinds) != 1:
        reader.problem(where, f"a step is exactly one of {', '.join(_STEP_KINDS)}; found {kinds or 'none'}")
        return None
    kind = kinds[0]
    extra = ("say",) if kind != "say" else ()
    data = reader.fields(body, where, (kind,), _STEP_FIELDS[kind] + extra)
    if data is None:
        return None
    to = data.get("to", parties[0])
    if to not in parties and not (to == "both" and kind in ("say", "relay", "end") and len(parties) > 1):
        reader.problem(f"{where}.to", f"'{to}' is not a party of this flow ({', '.join(parties)})")
    step: dict[str, Any] = {"id": step_id, "kind": kind, "to": to}
    if "say" in data:
        said = data.get("say")
        items = said if isinstance(said, list) else [said] if said is not None else []
        step["say"] = tuple(
            t for i, item in enumerate(items) if (t := reader.text(item, f"{where}.say[{i}]"))
        )
    if kind == "end":
        end = reader.fields(data["end"] or {}, f"{where}.end", (), ("then",))
        if end and "then" in end:
            step["then_flow"] = reader.string(end["then"], f"{where}.end.then")
    if kind == "ask":
        step["prompt"] = reader.text(data["ask"], f"{where}.ask")
        step["answer"] = _read_answer(reader, data.get("answer"), f"{where}.answer")
        if "save" in data:
            step["save"] = reader.string(data["save"], f"{where}.save")
        if "forward" in data:
            if not isinstance(data["forward"], bool):
                reader.problem(f"{where}.forward", "expected true or false")
            step["forward"] = data["forward"] is True
        for required in ("invalid", "timeout"):
            if required not in data:
                reader.problem(where, f"a question needs an explicit '{required}:' branch")
        if "invalid" in data:
            step["invalid"] = _read_invalid(reader, data["invalid"], f"{where}.invalid")
    if kind == "branch":
        branch = reader.fields(data["branch"], f"{where}.branch", ("on", "cases", "otherwise"))
        if branch:
            step["branch_on"] = reader.string(branch.get("on"), f"{where}.branch.on")
            step["cases"] = _read_targets(reader, branch.get("cases"), f"{where}.branch.cases")
            step["otherwise"] = reader.string(branch.get("otherwise"), f"{where}.branch.otherwise")
    if kind == "handoff":
        step["action"] = reader.string(data["handoff"], f"{where}.handoff")
        if "await" in data:
            step["events"] = _read_targets(reader, data["await"], f"{where}.await")
    if kind == "relay" and data["relay"] is not True:
        reader.problem(f"{where}.relay", "write 'relay: true'")
    if "while_waiting" in data:
        step["while_waiting"] = reader.text(data["while_waiting"], f"{where}.while_waiting")
    if "timeout" in data:
        step["timeout"] = _read_timeout(reader, data["timeout"], f"{where}.timeout")
    if "next" in data:
        if isinstance(data["next"], str):
            step["next"] = data["next"]
        else:
            step["next_by_value"] = _read_targets(reader, data["next"], f"{where}.next")
    return Step(**step)


def _read_targets(reader: Reader, value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        reader.problem(where, "expected a mapping of value to step id")
        return {}
    return {str(key): reader.string(target, f"{where}.{key}") for key, target in value.items()}


def _read_answer(reader: Reader, value: Any, where: str) -> Answer | None:
    data = reader.fields(value, where, (), ANSWER_KINDS)
    if not data or len(data) != 1:
        reader.problem(where, f"give exactly one answer type: {', '.join(ANSWER_KINDS)}")
        return None
    kind, spec = next(iter(data.items()))
    where = f"{where}.{kind}"
    if kind == "number":
        limits = reader.fields(spec, where, ("min", "max"))
        if limits is None:
            return None
        return Answer(
            kind, minimum=reader.integer(limits["min"], where), maximum=reader.integer(limits["max"], where)
        )
    if kind == "choice":
        if not isinstance(spec, list) or not spec:
            reader.problem(where, "expected a list of options")
            return None
        return Answer(
            kind,
            options=tuple(
                o for i, item in enumerate(spec) if (o := _read_option(reader, item, f"{where}[{i}]"))
            ),
        )
    if kind == "digits":
        length = reader.fields(spec, where, ("length",))
        return Answer(kind, length=reader.integer(length["length"], where)) if length else None
    if kind == "time":
        window = reader.fields(spec or {}, where, (), ("earliest", "latest"))
        if window is None:
            return None
        earliest = reader.clock_time(window.get("earliest", "00:00"), f"{where}.earliest")
        latest = reader.clock_time(window.get("latest", "23:59"), f"{where}.latest")
        if earliest > latest:
            reader.problem(where, f"earliest {earliest} is after latest {latest}")
        return Answer(kind, earliest=earliest, latest=latest)
    if kind == "text":
        limit = reader.fields(spec or {}, where, (), ("max_length",))
        return (
            Answer(kind, max_length=reader.integer(limit.get("max_length", 0), where))
            if limit is not None
            else None
        )
    if spec not in (None, {}):
        reader.problem(where, "yes_no takes no settings: write 'yes_no: {}'")
    return Answer(kind)


def _read_option(reader: Reader, value: Any, where: str) -> Option | None:
    data = reader.fields(value, where, ("key", "value"), ("words", "label"))
    if data is None:
        return None
    key = reader.string(data["key"], f"{where}.key")
    if key and not key.isdigit():
        reader.problem(f"{where}.key", f"keys are digits a keypad can send, found {key!r}")
    label = reader.locale_table(data["label"], f"{where}.label") if "label" in data else {}
    words = reader.strings(data.get("words", []), f"{where}.words")
    return Option(key, reader.string(data["value"], f"{where}.value"), words, label)


def _read_invalid(reader: Reader, value: Any, where: str) -> Invalid | None:
    data = reader.fields(value, where, ("then",), ("say", "retries"))
    if data is None:
        return None
    say = reader.text(data["say"], f"{where}.say") if "say" in data else None
    retries = reader.integer(data.get("retries", 2), f"{where}.retries", minimum=0)
    return Invalid(reader.string(data["then"], f"{where}.then"), say, retries)


def _read_timeout(reader: Reader, value: Any, where: str) -> Timeout | None:
    data = reader.fields(value, where, ("after", "then"), ("remind", "reminders", "after_from"))
    if data is None:
        return None
    after_from = reader.string(data["after_from"], f"{where}.after_from") if "after_from" in data else None
    remind = reader.text(data["remind"], f"{where}.remind") if "remind" in data else None
    reminders = reader.integer(data.get("reminders", 1 if remind else 0), f"{where}.reminders", minimum=0)
    return Timeout(
        reader.duration(data["after"], f"{where}.after"),
        reader.string(data["then"], f"{where}.then"),
        remind,
        reminders,
        after_from,
    )


def _read_interrupts(reader: Reader, value: Any, parties: tuple[str, ...]) -> list[Interrupt]:
    if not isinstance(value, list):
        reader.problem("interrupts", "expected a list")
        return []
    found = []
    for i, item in enumerate(value):
        where = f"interrupts[{i}]"
        data = reader.fields(item, where, ("goto",), ("words", "event", "from", "say", "during"))
        if data is None:
            continue
        if ("words" in data) == ("event" in data):
            reader.problem(where, "give either words (a party's text) or event (from the host), not both")
            continue
        event = reader.string(data["event"], f"{where}.event") if "event" in data else None
        if event is not None and event not in HOST_EVENTS:
            reader.problem(
                f"{where}.event", f"'{event}' is not a host event; known: {', '.join(HOST_EVENTS)}"
            )
        who = reader.strings(data.get("from", list(parties)), f"{where}.from")
        for party in who:
            if party not in parties:
                reader.problem(f"{where}.from", f"'{party}' is not a party of this flow")
        say = reader.text(data["say"], f"{where}.say") if "say" in data else None
        words = reader.strings(data["words"], f"{where}.words") if "words" in data else ()
        during = reader.strings(data.get("during", []), f"{where}.during")
        goto = reader.string(data["goto"], f"{where}.goto")
        found.append(Interrupt(words, goto, who, say, during, event))
    return found


def _read_placeholders(reader: Reader, value: Any) -> dict[str, Placeholder]:
    if not isinstance(value, Mapping):
        reader.problem("placeholders", "expected a mapping of name to {max_length: N}")
        return {}
    found = {}
    for name, spec in value.items():
        data = reader.fields(spec, f"placeholders.{name}", ("max_length",), ("gsm",))
        if data is not None:
            gsm = data.get("gsm", False)
            if not isinstance(gsm, bool):
                reader.problem(f"placeholders.{name}.gsm", "expected true or false")
            found[str(name)] = Placeholder(
                reader.integer(data["max_length"], f"placeholders.{name}"), gsm is True
            )
    return found
