"""Contacts: found by the keyed hash of their number, the number itself only as ciphertext."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.adapters.crypto import DataCipher
from service.adapters.models import AuditEvent, Contact, OptOutEvent

PHONE_CONTEXT = b"contacts.phone"


def find_or_create(session: Session, cipher: DataCipher, phone: str, now: datetime) -> Contact:
    """Return the contact for this number, creating it on first contact (race-safe)."""
    phone_hash = cipher.lookup_hash(phone)
    found = session.scalar(select(Contact).where(Contact.phone_hash == phone_hash))
    if found is not None:
        return found
    contact = Contact(
        phone_hash=phone_hash,
        phone_cipher=cipher.encrypt(phone, PHONE_CONTEXT),
        opted_out=False,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(contact)
    except IntegrityError:  # another request created it a moment ago
        return session.scalars(select(Contact).where(Contact.phone_hash == phone_hash)).one()
    return contact


def phone_of(cipher: DataCipher, contact: Contact) -> str:
    return cipher.decrypt(contact.phone_cipher, PHONE_CONTEXT)


def set_opt_out(session: Session, contact: Contact, opted_out: bool, reason: str, now: datetime) -> None:
    """Change the opt-out state, keeping its history and an audit record."""
    if contact.opted_out == opted_out:
        return
    contact.opted_out = opted_out
    contact.opted_out_at = now if opted_out else None
    session.add(OptOutEvent(contact_id=contact.id, opted_out=opted_out, reason=reason, at=now))
    audit(
        session,
        now,
        "system" if reason == "keyword" else "carrier",
        "opt_out" if opted_out else "opt_in",
        "contact",
        contact.id,
        {"reason": reason},
    )


def audit(
    session: Session,
    now: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: int | None,
    detail: dict[str, object] | None = None,
) -> None:
    """Append an audit event. Detail holds ids and reasons only, never numbers or bodies."""
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            detail=json.dumps(detail or {}),
        )
    )
