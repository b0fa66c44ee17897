"""From patterns to regular expressions, and the rare words that wake each one."""

from __future__ import annotations

import re
from collections.abc import Iterable

from service.core.crisis.lexicon import PERSONS, SENTENCE_ENDS, LanguageLexicon
from service.core.crisis.patterns import (
    BUILT_IN,
    Gap,
    Group,
    Joined,
    Maybe,
    Node,
    Pattern,
    Slot,
    Start,
    Word,
    only_word,
    walk,
)


class Compiler:
    """One language's patterns as regular expressions over its words joined as one string:
    " w1 w2 ... wn ", each word followed by a space."""

    def __init__(self, language: LanguageLexicon) -> None:
        self.slots = language.slots
        stops = sorted({*SENTENCE_ENDS, *language.negators}, key=len, reverse=True)
        self.gap_word = rf"(?:(?!(?:{'|'.join(map(_escape, stops))}) )[^ ]+ )"
        breaks = sorted(language.clause_breaks | SENTENCE_ENDS, key=len, reverse=True)
        self.end = rf"(?=(?:{'|'.join(map(_escape, breaks))}) |$)"
        self.start = "(?:" + "|".join(["(?<=^ )", *(f"(?<= {_escape(b)} )" for b in breaks)]) + ")"
        self._personal: dict[str, bool] = {}
        self._compiled: dict[tuple[str, str | None, bool], str] = {}

    def personal(self, nodes: Iterable[Node]) -> bool:
        """Whether these nodes read differently for the texter and for someone else."""
        for node in walk(nodes):
            if isinstance(node, Slot) and node.name in self.slots:
                if node.name not in self._personal:
                    by_person = self.slots[node.name]
                    self._personal[node.name] = None not in by_person or any(
                        self.personal(p) for p in by_person[None]
                    )
                if self._personal[node.name]:
                    return True
        return False

    def anchors(self, nodes: Iterable[Node], person: str | None) -> frozenset[str] | None:
        """Words one of which every match of these nodes contains (None: no such words), chosen
        to be rare: a text without any of them need not be searched."""
        best: frozenset[str] | None = None
        for node in nodes:
            found = self._node_anchors(node, person)
            if found is not None and (best is None or _rarity(found) < _rarity(best)):
                best = found
        return best

    def _node_anchors(self, node: Node, person: str | None) -> frozenset[str] | None:
        if isinstance(node, Word):
            return None if node.prefix else _spellings(node.text)
        if isinstance(node, Joined):
            forms = [""]
            for part in node.parts:
                entries = [part] if isinstance(part, str) else self._entries(part.name, person)
                forms = [f + (e if isinstance(e, str) else only_word(e)) for f in forms for e in entries]
            return frozenset(w for form in forms for w in _spellings(form))
        if isinstance(node, Slot):
            if node.name in BUILT_IN:
                return None
            return union(self.anchors(entry, person) for entry in self._entries(node.name, person))
        if isinstance(node, Group):
            return union(self.anchors(option, person) for option in node.options)
        return None  # optional words, gaps and clause ends require nothing

    def _entries(self, name: str, person: str | None) -> list[Pattern]:
        by_person = self.slots[name]
        wanted = [None] if None in by_person else ([person] if person else list(PERSONS))
        return [p for group in wanted for p in by_person[group]]

    def regex(self, patterns: Iterable[Pattern], person: str | None) -> re.Pattern[str] | None:
        options = sorted({self.sequence(p, person) for p in patterns}, key=len, reverse=True)
        return re.compile(f"(?<= )(?:{'|'.join(options)})") if options else None

    def sequence(self, nodes: Iterable[Node], person: str | None) -> str:
        return "".join(self.node(node, person) for node in nodes)

    def node(self, node: Node, person: str | None) -> str:
        if isinstance(node, Word):
            return _escape(node.text) + (r"[^ ]* " if node.prefix else " ")
        if isinstance(node, Slot):
            return self.slot(node.name, person, inside_word=False)
        if isinstance(node, Joined):
            return "".join(self.piece(part, person) for part in node.parts) + " "
        if isinstance(node, Group):
            return _alternation(self.sequence(option, person) for option in node.options)
        if isinstance(node, Maybe):
            return f"(?:{self.node(node.node, person)})?"
        if isinstance(node, Gap):
            return f"{self.gap_word}{{0,{node.most}}}?"
        if isinstance(node, Start):
            return self.start
        return self.end

    def piece(self, part: str | Slot, person: str | None) -> str:
        return _escape(part) if isinstance(part, str) else self.slot(part.name, person, inside_word=True)

    def slot(self, name: str, person: str | None, inside_word: bool) -> str:
        """A slot's entries for this person (both when None), compiled once."""
        if name in BUILT_IN:
            return BUILT_IN[name]
        key = (name, person, inside_word)
        if key not in self._compiled:
            entries = self._entries(name, person)
            if inside_word:
                self._compiled[key] = _alternation(_escape(only_word(p)) for p in entries)
            else:
                self._compiled[key] = _alternation(self.sequence(p, person) for p in entries)
        return self._compiled[key]


