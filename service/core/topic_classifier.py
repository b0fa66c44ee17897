"""Offline topic classifier: a person's own words (English or Spanish) in, ranked topic ids out.

The taxonomy (flows/topics.yaml) lists words and phrases per topic and locale. Texts and listed
terms go through the same normalising (case, accents, apostrophes, texting shorthand, stretched
letters) and light stemming, so "been drinkin again" finds "drinking" and "bebía" finds "beber".
Negation is deliberately ignored: "30 days without a drink" is still about alcohol.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from service.core.language import guess as guess_language

SPEC_VERSION = 1
REQUIRED_LOCALES = ("en", "es")
LABEL_MAX = 20  # labels are numbered SMS menu lines
MIN_SCORE = 0.5  # a topic needs at least one (possibly misspelt) term to be returned
PHRASE_STEP = 0.5  # each extra content word of a matched phrase adds this much, up to PHRASE_MAX
PHRASE_GLUE = 0.25  # what little words add: "my son" says little more than "son"
PHRASE_MAX = 2.0
GAP_FACTOR = 0.9  # a phrase matched with one extra word inside: "kicked me out", "feel so down"
TYPO_FACTOR = 0.8  # a term matched through a typo counts a little less
TYPO_MIN_LENGTH = 6  # shorter words are too often other real words one letter away
TYPO_LONG_WORD = 8  # from this length a missing or extra letter is more likely a typo than a word
# Common real words one typo away from a listed word (found against en/es word-frequency lists).
NOT_TYPOS = frozenset({
    "sacred", "addition", "needless", "carving", "carvings", "mediation", "retraining", "cuatro",
    "desierto", "despegado", "despegada", "clamar", "asilado", "asilada", "murete", "curato", "cunado",
    "decreased", "materials", "inflection", "familiars", "platon", "pescadilla",
})  # fmt: skip
_TOPIC_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TOKEN = re.compile(r"w/o|w/|b/c|[^\W_]+(?:'[^\W_]+)*", re.IGNORECASE)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_RUN_OF_THREE = re.compile(r"(.)\1{2,}")
_RUN_OF_TWO = re.compile(r"(.)\1+")

# Texting shorthand, after accents and apostrophes are gone ("can't" is already "cant").
SHORTHAND: dict[str, tuple[str, ...]] = {
    "w/": ("with",), "w/o": ("without",), "b/c": ("because",), "bc": ("because",),
    "bcuz": ("because",), "cuz": ("because",), "coz": ("because",), "cannot": ("cant",),
    "cnt": ("cant",), "dnt": ("dont",), "didnt": ("didnt",), "havnt": ("havent",),
    "wanna": ("want", "to"), "gonna": ("going", "to"), "gotta": ("got", "to"), "u": ("you",),
    "ur": ("your",), "r": ("are",), "ppl": ("people",), "rn": ("right", "now"), "yr": ("year",),
    "yrs": ("years",), "hrs": ("hours",), "wks": ("weeks",), "mos": ("months",), "b4": ("before",),
    "tho": ("though",), "thru": ("through",), "bday": ("birthday",), "dr": ("doctor",),
    "hosp": ("hospital",), "tmrw": ("tomorrow",), "2nite": ("tonight",), "2day": ("today",),
    "q": ("que",), "k": ("que",), "xq": ("porque",), "pq": ("porque",), "porq": ("porque",),
    "tmb": ("tambien",), "tb": ("tambien",), "x": ("por",), "d": ("de",), "dl": ("del",),
    "kiero": ("quiero",), "aki": ("aqui",), "dnd": ("donde",), "toy": ("estoy",),
    "mxo": ("mucho",), "bn": ("bien",), "nd": ("nada",), "pa": ("para",), "cn": ("con",),
}  # fmt: skip
# Spelled-out forms of the contractions the taxonomy writes with an apostrophe.
CONTRACTIONS: dict[tuple[str, str], str] = {
    ("can", "not"): "cant", ("do", "not"): "dont", ("did", "not"): "didnt", ("does", "not"): "doesnt",
    ("have", "not"): "havent", ("is", "not"): "isnt", ("i", "am"): "im", ("what", "is"): "whats",
}  # fmt: skip
# English forms the suffix rules cannot reach, and words whose stem would be another word
# ("fired" is not "fire", "used to" is not drug use, Spanish "son" is not "sons").
EN_IRREGULAR = {
    "drank": "drink", "drunk": "drink", "slept": "sleep", "died": "die", "dying": "die",
    "dies": "die", "got": "get", "gotten": "get", "felt": "feel", "fought": "fight",
    "stole": "steal", "stolen": "steal", "paid": "pay", "lent": "lend", "owed": "owe",
}  # fmt: skip
EN_KEEP = frozenset({
    "used", "uses", "user", "users", "using", "wasted", "fired", "dating", "sons", "shots", "outed",
    "questioning", "stoned", "ghosted", "charge", "charging", "kidding", "craps", "housing", "ripped",
})  # fmt: skip
# "bebé" (a baby) without its accent is not "beber"; "sobre" is not "sobrio", "primer" not "primo".
ES_KEEP = frozenset({
    "bebe", "bebes", "sobrio", "sobria", "sobrios", "sobrias", "primo", "prima", "primos", "primas",
    "pista", "pistas", "cargos", "colegio", "colegios", "deporte", "deportes", "saludar", "saludo",
    "saludos", "juzgado", "perdida", "perdidas", "terminamos",
})  # fmt: skip
ES_CLITICS = ("nos", "los", "las", "les", "me", "te", "se", "lo", "la", "le")
ES_VERB_BASES = ("ando", "iendo", "ar", "er", "ir")
ES_SUFFIXES = (
    "iendo", "ieron", "abamos", "iamos", "ando", "aron", "amos", "emos", "imos", "aban", "abas", "aste",
    "iste", "ados", "adas", "idos", "idas", "aba", "ado", "ada", "ido", "ida", "ian", "ias", "ios",
    "ia", "io", "ar", "er", "ir", "an", "en", "as", "es", "os", "a", "o", "e",
)  # fmt: skip
_VOWELS = "aeiou"
PEOPLE_FACTOR = 0.5  # a term naming only who is involved ("my son", "papá") says less than what happened
PEOPLE = frozenset({
    "mom", "mother", "mommy", "mama", "dad", "father", "daddy", "papa", "parent", "parents", "son",
    "sons", "daughter", "kid", "kids", "child", "children", "baby", "brother", "sister", "siblings",
    "grandma", "grandpa", "grandmother", "grandfather", "grandkids", "aunt", "uncle", "cousin",
    "stepdad", "stepmom", "boyfriend", "girlfriend", "bf", "gf", "partner", "husband", "wife",
    "spouse", "ex", "fiance", "niece", "nephew", "grandson", "granddaughter", "stepson", "stepdaughter",
    "madre", "mami", "padre", "papi", "padres", "hijo", "hija", "hijos", "hijas", "nino", "nina",
    "ninos", "ninas", "hermano", "hermana", "hermanos", "abuela", "abuelo", "abuelos", "abuelita",
    "abuelito", "nieto", "nieta", "nietos", "tia", "tio", "primo", "prima", "suegra", "suegro",
    "suegros", "padrastro", "madrastra", "novio", "novia", "esposo", "esposa", "marido", "prometido",
    "prometida", "sobrino", "sobrina", "nuera", "yerno", "cunado", "cunada",
})  # fmt: skip
# Little words: they make a phrase specific but are not evidence on their own.
STOPWORDS = frozenset({
    "a", "about", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "being", "but",
    "by", "did", "didnt", "do", "does", "doesnt", "dont", "for", "from", "get", "got", "had", "has",
    "have", "havent", "he", "her", "him", "his", "i", "im", "in", "is", "isnt", "it", "its", "just",
    "me", "my", "no", "not", "of", "off", "on", "one", "or", "our", "out", "she", "so", "some", "that",
    "the", "their", "them", "they", "this", "to", "too", "up", "us", "very", "was", "we", "were",
    "what", "whats", "when", "who", "with", "you", "your",
    "al", "como", "con", "de", "del", "donde", "el", "ella", "en", "es", "esta", "estan", "estoy",
    "fue", "fui", "ha", "hay", "la", "las", "le", "les", "lo", "los", "mas", "mi", "mis",
    "muy", "nada", "ni", "nos", "o", "para", "pero", "por", "puede", "puedo", "que", "se", "sin",
    "soy", "su", "sus", "te", "tengo", "tiene", "todo", "todos", "tu", "tus", "un", "una", "uno",
    "unos", "y", "ya", "yo",
})  # fmt: skip


class TaxonomyError(ValueError):
    """The taxonomy data is unusable: every problem found, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Topic:
    id: str
    labels: Mapping[str, str]
    related: tuple[str, ...]
    menu: bool
    words: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class TopicMatch:
    topic: str
    score: float
    words: tuple[str, ...]  # the words of the text that decided it, as written (lower case)


