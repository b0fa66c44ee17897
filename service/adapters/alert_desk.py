"""What coordinators do with alerts: acknowledge, resolve with a note, and the Alerts page's rows.

A note may speak of the person, so the notes are kept encrypted like message bodies (an erasure
clears them); the audit log records who did what to which alert, never what a note says.
Phone numbers reach the page as their last four digits only, and crisis hits as their categories,
never the words they quote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from service.adapters import contacts
from service.adapters.alerts import WAITING_TOO_LONG
from service.adapters.contacts import PHONE_CONTEXT
from service.adapters.crypto import DataCipher
from service.adapters.models import Alert, Contact, Coordinator, CrisisHit, Peer

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
CRISIS = "crisis"
NOTE_CONTEXT = b"alerts.note"
MAX_NOTE = 1000
AUDIT_ACTIONS = {"acknowledge": "alert_acknowledged", "resolve": "alert_resolved"}
KIND_LABELS = {
    CRISIS: "Crisis language",
    WAITING_TOO_LONG: "Waiting too long",
    "peer_asks_coordinator": "Peer asks for a coordinator",
    "no_peer": "No peer free",
    "burst": "Many texts at once",
}


class AlertRefused(Exception):
    """The alert cannot be handled so; the message says why, in words for the coordinator."""


@dataclass(frozen=True)
class AlertNote:
    at: datetime
    by: int  # the coordinator's id
    action: str  # acknowledge | resolve
    text: str


@dataclass(frozen=True)
class AlertRow:
    """One alert as the Alerts page shows it."""

    alert_id: int
    kind: str
    kind_label: str
    status: str
    created_at: datetime
    age_minutes: int
    conversation_id: int | None
    contact_id: int | None
    phone_last4: str  # "•••• 1234", or "" once the person is erased
    peer_id: int | None
    peer_name: str
    crisis_categories: tuple[str, ...]  # of the contact's latest crisis hit, e.g. ("intent",)
    acknowledged_at: datetime | None
    acknowledged_by: str  # the coordinator's email, or ""
    resolved_at: datetime | None
    resolved_by: str
    notes: tuple[AlertNote, ...]


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def acknowledge(
    session: Session, cipher: DataCipher, alert_id: int, coordinator_id: int, now: datetime, note: str = ""
) -> Alert:
    """Someone is on it: an open alert becomes acknowledged, with an optional note."""
    alert = _locked(session, alert_id)
    if alert.status != OPEN:
        raise AlertRefused(f"already {alert.status}")
    text = _note_text(note, required=False)
    alert.status, alert.acknowledged_at, alert.acknowledged_by = ACKNOWLEDGED, now, coordinator_id
    _handled(session, cipher, alert, coordinator_id, now, "acknowledge", text)
    return alert


def resolve(
    session: Session, cipher: DataCipher, alert_id: int, coordinator_id: int, now: datetime, note: str
) -> Alert:
    """Done: an open or acknowledged alert is resolved, with a note saying what was done."""
    alert = _locked(session, alert_id)
    if alert.status == RESOLVED:
        raise AlertRefused("already resolved")
    text = _note_text(note, required=True)
    alert.status, alert.resolved_at, alert.resolved_by = RESOLVED, now, coordinator_id
    _handled(session, cipher, alert, coordinator_id, now, "resolve", text)
    return alert


def notes_of(cipher: DataCipher, alert: Alert) -> list[AlertNote]:
    """The alert's notes, oldest first; [] when none was written or the person was erased."""
    return _notes(cipher, alert.note_cipher)


def _notes(cipher: DataCipher, note_cipher: bytes | None) -> list[AlertNote]:
    if note_cipher is None:
        return []
    return [
        AlertNote(at=datetime.fromisoformat(n["at"]), by=int(n["by"]), action=n["action"], text=n["text"])
        for n in json.loads(cipher.decrypt(note_cipher, NOTE_CONTEXT))
    ]


def open_count(session: Session) -> int:
    """Alerts nobody has taken up yet (the navigation badge)."""
    return session.scalar(select(func.count()).select_from(Alert).where(Alert.status == OPEN)) or 0