# Function words, English and Spanish: a poor choice of anchor, they are in almost every text.
_COMMON = frozenset({
    "the", "and", "for", "you", "not", "that", "this", "with", "have", "just", "what", "like", "about",
    "was", "are", "but", "all", "can", "get", "got", "out", "has", "had", "him", "her", "his", "she",
    "they", "its", "our", "who", "how", "why", "now", "one", "any", "too", "off", "yes", "really",
    "want", "feel", "been", "know", "left", "took", "take", "did", "does", "will", "would", "could",
    "should", "make", "going", "said", "say", "tell", "told", "need", "time", "then", "there", "here",
    "when", "where", "them", "their", "your", "from", "into", "over", "even", "still", "some", "much",
    "more", "very", "back", "being", "were", "because", "think", "never", "every",
    "que", "con", "para", "por", "los", "las", "una", "del", "pero", "como", "esta", "este", "ese", "esa",
    "todo", "mas", "muy", "ya", "estoy", "tengo", "quiero", "nada", "hay", "cuando", "voy", "hace", "eso",
    "solo", "bien", "mal", "porque", "tambien", "siempre", "nunca", "todos", "puedo", "creo",
})  # fmt: skip


def _rarity(words: frozenset[str]) -> tuple[int, int]:
    return sum(len(w) <= 2 or w in _COMMON for w in words), len(words)


def union(sets: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
    found: set[str] = set()
    for words in sets:
        if words is None:
            return None
        found |= words
    return frozenset(found)


def _spellings(word: str) -> frozenset[str]:
    """A word and, for ñ, how it is typed without one: a pattern's "daño" matches "dano"."""
    return frozenset({word, word.replace("ñ", "n")})


def _alternation(options: Iterable[str]) -> str:
    found = sorted(set(options), key=len, reverse=True)
    return "(?:" + _trie(found) + ")" if found else "(?!)"  # an empty slot matches nothing


_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 ")


def _trie(options: list[str]) -> str:
    """Alternatives with their leading plain characters factored out, longest first: Python's
    regex engine tries alternatives one by one, and a slot of a hundred words would otherwise be
    tried word by word at every word of the text. Safe because the compiler never puts a
    quantifier straight after a plain character."""
    groups: dict[str, list[str]] = {}
    kept: list[str] = []
    for option in options:
        if option and option[0] in _PLAIN:
            groups.setdefault(option[0], []).append(option[1:])
        else:
            kept.append(option)
    for char, rests in groups.items():
        if len(rests) == 1:
            kept.append(char + rests[0])
        else:
            tails = sorted(set(rests), key=len, reverse=True)
            kept.append(f"{char}(?:{_trie(tails)})")
    return "|".join(sorted(kept, key=len, reverse=True))


def _escape(word: str) -> str:
    return re.escape(word).replace("ñ", "(?:ñ|n)")
