"""Volunteer peers: register, welcome, confirm, pause, list and import them.

Logs and audit records carry ids only, never a peer's number or name.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.adapters import contacts, outbox
from service.adapters.contact_cache import ContactIds
from service.adapters.crypto import DataCipher
from service.adapters.demo_peers import DEMO_PEERS
from service.adapters.models import Contact, Peer, PeerTopic
from service.core.flow_model import Text
from service.core.shifts import format_shifts, on_shift, parse_shifts

log = logging.getLogger(__name__)
LANGUAGES = ("en", "es")
STATUSES = ("available", "paused", "off")
DEFAULT_TIMEZONE = "America/New_York"
WELCOME_MESSAGES = ("peer_welcome", "peer_welcome_commands")  # the second one only if the flows have it
WELCOME_KIND = "peer_welcome"
COLUMNS = ("name", "phone", "topics", "languages", "capacity", "timezone", "shifts", "weekly_cap_hours")
REQUIRED_COLUMNS = ("name", "phone", "topics")
# What an added peer's audit event lists as set: field names only, never the name or number.
ADDED_FIELDS = (*REQUIRED_COLUMNS, "languages", "capacity", "weekly_cap_minutes", "timezone", "shifts")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-]")
_LIST_SEPARATORS = re.compile(r"[;|,\s]+")


class PeerInvalid(ValueError):
    """A peer's details cannot be accepted; `field` names what to fix."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class PeerSummary:
    """What a coordinator sees of a peer: the number's last four digits at most."""

    id: int
    name: str
    phone: str  # "…1234"
    topics: tuple[str, ...]
    languages: tuple[str, ...]
    status: str  # available | paused until … | off, and "; texted STOP" when opted out
    confirmed: bool
    capacity: int
    on_shift: bool
    timezone: str
    shifts: str


@dataclass
class ImportReport:
    accepted: list[int] = field(default_factory=list)  # peer ids
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def normalise_phone(raw: str) -> str:
    """E.164 (+15551234567); US numbers such as (555) 123-4567 or 555-123-4567 get +1."""
    compact = _PHONE_PUNCTUATION.sub("", raw.strip())
    if re.fullmatch(r"[0-9]{10}", compact):
        compact = "+1" + compact
    elif re.fullmatch(r"1[0-9]{10}", compact):
        compact = "+" + compact
    nanp_ok = not compact.startswith("+1") or len(compact) == 12
    if not (re.fullmatch(r"\+[1-9][0-9]{7,14}", compact) and nanp_ok):
        what = "is required" if not compact else "is not a phone number"
        raise PeerInvalid("phone", f"{what}: use E.164 like +15551234567, or a US number like (555) 123-4567")
    return compact


def split_list(cell: str) -> list[str]:
    """Topic or language ids from one cell or option: separated by ; | , or spaces."""
    return [part.lower() for part in _LIST_SEPARATORS.split(cell.strip()) if part]


def register(
    session: Session,
    cipher: DataCipher,
    *,
    name: str,
    phone: str,
    topics: Iterable[str],
    languages: Iterable[str],
    capacity: int = 1,
    weekly_cap_hours: float = 12,
    timezone: str = DEFAULT_TIMEZONE,
    shifts: str = "",
    now: datetime,
    known_topics: Collection[str],
    confirmed: bool = False,
    actor: str = "system",
    via: str = "add",
) -> Peer:
    """Check every detail, then add the peer (and their number's contact when it is new).

    The audit event says who added them (`actor`), how (`via`: add, import, demo) and which
    fields were set, by name: topic ids and the status, but never the name or number."""
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise PeerInvalid("name", "is required" if not name else "is longer than 80 characters")
    topic_ids = _topics(topics, known_topics)
    language_ids = _languages(languages)
    _in_range("capacity", capacity, 1, 5, "conversations at a time")
    _in_range("weekly_cap_hours", weekly_cap_hours, 1, 60, "hours a week")
    _zone(timezone)
    shift_spec = _shifts(shifts)
    phone = normalise_phone(phone)
    # The webhook's own get-or-create: safe if this number texts the line at this very moment.
    contact = session.get_one(
        Contact, contacts.contact_id(session.connection(), cipher, ContactIds(), phone, now)
    )
    existing = by_contact(session, contact.id)
    if existing is not None:
        raise PeerInvalid("phone", f"already a peer: #{existing.id}")
    if contact.locale is None:
        contact.locale = language_ids[0]
    peer = Peer(
        contact_id=contact.id,
        name=name,
        languages=",".join(language_ids),
        capacity=capacity,
        weekly_cap_minutes=round(weekly_cap_hours * 60),
        timezone=timezone,
        shifts=shift_spec,
        status="available",
        confirmed_at=now if confirmed else None,
        created_at=now,
        updated_at=now,
    )
    session.add(peer)
    session.flush()
    session.add_all(PeerTopic(peer_id=peer.id, topic=topic, offerable=False) for topic in topic_ids)
    sync_offerable(session, peer)
    detail: dict[str, object] = {
        "contact_id": contact.id,
        "via": via,
        "fields": list(ADDED_FIELDS),
        "topics": topic_ids,
        "status": peer.status,
        "confirmed": confirmed,
    }
    contacts.audit(session, now, actor, "peer_added", "peer", peer.id, detail)
    log.info("peer added", extra={"peer_id": peer.id, "contact_id": contact.id})
    return peer


