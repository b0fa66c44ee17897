"""The crisis lexicon's pattern language: a few words' worth of regular expression over slots.

Words are written as normalised text reads: lower case, no accents (ñ kept), no apostrophes.
  word       that word; `suicid*` any word starting so
  {slot}     any entry of the slot; `matar{cl}` a word built around a one-word slot
  (a|b c)    one of these; `?` after a word or group makes it optional
  ~3         up to three other words, not across a sentence end or a negator
  $          the clause ends here (punctuation, "but", "lol", ... or the end of the text)
  ^          a clause starts here (the start of the text, punctuation, "but", "and", ...): an SMS
             often drops its subject ("took them all", "cut again")
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Slots every language has: numbers as written ("30 pills", "in 2019").
BUILT_IN = {"number": r"\d+ ", "big_number": r"[1-9]\d+ ", "year": r"(?:19|20)\d\d "}


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Slot:
    name: str


@dataclass(frozen=True)
class Joined:
    parts: tuple[str | Slot, ...]


@dataclass(frozen=True)
class Group:
    options: tuple[tuple[Node, ...], ...]


@dataclass(frozen=True)
class Maybe:
    node: Node


@dataclass(frozen=True)
class Gap:
    most: int


@dataclass(frozen=True)
class End:
    pass


@dataclass(frozen=True)
class Start:
    pass


Node = Word | Slot | Joined | Group | Maybe | Gap | End | Start
Pattern = tuple[Node, ...]

_PATTERN_TOKEN = re.compile(r"\(|\)|\||\?|~\d+|\$|\^|[^\s()|?^]+")
_LITERAL = re.compile(r"^(?:[a-z0-9ñ]+\*?|,)$")
_SLOT_IN_WORD = re.compile(r"(\{[a-z_]+\})")


class PatternSyntaxError(ValueError):
    pass


def parse_pattern(text: str) -> Pattern:
    """The pattern's nodes; PatternSyntaxError says what is wrong with it."""
    tokens = _PATTERN_TOKEN.findall(text)
    if not tokens:
        raise PatternSyntaxError("empty pattern")
    parser = _Parser(tokens)
    options = parser.options()
    if parser.at < len(tokens):
        raise PatternSyntaxError(f"unexpected '{tokens[parser.at]}'")
    if len(options) != 1:
        raise PatternSyntaxError("'|' outside parentheses")
    sequence = options[0]
    if isinstance(sequence[0], Gap) or isinstance(sequence[-1], Gap):
        raise PatternSyntaxError("a gap (~N) must have words on both sides")
    return sequence


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0

    def _peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def options(self) -> tuple[tuple[Node, ...], ...]:
        found = [self.sequence()]
        while self._peek() == "|":
            self.at += 1
            found.append(self.sequence())
        if len(found) > 1 and any(all(isinstance(n, Maybe) for n in o) for o in found):
            # "(a|b?)" matches nothing at all as readily as b: write "(a|b)?" if that is meant
            raise PatternSyntaxError("an alternative must need a word: write '(a|b)?' for an optional group")
        return tuple(found)

    def sequence(self) -> tuple[Node, ...]:
        nodes: list[Node] = []
        while self._peek() not in (None, ")", "|"):
            nodes.append(self.item())
        if not nodes:
            raise PatternSyntaxError("empty alternative")
        return tuple(nodes)

    def item(self) -> Node:
        node = self.atom()
        if self._peek() == "?":
            self.at += 1
            if isinstance(node, Gap | End | Start | Maybe):
                raise PatternSyntaxError("'?' must follow a word or a group")
            node = Maybe(node)
        return node

    def atom(self) -> Node:
        piece = self.tokens[self.at]
        self.at += 1
        if piece == "(":
            group = Group(self.options())
            if self._peek() != ")":
                raise PatternSyntaxError("'(' without ')'")
            self.at += 1
            return group
        if piece == "?":
            raise PatternSyntaxError("'?' must follow a word or a group")
        if piece.startswith("~"):
            most = int(piece[1:])
            if not 1 <= most <= 8:
                raise PatternSyntaxError(f"gap '{piece}' must be ~1 to ~8")
            return Gap(most)
        if piece == "$":
            return End()
        if piece == "^":
            return Start()
        return _word(piece)


def _word(token: str) -> Node:
    parts = [p for p in _SLOT_IN_WORD.split(token) if p]
    if len(parts) == 1 and parts[0].startswith("{"):
        return Slot(parts[0][1:-1])
    for part in parts:
        if not part.startswith("{") and not _LITERAL.match(part):
            raise PatternSyntaxError(
                f"'{token}' is not a normalised word (lower case, no accents or apostrophes)"
            )
    if len(parts) == 1:
        return Word(parts[0].rstrip("*"), parts[0].endswith("*"))
    if any(p.endswith("*") for p in parts):
        raise PatternSyntaxError(f"'{token}': '*' cannot be used in a word built around a slot")
    return Joined(tuple(Slot(p[1:-1]) if p.startswith("{") else p for p in parts))


def walk(nodes: Iterable[Node]) -> Iterable[Node]:
    for node in nodes:
        yield node
        if isinstance(node, Group):
            for option in node.options:
                yield from walk(option)
        elif isinstance(node, Maybe):
            yield from walk((node.node,))
        elif isinstance(node, Joined):
            yield from (p for p in node.parts if isinstance(p, Slot))


def literals(nodes: Iterable[Node]) -> Iterable[str]:
    for node in walk(nodes):
        if isinstance(node, Word) and not node.prefix:
            yield node.text


def only_word(pattern: Pattern) -> str:
    node = pattern[0]
    assert isinstance(node, Word)
    return node.text