@dataclass(frozen=True)
class _Term:
    position: int  # the topic's place in the taxonomy, for ties
    keys: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class _Token:
    text: str  # normalised: lower case, no accents or apostrophes
    start: int  # where it was written in the original text
    end: int


@dataclass(frozen=True)
class _Hit:
    position: int
    first: int  # token span [first, last)
    last: int
    keys: tuple[str, ...]
    weight: float


class _Index:
    """One locale's terms, keyed by their stemmed words, plus what typo matching needs."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.stem = STEMMERS.get(locale, _no_stem)
        self.spellings = SPELLINGS.get(locale, _unstretched)
        self.listed: set[str] = set()  # the words as listed, for texts in another language
        self.terms: dict[tuple[str, ...], list[_Term]] = {}
        self.keys: set[str] = set()
        self.longest = 1
        self.phrase_starts: set[str] = set()
        self.near: dict[str, set[str]] = {}  # a word with one letter deleted -> listed words

    def add(self, position: int, term: str) -> None:
        words = [token.text for token in _tokenise(term)]
        if not words:
            raise ValueError(f"'{term}' has no letters or digits")
        keys = tuple(self.stem(word) for word in words)
        entries = self.terms.setdefault(keys, [])
        if all(entry.position != position for entry in entries):
            entries.append(_Term(position, keys, _term_weight(words)))
        self.keys.update(keys)
        self.listed.update(words)
        self.longest = max(self.longest, len(keys))
        if len(keys) > 1:
            self.phrase_starts.add(keys[0])
        for word in words:
            if len(word) >= TYPO_MIN_LENGTH and word.isalpha():
                for variant in _deletions(word) | {word}:
                    self.near.setdefault(variant, set()).add(word)

    def key(self, word: str) -> str | None:
        """The stem of a word if the taxonomy knows it, trying other spellings ("sooo", "drinkin")."""
        for candidate in self.spellings(word):
            stemmed = self.stem(candidate)
            if stemmed in self.keys:
                return stemmed
        return None

    def typo_key(self, word: str) -> str | None:
        """The stem of the listed word one typo away (letter missing, extra, or swapped)."""
        for candidate in dict.fromkeys((word, _RUN_OF_THREE.sub(r"\1\1", word))):
            if len(candidate) < TYPO_MIN_LENGTH or not candidate.isalpha() or candidate in NOT_TYPOS:
                continue
            found = {
                listed
                for variant in _deletions(candidate) | {candidate}
                for listed in self.near.get(variant, ())
                if _one_typo(candidate, listed)
            }
            if found:
                return self.stem(min(found))
        return None


class Taxonomy:
    """The topics in file order, with the classifier's index compiled once."""

    def __init__(self, topics: Iterable[Topic]) -> None:
        self.topics = tuple(topics)
        self._by_id = {topic.id: topic for topic in self.topics}
        if len(self._by_id) != len(self.topics):
            raise ValueError("topic ids must be unique")
        self.locales = tuple(sorted({locale for topic in self.topics for locale in topic.words}))
        self._indexes = {locale: _Index(locale) for locale in self.locales}
        for position, topic in enumerate(self.topics):
            for locale, terms in topic.words.items():
                for term in terms:
                    self._indexes[locale].add(position, term)

    def get(self, topic_id: str) -> Topic | None:
        return self._by_id.get(topic_id)

    def related(self, topic_id: str) -> tuple[str, ...]:
        topic = self._by_id.get(topic_id)
        return topic.related if topic else ()

    def ids(self) -> tuple[str, ...]:
        return tuple(topic.id for topic in self.topics)

    def _for_locale(self, locale: str | None) -> list[_Index]:
        if locale is None:
            return list(self._indexes.values())
        if locale not in self._indexes:
            raise ValueError(f"no topic words for locale {locale!r} (known: {', '.join(self.locales)})")
        return [self._indexes[locale]]


