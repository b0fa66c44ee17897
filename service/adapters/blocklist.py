"""The block list coordinators keep: numbers that abuse the line.

A blocked number's texts are still stored (nothing is lost, and a coordinator can look), but the
line never answers them (crisis resources excepted, see processing.py) and never matches them,
as a seeker or as a peer. Blocking ends what they are part of: their conversation and wait end,
unsent texts to them are cancelled, a peer is turned off, and the relay cleanup hands any
conversation they were in back to the other person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.adapters import contacts, peers
from service.adapters.contact_cache import ContactIds
from service.adapters.conversation_rows import end_all
from service.adapters.crypto import DataCipher
from service.adapters.models import Contact
from service.adapters.outbox import cancel_pending

REASONS = ("abuse", "spam", "other")


@dataclass(frozen=True)
class Blocked:
    contact_id: int
    last_four: str
    since: datetime
    reason: str
    is_peer: bool


def block(
    session: Session, cipher: DataCipher, phone: str, reason: str, now: datetime, actor: str
) -> tuple[Contact, bool]:
    """Block this number (known to the line or not); return its contact and whether it is new."""
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {', '.join(REASONS)}")
    contact = _contact(session, cipher, phone, now)
    if contact.blocked_at is not None:
        return contact, False
    contact.blocked_at, contact.blocked_reason = now, reason
    cancel_pending(session, contact.id, now)
    end_all(session, contact.id, "blocked", now)
    peer = peers.by_contact(session, contact.id)
    if peer is not None and peer.status != "off":
        peers.set_status(session, peer, "off", now=now, actor=actor)
    contacts.audit(session, now, actor, "block", "contact", contact.id, {"reason": reason})
    return contact, True


def unblock(session: Session, cipher: DataCipher, phone: str, now: datetime, actor: str) -> bool:
    """Take this number off the block list; False if it was not on it. A peer stays off until
    a coordinator resumes them."""
    contact = session.scalar(select(Contact).where(Contact.phone_hash == cipher.lookup_hash(phone)))
    if contact is None or contact.blocked_at is None:
        return False
    contact.blocked_at, contact.blocked_reason = None, None
    contacts.audit(session, now, actor, "unblock", "contact", contact.id)
    return True


def listing(session: Session, cipher: DataCipher) -> list[Blocked]:
    """Everyone blocked, newest first, shown by the last four digits of their number."""
    blocked = session.scalars(
        select(Contact).where(Contact.blocked_at.is_not(None)).order_by(Contact.blocked_at.desc())
    ).all()
    return [
        Blocked(
            contact_id=contact.id,
            last_four=contacts.phone_of(cipher, contact)[-4:],
            since=contact.blocked_at,
            reason=contact.blocked_reason or "other",
            is_peer=peers.by_contact(session, contact.id) is not None,
        )
        for contact in blocked
        if contact.blocked_at is not None
    ]


def _contact(session: Session, cipher: DataCipher, phone: str, now: datetime) -> Contact:
    contact_id = contacts.contact_id(session.connection(), cipher, ContactIds(), phone, now)
    return session.get_one(Contact, contact_id)
