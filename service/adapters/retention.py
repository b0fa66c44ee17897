"""Retention: what people wrote is purged once it is older than the retention period.

A purge clears message bodies and ended conversations' state (their answers) and nothing else:
rows, times, statuses, relays' counts and ratings stay, so history and metrics still add up.
Texts still to be sent and texts not yet processed keep their bodies whatever their age.

It runs daily (the sweeper queues `purge_expired` when `purge_due`) and on demand (`peerline
purge`). Each run appends one audit event; that event is also how the daily run knows it ran,
so a restart neither skips a day nor purges twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.adapters import contacts
from service.adapters.db import rows_changed
from service.adapters.models import (
    AuditEvent,
    Base,
    Conversation,
    CrisisHit,
    InboundMessage,
    OutboundMessage,
)
from service.adapters.runtime import Runtime

log = logging.getLogger(__name__)
PURGE = "purge"
SYSTEM = "system"  # the daily job's actor; `peerline purge` records "cli:<login>"
DAILY = timedelta(hours=24)
UNSENT = ("pending", "claimed")  # still to be sent, or being sent: the body is still needed


@dataclass(frozen=True)
class Target:
    """One kind of purgeable data: the column cleared, and which of its rows are due."""

    model: type[Base]
    column: InstrumentedAttribute[bytes | None]
    due: tuple[ColumnElement[bool], ...]


def targets(cutoff: datetime) -> dict[str, Target]:
    """What is due before `cutoff`, by the names the counts use. One definition for the purge
    and the dry run, so a dry run counts exactly what a purge would clear."""
    return {
        "inbound": Target(
            InboundMessage,
            InboundMessage.body_cipher,
            (InboundMessage.received_at < cutoff, InboundMessage.processed_at.is_not(None)),
        ),
        "outbound": Target(
            OutboundMessage,
            OutboundMessage.body_cipher,
            (OutboundMessage.created_at < cutoff, OutboundMessage.status.not_in(UNSENT)),
        ),
        "conversations": Target(Conversation, Conversation.state_cipher, (Conversation.ended_at < cutoff,)),
        # the words a crisis hit quotes; its categories stay for review counts
        "crisis_hits": Target(CrisisHit, CrisisHit.reasons_cipher, (CrisisHit.at < cutoff,)),
    }


def cutoff_of(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def count_due(session: Session, now: datetime, days: int) -> dict[str, int]:
    """How many rows a purge would clear now (rows purged already are not counted)."""
    return {
        name: session.scalar(
            select(func.count()).select_from(target.model).where(target.column.is_not(None), *target.due)
        )
        or 0
        for name, target in targets(cutoff_of(now, days)).items()
    }


def purge(session: Session, now: datetime, days: int, actor: str) -> dict[str, int]:
    """Clear what is older than `days`, in the caller's transaction, and record it. Counts say
    what this run cleared: rows purged before are left out, so a second run reports zeros.

    Bulk UPDATEs, not ORM loops: the tables can be large, and nothing needs the rows in Python.
    """
    cutoff = cutoff_of(now, days)
    counts = {
        name: rows_changed(
            session.execute(
                update(target.model)
                .where(target.column.is_not(None), *target.due)
                .values({target.column.key: None})
                .execution_options(synchronize_session=False)  # no rows loaded: none to refresh
            )
        )
        for name, target in targets(cutoff).items()
    }
    detail: dict[str, object] = {**counts, "days": days, "before": cutoff.isoformat()}
    contacts.audit(session, now, actor, PURGE, "messages", None, detail)
    return counts


def purge_due(session: Session, now: datetime) -> bool:
    """True when the daily purge has not run in the last 24 hours. Only the daily job's own
    events count: a one-off `peerline purge` with a longer period must not delay it."""
    recent = exists().where(
        AuditEvent.action == PURGE, AuditEvent.actor == SYSTEM, AuditEvent.at > now - DAILY
    )
    return not session.scalar(select(recent))


def purge_expired(rt: Runtime) -> dict[str, int]:
    """The daily job. A second copy (queued while the first was still running) finds today's
    purge in the audit log and does nothing, so there is one purge and one event a day."""
    now = rt.clock()
    with rt.db.session() as session:
        if not purge_due(session, now):
            return {}
        counts = purge(session, now, rt.settings.retention_days, SYSTEM)
    log.info("purged expired texts", extra={f"purged_{name}": n for name, n in counts.items()})
    return counts