def classify(text: str, taxonomy: Taxonomy, locale: str | None = None) -> list[TopicMatch]:
    """The topics this text is about, best first; both locales' words when locale is None."""
    indexes = taxonomy._for_locale(locale)
    tokens = _tokenise(text)
    # In a text plainly in one language, the other's words count only as listed, unstemmed:
    # stems cross languages badly (Spanish "baile" would be English "bail").
    language = guess_language(text) if len(indexes) > 1 else None
    hits = [
        hit
        for index in indexes
        for hit in _hits(index, _keys(tokens, index, indexes, language in (None, index.locale)))
    ]
    scores: dict[int, float] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    for hit in _distinct(_outermost(hits)):
        scores[hit.position] = scores.get(hit.position, 0.0) + hit.weight
        spans.setdefault(hit.position, []).append((hit.first, hit.last))
    ranked = sorted((p for p in scores if scores[p] >= MIN_SCORE), key=lambda p: (-scores[p], p))
    return [
        TopicMatch(taxonomy.topics[p].id, round(scores[p], 3), _written(text, tokens, spans[p]))
        for p in ranked
    ]


# --- normalising -------------------------------------------------------------------------------


def _tokenise(text: str) -> list[_Token]:
    """Words as matched: lower case, accents and apostrophes dropped, shorthand spelled out."""
    plain = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
    tokens: list[_Token] = []
    for found in _TOKEN.finditer(plain):
        for part in _spelled_out(found.group()):
            tokens.append(_Token(part, found.start(), found.end()))
    return _contract(_join_clock_times(tokens))


