"""Scanning: each language's matches, set aside or kept by what their sentence says, then reasons."""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from service.core.crisis.compiler import Compiler, union
from service.core.crisis.lexicon import (
    LOCALES,
    MARKERS,
    PERSONS,
    SENTENCE_ENDS,
    SEVERITY,
    SUBJECT_LISTS,
    SUBJECTS,
    LanguageLexicon,
    Lexicon,
)
from service.core.crisis.normalise import Normaliser, Raw, Token, raw_tokens, vocabulary
from service.core.crisis.patterns import Pattern

ORDINARY_SETS_ASIDE = ("plan", "means", "imminent")  # what an everyday use or errand can explain
REASON_MAX = 80  # characters quoted per reason: enough to see why, short enough for an alert
SUBJECT_JOIN = 2  # a subject this close is quoted with the words between: "my son is suicidal"
SUBJECT_REACH = 12  # words looked back, within the sentence, for whom a sentence is about


@dataclass(frozen=True)
class _Found:
    category: str
    start: int  # in the text as written
    end: int
    weak: bool  # a pattern that needed context: a poorer reason when a strong one is there
    subject: tuple[int, int, bool] | None = None  # who, for third_party: span and whether it is near


@dataclass
class _Candidate:
    category: str
    person: str | None
    needs_context: bool
    first: int  # token span, inclusive
    last: int


class _Line:
    """One language's normalised words of a text, as a string, with the map back to the text."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.words = [t.text for t in tokens]
        self.offsets: list[int] = []
        position = 1
        for word in self.words:
            self.offsets.append(position)
            position += len(word) + 1
        self.text = " " + " ".join(self.words) + " "
        self._sentences: list[int] | None = None

    def span(self, match: re.Match[str]) -> tuple[int, int]:
        return self.index(match.start()), self.index(match.end() - 2)

    def index(self, position: int) -> int:
        return bisect_right(self.offsets, position) - 1

    def sentence(self, index: int) -> int:
        if self._sentences is None:
            count, self._sentences = 0, []
            for word in self.words:
                self._sentences.append(count)
                count += word in SENTENCE_ENDS
        return self._sentences[index]


class _Language:
    """A language's lexicon compiled once: the regular expressions and the normaliser."""

    def __init__(self, language: LanguageLexicon, known_elsewhere: frozenset[str]) -> None:
        self.data = language
        self.breaks = language.clause_breaks | SENTENCE_ENDS
        compiler = Compiler(language)
        # Patterns woken by the same words are searched as one expression; a text wakes few of them.
        grouped: dict[tuple[str, str | None, bool, frozenset[str] | None], list[Pattern]] = {}
        for rule in language.rules:
            persons: tuple[str | None, ...] = PERSONS if compiler.personal(rule.pattern) else (None,)
            for person in persons:
                key = (rule.category, person, rule.needs_context, compiler.anchors(rule.pattern, person))
                grouped.setdefault(key, []).append(rule.pattern)
        self.rules = [
            (category, person, needs_context, regex, anchors)
            for (category, person, needs_context, anchors), patterns in grouped.items()
            if (regex := compiler.regex(patterns, person)) is not None
        ]
        # Which rules a word can wake: a text is searched only with the rules its words anchor.
        self.always = [i for i, compiled in enumerate(self.rules) if compiled[4] is None]
        self.by_word: dict[str, list[int]] = {}
        for i, compiled in enumerate(self.rules):
            for word in compiled[4] or ():
                self.by_word.setdefault(word, []).append(i)
        self.markers = {name: compiler.regex(language.markers[name], None) for name in MARKERS}
        self.marker_anchors = {
            name: union(compiler.anchors(p, None) for p in language.markers[name]) for name in MARKERS
        }
        self.subjects = {name: compiler.regex(language.subjects[name], None) for name in SUBJECT_LISTS}
        self.normaliser = Normaliser(language, vocabulary(language), known_elsewhere)

    def find(self, raw: Sequence[Raw]) -> list[_Found]:
        line = _Line(self.normaliser.tokens(raw))
        if not line.words:
            return []
        present = set(line.words)
        masked = self._masked(line, present)
        free = self._not_negating(line, masked, present)
        woken = set(self.always)
        for word in present:
            woken.update(self.by_word.get(word, ()))
        candidates = [
            _Candidate(category, person, needs_context, *line.span(match))
            for category, person, needs_context, regex, _ in (self.rules[i] for i in sorted(woken))
            for match in _overlapping(regex, masked)
        ]
        negated = [(c.first, c.last) for c in candidates if self.negated(line, c.first, free)]
        candidates = [c for c in candidates if not any(a <= c.first and c.last <= b for a, b in negated)]
        if not candidates:
            return []
        if any(c.needs_context for c in candidates):
            candidates = self._supported(line, masked, free, present, candidates)
        return _Sentences(self, line, masked, free).judge(_merge_persons(candidates)) if candidates else []

    def marker(self, name: str, present: set[str]) -> re.Pattern[str] | None:
        """The marker's regular expression, or None when the text has none of its words."""
        anchors = self.marker_anchors[name]
        return self.markers[name] if anchors is None or not anchors.isdisjoint(present) else None

    def _masked(self, line: _Line, present: set[str]) -> str:
        """The line with idioms blanked out, so "dying to see you" cannot be read as dying."""
        idioms = self.marker("idioms", present)
        spans = [(m.start(), m.end() - 1) for m in idioms.finditer(line.text)] if idioms else []
        if not spans:
            return line.text
        chars = list(line.text)
        for start, end in spans:
            for i in range(start, end):
                if chars[i] != " ":
                    chars[i] = "_"
        return "".join(chars)

    def _not_negating(self, line: _Line, masked: str, present: set[str]) -> set[int]:
        """Negators that negate nothing that follows: "can't stop thinking", "no one", "not ok"."""
        regex = self.marker("not_negating", present)
        free: set[int] = set()
        if regex:
            for match in regex.finditer(masked):
                first, last = line.span(match)
                free.update(range(first, last + 1))
        return free

    def negated(self, line: _Line, first: int, free: set[int]) -> bool:
        """A negator a few words before, in the same clause: "I would never hurt myself".

        The clause ends at punctuation, a conjunction, or a new subject ("I'm not ok I want to
        die") unless the subject follows a word that carries negation over ("not that I want").
        """
        data = self.data
        for index in range(first - 1, max(-1, first - 1 - data.negation_window), -1):
            word = line.words[index]
            if word in self.breaks:
                return False
            if word in data.negators and index not in free:
                return True
            if word in data.stop_at and (index == 0 or line.words[index - 1] not in data.carry_over):
                return False
        return False

    def _supported(
        self, line: _Line, masked: str, free: set[int], present: set[str], candidates: list[_Candidate]
    ) -> list[_Candidate]:
        """Weak matches that something else in the text supports: a strong match, a word that
        speaks of dying, or another weak match; never the weak match's own words ("I bought a
        rope" is not made a crisis by "rope", nor "I'm ready to go" by "I'm ready")."""
        regex = self.marker("context", present)
        spans = [line.span(m) for m in regex.finditer(masked)] if regex else []
        evidence = [(first, last) for first, last in spans if not self.negated(line, first, free)]
        evidence += [(c.first, c.last) for c in candidates]
        return [
            c
            for c in candidates
            if not c.needs_context or any(last < c.first or first > c.last for first, last in evidence)
        ]


