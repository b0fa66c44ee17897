"""Crisis-language detector: does this text say that someone is at risk right now, and why?

Every inbound text is scanned (design §3, Safety); a hit sends 988 at once. A missed crisis is far
worse than an extra 988 text, but a line that answers "I'd kill for a coffee" with 988 loses the
trust of the people it serves. So the detector looks for *meanings*, not words. The linguistic data
is in crisis_lexicon/<locale>.yaml; this module is the mechanism:

1. **Normalise** each language's way, keeping a map back to the text as written: case, accents
   (ñ kept: "año" is not "ano"), curly apostrophes, letters held down ("dieeee"), laughter
   ("jajaja", 😂 -> "lol"), shorthand and contractions ("kms" -> "kill myself", "dont" -> "do
   not", "kiero" -> "quiero"), leetspeak ("su1c1de"), one-letter typos of a few long words
   ("sucide"), but never a word the other language knows ("suicida" stays Spanish).
2. **Match patterns over slots**, written in a small word-level language (see below):
   `{wish} ~1 {kill_goal}`, `(took|swallowed) ~1 {overdose_amount}`. A slot may differ by person
   (`{refl}`: myself / himself; Spanish `matar{cl}`: matarme / matarse): such a pattern is tried
   for the texter and for someone else, and a match for someone else becomes `third_party`. A
   pattern with no person in it asks the sentence for its subject ("my brother says he wants to
   die": "he"; no subject: the texter). Abuse is what someone does *to* the texter: its subject is
   the one who hits, so only a victim named in the pattern ("hits her") makes it third_party.
3. **Set aside** what is not a crisis: idioms are blanked out before matching ("dying to see you",
   "me muero de risa"); a negator a few words before a match, in its clause, cancels it and
   everything inside it ("I don't want to die"), unless negation is the meaning ("ya no quiero
   vivir" is its own pattern); a sentence set in the past ("2 years ago", "I used to") or saying
   it is over ("therapy helped", "now I'm ok"), with nothing saying it is back ("again", "still"),
   is history; a sentence about a film or song drops matches about others or no one named; a
   question to "you" is not the texter's. Weak patterns (`with_context`: "I have a plan", "I
   bought a rope") count only with other evidence that is not their own words: a strong match,
   a word of death or ending it, or another weak signal ("gave my dog away" + "I'm ready").

`scan` returns one reason per category, most severe first, quoting the text as written:
"intent: going to kill myself tonight", "third_party: my brother ... wants to end it". Speed: each
compiled regular expression carries the rare words one of which it needs ("anchors"); a text wakes
only the expressions its words anchor, and long alternations are factored into prefix tries.

Known limits (say them in the README): it reads one text, not the conversation (an earlier text is
no context for "I'm doing it tonight"); sarcasm, and hyperbole without an idiom pattern ("so
embarrassing I want to die", "I want to die lol") are read literally, as a crisis; negation is a
window of words, so distant or double negation can fool it; who a sentence is about is a guess
from the nearest subject; reported questions ("she asked if I was suicidal") read as statements;
single weak signals ("I'm on my way to the bridge", "tengo las pastillas") are let through; only
English and Spanish, typos only in the few listed long words, and Spanish without accents loses
the person of some verbs ("me golpeó" / "me golpeo"). It is a safety net, not an assessment.
"""

from __future__ import annotations

from service.core.crisis.lexicon import CATEGORIES, SEVERITY, LexiconError, parse_lexicon
from service.core.crisis.scanner import CrisisDetector

__all__ = ["CATEGORIES", "SEVERITY", "CrisisDetector", "LexiconError", "parse_lexicon"]