def locale_of(peer: Peer) -> str:
    """The language texts to this peer use: the first they speak."""
    return peer.languages.split(",")[0] or "en"


def offerable(peer: Peer) -> bool:
    """May get offers at all: confirmed and not off (matching checks a pause's end itself)."""
    return peer.confirmed_at is not None and peer.status != "off"


def sync_offerable(session: Session, peer: Peer) -> None:
    """Mirror `offerable(peer)` onto the peer's topic rows, the only place matching reads it."""
    session.execute(update(PeerTopic).where(PeerTopic.peer_id == peer.id).values(offerable=offerable(peer)))


def welcome_texts(shared: Mapping[str, Text], locale: str) -> list[str]:
    """The welcome texts in this language, from the flows' shared messages."""
    if WELCOME_MESSAGES[0] not in shared:
        raise LookupError(
            f"the flows have no shared message {WELCOME_MESSAGES[0]!r} (flows/messages.yaml):"
            " add it, then try again"
        )
    return [shared[name].render(locale, "sms", {}) for name in WELCOME_MESSAGES if name in shared]


def welcome(
    session: Session, cipher: DataCipher, peer: Peer, *, line_number: str, texts: Sequence[str], now: datetime
) -> list[int]:
    """Put the welcome texts in the outbox; [] when the number has opted out. Dispatch after commit."""
    contact = session.get_one(Contact, peer.contact_id)
    if contact.opted_out:
        log.info("peer not welcomed: opted out", extra={"peer_id": peer.id})
        return []
    rows = [
        outbox.add(
            session,
            cipher,
            contact_id=contact.id,
            line_number=line_number,
            body=text,
            now=now,
            kind=WELCOME_KIND,
        )
        for text in texts
    ]
    session.flush()
    return [row.id for row in rows]


def confirm(session: Session, peer: Peer, now: datetime, *, actor: str = "system") -> bool:
    """The peer replied ON to the welcome; False when they had already confirmed."""
    if peer.confirmed_at is not None:
        return False
    peer.confirmed_at = peer.updated_at = now
    sync_offerable(session, peer)
    contacts.audit(session, now, actor, "peer_confirmed", "peer", peer.id, {"fields": ["confirmed_at"]})
    log.info("peer confirmed", extra={"peer_id": peer.id})
    return True


def set_status(
    session: Session,
    peer: Peer,
    status: str,
    *,
    until: datetime | None = None,
    now: datetime,
    actor: str = "system",
) -> None:
    """available | paused (until a time in the future) | off. The audit event names who did it
    (`actor`: the CLI's user, the peer by text) and which fields changed; it is written even
    when none did, since the command itself is what a coordinator may ask about."""
    if status not in STATUSES:
        raise PeerInvalid("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    if until is not None and until.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time")
    if status == "paused" and (until is None or until <= now):
        raise PeerInvalid("until", "a pause needs an end time in the future")
    if status != "paused" and until is not None:
        raise PeerInvalid("until", f"only a pause has an end time, not {status!r}")
    previous = peer.status
    changed = [
        name
        for name, old, new in (("status", peer.status, status), ("paused_until", peer.paused_until, until))
        if old != new
    ]
    peer.status, peer.paused_until, peer.updated_at = status, until, now
    sync_offerable(session, peer)
    detail: dict[str, object] = {"status": status, "previous": previous, "fields": changed}
    contacts.audit(session, now, actor, "peer_status", "peer", peer.id, detail)
    log.info("peer status", extra={"peer_id": peer.id, "status": status})


