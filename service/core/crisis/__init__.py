"""Crisis-language detector: does this text say that someone is at risk right now, and why?

Every inbound text is scanned (design §3, Safety); a hit sends 988 at once. A missed crisis is far
worse than an extra 988 text, but a line that answers "I'd kill for a coffee" with 988 loses the
trust of the people it serves. So the detector looks for *meanings*, not words. The linguistic data
is in crisis_lexicon/<locale>.yaml; this package is the mechanism (patterns: the pattern language;
lexicon: reading and checking the data; normalise; compiler: patterns to regular expressions;
scanner: matching, setting aside, reasons):

1. **Normalise** each language's way, keeping a map back to the text as written: case, accents
   (ñ kept: "año" is not "ano"), curly apostrophes, letters held down ("dieeee"), laughter
   ("jajaja", 😂 -> "lol"), shorthand and contractions ("kms" -> "kill myself", "dont" -> "do
   not", "kiero" -> "quiero", "sh'd" -> "self harmed"), leetspeak ("su1c1de"), one-letter typos
   of a few long words ("sucide", "suisidar"), but never a word the other language knows.
2. **Match patterns over slots**, written in a small word-level language (patterns.py):
   `{wish} ~1 {kill_goal}`, `(took|swallowed) ~1 {overdose_amount}`, `^ cut again $` (`^`, `$`:
   where a clause starts and ends, for the subjectless SMS: "took them all", "on the overpass").
   Patterns describe *families*, not sentences: a lethal means ({weapon}, {pills}, {edge}...) with
   having, getting, counting, stockpiling, fixing on it or "would do it"; completed acts (took,
   swallowed, slit, jumped) with an amount or a means; places plus now; arrangements "for after
   I'm gone"; notes, dates, "the where and the how". A slot may differ by person (`{refl}`:
   myself / himself; Spanish `matar{cl}`: matarme / matarse): such a pattern is tried for the
   texter and for someone else, and a match for someone else becomes `third_party`. A pattern
   with no person in it asks the sentence for its subject ("my brother says he wants to die":
   "he"; no subject: the texter). Abuse is what someone does *to* the texter: its subject is the
   one who hits, so only a victim named in the pattern ("hits her") makes it third_party.
3. **Set aside** what is not a crisis, with guards rather than by asking for more evidence: idioms
   are blanked out before matching ("dying to see you", "me muero de risa", "rather die than do
   karaoke"); a negator a few words before a match, in its clause, cancels it and everything
   inside it ("I don't want to die", "zero plans to", "sin ganas de lastimarme"), unless negation
   is the meaning ("ya no quiero vivir" is its own pattern); a question answered no ("suicidal?
   nah", "¿matarme? ni loca") is set aside; a sentence set in the past ("2 years ago", "there was
   a time") or saying it is over ("therapy helped", "that passed"), with nothing saying it is back
   ("again", "relapsed"), is history; a sentence about a film or song drops matches about others
   or no one named, unless the person is one's own ("one of my students wrote a poem about
   wanting to die") or the film is the match itself ("my goodbye video"); a sentence giving an
   everyday use, occasion or errand ("a rope for the boat", "the date and venue for the wedding",
   "on the bridge now, traffic is crazy") sets its means, plan and imminent matches aside; a
   question to "you" is not the texter's.
   Weak patterns (`with_context`) are kept for what is ambiguous on its own ("I have a plan",
   "giving my things away", "bye", "it's decided"): they count only with other evidence that is
   not their own words — a strong match, a word of death or ending it, or another weak signal
   ("tell everyone I love them" + "it's done"). A lethal means held, got or fixed on ("I bought a
   gun", "tengo las pastillas", "I keep looking at the bridge") is strong on its own.

`scan` returns one reason per category, most severe first, quoting the text as written:
"intent: going to kill myself tonight", "third_party: my brother ... wants to end it". Speed: each
pattern's rare words ("anchors") wake it; patterns woken by the same words are compiled together,
so a text searches only the few expressions its words wake, and alternations are prefix tries.

Known limits (say them in the README): it reads one text, not the conversation (an earlier text is
no context for "I'm doing it tonight"); it finds families of expressions its lexicon describes, so
a new way of saying it (a metaphor, a plan told as errands: "paid rent ahead and cleaned the
flat") can be missed, and a weak signal alone ("giving my stuff away", "I'm ready to go", "tengo la
fecha") is not enough; sarcasm and hyperbole without an idiom pattern ("so embarrassing I want to
die", "I want to die lol", "I'll kill myself if I fail") are read literally, as a crisis;
negation is a window of words, so distant or double negation can fool it; an everyday purpose
in the same sentence can hide a real risk ("bought a rope for the tent... and for me"); who a
sentence is about is a guess from the nearest subject; reported questions ("she asked if I was
suicidal") and quoted lyrics read as statements; only English and Spanish, typos only in the few
listed long words, and Spanish without accents loses the person of some verbs ("me golpeó" /
"me golpeo", "me quemó" / "me quemo"). "one night" / "that night" / "una noche" mark a
sentence as history like "years ago" (a peer's past story: "I took 30 pills one night"), so "I'll do
it one night" is set aside unless the sentence also says now ("tonight", "this week", "again"); a
person followed by "in", "from" or "de" ("a kid in my class", "un chavo de mi salón") is taken as
the sentence's subject. It is a safety net, not an assessment.
"""

from __future__ import annotations

from service.core.crisis.lexicon import CATEGORIES, SEVERITY, LexiconError, parse_lexicon
from service.core.crisis.scanner import CrisisDetector

__all__ = ["CATEGORIES", "SEVERITY", "CrisisDetector", "LexiconError", "parse_lexicon"]
