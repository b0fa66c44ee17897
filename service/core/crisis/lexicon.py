"""The crisis lexicon: each language's YAML data, parsed and checked, every problem named."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.core.crisis.patterns import (
    BUILT_IN,
    Joined,
    Pattern,
    PatternSyntaxError,
    Slot,
    Word,
    literals,
    parse_pattern,
    walk,
)

CATEGORIES = ("ideation", "intent", "plan", "means", "self_harm", "imminent", "abuse", "third_party")
SEVERITY = ("imminent", "intent", "plan", "means", "self_harm", "ideation", "abuse", "third_party")
LOCALES = ("en", "es")
PERSONS = ("self", "other")
MARKERS = (
    "idioms", "not_negating", "denials", "past", "recovered", "present", "media", "ordinary", "context"
)  # fmt: skip
SUBJECTS = ("self", "other", "people", "addressee")
SUBJECT_LISTS = (*SUBJECTS, "own")  # own: people named as one's own ("my son"): real, not in a story
TYPO_MIN = 5  # shorter words are too often other real words one letter away
SENTENCE_ENDS = frozenset({".", "?"})


class LexiconError(ValueError):
    """The lexicon data cannot be used: every problem found, one per entry, each naming its file."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Rule:
    category: str
    pattern: Pattern
    text: str  # as written in the file, for messages
    needs_context: bool


@dataclass(frozen=True)
class LanguageLexicon:
    """One language's data, parsed and checked."""

    locale: str
    version: int
    rewrite: Mapping[str, tuple[str, ...]]  # one written word -> the words it stands for
    joins: Mapping[tuple[str, str], tuple[str, ...]]  # two written words -> the words they stand for
    contractions: tuple[tuple[str, tuple[str, ...]], ...]  # "n't" -> ("not",)
    typo_targets: tuple[str, ...]
    known_words: frozenset[str]
    negators: frozenset[str]
    clause_breaks: frozenset[str]
    negation_window: int
    stop_at: frozenset[str]  # a new subject starts a new clause: "i am not ok i want to die"
    carry_over: frozenset[str]  # ...unless it follows one of these: "not that i want to die"
    people_verbs: frozenset[str]  # words after a person that make them the subject: "my son is"
    owned: frozenset[str]  # after "<person> s", a thing owned, not "is": "my dad's gun is loaded"
    question_words: frozenset[str]  # first words of a question: "do you want to die"
    slots: Mapping[str, Mapping[str | None, tuple[Pattern, ...]]]  # person (None: both) -> entries
    rules: tuple[Rule, ...]
    markers: Mapping[str, tuple[Pattern, ...]]  # MARKERS
    subjects: Mapping[str, tuple[Pattern, ...]]  # SUBJECT_LISTS


@dataclass(frozen=True)
class Lexicon:
    """Both languages' data: each text is scanned with every one of them."""

    languages: Mapping[str, LanguageLexicon]


_TOP_FIELDS = (
    "version", "normalise", "negation", "subjects", "time", "media", "ordinary", "idioms", "context", "slots",
    "patterns", "with_context",
)  # fmt: skip
_NORMALISE_FIELDS = ("rewrite", "contractions", "typo_targets", "known_words")
_NEGATION_FIELDS = (
    "negators", "window", "clause_breaks", "not_negating", "denials", "stop_at", "carry_over"
)  # fmt: skip
_SUBJECT_FIELDS = (*SUBJECT_LISTS, "people_verbs", "owned", "question_words")
_NORMAL_KEY = re.compile(r"^[a-z0-9ñ']+(?: [a-z0-9ñ']+)?$")
_NORMAL_WORDS = re.compile(r"^[a-z0-9ñ]+(?: [a-z0-9ñ]+)*$")


def parse_lexicon(data_by_locale: Mapping[str, Any], source: str) -> Lexicon:
    """Build the Lexicon from each locale's parsed YAML; LexiconError lists every problem.

    `source` names where the data came from: each problem reads "<source>/<locale>.yaml: ...".
    """
    problems: list[str] = []
    languages: dict[str, LanguageLexicon] = {}
    for locale in LOCALES:
        if locale not in data_by_locale:
            problems.append(f"{source}/{locale}.yaml: missing: the {locale} lexicon is required")
    for locale, data in data_by_locale.items():
        reader = _Reader(f"{source}/{locale}.yaml", problems)
        language = reader.language(locale, data)
        if language is not None:
            languages[locale] = language
    if problems:
        raise LexiconError(problems)
    return Lexicon(languages)


