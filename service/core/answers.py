"""Understand a person's answer to a question: a key, a word, a number, a time.

People text the way they talk ("4 i guess", "Español", "9:30am"), and press keys on a call.
Each reader returns the value to save, or None when the answer is not one of the choices.
"""

from __future__ import annotations

import re
import unicodedata

from service.core.flow_model import Answer, Option

# Built-in words for yes/no questions. Flows never *ask* for YES (carriers treat it as an
# opt-in keyword, and the checker refuses it in flow files), but a person may type it anyway.
YES_WORDS = (
    "yes",
    "ok",
    "okay",
    "k",
    "sure",
    "yeah",
    "yep",
    "yup",
    "y",
    "si",
    "claro",
    "vale",
    "dale",
    "bueno",
    "de acuerdo",
    "esta bien",
)
NO_WORDS = ("no", "nope", "nah", "n", "no thanks", "not now", "no gracias", "ahora no", "mejor no")
YES_NO = (Option("1", "yes", YES_WORDS), Option("2", "no", NO_WORDS))

NEGATIONS = ("no", "not", "dont", "don t", "never", "nunca", "ni", "tampoco")
NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "cero": 0, "uno": 1, "una": 1, "dos": 2, "tres": 3,
    "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
}  # fmt: skip
_TIME = re.compile(r"^(\d{1,2})(?:[:.h ]?(\d{2}))?\s*(am|pm|a m|p m)?$")


def normalise(text: str) -> str:
    """Lower-case, accents and punctuation off, single spaces: '¡Español!' -> 'espanol'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = re.sub(r"[^\w#:]+", " ", plain)
    return " ".join(plain.split())


def read(answer: Answer, text: str) -> str | None:
    """Return the value to save for this answer, or None if it is not valid."""
    said = normalise(text)
    if answer.kind == "number":
        number = _number(said)
        ok = number is not None and answer.minimum <= number <= answer.maximum
        return str(number) if ok else None
    if answer.kind == "choice":
        return _choice(answer.options, said)
    if answer.kind == "yes_no":
        return _choice(YES_NO, said)
    if answer.kind == "digits":
        digits = said.replace(" ", "")
        return digits if digits.isdigit() and len(digits) == answer.length else None
    if answer.kind == "time":
        clock = _time(said)
        return clock if clock and answer.earliest <= clock <= answer.latest else None
    stripped = " ".join(text.split())
    if not stripped:
        return None
    return stripped[: answer.max_length] if answer.max_length else stripped


def options_of(answer: Answer) -> tuple[Option, ...]:
    return YES_NO if answer.kind == "yes_no" else answer.options


def _number(said: str) -> int | None:
    """A lone number in the text: '4', 'a 4 i guess', 'four'. Two numbers are ambiguous."""
    found = [int(n) for n in re.findall(r"\d+", said)]
    found += [NUMBER_WORDS[w] for w in said.split() if w in NUMBER_WORDS]
    return found[0] if len(found) == 1 else None


def _choice(options: tuple[Option, ...], said: str) -> str | None:
    for option in options:  # an exact key or word first: "2", "espanol"
        if said == option.key or said in (normalise(w) for w in option.words):
            return option.value
    first = said.split(" ", 1)[0] if said else ""
    by_key = [o.value for o in options if first == o.key]
    if by_key and not re.search(r"\d", said[len(first) :]):
        return by_key[0]  # "2 please", "1 - sure"
    # A word inside a sentence: "i'd like english". Short words (no, ok, si) must stand alone,
    # and a negation blocks anything but a no: "no se" is not a no, "i don't want to talk" not a yes.
    padded = f" {said} "
    by_word = {
        o.value for o in options for w in o.words if len(normalise(w)) >= 3 and f" {normalise(w)} " in padded
    }
    negated = any(f" {n} " in padded for n in NEGATIONS)
    if len(by_word) != 1 or (negated and by_word != {"no"}):
        return None
    return by_word.pop()


def _time(said: str) -> str | None:
    """'9', '9am', '9:30 pm', '21:00', '0930' -> 'HH:MM'; None if it is not a clock time."""
    said = {"noon": "12:00", "mediodia": "12:00"}.get(said, said)
    match = _TIME.match(said)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"