def _spelled_out(written: str) -> tuple[str, ...]:
    """Shorthand and the contractions that would fold into another word: "i'll" is not "ill"."""
    word = _fold(written)
    for ending, full in (("'ll", "will"), ("'d", "would")):
        if written.lower().endswith(ending) and len(written) > len(ending):
            return (word[: -len(ending) + 1], full)
    return SHORTHAND.get(word, (word,))


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("'", "")


def _contract(tokens: list[_Token]) -> list[_Token]:
    """'can not' -> 'cant', 'i am' -> 'im': the forms the taxonomy's contractions fold to."""
    out: list[_Token] = []
    for token in tokens:
        if out and (out[-1].text, token.text) in CONTRACTIONS:
            joined = CONTRACTIONS[(out[-1].text, token.text)]
            out[-1] = _Token(joined, out[-1].start, token.end)
        else:
            out.append(token)
    return out


def _join_clock_times(tokens: list[_Token]) -> list[_Token]:
    """'3 am' -> '3am', as the taxonomy writes it."""
    out: list[_Token] = []
    for token in tokens:
        if out and token.text in ("am", "pm") and out[-1].text.isdigit():
            out[-1] = _Token(out[-1].text + token.text, out[-1].start, token.end)
        else:
            out.append(token)
    return out


def _unstretched(word: str) -> list[str]:
    """The word, then with letters held down undone: 'sleeeep' -> 'sleep', 'sooo' -> 'so'."""
    if len(word) <= 3 or not _RUN_OF_THREE.search(word):
        return [word]  # ordinary double letters are left alone: "winning" is not "wining"
    forms = [word, _RUN_OF_THREE.sub(r"\1\1", word), _RUN_OF_TWO.sub(r"\1", word)]
    return list(dict.fromkeys(forms))


def _spellings_en(word: str) -> list[str]:
    """Also the dropped g of texting: "drinkin", "feelin"."""
    forms = _unstretched(word)
    return forms + [form + "g" for form in forms if len(form) >= 5 and form.endswith("in")]


def _spellings_es(word: str) -> list[str]:
    """Also the spoken -ao for -ado: "cansao", "pasao"."""
    forms = _unstretched(word)
    return forms + [form[:-1] + "do" for form in forms if len(form) >= 5 and form.endswith("ao")]


# --- stemming ----------------------------------------------------------------------------------


def _no_stem(word: str) -> str:
    return word