def listing(
    session: Session, cipher: DataCipher, now: datetime, *, resolved_within: timedelta = timedelta(hours=24)
) -> list[AlertRow]:
    """Open alerts (crisis first, then oldest), then acknowledged ones (the same order), then
    those resolved within `resolved_within` (latest first)."""
    peer_contact = aliased(Contact)
    acknowledger, resolver = aliased(Coordinator), aliased(Coordinator)
    found = session.execute(  # plain columns: ORM entities for a thousand rows a second cost more
        select(
            Alert.id,
            Alert.kind,
            Alert.status,
            Alert.created_at,
            Alert.conversation_id,
            Alert.contact_id,
            Alert.peer_id,
            Alert.acknowledged_at,
            Alert.resolved_at,
            Alert.note_cipher,
            Contact.phone_cipher.label("phone_cipher"),
            peer_contact.phone_cipher.label("peer_phone_cipher"),
            Peer.name.label("peer_name"),
            acknowledger.email.label("acknowledged_by"),
            resolver.email.label("resolved_by"),
        )
        .outerjoin(Contact, Contact.id == Alert.contact_id)
        .outerjoin(Peer, Peer.id == Alert.peer_id)
        .outerjoin(peer_contact, peer_contact.id == Peer.contact_id)
        .outerjoin(acknowledger, acknowledger.id == Alert.acknowledged_by)
        .outerjoin(resolver, resolver.id == Alert.resolved_by)
        .where(or_(Alert.status != RESOLVED, Alert.resolved_at >= now - resolved_within))
    ).all()
    categories = _latest_crisis_categories(session, {a.contact_id for a in found if a.contact_id})
    rows = [
        AlertRow(
            alert_id=alert.id,
            kind=alert.kind,
            kind_label=kind_label(alert.kind),
            status=alert.status,
            created_at=alert.created_at,
            age_minutes=max(0, int((now - alert.created_at).total_seconds() // 60)),
            conversation_id=alert.conversation_id,
            contact_id=alert.contact_id,
            # the person's, else (a peer's alert) the peer's; none once erased
            phone_last4=_last4(cipher, alert.phone_cipher or alert.peer_phone_cipher),
            peer_id=alert.peer_id,
            peer_name=alert.peer_name or "",
            crisis_categories=categories.get(alert.contact_id or 0, ()),
            acknowledged_at=alert.acknowledged_at,
            acknowledged_by=alert.acknowledged_by or "",
            resolved_at=alert.resolved_at,
            resolved_by=alert.resolved_by or "",
            notes=tuple(_notes(cipher, alert.note_cipher)),
        )
        for alert in found
    ]
    return sorted(rows, key=_page_order)


def _page_order(row: AlertRow) -> tuple[int, bool, float, int]:
    if row.status == RESOLVED:
        return (2, False, -(row.resolved_at or row.created_at).timestamp(), -row.alert_id)
    return (0 if row.status == OPEN else 1, row.kind != CRISIS, row.created_at.timestamp(), row.alert_id)


def _latest_crisis_categories(session: Session, contact_ids: set[int]) -> dict[int, tuple[str, ...]]:
    """Each contact's latest crisis hit's categories, in one query."""
    if not contact_ids:
        return {}
    ranked = (
        select(
            CrisisHit.contact_id,
            CrisisHit.categories,
            func.row_number()
            .over(partition_by=CrisisHit.contact_id, order_by=(CrisisHit.at.desc(), CrisisHit.id.desc()))
            .label("rank"),
        )
        .where(CrisisHit.contact_id.in_(contact_ids))
        .subquery()
    )
    latest = session.execute(select(ranked.c.contact_id, ranked.c.categories).where(ranked.c.rank == 1))
    return {contact_id: tuple(text.split()) for contact_id, text in latest}


def _last4(cipher: DataCipher, phone_cipher: bytes | None) -> str:
    return "•••• " + cipher.decrypt(phone_cipher, PHONE_CONTEXT)[-4:] if phone_cipher is not None else ""


def _locked(session: Session, alert_id: int) -> Alert:
    """The alert, locked until the transaction ends: two coordinators clicking at once take turns
    (PostgreSQL; SQLite runs one writing transaction at a time anyway)."""
    alert = session.scalar(
        select(Alert).where(Alert.id == alert_id).with_for_update().execution_options(populate_existing=True)
    )
    if alert is None:
        raise AlertRefused("no such alert")
    return alert


def _note_text(note: str, *, required: bool) -> str:
    # A browser's textarea counts a line break as one character but posts it as CRLF.
    text = note.replace("\r\n", "\n").strip()
    if required and not text:
        raise AlertRefused("a note is needed to resolve: say what was done")
    if len(text) > MAX_NOTE:
        raise AlertRefused(f"a note is at most {MAX_NOTE:,} characters (this one has {len(text):,})")
    return text


def _handled(
    session: Session,
    cipher: DataCipher,
    alert: Alert,
    coordinator_id: int,
    now: datetime,
    action: str,
    text: str,
) -> None:
    alert.updated_at = now
    if text:
        notes = [
            {"at": n.at.isoformat(), "by": n.by, "action": n.action, "text": n.text}
            for n in notes_of(cipher, alert)
        ]
        notes.append({"at": now.isoformat(), "by": coordinator_id, "action": action, "text": text})
        alert.note_cipher = cipher.encrypt(json.dumps(notes), NOTE_CONTEXT)
    detail = {"kind": alert.kind, "with_note": bool(text)}  # never the note itself
    actor = f"coordinator:{coordinator_id}"
    contacts.audit(session, now, actor, AUDIT_ACTIONS[action], "alert", alert.id, detail)
    session.flush()