def _overlapping(regex: re.Pattern[str], text: str) -> Iterable[re.Match[str]]:
    """Matches starting at every word, not only after the previous match: in "me amenaza con
    matarme", both "me amenaza" and "amenaza con matarme"."""
    position = 0
    while (match := regex.search(text, position)) is not None:
        yield match
        position = text.index(" ", match.start()) + 1


class _Sentences:
    """What each sentence of a line says about its matches: whose, when, and whether in a story."""

    def __init__(self, language: _Language, line: _Line, masked: str, free: set[int]) -> None:
        self.language = language
        self.line = line
        self.masked = masked
        self.spans = {
            name: self._spans(name, free) for name in ("past", "recovered", "present", "media", "ordinary")
        }
        self.flags = {name: {line.sentence(a) for a, _ in spans} for name, spans in self.spans.items()}
        self.denied = self._denied()
        self.labels = self._subject_labels()
        regex = language.subjects["own"]
        self.own = {line.span(m)[0] for m in regex.finditer(masked)} if regex else set()

    def _spans(self, marker: str, free: set[int]) -> list[tuple[int, int]]:
        """Where the marker is said, and not denied: "not for cooking" is no everyday use."""
        regex = self.language.marker(marker, set(self.line.words))
        if regex is None:
            return []
        spans = [self.line.span(m) for m in regex.finditer(self.masked)]
        return [(a, b) for a, b in spans if not self.language.negated(self.line, a, free)]

    def _denied(self) -> set[int]:
        """Sentences asked and answered no: "suicidal? nah", "kms? no way", "¿matarme? ni loca"."""
        regex = self.language.marker("denials", set(self.line.words))
        if regex is None:
            return set()
        words, denied = self.line.words, set()
        for match in regex.finditer(self.masked):
            first = self.line.span(match)[0]
            if first > 0 and words[first - 1] == "?":
                denied.add(self.line.sentence(first - 1))
        return denied

    def _story(self, candidate: _Candidate, sentence: int) -> bool:
        """The sentence is about a film, song or book, said outside the match itself: "my goodbye
        video" is the texter's plan, not a story."""
        return any(
            self.line.sentence(a) == sentence and not candidate.first <= a <= b <= candidate.last
            for a, b in self.spans["media"]
        )

    def _own(self, near: tuple[str, int, int] | None) -> bool:
        """A person named as one's own ("one of my students"), not a character: real, even in a
        sentence about a poem or a film."""
        if near is None or near[0] != "people" or near[1] not in self.own:
            return False
        return not any(a <= near[2] and near[1] <= b for a, b in self.spans["media"])

    def _subject_labels(self) -> dict[int, tuple[str, int]]:
        """At the last word of each subject phrase: its kind and first word."""
        labels: dict[int, tuple[str, int]] = {}
        for kind in ("self", "addressee", "other", "people"):  # later kinds win: "my brother" is not "my"
            regex = self.language.subjects[kind]
            for match in regex.finditer(self.masked) if regex else ():
                first, last = self.line.span(match)
                labels[last] = (kind, first)
        return labels

    def subject(self, first: int, kinds: tuple[str, ...] = SUBJECTS) -> tuple[str, int, int] | None:
        """The nearest subject phrase before this word in its sentence: kind, first and last word.

        A person named is the subject only when what follows says so: "my friend wants to die",
        "my son is ...", not "lost my dad and want to die".
        """
        sentence = self.line.sentence(first)
        for index in range(first - 1, max(-1, first - 1 - SUBJECT_REACH), -1):
            if self.line.sentence(index) != sentence:
                break
            label = self.labels.get(index)
            if label is None or label[0] not in kinds:
                continue
            if label[0] == "people" and not self._names_subject(index, first):
                continue
            if label[0] == "addressee" and not self._question(sentence):
                continue  # "you" in a statement is mostly the texter talking of themselves
            return label[0], label[1], index
        return None

    def _names_subject(self, index: int, first: int) -> bool:
        """A person named ends at `index`: are they the subject of the words at `first`? Only when
        a verb follows ("my friend wants", "my son's been"), not a thing they own ("my dad's gun")."""
        words, data = self.line.words, self.language.data
        if index + 1 == first:
            return True
        after = words[index + 1]
        if after == "s" and index + 2 < len(words) and words[index + 2] in data.owned:
            return False
        return after in data.people_verbs

    def _says_self(self, candidate: _Candidate) -> bool:
        """The texter is named inside the match: "they'd be better off if I was gone"."""
        return any(self.labels.get(i, ("",))[0] == "self" for i in range(candidate.first, candidate.last + 1))

    def _question(self, sentence: int) -> bool:
        indexes = [i for i in range(len(self.line.words)) if self.line.sentence(i) == sentence]
        words = [self.line.words[i] for i in indexes if self.line.words[i] != ","]
        return bool(words) and (words[-1] == "?" or words[0] in self.language.data.question_words)

    def judge(self, candidates: list[_Candidate]) -> list[_Found]:
        found = []
        for candidate in candidates:
            person, explicit = candidate.person, candidate.person is not None
            near = self.subject(candidate.first)
            if candidate.category == "abuse" and person is None:
                person, explicit = "self", True  # the subject is the one who hits, not the one at risk
            elif person is None and self._says_self(candidate):
                person, explicit = "self", True
            elif person is None:
                explicit = near is not None
                kind = near[0] if near else "self"
                person = {"people": "other"}.get(kind, kind)
            elif person == "self" and candidate.category != "abuse" and _reported(near, candidate.first):
                person = "other"  # reported speech: "they're gonna kms", "dice que me mato"
            if person == "addressee":
                continue  # "do you want to die?" asks someone; it says nothing of the texter
            sentence = self.line.sentence(candidate.first)
            closed = self.flags["past"] | self.flags["recovered"]
            if (sentence in closed and sentence not in self.flags["present"]) or sentence in self.denied:
                continue
            if (
                self._story(candidate, sentence)
                and not self._own(near)
                and (person == "other" or not explicit)
            ):
                continue
            if candidate.category in ORDINARY_SETS_ASIDE and sentence in self.flags["ordinary"]:
                continue  # "a rope for the boat", "on the bridge now, traffic is crazy"
            found.append(self._found(candidate, person))
        return found

    def _found(self, candidate: _Candidate, person: str) -> _Found:
        tokens = self.line.tokens
        start, end = tokens[candidate.first].start, tokens[candidate.last].end
        if person != "other" and candidate.category != "third_party":
            return _Found(candidate.category, start, end, candidate.needs_context)
        who = self.subject(candidate.first, ("people",)) or self.subject(candidate.first, ("other",))
        subject = None
        if who is not None:
            near = candidate.first - who[2] <= SUBJECT_JOIN
            subject = (tokens[who[1]].start, tokens[who[2]].end, near)
        return _Found("third_party", start, end, candidate.needs_context, subject)