@lru_cache(maxsize=65536)
def stem_en(word: str) -> str:
    """A light Porter stem (plurals, -ed, -ing, final e): drinks/drinking -> drink."""
    if len(word) <= 3 or not word.isalpha() or word in EN_KEEP:
        return word
    if word in EN_IRREGULAR:
        return EN_IRREGULAR[word]
    stem = _en_inflection(_en_plural(word))
    if stem.endswith("e") and len(stem) > 3:
        measure = _measure(stem[:-1])
        if measure > 1 or (measure == 1 and not _short_syllable(stem[:-1])):
            stem = stem[:-1]
    return stem if len(stem) >= 3 else word


def _en_plural(word: str) -> str:
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith(("ies", "ied")):
        return word[:-3] + ("y" if len(word) > 4 else "ie")
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _en_inflection(word: str) -> str:
    if word.endswith("eed"):
        return word[:-1] if _measure(word[:-3]) > 0 else word
    for suffix in ("ed", "ing"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and _has_vowel(stem):
            if stem.endswith(("at", "bl", "iz")):
                return stem + "e"
            if _double_consonant(stem) and stem[-1] not in "lsz":
                return stem[:-1]
            return stem + "e" if _measure(stem) == 1 and _short_syllable(stem) else stem
    return word


def _consonant(word: str, i: int) -> bool:
    if word[i] in _VOWELS:
        return False
    return word[i] != "y" or i == 0 or not _consonant(word, i - 1)


def _measure(stem: str) -> int:
    """Porter's m: how many vowel-consonant sequences the stem has."""
    pattern = "".join("c" if _consonant(stem, i) else "v" for i in range(len(stem)))
    return len(re.findall(r"v+c+", pattern))


def _has_vowel(stem: str) -> bool:
    return any(not _consonant(stem, i) for i in range(len(stem)))


def _double_consonant(stem: str) -> bool:
    return len(stem) >= 2 and stem[-1] == stem[-2] and _consonant(stem, len(stem) - 1)


def _short_syllable(stem: str) -> bool:
    """Consonant-vowel-consonant at the end, not w, x or y: hop(e), cop(e), dat(e)."""
    return (
        len(stem) >= 3
        and _consonant(stem, len(stem) - 3)
        and not _consonant(stem, len(stem) - 2)
        and _consonant(stem, len(stem) - 1)
        and stem[-1] not in "wxy"
    )


@lru_cache(maxsize=65536)
def stem_es(word: str) -> str:
    """A light Spanish stem (plural, gender, common verb endings): bebiendo/bebía/beber -> beb."""
    if len(word) <= 3 or not word.isalpha() or word in ES_KEEP:
        return word
    for clitic in ES_CLITICS:
        base = word[: -len(clitic)]
        if word.endswith(clitic) and len(base) >= 5 and base.endswith(ES_VERB_BASES):
            word = base
            break
    plural = word.endswith("s") and word[-2] in _VOWELS and not word.endswith(("is", "us"))
    if len(word) < 5 or (plural and len(word) == 5):
        return word[:-1] if plural else word  # hijos -> hijo: short words keep their ending
    for suffix in ES_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            # Marked so it never equals a short word: "queer" must not become "que".
            return stem if len(stem) > 3 else stem + "-"
    return word


STEMMERS: dict[str, Callable[[str], str]] = {"en": stem_en, "es": stem_es}
SPELLINGS: dict[str, Callable[[str], list[str]]] = {"en": _spellings_en, "es": _spellings_es}


# --- matching ----------------------------------------------------------------------------------


def _keys(
    tokens: list[_Token], index: _Index, indexes: Sequence[_Index], stemmed: bool
) -> list[tuple[str, bool]]:
    """Each token's stem in this locale, and whether it was reached through a typo."""
    keys: list[tuple[str, bool]] = []
    for token in tokens:
        if not stemmed:
            keys.append((index.stem(token.text) if token.text in index.listed else "", False))
            continue
        known = index.key(token.text)
        if known is not None:
            keys.append((known, False))
            continue
        # A word known in another locale is that word, not a typo of one in this locale.
        typo = None if any(other.key(token.text) for other in indexes) else index.typo_key(token.text)
        keys.append((typo, True) if typo is not None else (index.stem(token.text), False))
    return keys


def _hits(index: _Index, keys: list[tuple[str, bool]]) -> list[_Hit]:
    """Every term found: word runs as listed, and phrases with one extra word inside."""
    words = tuple(key for key, _ in keys)
    typos = [is_typo for _, is_typo in keys]
    hits = []
    for first in range(len(words)):
        for last in range(first + 1, min(len(words), first + index.longest) + 1):
            for term in index.terms.get(words[first:last], ()):
                hits.append(_hit(term, first, last, any(typos[first:last]), 1.0))
        if words[first] in index.phrase_starts:
            hits += _gapped(index, words, typos, first)
    return hits


def _gapped(index: _Index, words: tuple[str, ...], typos: list[bool], first: int) -> list[_Hit]:
    hits = []
    for last in range(first + 3, min(len(words), first + index.longest + 1) + 1):
        for gap in range(first + 1, last - 1):
            for term in index.terms.get(words[first:gap] + words[gap + 1 : last], ()):
                hits.append(_hit(term, first, last, any(typos[first:last]), GAP_FACTOR))
    return hits


def _hit(term: _Term, first: int, last: int, typo: bool, factor: float) -> _Hit:
    weight = term.weight * factor * (TYPO_FACTOR if typo else 1.0)
    return _Hit(term.position, first, last, term.keys, weight)


def _outermost(hits: list[_Hit]) -> list[_Hit]:
    """Drop a hit inside a longer one: in "sleeping in my car", "sleeping" is not about sleep."""
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (h.first - h.last, h.first)):
        inside = any(
            k.first <= hit.first and hit.last <= k.last and k.last - k.first > hit.last - hit.first
            for k in kept
        )
        if not inside:
            kept.append(hit)
    return kept


