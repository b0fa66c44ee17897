"""What the line says outside the flows: keyword answers and the welcome, per locale.

Every text here is plain GSM-7 (straight quotes, no emoji) and fits one SMS segment, so a
person on any phone and any plan gets it whole.
"""

from __future__ import annotations

LOCALES = ("en", "es")

HELP = {
    "en": "PeerLine peer support. Reply STOP to opt out. Msg & data rates may apply. "
    "In crisis? Call or text 988.",
    "es": "PeerLine, apoyo entre pares. Responde PARAR para salir. Pueden aplicar tarifas de "
    "msj y datos. ¿En crisis? Llama o textea al 988.",
}
OPTED_OUT = {
    "en": "PeerLine: you're unsubscribed and will get no more messages. Reply START to come "
    "back. In crisis, call or text 988.",
    "es": "PeerLine: te diste de baja y no recibiras mas mensajes. Responde COMENZAR para volver. "
    "En crisis, llama al 988.",
}
OPTED_IN = {
    "en": "PeerLine: welcome back, you're subscribed again. Text us any time. Reply STOP to opt out.",
    "es": "PeerLine: bienvenido de nuevo. Escribenos cuando quieras. Responde PARAR para salir.",
}


def text(table: dict[str, str], locale: str | None) -> str:
    """Pick the text for a locale, falling back to English."""
    return table.get(locale or "en", table["en"])
