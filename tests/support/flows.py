"""What the shipped flows say, for tests that check a person got the right text."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from service.adapters import flow_files
from service.adapters.settings import SHIPPED_FLOWS
from service.core.conversation import FlowHandler
from service.core.flow_engine import Send


@cache
def handler() -> FlowHandler:
    return FlowHandler(flow_files.load(SHIPPED_FLOWS))


def opening(flow: str = "first_contact", locale: str = "en") -> list[str]:
    """The texts a person reads when this flow starts."""
    start = handler().engine.start(flow, locale=locale, channel="sms", now=datetime(2026, 1, 5, tzinfo=UTC))
    return [effect.text for effect in start.effects if isinstance(effect, Send)]


def replies_for(texts: list[str], locale: str | None = None) -> list[str]:
    """What a new person reads back, text by text, on the pure path (keywords, then flows)."""
    from service.core.conversation import StateChanged
    from service.core.flow_engine import Remember
    from service.core.inbound import Contact, Reply, SetOptOut, decide

    state, consented, opted_out, read = None, False, False, []
    for text in texts:
        contact = Contact(1, locale, opted_out, consented, state if state and not state.ended else None)
        for effect in decide(contact, text, datetime(2026, 1, 5, tzinfo=UTC), handler()).effects:
            if isinstance(effect, (Send, Reply)) and getattr(effect, "to", "seeker") == "seeker":
                read.append(effect.text)
            elif isinstance(effect, StateChanged):
                state, locale = effect.state, effect.state.locale
            elif isinstance(effect, Remember) and effect.key == "consent":
                consented = effect.value == "yes"
            elif isinstance(effect, SetOptOut):
                opted_out = effect.opted_out
    return read
