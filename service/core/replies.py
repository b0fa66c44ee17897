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
ERASE_ASK = {
    "en": "PeerLine: to erase your messages and profile for good, reply DELETE again within 10 "
    "minutes. This can't be undone.",
    "es": "PeerLine: para borrar para siempre tus mensajes y tu perfil, responde BORRAR otra vez "
    "antes de 10 minutos. No se puede deshacer.",
}
ERASING = {
    "en": "PeerLine: we're erasing your messages and profile now. You'll get no more texts unless "
    "you write again. In crisis, call or text 988.",
    "es": "PeerLine: estamos borrando tus mensajes y tu perfil. No te escribiremos mas salvo que "
    "vuelvas a escribir. En crisis, llama al 988.",
}
SLOW_DOWN = {
    "en": "PeerLine: that's a lot of texts at once. We have them all and will answer in order, "
    "please give us a moment. In crisis, call or text 988.",
    "es": "PeerLine: recibimos muchos mensajes a la vez. Los tenemos todos y responderemos en "
    "orden, danos un momento. En crisis, llama al 988.",
}


def text(table: dict[str, str], locale: str | None) -> str:
    """Pick the text for a locale, falling back to English."""
    return table.get(locale or "en", table["en"])