class _Reader:
    """Reads one locale's file, adding a named problem for everything wrong and carrying on."""

    def __init__(self, where: str, problems: list[str]) -> None:
        self.where = where
        self.problems = problems

    def problem(self, field: str, message: str) -> None:
        self.problems.append(f"{self.where}: {field}: {message}" if field else f"{self.where}: {message}")

    def language(self, locale: str, data: Any) -> LanguageLexicon | None:
        before = len(self.problems)
        if not isinstance(data, Mapping):
            self.problem("", f"expected a mapping with {', '.join(_TOP_FIELDS)}")
            return None
        self.fields(data, _TOP_FIELDS, "", required=("version", "slots", "patterns"))
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.problem("version", f"expected a whole number from 1, found {version!r}")
        normalise = self.mapping(data, "normalise", _NORMALISE_FIELDS)
        negation = self.mapping(data, "negation", _NEGATION_FIELDS)
        rewrite, joins = self.rewrite(normalise.get("rewrite", {}))
        contractions = self.contractions(normalise.get("contractions", {}))
        slots = self.slots(data.get("slots", {}))
        rules = self.rules(data.get("patterns", {}), "patterns", False) + self.rules(
            data.get("with_context", {}), "with_context", True
        )
        time = self.mapping(data, "time", ("past", "recovered", "present"))
        markers = {
            "idioms": self.patterns(data.get("idioms", []), "idioms"),
            "not_negating": self.patterns(negation.get("not_negating", []), "negation.not_negating"),
            "denials": self.patterns(negation.get("denials", []), "negation.denials"),
            "past": self.patterns(time.get("past", []), "time.past"),
            "recovered": self.patterns(time.get("recovered", []), "time.recovered"),
            "present": self.patterns(time.get("present", []), "time.present"),
            "media": self.patterns(data.get("media", []), "media"),
            "ordinary": self.patterns(data.get("ordinary", []), "ordinary"),
            "context": self.patterns(data.get("context", []), "context"),
        }
        subjects_data = self.mapping(data, "subjects", _SUBJECT_FIELDS)
        subjects = {
            name: self.patterns(subjects_data.get(name, []), f"subjects.{name}") for name in SUBJECT_LISTS
        }
        users = _users(slots, rules, markers, subjects)
        self.check_slots(slots, users)
        self.check_rewritten(rewrite, users)
        window = negation.get("window", 3)
        if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 8:
            self.problem("negation.window", f"expected a whole number from 1 to 8, found {window!r}")
        typo_targets = self.words(normalise.get("typo_targets", []), "normalise.typo_targets")
        for target in typo_targets:
            if len(target) < TYPO_MIN + 1 or not target.isalpha():
                self.problem(
                    "normalise.typo_targets", f"'{target}': typos are corrected only in words of 6+ letters"
                )
        if len(self.problems) > before or not isinstance(version, int):
            return None
        return LanguageLexicon(
            locale=locale,
            version=version,
            rewrite=rewrite,
            joins=joins,
            contractions=contractions,
            typo_targets=typo_targets,
            known_words=frozenset(self.words(normalise.get("known_words", []), "normalise.known_words")),
            negators=frozenset(self.words(negation.get("negators", []), "negation.negators")),
            clause_breaks=frozenset(self.breaks(negation.get("clause_breaks", []))),
            negation_window=int(window),
            stop_at=frozenset(self.words(negation.get("stop_at", []), "negation.stop_at")),
            carry_over=frozenset(self.words(negation.get("carry_over", []), "negation.carry_over")),
            people_verbs=frozenset(
                self.words(subjects_data.get("people_verbs", []), "subjects.people_verbs")
            ),
            owned=frozenset(self.words(subjects_data.get("owned", []), "subjects.owned")),
            question_words=frozenset(
                self.words(subjects_data.get("question_words", []), "subjects.question_words")
            ),
            slots=slots,
            rules=tuple(rules),
            markers=markers,
            subjects=subjects,
        )

    def fields(
        self, data: Mapping[Any, Any], known: Sequence[str], where: str, required: Sequence[str] = ()
    ) -> None:
        prefix = f"{where}." if where else ""
        for key in data:
            if key not in known:
                self.problem(f"{prefix}{key}", f"unknown field (known: {', '.join(known)})")
        for key in required:
            if key not in data:
                self.problem(f"{prefix}{key}", "missing")

    def mapping(self, data: Mapping[Any, Any], field: str, known: Sequence[str]) -> Mapping[Any, Any]:
        value = data.get(field, {})
        if not isinstance(value, Mapping):
            self.problem(field, f"expected a mapping, found {type(value).__name__}")
            return {}
        self.fields(value, known, field)
        return value

    def words(self, raw: Any, field: str) -> tuple[str, ...]:
        if not isinstance(raw, list):
            self.problem(field, f"expected a list of words, found {type(raw).__name__}")
            return ()
        found = []
        for item in raw:
            if not isinstance(item, str) or not _NORMAL_WORDS.match(item) or " " in item:
                self.problem(field, f"{item!r} is not one normalised word (lower case, no accents)")
            else:
                found.append(item)
        return tuple(found)

    def breaks(self, raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            self.problem("negation.clause_breaks", "expected a list of words and punctuation marks")
            return ()
        for item in raw:
            if item not in (",", ".", "?") and not _NORMAL_WORDS.match(item):
                self.problem("negation.clause_breaks", f"{item!r} is not a word or one of , . ?")
        return tuple(raw)

    def rewrite(self, raw: Any) -> tuple[dict[str, tuple[str, ...]], dict[tuple[str, str], tuple[str, ...]]]:
        words: dict[str, tuple[str, ...]] = {}
        joins: dict[tuple[str, str], tuple[str, ...]] = {}
        if not isinstance(raw, Mapping):
            self.problem("normalise.rewrite", "expected a mapping of written form to words")
            return words, joins
        for key, value in raw.items():
            if not isinstance(key, str) or not _NORMAL_KEY.match(key):
                self.problem("normalise.rewrite", f"{key!r}: expected one or two lower-case written words")
            elif not isinstance(value, str) or not _NORMAL_WORDS.match(value):
                self.problem(f"normalise.rewrite.{key}", f"{value!r} is not normalised words")
            elif " " in key:
                first, second = key.split(" ")
                joins[(first, second)] = tuple(value.split())
            else:
                words[key] = tuple(value.split())
        return words, joins

    def contractions(self, raw: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if not isinstance(raw, Mapping):
            self.problem("normalise.contractions", 'expected a mapping like {"n\'t": not}')
            return ()
        found = []
        for key, value in raw.items():
            if not isinstance(key, str) or not key.startswith(("'", "n'")):
                self.problem("normalise.contractions", f"{key!r}: expected an ending with an apostrophe")
            elif not isinstance(value, str) or not _NORMAL_WORDS.match(value):
                self.problem(f"normalise.contractions.{key}", f"{value!r} is not normalised words")
            else:
                found.append((key, tuple(value.split())))
        return tuple(sorted(found, key=lambda item: -len(item[0])))

    def pattern(self, raw: Any, field: str) -> Pattern | None:
        if not isinstance(raw, str):
            self.problem(field, f"{raw!r} is not a pattern (quote it?)")
            return None
        try:
            return parse_pattern(raw)
        except PatternSyntaxError as error:
            self.problem(field, f"'{raw}': {error}")
            return None

    def patterns(self, raw: Any, field: str) -> tuple[Pattern, ...]:
        if not isinstance(raw, list):
            self.problem(field, f"expected a list of patterns, found {type(raw).__name__}")
            return ()
        parsed = (self.pattern(item, field) for item in raw)
        return tuple(p for p in parsed if p is not None)

    def slots(self, raw: Any) -> dict[str, dict[str | None, tuple[Pattern, ...]]]:
        slots: dict[str, dict[str | None, tuple[Pattern, ...]]] = {}
        if not isinstance(raw, Mapping):
            self.problem("slots", "expected a mapping of slot name to entries")
            return slots
        for name, entries in raw.items():
            field = f"slots.{name}"
            if not isinstance(name, str) or not re.match(r"^[a-z_]+$", name):
                self.problem("slots", f"{name!r}: slot names are lower-case letters and _")
            elif isinstance(entries, Mapping):
                self.fields(entries, PERSONS, field, required=PERSONS)
                slots[name] = {p: self.patterns(entries.get(p, []), f"{field}.{p}") for p in PERSONS}
            else:
                slots[name] = {None: self.patterns(entries, field)}
        return slots

    def rules(self, raw: Any, field: str, needs_context: bool) -> list[Rule]:
        if not isinstance(raw, Mapping):
            self.problem(field, "expected a mapping of category to patterns")
            return []
        rules = []
        for category, items in raw.items():
            if category not in CATEGORIES:
                self.problem(field, f"{category!r} is not a category (known: {', '.join(CATEGORIES)})")
                continue
            if not isinstance(items, list):
                self.problem(f"{field}.{category}", "expected a list of patterns")
                continue
            for item in items:
                pattern = self.pattern(item, f"{field}.{category}")
                if pattern is not None:
                    rules.append(Rule(category, pattern, item, needs_context))
        return rules

    def check_slots(
        self,
        slots: Mapping[str, Mapping[str | None, tuple[Pattern, ...]]],
        users: list[tuple[str, Pattern]],
    ) -> None:
        """Every slot named exists, none refers back to itself, a slot inside a word is one word."""
        for field, pattern in users:
            for node in walk(pattern):
                if isinstance(node, Slot) and node.name not in slots and node.name not in BUILT_IN:
                    self.problem(field, f"unknown slot {{{node.name}}}")
                if isinstance(node, Joined):
                    self.check_joined(field, node, slots)
        for name in slots:
            if self.cycle(name, slots, ()):
                self.problem(f"slots.{name}", "refers back to itself")

    def check_joined(
        self, field: str, node: Joined, slots: Mapping[str, Mapping[str | None, tuple[Pattern, ...]]]
    ) -> None:
        for part in node.parts:
            if isinstance(part, Slot):
                entries = [e for group in slots.get(part.name, {}).values() for e in group]
                if not all(len(e) == 1 and isinstance(e[0], Word) and not e[0].prefix for e in entries):
                    self.problem(
                        field, f"{{{part.name}}} is used inside a word, so its entries must be single words"
                    )

    def cycle(
        self, name: str, slots: Mapping[str, Mapping[str | None, tuple[Pattern, ...]]], seen: tuple[str, ...]
    ) -> bool:
        if name in seen:
            return True
        for group in slots.get(name, {}).values():
            for pattern in group:
                for node in walk(pattern):
                    if (
                        isinstance(node, Slot)
                        and node.name in slots
                        and self.cycle(node.name, slots, (*seen, name))
                    ):
                        return True
        return False

    def check_rewritten(
        self, rewrite: Mapping[str, tuple[str, ...]], users: list[tuple[str, Pattern]]
    ) -> None:
        """A pattern word that normalising rewrites could never be matched: say what to write."""
        reported: set[tuple[str, str]] = set()
        for field, pattern in users:
            for word in literals(pattern):
                if word in rewrite and rewrite[word] != (word,) and (field, word) not in reported:
                    reported.add((field, word))
                    self.problem(
                        field,
                        f"'{word}' is rewritten to '{' '.join(rewrite[word])}' before matching; write that",
                    )


def _users(
    slots: Mapping[str, Mapping[str | None, tuple[Pattern, ...]]],
    rules: Sequence[Rule],
    markers: Mapping[str, tuple[Pattern, ...]],
    subjects: Mapping[str, tuple[Pattern, ...]],
) -> list[tuple[str, Pattern]]:
    """Every pattern of a language with the field it is written in."""
    users = [(f"{'with_context' if r.needs_context else 'patterns'}.{r.category}", r.pattern) for r in rules]
    users += [(name, p) for name, group in markers.items() for p in group]
    users += [(f"subjects.{name}", p) for name, group in subjects.items() for p in group]
    users += [(f"slots.{n}", p) for n, by in slots.items() for group in by.values() for p in group]
    return users
