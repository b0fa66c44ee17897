"""DELETE / BORRAR on the real SMS path: asked, confirmed, then nothing of the person is left in
the database but an anonymous tombstone (and, if they opted out, the hash that keeps STOP)."""

from __future__ import annotations

from sqlalchemy import LargeBinary, select

from service.adapters import erasure, processing, sweeper
from service.adapters.contacts import PHONE_CONTEXT
from service.adapters.conversation_rows import STATE_CONTEXT
from service.adapters.intake import BODY_CONTEXT as INBOUND_CONTEXT
from service.adapters.models import AuditEvent, Base, Contact, Erasure, KeptOptOut, Peer
from service.adapters.outbox import BODY_CONTEXT as OUTBOUND_CONTEXT
from service.core import replies
from tests.support.peer_line import SEEKER

SAM = "+15550100101"
OTHER = "+15550100777"
SHARE = (
    "Two years ago I was drinking every night after my divorce. What helped me was a Tuesday meeting "
    "and a friend I could text. Today I'm 18 months sober. How are things for you?"
)
SECRET = "my landlord Zebulon changed the locks"  # words only the seeker wrote
CONTACT_COLUMNS = {"contact_id", "seeker_id"}


def everything(runtime) -> tuple[list[str], list[tuple[str, str, object]]]:
    """Every decryptable text in the database, and every (table, column, value) of the rest."""
    texts, values = [], []
    contexts = (PHONE_CONTEXT, STATE_CONTEXT, INBOUND_CONTEXT, OUTBOUND_CONTEXT)
    with runtime.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for column in table.columns:
                    value = row._mapping[column.name]
                    if isinstance(column.type, LargeBinary) and value is not None:
                        texts += [t for c in contexts if (t := _decrypt(runtime, value, c)) is not None]
                    else:
                        values.append((table.name, column.name, value))
    return texts, values


def _decrypt(runtime, value, context):
    try:
        return runtime.cipher.decrypt(value, context)
    except Exception:
        return None


def erase_now(phones, phone):
    """The erasure job runs once the last text to them is out; run it as the worker would."""
    [contact_id] = phones.contact_ids(phone)
    phones.run()  # the "we are erasing" text goes out
    phones.runtime.clock.advance(minutes=3)  # past the hand-back time
    assert erasure.erase_contact(phones.runtime, contact_id) == "erased"
    return contact_id


def assert_nothing_left_of(phones, contact_id, phone, words):
    texts, values = everything(phones.runtime)
    assert not any(phone in t or words in t for t in texts)
    assert not [(t, c, v) for t, c, v in values if c in CONTACT_COLUMNS and v == contact_id]
    assert not [(t, c, v) for t, c, v in values if t == "contacts" and c == "id" and v == contact_id]
    with phones.runtime.db.session() as session:
        hashed = phones.runtime.cipher.lookup_hash(phone)
        assert session.scalar(select(Contact).where(Contact.phone_hash == hashed)) is None


def test_delete_asks_then_erases_everything_leaving_a_tombstone(phones):
    phones.add_peer(SAM, "Sam", "alcohol")
    phones.seeker_asks_for_a_peer()
    phones.text(SAM, "1", SHARE)
    phones.text(SEEKER, SECRET, "i want to kill myself")  # a crisis hit and an alert about them
    phones.text(SEEKER, "#end")
    phones.text(SEEKER, "5", "4", "1")  # closing answers: mood, relevance, same peer again
    phones.read(SEEKER)
    phones.text(SEEKER, "DELETE")
    assert phones.read(SEEKER) == [replies.ERASE_ASK["en"]]
    phones.text(SEEKER, "delete")
    assert phones.read(SEEKER) == [replies.ERASING["en"]]
    contact_id = erase_now(phones, SEEKER)

    assert_nothing_left_of(phones, contact_id, SEEKER, "Zebulon")
    [tombstone] = phones.rows(Erasure)
    assert tombstone.role == "seeker" and tombstone.relays == 1 and tombstone.crisis_hits == 1
    assert tombstone.texts > 10 and tombstone.conversations >= 1
    assert phones.rows(KeptOptOut) == []
    [alert] = phones.alerts(kind="crisis")  # the coordinators' record stays, with no link to them
    assert alert.contact_id is None and alert.conversation_id is None
    actions = [e.action for e in phones.rows(AuditEvent)]
    assert "erase_confirmed" in actions and "erase" in actions
    assert phones.relays() == [] and len(phones.rows(Peer)) == 1  # Sam is still a peer
    phones.read(SAM)
    phones.text(SAM, "STATUS")
    assert phones.read(SAM)  # and still served