def _reported(near: tuple[str, int, int] | None, first: int) -> bool:
    """A third-person pronoun right before a first-person phrase: someone's words, reported. Not a
    person named: in "mi novio me golpeó" the "me" is who was hit."""
    if near is None:
        return False
    return near[0] == "other" and first - near[2] <= 4  # a pronoun: "they're gonna kms"


def _merge_persons(candidates: list[_Candidate]) -> list[_Candidate]:
    """The same words read both for the texter and for someone else say nothing of who: neutral."""
    by_span: dict[tuple[str, int, int], _Candidate] = {}
    for candidate in candidates:
        seen = by_span.setdefault((candidate.category, candidate.first, candidate.last), candidate)
        if seen is not candidate:
            seen.person = seen.person if seen.person == candidate.person else None
            seen.needs_context = seen.needs_context and candidate.needs_context
    return list(by_span.values())


class CrisisDetector:
    """Scans texts for crisis language in every language of the lexicon."""

    def __init__(self, lexicon: Lexicon) -> None:
        every = frozenset(
            word
            for language in lexicon.languages.values()
            for word in vocabulary(language) | language.known_words | frozenset(language.rewrite)
        )
        self.languages = [_Language(lexicon.languages[locale], every) for locale in sorted(lexicon.languages)]
        self.version = "+".join(
            f"{lang.locale}{lang.version}" for lang in _sorted(lexicon.languages.values())
        )

    def scan(self, text: str, locale: str) -> tuple[str, ...]:
        """() when the text is not a crisis; else one reason per category, most severe first.

        Every language is scanned whatever `locale` says: people switch languages, and a first
        text has none. `locale` is a hint only, kept for the interface.
        """
        del locale
        raw = raw_tokens(text)
        if not raw:
            return ()
        found = [f for language in self.languages for f in language.find(raw)]
        return _reasons(text, found)


