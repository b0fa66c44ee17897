"""A coordinator's changes to a peer: pause, resume, topics and shifts (see coordinator_actions)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.adapters import peer_requests, peers
from service.adapters.conversations import Applied, after_commit
from service.adapters.coordinator_checks import ActionRefused, leaving, the_peer
from service.adapters.models import Contact, Offer
from service.adapters.runtime import Runtime


def set_peer_paused(
    rt: Runtime, peer_id: int, paused: bool, actor: str, *, until: datetime | None = None
) -> str:
    """Pause a peer (until a time, or off until resumed) or resume them. A pause withdraws their
    unanswered offers, so those seekers are offered on at once."""
    now = rt.clock()
    status = ("paused" if until is not None else "off") if paused else "available"
    with rt.db.session() as session:
        peer = the_peer(session, peer_id)
        try:
            peers.set_status(session, peer, status, until=until, now=now, actor=actor)
        except peers.PeerInvalid as error:
            raise ActionRefused(f"{peer.name}: {error.reason}.") from None
        withdrawn = _withdraw_offers(session, peer.id, now) if paused else []
        said = f"{peer.name} is {peers.status_text(peer, now)}."
        if status == "off":
            said += " No offers until you resume them."
        elif peer.confirmed_at is None:
            said += " They have not confirmed yet: no offers until they reply ON."
        elif (reason := leaving(session.get_one(Contact, peer.contact_id))) is not None:
            said += f" But they {reason}."
    # The peer's offer flow is closed; their seekers, or one waiting for just this peer, matched.
    jobs: list[tuple[str, tuple[int | str, ...]]] = [
        ("close_offer", (o, "offer_withdrawn")) for o in withdrawn
    ]
    after_commit(rt, Applied(jobs=[*jobs, ("match_waiting", ())]))
    return said


def edit_peer(rt: Runtime, peer_id: int, *, topics: list[str], shifts: str, actor: str) -> str:
    """Replace a peer's topics (from the taxonomy) and shifts ("mon-fri 18:00-22:00"; empty: any time)."""
    now = rt.clock()
    with rt.db.session() as session:
        peer = the_peer(session, peer_id)
        try:
            changed = peers.edit(
                session,
                peer,
                topics=topics,
                shifts=shifts,
                known_topics=rt.taxonomy.ids(),
                now=now,
                actor=actor,
            )
        except peers.PeerInvalid as error:
            raise ActionRefused(f"{error.field.capitalize()}: {error.reason}.") from None
        name = peer.name
    after_commit(rt, Applied(jobs=[("match_waiting", ())]))  # a new topic or shift may fit someone waiting
    return f"{name}'s {' and '.join(changed)} saved." if changed else f"Nothing changed for {name}."


def _withdraw_offers(session: Session, peer_id: int, now: datetime) -> list[int]:
    """The peer's unanswered offers, now withdrawn (a pause is not their refusal)."""
    pending = select(Offer.id).where(Offer.peer_id == peer_id, Offer.status == peer_requests.PENDING)
    return [o for o in session.scalars(pending).all() if peer_requests.refuse(session, o, "withdrawn", now)]
