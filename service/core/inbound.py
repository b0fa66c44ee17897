"""Decide what one inbound text does: keywords first, then the conversation handler.

`ConversationHandler` is the seam the flows drop into (`conversation.FlowHandler`): it takes the
contact, with their active conversation's state, and the text, and returns effects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from service.core import replies
from service.core.flow_engine import FlowState
from service.core.keywords import Keyword, classify


@dataclass(frozen=True)
class Contact:
    """What the decision needs to know about the texter: never the phone number."""

    id: int
    locale: str | None
    opted_out: bool
    consented: bool = False
    conversation: FlowState | None = None  # the active conversation's state, if any
    checkins: str | None = None  # "on", "paused", or None when none are set up
    erase_asked_at: datetime | None = None  # said DELETE once; saying it again soon confirms


@dataclass(frozen=True)
class Reply:
    """Send this text back to the texter on the number they wrote to."""

    text: str
    confirms_opt_out: bool = False  # the one message an opted-out number may still get


@dataclass(frozen=True)
class SetOptOut:
    opted_out: bool
    reason: str  # "keyword" for STOP/START; carriers give other reasons elsewhere


@dataclass(frozen=True)
class AskErase:
    """They said DELETE: remember when, and ask them to say it again to confirm."""


@dataclass(frozen=True)
class ConfirmErase:
    """They said DELETE again in time (or, opted out, cannot be asked): erase them."""


ERASE_CONFIRM_WITHIN = timedelta(minutes=10)  # the time replies.ERASE_ASK gives


@dataclass
class Decision:
    effects: list[Any] = field(default_factory=list)  # Reply, SetOptOut, or the handler's effects


class ConversationHandler(Protocol):
    def handle(self, contact: Contact, text: str, now: datetime) -> list[Any]: ...


def decide(contact: Contact, text: str, now: datetime, handler: ConversationHandler) -> Decision:
    """Return the effects of one inbound text. Opt-out and help words win over any flow."""
    keyword = classify(text, opted_out=contact.opted_out)
    if keyword is not None:
        kind, said_in = keyword
        locale = contact.locale or said_in
        if kind is Keyword.OPT_OUT:
            if contact.opted_out:
                return Decision()  # one confirmation at most
            confirmation = Reply(replies.text(replies.OPTED_OUT, locale), confirms_opt_out=True)
            return Decision([SetOptOut(True, "keyword"), confirmation])
        if kind is Keyword.OPT_IN:
            if not contact.opted_out:
                return Decision([Reply(replies.text(replies.OPTED_IN, locale))])
            return Decision([SetOptOut(False, "keyword"), Reply(replies.text(replies.OPTED_IN, locale))])
        if kind is Keyword.ERASE:
            return _erase(contact, locale, now)
        if contact.opted_out:
            return Decision()  # nothing is sent to an opted-out number, help included
        return Decision([Reply(replies.text(replies.HELP, locale))])
    if contact.opted_out:
        return Decision()  # an opted-out person's texts are kept, never answered
    return Decision(handler.handle(contact, text, now))


def _erase(contact: Contact, locale: str, now: datetime) -> Decision:
    """DELETE / BORRAR: ask first, erase on the second. Someone opted out cannot be asked (no
    text may reach them), and saying DELETE while opted out is already unmistakable."""
    if contact.opted_out:
        return Decision([ConfirmErase()])
    asked = contact.erase_asked_at
    if asked is not None and now - asked <= ERASE_CONFIRM_WITHIN:
        return Decision([ConfirmErase(), Reply(replies.text(replies.ERASING, locale))])
    return Decision([AskErase(), Reply(replies.text(replies.ERASE_ASK, locale))])
