"""Contacts: found by the keyed hash of their number, the number itself only as ciphertext."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, LargeBinary, bindparam, delete, or_, text
from sqlalchemy.orm import Session

from service.adapters.contact_cache import ContactIds
from service.adapters.conversation_rows import end_all as end_conversation
from service.adapters.crypto import DataCipher
from service.adapters.models import (
    AuditEvent,
    CheckinSchedule,
    Contact,
    KeptOptOut,
    OptOutEvent,
    UTCDateTime,
)
from service.adapters.outbox import cancel_pending

PHONE_CONTEXT = b"contacts.phone"


# Plain SQL that SQLite and PostgreSQL both speak (it runs on the webhook's hot path).
# A number erased while opted out starts out opted out again (kept_opt_outs: STOP keeps working).
INSERT_CONTACT = text(
    "INSERT INTO contacts (phone_hash, phone_cipher, opted_out, opted_out_at, created_at)"
    " SELECT :phone_hash, :phone_cipher, kept.phone_hash IS NOT NULL, kept.opted_out_at, :created_at"
    " FROM (SELECT 1 AS one) AS one LEFT JOIN kept_opt_outs AS kept ON kept.phone_hash = :phone_hash"
    " WHERE true ON CONFLICT (phone_hash) DO NOTHING RETURNING id"
).bindparams(bindparam("created_at", type_=UTCDateTime()), bindparam("phone_cipher", type_=LargeBinary()))
FIND_CONTACT = text("SELECT id FROM contacts WHERE phone_hash = :phone_hash")


def contact_id(
    connection: Connection, cipher: DataCipher, cache: ContactIds, phone: str, now: datetime
) -> int:
    """The id of this number's contact, creating it on first contact (safe against races)."""
    phone_hash = cipher.lookup_hash(phone)
    cached = cache.get(phone_hash)
    if cached is not None:
        return cached
    params = {
        "phone_hash": phone_hash,
        "phone_cipher": cipher.encrypt(phone, PHONE_CONTEXT),
        "created_at": now,
    }
    found: int | None = connection.scalar(INSERT_CONTACT, params)
    if found is None:  # known already (or created a moment ago by another request)
        found = connection.scalars(FIND_CONTACT, {"phone_hash": phone_hash}).one()
    cache.put(phone_hash, found)
    return found


def leaving() -> ColumnElement[bool]:
    """Contacts the line must let go of: opted out, erasing themselves, or blocked. Their
    conversations are handed back, and no offer goes to them."""
    return or_(
        Contact.opted_out.is_(True), Contact.erase_confirmed_at.is_not(None), Contact.blocked_at.is_not(None)
    )


def phone_of(cipher: DataCipher, contact: Contact) -> str:
    return cipher.decrypt(contact.phone_cipher, PHONE_CONTEXT)


def set_opt_out(session: Session, contact: Contact, opted_out: bool, reason: str, now: datetime) -> None:
    """Change the opt-out state, keeping its history and an audit record. Opting out also
    cancels everything not yet sent to them, ends their conversation (its timers with it) and
    removes their check-ins: STOP stops everything."""
    if contact.opted_out == opted_out:
        return
    if opted_out:
        cancel_pending(session, contact.id, now)
        end_conversation(session, contact.id, "opted_out", now)
        session.execute(delete(CheckinSchedule).where(CheckinSchedule.contact_id == contact.id))
    contact.opted_out = opted_out
    contact.opted_out_at = now if opted_out else None
    if not opted_out:
        session.execute(delete(KeptOptOut).where(KeptOptOut.phone_hash == contact.phone_hash))
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