def set_topics(
    session: Session,
    peer: Peer,
    topics: Iterable[str],
    known_topics: Collection[str],
    *,
    now: datetime | None = None,
) -> None:
    """Replace the peer's topics (each one of `known_topics`)."""
    chosen = _topics(topics, known_topics)
    have = set(session.scalars(select(PeerTopic.topic).where(PeerTopic.peer_id == peer.id)))
    gone = have - set(chosen)
    if gone:
        session.execute(delete(PeerTopic).where(PeerTopic.peer_id == peer.id, PeerTopic.topic.in_(gone)))
    session.add_all(PeerTopic(peer_id=peer.id, topic=t, offerable=False) for t in chosen if t not in have)
    if now is not None:
        peer.updated_at = now
    sync_offerable(session, peer)


def edit(
    session: Session,
    peer: Peer,
    *,
    topics: Iterable[str],
    shifts: str,
    known_topics: Collection[str],
    now: datetime,
    actor: str,
) -> list[str]:
    """Replace the peer's topics and shifts, checked as an import checks them: nothing changes
    when either is wrong. Audited with the fields that changed and the topic ids; returns the fields."""
    chosen = _topics(topics, known_topics)
    spec = _shifts(shifts)
    had = set(session.scalars(select(PeerTopic.topic).where(PeerTopic.peer_id == peer.id)))
    changed = [
        name for name, same in (("topics", had == set(chosen)), ("shifts", peer.shifts == spec)) if not same
    ]
    set_topics(session, peer, chosen, known_topics, now=now)
    peer.shifts, peer.updated_at = spec, now
    detail: dict[str, object] = {"fields": changed, "topics": chosen}
    contacts.audit(session, now, actor, "peer_edited", "peer", peer.id, detail)
    log.info("peer edited", extra={"peer_id": peer.id, "fields": changed})
    return changed


def by_phone(session: Session, cipher: DataCipher, phone: str) -> Peer | None:
    """The peer with this number (any common US format), if any; PeerInvalid if it is no number."""
    phone_hash = cipher.lookup_hash(normalise_phone(phone))
    query = select(Peer).join(Contact, Contact.id == Peer.contact_id).where(Contact.phone_hash == phone_hash)
    return session.scalars(query).one_or_none()


def by_contact(session: Session, contact_id: int) -> Peer | None:
    return session.scalars(select(Peer).where(Peer.contact_id == contact_id)).one_or_none()


def listing(session: Session, cipher: DataCipher, now: datetime) -> list[PeerSummary]:
    """Every peer, oldest first, as coordinators may see them."""
    topics: dict[int, list[str]] = {}
    for peer_id, topic in session.execute(
        select(PeerTopic.peer_id, PeerTopic.topic).order_by(PeerTopic.peer_id, PeerTopic.topic)
    ):
        topics.setdefault(peer_id, []).append(topic)
    query = select(Peer, Contact).join(Contact, Contact.id == Peer.contact_id).order_by(Peer.id)
    return [
        PeerSummary(
            id=peer.id,
            name=peer.name,
            phone="…" + contacts.phone_of(cipher, contact)[-4:],
            topics=tuple(topics.get(peer.id, ())),
            languages=tuple(peer.languages.split(",")),
            status=status_text(peer, now) + ("; texted STOP" if contact.opted_out else ""),
            confirmed=peer.confirmed_at is not None,
            capacity=peer.capacity,
            on_shift=on_shift(parse_shifts(peer.shifts), ZoneInfo(peer.timezone), now),
            timezone=peer.timezone,
            shifts=peer.shifts,
        )
        for peer, contact in session.execute(query)
    ]


def status_text(peer: Peer, now: datetime) -> str:
    """available, off, or "paused until <local time>"; a pause that has ended reads available."""
    if peer.status == "paused" and peer.paused_until is not None and peer.paused_until > now:
        local = peer.paused_until.astimezone(ZoneInfo(peer.timezone))
        return f"paused until {local:%a %Y-%m-%d %H:%M %Z}"
    return "off" if peer.status == "off" else "available"


def check_columns(names: Iterable[str]) -> None:
    """A CSV header must name the required columns, and only known ones, each once."""
    given = [name.strip().lower() for name in names if name.strip()]
    problems = []
    if unknown := [name for name in given if name not in COLUMNS]:
        problems.append(f"unknown column(s): {', '.join(unknown)}")
    if missing := [name for name in REQUIRED_COLUMNS if name not in given]:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if repeated := sorted({name for name in given if given.count(name) > 1}):
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    if problems:
        raise PeerInvalid(
            "columns",
            "; ".join(problems) + f" (the first line must be the header: {','.join(COLUMNS)};"
            f" {', '.join(REQUIRED_COLUMNS)} are required)",
        )


