"""What the shipped flows say, for tests that check a person got the right text."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from service.adapters import flow_files
from service.adapters.settings import SHIPPED_FLOWS
from service.core.conversation import FIRST_CONTACT, FlowHandler
from service.core.flow_engine import Send
from service.core.flow_player import Player


@cache
def handler() -> FlowHandler:
    return FlowHandler(flow_files.load(SHIPPED_FLOWS))


def opening(flow: str = "first_contact", locale: str = "en") -> list[str]:
    """The texts a person reads when this flow starts."""
    start = handler().engine.start(flow, locale=locale, channel="sms", now=datetime(2026, 1, 5, tzinfo=UTC))
    return [effect.text for effect in start.effects if isinstance(effect, Send)]


def replies_for(texts: list[str], locale: str | None = None) -> list[str]:
    """What a new person reads back, text by text, on the pure path (keywords, then flows)."""
    player = Player(handler(), FIRST_CONTACT, locale, consented=False)
    for text in texts:
        player.play(text)
    return player.read_by_seeker