def _sorted(languages: Iterable[LanguageLexicon]) -> list[LanguageLexicon]:
    return sorted(languages, key=lambda lang: LOCALES.index(lang.locale) if lang.locale in LOCALES else 99)


def _reasons(text: str, found: list[_Found]) -> tuple[str, ...]:
    """One reason per category: its first strong match not inside a longer one, run on through
    the matches of that category it overlaps ("going to kill myself" + "kill myself tonight")."""
    kept = [f for f in found if not any(_inside(f, other) for other in found)]
    by_category: dict[str, list[_Found]] = {}
    for item in sorted(kept, key=lambda f: (f.start, -f.end)):
        by_category.setdefault(item.category, []).append(item)
    reasons = []
    for category in SEVERITY:
        items = by_category.get(category, [])
        if items:
            best = min(items, key=lambda f: (f.weak, f.start))
            for item in items:
                if best.start <= item.start < best.end < item.end:
                    best = dataclasses.replace(best, end=item.end)
            reasons.append(f"{category}: {_quote(text, best)}")
    return tuple(reasons)


def _inside(item: _Found, other: _Found) -> bool:
    return (
        other.start <= item.start
        and item.end <= other.end
        and other.end - other.start > item.end - item.start
    )


def _quote(text: str, found: _Found) -> str:
    words = _clip(text[found.start : found.end])
    if found.subject is None:
        return words
    start, end, adjacent = found.subject
    if adjacent:
        return _clip(text[start : found.end])
    return f"{_clip(text[start:end])} ... {words}"


def _clip(written: str) -> str:
    plain = " ".join(written.split())
    if len(plain) <= REASON_MAX:
        return plain
    half = (REASON_MAX - 5) // 2
    return f"{plain[:half].rstrip()} ... {plain[-half:].lstrip()}"