def _distinct(hits: list[_Hit]) -> list[_Hit]:
    """One hit per topic and span, and per topic and term: saying "drink" twice counts once."""
    best: dict[tuple[int, int, int], _Hit] = {}
    for hit in hits:
        slot = (hit.position, hit.first, hit.last)
        if slot not in best or hit.weight > best[slot].weight:
            best[slot] = hit
    by_term: dict[tuple[int, tuple[str, ...]], _Hit] = {}
    for hit in sorted(best.values(), key=lambda h: (-h.weight, h.first)):
        by_term.setdefault((hit.position, hit.keys), hit)
    return sorted(by_term.values(), key=lambda h: (h.first, h.last))


def _written(text: str, tokens: list[_Token], spans: list[tuple[int, int]]) -> tuple[str, ...]:
    plain = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
    found = (" ".join(plain[tokens[a].start : tokens[b - 1].end].lower().split()) for a, b in spans)
    return tuple(dict.fromkeys(found))


def _term_weight(words: list[str]) -> float:
    content = [word for word in words if word not in STOPWORDS]
    glue = PHRASE_GLUE if len(words) > max(len(content), 1) else 0.0
    weight = min(1.0 + PHRASE_STEP * max(len(content) - 1, 0) + glue, PHRASE_MAX)
    return weight * PEOPLE_FACTOR if content and all(word in PEOPLE for word in content) else weight


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_typo(word: str, listed: str) -> bool:
    """One typo apart: a doubled letter typed once or twice too many, two neighbours swapped,
    or, in long words, one letter missing or extra. Not a different letter: that too often
    makes another real word (wanted/wasted, bother/mother)."""
    if word[0] != listed[0] or word[-1] != listed[-1]:
        return False  # people rarely mistype the first or last letter; other words differ there
    shorter, longer = sorted((word, listed), key=len)
    if len(longer) - len(shorter) == 1:
        for i in range(len(longer)):
            if longer[:i] + longer[i + 1 :] == shorter:
                doubled = longer[i] in (longer[i - 1 : i], longer[i + 1 : i + 2])
                return doubled or len(shorter) >= TYPO_LONG_WORD
        return False
    diff = [i for i in range(len(word)) if word[i] != listed[i]] if len(word) == len(listed) else []
    if len(diff) != 2 or diff[1] != diff[0] + 1:
        return False
    first, second = diff
    return word[first] == listed[second] and word[second] == listed[first]


# --- reading the taxonomy data -----------------------------------------------------------------


