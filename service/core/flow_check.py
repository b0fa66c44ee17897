"""Static checks over a whole set of flows (design §4): nothing broken reaches a person.

Each problem names the file, the step and what to fix. Run at start-up, by
`peerline flows check`, and over every shipped flow in the tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from service.core import answers, keywords, sms
from service.core.commands import Command
from service.core.flow_engine import OTHERWISE
from service.core.flow_graph import loops_without_wait, reachable
from service.core.flow_model import HANDOFF_EVENTS, REQUIRED_LOCALES, Answer, Flow, Placeholder, Step, Text

MAX_SEGMENTS = 2
# Carrier-reserved words: never an answer or a command, in any case or accent.
RESERVED = frozenset(
    {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
        "START",
        "YES",
        "UNSTOP",
        "HELP",
        "INFO",
    }
)
VOICE_CRISIS_KEY = "9"  # on a call, 9 at any menu dials 988
HOST_MESSAGES = (  # sent by id
    "crisis_resources",
    "crisis_third_party",
    "crisis_peer_guidance",
    "no_checkins",
    "peer_welcome",
    "peer_welcome_commands",
    "peer_not_confirmed",
    "offer_taken",
    "offer_withdrawn",
    "media_not_relayed",
    "share_held_contact",
    "share_held_name",
    "share_held_substance_detail",
    "share_held_self_harm_method",
    "tip_long",
    "tip_what_helped",
    "tip_balance",
    "tip_directive",
    "peer_free_now",
    "oncall_no_peer",
    "oncall_peer_asks_coordinator",
    "oncall_crisis",
    "oncall_burst",
    "seeker_left",
    "seeker_held_contact",
    "peer_left",
)


@dataclass(frozen=True)
class FlowSet:
    flows: Mapping[str, Flow]
    shared: Mapping[str, Text]
    commands: tuple[Command, ...] = ()
    commands_source: str = "commands.yaml"


def check(flow_set: FlowSet) -> list[str]:
    """Every problem in these flows, as readable lines; an empty list means all is well."""
    problems: list[str] = []
    locales = _locales(flow_set)
    for flow in flow_set.flows.values():
        problems += _check_flow(flow, flow_set, locales)
    for flow_name, step_id in loops_without_wait(flow_set.flows):
        problems.append(
            f"{flow_set.flows[flow_name].source}: step '{step_id}': starts a loop (through end.then too)"
            " that never waits for anyone; add a question or an end"
        )
    for name in HOST_MESSAGES:
        if name not in flow_set.shared:
            problems.append(f"messages.yaml: message '{name}' is missing; the line sends it by that id")
    for text in flow_set.shared.values():
        problems += [f"messages.yaml: {p}" for p in _text_problems(text, locales, {}, False)]
    for command in flow_set.commands:
        where = f"{flow_set.commands_source}: command '{command.name}'"
        problems += [f"{where}: {p}" for p in _reserved(command.words)]
        problems += [
            f"{where}: {p}" for p in _text_problems(command.say, locales, command.placeholders, False)
        ]
    return problems


def _locales(flow_set: FlowSet) -> tuple[str, ...]:
    """English and Spanish always; any other locale written anywhere must then be complete."""
    seen = set(REQUIRED_LOCALES)
    for flow in flow_set.flows.values():
        for _, text in _texts(flow):
            seen.update(text.sms)
    return tuple(sorted(seen))


def _check_flow(flow: Flow, flow_set: FlowSet, locales: tuple[str, ...]) -> list[str]:
    out: list[str] = []

    def problem(where: str, message: str) -> None:
        out.append(f"{flow.source}: {where}: {message}")

    if flow.source and not flow.source.endswith(f"{flow.name}.yaml"):
        problem("flow", f"the flow is named '{flow.name}' but its file is {flow.source}; make them match")
    if flow.start not in flow.steps:
        problem("start", f"'{flow.start}' is not a step")
    saved = {s.save for f in flow_set.flows.values() for s in f.steps.values() if s.save}
    for step in flow.steps.values():
        where = f"step '{step.id}'"
        for label, target in step.targets():
            if target not in flow.steps:
                problem(where, f"{label} goes to '{target}', which is not a step of this flow")
        if step.then_flow and step.then_flow not in flow_set.flows:
            problem(where, f"end.then names flow '{step.then_flow}', which does not exist")
        for message in _step_problems(step, flow, saved):
            problem(where, message)
    for i, interrupt in enumerate(flow.interrupts):
        if interrupt.goto not in flow.steps:
            problem(f"interrupts[{i}]", f"goto '{interrupt.goto}' is not a step of this flow")
        for step_id in interrupt.during:
            if step_id not in flow.steps:
                problem(f"interrupts[{i}]", f"during names '{step_id}', which is not a step of this flow")
        for message in _reserved(interrupt.words):
            problem(f"interrupts[{i}]", message)
    for step_id in sorted(set(flow.steps) - reachable(flow)):
        problem(f"step '{step_id}'", "is never reached from the start or an interrupt; link it or remove it")
    for where, message in _answer_problems(flow, flow_set):
        problem(where, message)
    for where, text in _texts(flow):
        for message in _text_problems(text, locales, flow.placeholders, "voice" in flow.channels):
            problem(where, message)
    return out


def _step_problems(step: Step, flow: Flow, saved: set[str]) -> Iterator[str]:
    if step.kind == "ask" and step.answer is not None:
        options = answers.options_of(step.answer)
        values = {o.value for o in options}
        if not step.next and not step.next_by_value:
            yield "a question needs 'next:' for a valid answer"
        if step.next_by_value:
            for value in step.next_by_value:
                if value != OTHERWISE and value not in values:
                    yield f"next names '{value}', which is not one of the answer's values"
            missing = values - set(step.next_by_value)
            if (missing or not values) and OTHERWISE not in step.next_by_value:
                yield f"next has no step for {sorted(missing) or 'other answers'}; add them or 'otherwise:'"
        if step.answer.kind == "choice":
            yield from _option_problems(step)
        if step.answer.kind == "number" and step.answer.minimum > step.answer.maximum:
            yield "number answer has min above max"
        if "voice" in flow.channels:
            yield from _voice_problems(step)
        if step.save == "locale" and (step.answer.kind != "choice" or not values <= set(REQUIRED_LOCALES)):
            yield "saving 'locale' needs a choice whose values are locales (en, es)"
    if step.kind == "handoff":
        expected = HANDOFF_EVENTS.get(step.action or "")
        if expected is None:
            yield f"unknown handoff '{step.action}' (known: {', '.join(HANDOFF_EVENTS)})"
        elif set(step.events) != set(expected):
            yield f"handoff '{step.action}' needs await: for exactly {list(expected) or 'nothing'}"
        if step.events and step.timeout is None:
            yield "a handoff that waits needs a 'timeout:' (what if the answer never comes?)"
        if not step.events and not step.next:
            yield "a handoff that does not wait needs 'next:'"
    if step.kind == "relay" and step.timeout is None:
        yield "a relay needs a 'timeout:' with its time-box nudge"
    if step.kind == "say" and not step.next:
        yield "a message step needs 'next:'"
    if step.kind == "branch" and step.branch_on not in saved and step.branch_on not in flow.placeholders:
        yield f"branches on '{step.branch_on}', which no question saves and no placeholder declares"


def _option_problems(step: Step) -> Iterator[str]:
    assert step.answer is not None
    seen: dict[str, str] = {}
    for option in step.answer.options:
        for said in (option.key, *(answers.normalise(w) for w in option.words)):
            if said in seen and seen[said] != option.value:
                yield f"'{said}' answers both '{seen[said]}' and '{option.value}'; make it one"
            seen[said] = option.value
        yield from _reserved(option.words)


def _voice_problems(step: Step) -> Iterator[str]:
    assert step.answer is not None
    if step.prompt and not step.prompt.voice:
        yield "this flow runs on calls too: the question needs a 'voice:' prompt (say 'press', not 'reply')"
    for option in answers.options_of(step.answer):
        if len(option.key) != 1:
            yield f"key '{option.key}' cannot be pressed as one key on a call; use 0-8"
        if option.key == VOICE_CRISIS_KEY:
            yield "key 9 is kept for reaching 988 on a call; number the choices 1-8"
    if step.answer.kind == "number" and step.answer.minimum <= 9 <= step.answer.maximum:
        yield "on a call, pressing 9 dials 988; keep number answers below 9"


def _reserved(words: tuple[str, ...]) -> Iterator[str]:
    for word in words:
        plain = keywords.normalise(word)
        if plain in RESERVED or keywords.classify(word, opted_out=True) is not None:
            yield f"'{word}' is a carrier or PeerLine keyword (STOP, HELP, YES…): never an answer or command"


def _text_problems(
    text: Text, locales: tuple[str, ...], placeholders: Mapping[str, Placeholder], voice_flow: bool
) -> Iterator[str]:
    name = f"message '{text.name}'" if text.name else "text"
    for locale in locales:
        if locale not in text.sms:
            yield f"{name} has no '{locale}' text; write it"
        if text.voice and locale not in text.voice:
            yield f"{name} has no '{locale}' voice prompt; write it"
    try:
        found = text.placeholders()
    except ValueError:
        yield f"{name} has a stray {{ or }}; write {{{{ or }}}} for a brace that should show"
        return
    if any(not n.isidentifier() for names in found.values() for n in names):
        yield f"{name} has a placeholder without a plain name; write {{topic_label}}, not {{}} or {{0}}"
        return
    shapes = {frozenset(names) for names in found.values()}
    if len(shapes) > 1:
        detail = "; ".join(f"{ch} {loc}: {sorted(n) or 'none'}" for (ch, loc), n in sorted(found.items()))
        yield f"{name} uses different placeholders across locales or channels ({detail}); make them the same"
    for names in shapes:
        for missing in sorted(names - set(placeholders)):
            yield f"{name} uses {{{missing}}}, which is not declared under placeholders:"
    for locale, template in sorted(text.sms.items()):
        worst = _worst_case(template, placeholders)
        count = sms.count_segments(worst)
        if count.segments > MAX_SEGMENTS:
            limit = MAX_SEGMENTS * (
                sms.GSM7_PER_SEGMENT if count.encoding == "GSM-7" else sms.UCS2_PER_SEGMENT
            )
            yield (
                f"{name} ({locale}) is {count.segments} SMS segments"
                f" ({count.units} {count.encoding} characters at its longest, limit {limit}); shorten it"
                + ("" if count.encoding == "GSM-7" else " or drop the characters that force UCS-2")
            )


def _worst_case(template: str, placeholders: Mapping[str, Placeholder]) -> str:
    """The text with each placeholder at its longest; a value that may hold accents counts as UCS-2."""
    filled = {}
    for name, spec in placeholders.items():
        filled[name] = ("x" if spec.gsm else "á") * spec.max_length
    return template.format_map(_Filler(filled))


class _Filler(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "x" * 20  # undeclared: reported above; still count a plausible length


def _texts(flow: Flow) -> Iterator[tuple[str, Text]]:
    for step in flow.steps.values():
        where = f"step '{step.id}'"
        for text in step.say:
            yield f"{where}.say", text
        if step.prompt:
            yield f"{where}.ask", step.prompt
        if step.invalid and step.invalid.say:
            yield f"{where}.invalid.say", step.invalid.say
        if step.timeout and step.timeout.remind:
            yield f"{where}.timeout.remind", step.timeout.remind
        if step.while_waiting:
            yield f"{where}.while_waiting", step.while_waiting
    for i, interrupt in enumerate(flow.interrupts):
        if interrupt.say:
            yield f"interrupts[{i}].say", interrupt.say


def _answer_problems(flow: Flow, flow_set: FlowSet) -> Iterator[tuple[str, str]]:
    """Answers against the rest: placeholders long enough for what is saved, labels complete,
    interrupt words that would swallow an answer, retries and reminders that speak on calls."""
    declared = {n: p.max_length for f in flow_set.flows.values() for n, p in f.placeholders.items()}
    for step in flow.steps.values():
        answer, where = step.answer, f"step '{step.id}'"
        if answer is None:
            continue
        longest = _longest_value(answer)
        if step.save in declared and (longest is None or longest > declared[step.save]):
            size = "any length" if longest is None else f"up to {longest} characters"
            yield (
                where,
                f"saves {size} as '{step.save}', but {{{step.save}}} is declared shorter; raise max_length",
            )
        for option in answer.options:
            if option.label:
                for locale in REQUIRED_LOCALES:
                    if locale not in option.label:
                        yield where, f"option '{option.value}' has no '{locale}' label"
                limit = declared.get(f"{step.save}_label")
                too_long = [text for text in option.label.values() if limit is not None and len(text) > limit]
                if too_long:
                    yield (
                        where,
                        f"label {too_long[0]!r} is longer than {{{step.save}_label}} allows ({limit})",
                    )
        words = {answers.normalise(w) for o in answer.options for w in o.words}
        for interrupt in flow.interrupts:
            if interrupt.during and step.id not in interrupt.during:
                continue
            for word in interrupt.words:
                if answers.normalise(word) in words:
                    yield where, f"'{word}' is both an answer and an interrupt; the interrupt always wins"
        if "voice" in flow.channels:
            for label, text in (
                ("invalid.say", step.invalid and step.invalid.say),
                ("timeout.remind", step.timeout and step.timeout.remind),
            ):
                if text and not text.voice:
                    yield where, f"{label} needs a 'voice:' text too: a caller cannot 'reply'"


def _longest_value(answer: Answer) -> int | None:
    """The longest value this answer can save; None when unbounded (free text without a limit)."""
    if answer.kind == "text":
        return answer.max_length or None
    if answer.kind == "number":
        return max(len(str(answer.minimum)), len(str(answer.maximum)))
    if answer.kind == "time":
        return 5
    if answer.kind == "digits":
        return answer.length
    return max((len(o.value) for o in answers.options_of(answer)), default=0)
