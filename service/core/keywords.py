"""Carrier keywords: opt-out, opt-in and help words win over any flow.

Twilio and US carriers act on a message that is exactly one of these words; a sentence that
merely contains one ("I want to stop drinking") is an ordinary message.
"""

from __future__ import annotations

import enum
import unicodedata

# Twilio's default opt-out words plus Spanish ones; the value is the locale to confirm in.
OPT_OUT_WORDS = {
    "STOP": "en",
    "STOPALL": "en",
    "UNSUBSCRIBE": "en",
    "CANCEL": "en",
    "END": "en",
    "QUIT": "en",
    "REVOKE": "en",
    "OPTOUT": "en",
    "OPT OUT": "en",
    "STOP ALL": "en",
    "PARAR": "es",
    "CANCELAR": "es",
    "DETENER": "es",
    "BAJA": "es",
}
OPT_IN_WORDS = {"START": "en", "UNSTOP": "en", "YES": "en", "COMENZAR": "es", "ALTA": "es"}
# YES re-subscribes only someone who opted out; otherwise it is an ordinary answer.
OPT_IN_ONLY_WHEN_OPTED_OUT = frozenset({"YES"})
HELP_WORDS = {"HELP": "en", "INFO": "en", "AYUDA": "es", "INFORMACION": "es"}
# Data rights: erase me (asked, then confirmed by saying it again). Not carrier words: ours.
ERASE_WORDS = {
    "DELETE": "en",
    "DELETE ME": "en",
    "DELETE MY DATA": "en",
    "ERASE": "en",
    "ERASE ME": "en",
    "BORRAR": "es",
    "BORRARME": "es",
    "BORRAR MIS DATOS": "es",
    "BORRA MIS DATOS": "es",
}


class Keyword(enum.Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    ERASE = "erase"


def normalise(text: str) -> str:
    """Upper-case, strip accents, surrounding space and punctuation: 'Stop.' -> 'STOP'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = plain.upper().replace("-", " ").split()
    return " ".join(w.strip(".,!?¡¿;:'\"()") for w in words).strip()


def classify(text: str, *, opted_out: bool) -> tuple[Keyword, str] | None:
    """Return the keyword this message is, with the locale it was said in, or None."""
    word = normalise(text)
    if word in OPT_OUT_WORDS:
        return Keyword.OPT_OUT, OPT_OUT_WORDS[word]
    if word in OPT_IN_WORDS and (opted_out or word not in OPT_IN_ONLY_WHEN_OPTED_OUT):
        return Keyword.OPT_IN, OPT_IN_WORDS[word]
    if word in HELP_WORDS:
        return Keyword.HELP, HELP_WORDS[word]
    if word in ERASE_WORDS:
        return Keyword.ERASE, ERASE_WORDS[word]
    return None
