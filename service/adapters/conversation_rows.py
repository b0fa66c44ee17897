"""Conversation rows: the active one of a person, its decrypted state, ending it (STOP, DELETE)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.adapters.crypto import DataCipher
from service.adapters.models import Conversation
from service.core.flow_engine import FlowState

STATE_CONTEXT = b"conversations.state"


def active(session: Session, contact_id: int) -> Conversation | None:
    return session.scalar(
        select(Conversation).where(Conversation.contact_id == contact_id, Conversation.ended_at.is_(None))
    )


def state_of(cipher: DataCipher, row: Conversation) -> FlowState:
    """The engine's state. Retention purges it only from conversations long ended, which are
    never read again: reading one is a bug, named here rather than failing in decryption."""
    if row.state_cipher is None:
        raise ValueError(f"conversation #{row.id} ended at {row.ended_at}: its state was purged")
    return FlowState.from_json(cipher.decrypt(row.state_cipher, STATE_CONTEXT))


def end_all(session: Session, contact_id: int, reason: str, now: datetime) -> None:
    """End the person's conversation and forget their timers (STOP, DELETE)."""
    row = active(session, contact_id)
    if row is not None:
        row.ended_at, row.end_reason, row.timeout_at, row.timeout_token = now, reason, None, None
        row.updated_at = now