def import_rows(
    session: Session,
    cipher: DataCipher,
    rows: Iterable[Mapping[str, str]],
    *,
    now: datetime,
    known_topics: Collection[str],
    on_row: Callable[[int], None] | None = None,
    actor: str = "system",
) -> ImportReport:
    """Register a peer per CSV row; row i is line i + 1 (line 1 is the header), blank rows are
    skipped. A bad header raises PeerInvalid before anything is written; a bad row is reported
    and the rest go on. A cell under a blank column name means the row has too many cells."""
    report = ImportReport()
    first_line: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if line == 2:
            check_columns(row.keys())
        cells = {key.strip().lower(): (value or "").strip() for key, value in row.items()}
        try:
            if any(cells.values()):
                check_columns(cells.keys())
                report.accepted.append(
                    _import_row(session, cipher, cells, line, first_line, now, known_topics, actor)
                )
        except PeerInvalid as error:
            report.rejected.append((line, str(error)))
        if on_row is not None:
            on_row(line)
    log.info("peers imported", extra={"accepted": len(report.accepted), "rejected": len(report.rejected)})
    return report


def _import_row(
    session: Session,
    cipher: DataCipher,
    cells: dict[str, str],
    line: int,
    first_line: dict[str, int],
    now: datetime,
    known_topics: Collection[str],
    actor: str,
) -> int:
    if cells.pop("", ""):
        raise PeerInvalid("row", "has more cells than the header has columns")
    phone = normalise_phone(cells.get("phone", ""))
    if phone in first_line:
        raise PeerInvalid("phone", f"same number as line {first_line[phone]}")
    first_line[phone] = line
    try:
        with session.begin_nested():  # a row that fails in the database leaves the others alone
            peer = register(
                session,
                cipher,
                name=cells.get("name", ""),
                phone=phone,
                topics=split_list(cells.get("topics", "")),
                languages=split_list(cells.get("languages", "")) or ["en"],
                capacity=int(_number("capacity", cells.get("capacity", ""), 1, whole=True)),
                weekly_cap_hours=_number("weekly_cap_hours", cells.get("weekly_cap_hours", ""), 12),
                timezone=cells.get("timezone") or DEFAULT_TIMEZONE,
                shifts=cells.get("shifts", ""),
                now=now,
                known_topics=known_topics,
                actor=actor,
                via="import",
            )
    except IntegrityError:
        raise PeerInvalid("row", "could not be saved (it clashes with a record saved meanwhile)") from None
    return peer.id


def load_demo_peers(
    session: Session, cipher: DataCipher, *, now: datetime, known_topics: Collection[str]
) -> int:
    """Add the demo peers (confirmed, any time) whose numbers are not peers yet; how many were added."""
    added = 0
    for demo in DEMO_PEERS:
        topics = [topic for topic in demo.topics if topic in known_topics]
        if not topics or by_phone(session, cipher, demo.phone) is not None:
            continue
        register(
            session,
            cipher,
            name=demo.name,
            phone=demo.phone,
            topics=topics,
            languages=demo.languages,
            now=now,
            known_topics=known_topics,
            confirmed=True,
            via="demo",
        )
        added += 1
    return added


def _topics(topics: Iterable[str], known: Collection[str]) -> list[str]:
    chosen = list(dict.fromkeys(topic.strip().lower() for topic in topics if topic.strip()))
    valid = f"valid topics: {', '.join(sorted(known))}"
    if not chosen:
        raise PeerInvalid("topics", f"give at least one; {valid}")
    if unknown := [topic for topic in chosen if topic not in known]:
        raise PeerInvalid("topics", f"unknown: {', '.join(unknown)}; {valid}")
    return chosen


def _languages(languages: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(language.strip().lower() for language in languages if language.strip()))
    if not chosen or any(language not in LANGUAGES for language in chosen):
        given = ", ".join(chosen) or "none"
        raise PeerInvalid("languages", f"give one or more of {', '.join(LANGUAGES)} (got {given})")
    return chosen


def _in_range(name: str, value: float, low: int, high: int, unit: str) -> None:
    if not low <= value <= high:
        raise PeerInvalid(name, f"must be {low} to {high} {unit}, not {value:g}")


def _number(name: str, cell: str, default: float, *, whole: bool = False) -> float:
    if not cell:
        return default
    try:
        return int(cell) if whole else float(cell)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise PeerInvalid(name, f"{cell!r} is not {kind}") from None


def _zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise PeerInvalid(
            "timezone", f"{name!r} is not a time zone; use an IANA name such as America/New_York"
        ) from None


def _shifts(spec: str) -> str:
    try:
        canonical = format_shifts(parse_shifts(spec))
    except ValueError as error:
        raise PeerInvalid("shifts", str(error)) from None
    if len(canonical) > 200:
        raise PeerInvalid("shifts", "too long: use fewer groups (at most 200 characters)")
    return canonical
