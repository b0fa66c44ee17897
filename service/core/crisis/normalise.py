"""From a text as written to each language's words, keeping where each word was written."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

from service.core.crisis.lexicon import TYPO_MIN, LanguageLexicon
from service.core.crisis.patterns import Joined, Pattern, literals, only_word, walk

_APOSTROPHES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'", "\u2032": "'"}
)
_RAW = re.compile(
    r"[^\W_]+(?:'[^\W_]+)*'?|[.!?;…]+|[,:¿¡]|\n|[\U0001F602\U0001F923\U0001F480\U0001F639\U0001F606]"
)
_LAUGH = re.compile(r"^(?:([jh][aeiou])\1+[jh]?|l+o+l+|lmf?a+o+|xd+|rofl)$")  # not "hija"
_RUN = re.compile(r"([^\W\d_])\1{2,}")
_LEET = str.maketrans({"1": "i", "3": "e", "0": "o", "4": "a", "5": "s", "7": "t"})


class Raw(NamedTuple):  # tuples: a text makes dozens of these, a dataclass costs a microsecond each
    text: str  # folded: lower case, no accents but ñ, straight apostrophes
    start: int
    end: int


class Token(NamedTuple):
    text: str
    start: int
    end: int


def raw_tokens(text: str) -> list[Raw]:
    """Words and clause punctuation as written, folded, with where each was written."""
    return [Raw(_fold(m.group()), m.start(), m.end()) for m in _RAW.finditer(text.translate(_APOSTROPHES))]


@lru_cache(maxsize=65536)
def _fold(written: str) -> str:
    if written[0] in ".!?;…\n":
        return "?" if "?" in written else "."
    if written in ",:¿¡":
        return ","
    if not written[0].isalnum():
        return "lol"  # the laughing and skull emoji
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", unicodedata.normalize("NFKC", written).casefold()):
        if unicodedata.combining(ch):
            if ch == "\u0303" and out and out[-1] == "n":
                out[-1] = "ñ"  # "año" is not "ano"
            continue
        out.append(ch)
    word = "".join(out)
    return "lol" if _LAUGH.match(word.replace("'", "")) else word


class Normaliser:
    """One language's way from folded words to the words its patterns are written in."""

    def __init__(
        self, language: LanguageLexicon, vocabulary: frozenset[str], elsewhere: frozenset[str]
    ) -> None:
        self.rewrite = language.rewrite
        self.joins = language.joins
        self.join_starts = {first for first, _ in language.joins} | {
            f"{first[:i]}'{first[i:]}" for first, _ in language.joins for i in range(1, len(first))
        }
        self.contractions = language.contractions
        self.vocabulary = vocabulary | language.known_words | frozenset(self.rewrite)
        self.elsewhere = elsewhere  # a word another language knows is that word, not a typo of one here
        self.near: dict[str, set[str]] = {}
        for target in language.typo_targets:
            for variant in _deletions(target) | {target}:
                self.near.setdefault(variant, set()).add(target)
        self._cache: dict[str, tuple[str, ...]] = {}

    def tokens(self, raw: Sequence[Raw]) -> list[Token]:
        out: list[Token] = []
        index, count = 0, len(raw)
        while index < count:
            text, start, end = raw[index]
            if text in self.join_starts and index + 1 < count:
                pair = (text.replace("'", ""), raw[index + 1].text.replace("'", ""))
                if pair in self.joins:
                    out += [Token(word, start, raw[index + 1].end) for word in self.joins[pair]]
                    index += 2
                    continue
            found = self._cache.get(text) or self.words(text)
            out += [Token(found[0], start, end)] if len(found) == 1 else [Token(w, start, end) for w in found]
            index += 1
        return out

    def words(self, folded: str) -> tuple[str, ...]:
        found = self._cache.get(folded)
        if found is None:
            found = self._words(folded)
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[folded] = found
        return found

    def _words(self, word: str) -> tuple[str, ...]:
        bare = word.replace("'", "")
        for form in (word, bare):
            if form in self.rewrite:
                return self.rewrite[form]
        if "'" in word:
            for ending, words in self.contractions:
                if word.endswith(ending) and len(word) > len(ending):
                    return (*self._words(word[: -len(ending)]), *words)
            word = bare
        if not word:
            return ()
        word = self._unstretched(word)
        if word in self.rewrite:
            return self.rewrite[word]
        if word[0].isalpha() and not word.isalpha():  # "su1c1de", not "3am"
            leet = word.translate(_LEET)
            if leet.isalpha():
                return self._words(leet) if leet != word else (leet,)
        if word not in self.vocabulary and word not in self.elsewhere:
            word = self._typo(word) or word
        return (word,)

    def _unstretched(self, word: str) -> str:
        """Letters held down undone: 'dieeee' -> 'die', 'killll' -> 'kill' (a listed word wins)."""
        if not _RUN.search(word):
            return word
        one, two = _RUN.sub(r"\1", word), _RUN.sub(r"\1\1", word)
        return two if two in self.vocabulary and one not in self.vocabulary else one

    def _typo(self, word: str) -> str | None:
        """The listed long word one typo away: a letter missing, extra, changed or swapped."""
        if len(word) < TYPO_MIN or not word.isalpha():
            return None
        for variant in _deletions(word) | {word}:
            for target in self.near.get(variant, ()):
                if _one_edit(word, target):
                    return target
        return None


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """Damerau distance exactly one (or equal)."""
    if a == b:
        return True
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i = diffs[0]
        return len(diffs) == 2 and diffs[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def vocabulary(language: LanguageLexicon) -> frozenset[str]:
    """Every word the lexicon writes: a stretched or misspelt word is read as one of these."""
    patterns = [
        *(r.pattern for r in language.rules),
        *(p for g in language.markers.values() for p in g),
        *(p for g in language.subjects.values() for p in g),
        *(p for by in language.slots.values() for g in by.values() for p in g),
    ]
    words = {w for p in patterns for w in literals(p)}
    words |= {w for joined in joined_words(patterns, language) for w in joined}
    return frozenset(words | {w for found in language.rewrite.values() for w in found})


def joined_words(patterns: Iterable[Pattern], language: LanguageLexicon) -> Iterable[tuple[str, ...]]:
    """The words built around slots ("matar{cl}" -> matarme, matarse)."""
    for pattern in patterns:
        for node in walk(pattern):
            if isinstance(node, Joined):
                forms = [""]
                for part in node.parts:
                    if isinstance(part, str):
                        forms = [f + part for f in forms]
                    else:
                        entries = [
                            only_word(e) for g in language.slots.get(part.name, {}).values() for e in g
                        ]
                        forms = [f + e for f in forms for e in entries]
                yield tuple(forms)