def parse_taxonomy(data: Any, source: str = "topics.yaml") -> Taxonomy:
    """Build a Taxonomy from parsed YAML data; TaxonomyError lists every problem, each named."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise TaxonomyError([f"{source}: expected a mapping with 'spec' and 'topics'"])
    _check_fields(data, ("spec", "topics"), source, problems)
    if "spec" in data and data["spec"] != SPEC_VERSION:
        problems.append(f"{source}: spec: expected {SPEC_VERSION}, found {data['spec']!r}")
    raw_topics = data.get("topics")
    if not isinstance(raw_topics, list) or not raw_topics:
        problems.append(f"{source}: topics: expected a non-empty list of topics")
        raw_topics = []
    topics = [_topic(raw, f"{source}: topics[{i}]", problems) for i, raw in enumerate(raw_topics)]
    ids = [raw["id"] for raw in raw_topics if isinstance(raw, Mapping) and isinstance(raw.get("id"), str)]
    _check_ids(topics, ids, source, problems)
    if problems:
        raise TaxonomyError(problems)
    try:
        return Taxonomy(topic for topic in topics if topic is not None)
    except ValueError as error:
        raise TaxonomyError([f"{source}: {error}"]) from None


def _check_fields(data: Mapping[Any, Any], fields: tuple[str, ...], where: str, problems: list[str]) -> None:
    for key in data:
        if key not in fields:
            problems.append(f"{where}: unknown field {key!r} (known: {', '.join(fields)})")
    for key in fields:
        if key not in data:
            problems.append(f"{where}: missing field '{key}'")


def _topic(raw: Any, where: str, problems: list[str]) -> Topic | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: expected a mapping, found {type(raw).__name__}")
        return None
    topic_id = raw.get("id")
    if isinstance(topic_id, str):
        where = f"{where.rsplit(':', 1)[0]}: topic '{topic_id}'"
    before = len(problems)
    _check_fields(raw, ("id", "label", "related", "menu", "words"), where, problems)
    if not isinstance(topic_id, str) or not _TOPIC_ID.match(topic_id):
        problems.append(f"{where}: id: expected lower-case letters, digits and _, found {topic_id!r}")
    labels = _labels(raw.get("label"), where, problems)
    related = raw.get("related")
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        problems.append(f"{where}: related: expected a list of topic ids, found {related!r}")
        related = []
    menu = raw.get("menu")
    if not isinstance(menu, bool):
        problems.append(f"{where}: menu: expected true or false, found {menu!r}")
    words = _words(raw.get("words"), where, problems)
    if len(problems) > before:
        return None
    return Topic(str(topic_id), labels, tuple(related), bool(menu), words)


def _labels(raw: Any, where: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: label: expected a mapping of locale to text, found {raw!r}")
        return {}
    for locale in REQUIRED_LOCALES:
        if locale not in raw:
            problems.append(f"{where}: label: missing the '{locale}' label")
    for locale, label in raw.items():
        if not isinstance(label, str) or not label.strip():
            problems.append(f"{where}: label.{locale}: expected a non-empty text, found {label!r}")
        elif len(label) > LABEL_MAX:
            problems.append(f"{where}: label.{locale}: {len(label)} characters, more than {LABEL_MAX}")
    return {str(k): str(v) for k, v in raw.items()}


def _words(raw: Any, where: str, problems: list[str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: words: expected a mapping of locale to a list, found {raw!r}")
        return {}
    for locale in REQUIRED_LOCALES:
        if locale not in raw:
            problems.append(f"{where}: words: missing the '{locale}' words")
    words: dict[str, tuple[str, ...]] = {}
    for locale, terms in raw.items():
        if not isinstance(terms, list) or not terms:
            problems.append(f"{where}: words.{locale}: expected a non-empty list, found {terms!r}")
            continue
        for term in terms:
            if not isinstance(term, str) or not _tokenise(term):
                problems.append(f"{where}: words.{locale}: {term!r} is not a word or phrase (quote it?)")
        repeated = sorted({t for t in terms if isinstance(t, str) and terms.count(t) > 1})
        if repeated:
            problems.append(f"{where}: words.{locale}: listed more than once: {', '.join(repeated)}")
        words[str(locale)] = tuple(t for t in terms if isinstance(t, str))
    return words


def _check_ids(topics: list[Topic | None], ids: list[str], source: str, problems: list[str]) -> None:
    for topic_id in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{source}: topic '{topic_id}' is defined more than once")
    for topic in topics:
        if topic is None:
            continue
        for other in topic.related:
            if other == topic.id:
                problems.append(f"{source}: topic '{topic.id}': related: lists itself")
            elif other not in ids:
                problems.append(f"{source}: topic '{topic.id}': related: '{other}' is not a topic")
