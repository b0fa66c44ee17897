"""Several phones on the real SMS path (webhook -> worker -> outbox), for matching and relay tests."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from service.adapters import peers, timers
from service.adapters.models import Alert, Contact, Conversation, Offer, Peer, PeerRequest, Relay
from service.core import replies
from tests.conftest import AUTH_TOKEN, LINE_NUMBER, PUBLIC_BASE_URL
from tests.support.fakes import run_jobs
from tests.support.twilio_signing import inbound_params, signed_post

SEEKER = "+15551230002"


class Phones:
    """Text the line from any phone; read what each phone got, and from which line number."""

    def __init__(self, client, runtime):
        self.client, self.runtime = client, runtime
        self.seen: dict[str, int] = {}

    def configure(self, **settings) -> None:
        self.runtime.settings = replace(self.runtime.settings, **settings)

    def add_peer(self, phone: str, name: str, topics: str, languages: str = "en", **details) -> int:
        with self.runtime.db.session() as session:
            peer = peers.register(
                session,
                self.runtime.cipher,
                name=name,
                phone=phone,
                topics=topics.split(","),
                languages=languages.split(","),
                now=self.runtime.clock(),
                known_topics=self.runtime.taxonomy.ids(),
                confirmed=details.pop("confirmed", True),
                **details,
            )
            return peer.id

    def text(self, phone: str, *bodies: str, to: str = LINE_NUMBER, media: int = 0) -> None:
        for body in bodies:
            params = inbound_params(phone, body, to=to)
            if media:
                params["NumMedia"] = str(media)
            response = signed_post(
                self.client, "/twilio/sms", params, token=AUTH_TOKEN, base_url=PUBLIC_BASE_URL
            )
            assert response.status_code == 200
            self.run()
            self.runtime.clock.advance(seconds=20)

    def run(self) -> None:
        run_jobs(self.runtime)

    def read(self, phone: str) -> list[str]:
        """What this phone got since the last read."""
        self.run()
        bodies = self.runtime.sender.bodies_to(phone)
        new = bodies[self.seen.get(phone, 0) :]
        self.seen[phone] = len(bodies)
        return new

    def numbers_used(self, phone: str) -> set[str]:
        return {m.from_ for m in self.runtime.sender.sent if m.to == phone}

    def seeker_asks_for_a_peer(
        self, phone: str = SEEKER, *, topic: str = "1", share: str = "1", es=False
    ) -> None:
        """First contact, consent, a check-in (mood 2, the topic), then yes to a peer sharing."""
        self.text(phone, "hola" if es else "hi", "2" if es else "1", "1", "2", topic, "1", share)

    def rows(self, model, **where):
        with self.runtime.db.session() as session:
            query = select(model).filter_by(**where).order_by(model.id if hasattr(model, "id") else None)
            return list(session.scalars(query))

    def offers(self, **where) -> list[Offer]:
        return self.rows(Offer, **where)

    def relays(self, **where) -> list[Relay]:
        return self.rows(Relay, **where)

    def requests(self, **where) -> list[PeerRequest]:
        return self.rows(PeerRequest, **where)

    def alerts(self, **where) -> list[Alert]:
        return self.rows(Alert, **where)

    def peer(self, peer_id: int) -> Peer:
        with self.runtime.db.session() as session:
            return session.get_one(Peer, peer_id)

    def run_due_timers(self) -> None:
        """Fire every flow timer due by the fixed clock (RQ's scheduler keeps real time)."""
        now = self.runtime.clock()
        for row in self.rows(Conversation):
            if row.ended_at is None and row.timeout_at is not None and row.timeout_at <= now:
                timers.flow_timeout(self.runtime, row.id, row.timeout_token or 0)
        self.run()

    def deliver_without_processing(self, phone: str, body: str) -> None:
        params = inbound_params(phone, body, to=LINE_NUMBER)
        response = signed_post(self.client, "/twilio/sms", params, token=AUTH_TOKEN, base_url=PUBLIC_BASE_URL)
        assert response.status_code == 200

    def contact_ids(self, *phones: str) -> list[int]:
        with self.runtime.db.session() as session:
            return [
                session.scalars(
                    select(Contact.id).filter_by(phone_hash=self.runtime.cipher.lookup_hash(p))
                ).one()
                for p in phones
            ]

    def mark_crisis(self) -> None:
        """The crisis detector is the safety work's; here the relay is flagged as it would be."""
        with self.runtime.db.session() as session:
            for relay in session.scalars(select(Relay).where(Relay.ended_at.is_(None))):
                relay.crisis = True

    def mark_urgent(self, phone: str) -> None:
        """As the crisis detector (the safety work) marks a conversation: its wait goes first."""
        with self.runtime.db.session() as session:
            [contact_id] = self.contact_ids(phone)
            for request in session.scalars(select(PeerRequest).filter_by(seeker_id=contact_id)):
                request.urgent = True


def opt_out_confirmation() -> str:
    return replies.text(replies.OPTED_OUT, "en")
