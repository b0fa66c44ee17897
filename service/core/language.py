"""A first guess at the language of someone's very first text, before they choose one.

It only orders the bilingual welcome (Spanish first for "hola, necesito hablar") and picks the
language of crisis resources sent before any choice. The person's own choice always wins.
"""

from __future__ import annotations

from service.core.answers import normalise

# Common words that are plainly one language or the other in a first text to a support line.
SPANISH = frozenset({
    "hola", "buenas", "buenos", "dias", "tardes", "noches", "necesito", "quiero", "puedo", "estoy",
    "tengo", "siento", "hablar", "alguien", "ayudame", "gracias", "favor", "porque", "tambien",
    "nadie", "triste", "sola", "mal", "muy", "mucho", "con", "para", "una", "esta", "ahora",
})  # fmt: skip
ENGLISH = frozenset({
    "hi", "hello", "hey", "need", "want", "can", "im", "feel", "feeling", "talk", "someone", "help",
    "thanks", "please", "because", "nobody", "sad", "alone", "bad", "very", "really", "with", "for",
    "the", "this", "now", "is", "am",
})  # fmt: skip


def guess(text: str) -> str | None:
    """'es' or 'en' when the words say so clearly; None when they don't."""
    words = normalise(text).split()
    spanish = sum(word in SPANISH for word in words)
    english = sum(word in ENGLISH for word in words)
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return None