def test_a_late_second_delete_asks_again(phones):
    phones.text(SEEKER, "hi", "DELETE")
    phones.read(SEEKER)
    phones.runtime.clock.advance(minutes=11)
    phones.text(SEEKER, "DELETE")
    assert phones.read(SEEKER) == [replies.ERASE_ASK["en"]]
    assert phones.rows(Erasure) == []


def test_borrar_in_spanish_and_a_stopped_number_stays_stopped(phones):
    phones.text(SEEKER, "hola", "2", "STOP")
    phones.read(SEEKER)
    phones.text(SEEKER, "BORRAR")  # opted out: no text may reach them, so no question first
    assert phones.read(SEEKER) == []
    contact_id = erase_now(phones, SEEKER)
    assert_nothing_left_of(phones, contact_id, SEEKER, "hola")
    assert len(phones.rows(KeptOptOut)) == 1
    phones.text(SEEKER, "hello again")  # a new contact, still opted out: nothing is sent
    assert phones.read(SEEKER) == []
    phones.text(SEEKER, "START")
    assert phones.read(SEEKER) == [replies.OPTED_IN["en"]]
    assert phones.rows(KeptOptOut) == []


def test_a_peer_leaves_by_delete_and_their_seeker_goes_back_to_the_queue(phones):
    phones.add_peer(SAM, "Sam", "alcohol")
    phones.add_peer(OTHER, "Ola", "alcohol")
    phones.seeker_asks_for_a_peer()
    phones.text(SAM, "1", SHARE)
    phones.read(SEEKER), phones.read(OTHER)
    phones.text(SAM, "DELETE", "DELETE")
    assert phones.read(SAM)[-1] == replies.ERASING["en"]
    assert any(t.startswith("We're sorry, your peer had to step away") for t in phones.read(SEEKER))
    assert phones.read(OTHER)[0].startswith("A seeker would like to talk")  # offered to another
    contact_id = erase_now(phones, SAM)
    assert_nothing_left_of(phones, contact_id, SAM, "Tuesday meeting")
    assert phones.rows(Erasure)[0].role == "peer"
    phones.text(OTHER, "1")
    assert any(t.startswith("We found a peer") for t in phones.read(SEEKER))


def test_the_erasure_waits_for_the_last_text_and_the_sweeper_finishes_a_lost_job(phones):
    phones.text(SEEKER, "hi", "DELETE")
    phones.deliver_without_processing(SEEKER, "DELETE")
    [contact_id] = phones.contact_ids(SEEKER)
    processing.process_contact(phones.runtime, contact_id)  # confirmed; the reply is not out yet
    assert erasure.erase_contact(phones.runtime, contact_id) == "waiting"
    phones.runtime.redis.flushdb()  # the job is lost with Redis
    phones.runtime.sender.sent.clear()
    for _ in range(4):  # the sweeper queues the text and the erasure again until it is done
        phones.runtime.clock.advance(minutes=1)
        sweeper.sweep(phones.runtime)
        phones.run()
    assert phones.rows(Erasure), "the sweeper finished the erasure"
    assert phones.runtime.sender.bodies_to(SEEKER) == [replies.ERASING["en"]]
    assert erasure.erase_contact(phones.runtime, contact_id) == "nothing to erase"


def test_erasure_leaves_other_people_alone(phones):
    phones.text(SEEKER, "hi", "1", "1")
    phones.text(OTHER, "hi", "1", "1")
    phones.text(SEEKER, "DELETE", "DELETE")
    erase_now(phones, SEEKER)
    [other_id] = phones.contact_ids(OTHER)
    assert phones.rows(Contact, id=other_id)
    phones.read(OTHER)
    phones.text(OTHER, "3")  # their check-in goes on where it was
    assert phones.read(OTHER)[0].startswith("What's it mostly about?")


def test_an_erasure_stuck_behind_an_unsent_text_happens_anyway_after_a_while(phones):
    phones.text(SEEKER, "hi", "DELETE")
    phones.deliver_without_processing(SEEKER, "DELETE")
    [contact_id] = phones.contact_ids(SEEKER)
    processing.process_contact(phones.runtime, contact_id)  # the reply stays unsent (no worker)
    phones.runtime.clock.advance(minutes=5)
    assert erasure.erase_contact(phones.runtime, contact_id) == "waiting"
    phones.runtime.clock.advance(minutes=15)
    assert erasure.erase_contact(phones.runtime, contact_id) == "erased"
