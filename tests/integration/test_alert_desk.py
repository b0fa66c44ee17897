"""Coordinators handle alerts (acknowledge, resolve with a note) and see them on the Alerts page;
the sweeper alerts them, once per wait, about a seeker waiting too long for a peer.

Alerts come from the real SMS path (webhook -> worker -> outbox) with a fixed clock.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from service.adapters import alert_desk, alerts, blocklist, sweeper
from service.adapters.alert_desk import AlertRefused
from service.adapters.models import Alert, AuditEvent, Contact, Coordinator, PeerRequest
from tests.support.peer_line import SEEKER

ONCALL = "+15550199999"
SAM, RITA = "+15550100101", "+15550100102"
OTHER_SEEKER, BUSY_SEEKER = "+15551230007", "+15551230010"
CRISIS_EN = "i just want to kill myself tonight"
WEEKENDS_ONLY = "sat 10:00-14:00"  # the fixed clock is a Monday morning: nobody is on shift
NOTE = "Called her back: she is at her sister's tonight and has the 988 number."
SHARE = (
    "Two years ago I was drinking every night after my divorce. What helped me was a Tuesday meeting "
    "and a friend I could text. Today I'm 18 months sober. How are things for you?"
)


@pytest.fixture
def phones(phones):
    phones.configure(oncall_numbers=(ONCALL,))
    return phones


def coordinator(phones, email: str) -> int:
    with phones.runtime.db.session() as session:
        account = Coordinator(
            email=email, role="coordinator", password_hash="-", active=True, created_at=phones.runtime.clock()
        )
        session.add(account)
        session.flush()
        return account.id


def crisis_alert(phones, phone: str = SEEKER) -> int:
    phones.text(phone, "hi", CRISIS_EN)
    [alert] = phones.alerts(kind="crisis", contact_id=phones.contact_ids(phone)[0])
    return alert.id


def handle(phones, action, alert_id: int, by: int, note: str = "") -> Alert:
    with phones.runtime.db.session() as session:
        return action(session, phones.runtime.cipher, alert_id, by, phones.runtime.clock(), note)


def audit_of(phones, alert_id: int) -> list[AuditEvent]:
    return phones.rows(AuditEvent, subject_type="alert", subject_id=alert_id)


def test_acknowledge_then_resolve_keeps_every_note_encrypted_and_audits_ids_only(phones):
    alert_id = crisis_alert(phones)
    dana = coordinator(phones, "dana@example.org")
    lee = coordinator(phones, "lee@example.org")

    acknowledged_at = phones.runtime.clock()
    alert = handle(phones, alert_desk.acknowledge, alert_id, dana, "On it, calling now.")
    assert (alert.status, alert.acknowledged_at, alert.acknowledged_by) == (
        "acknowledged",
        acknowledged_at,
        dana,
    )
    phones.runtime.clock.advance(minutes=12)
    alert = handle(phones, alert_desk.resolve, alert_id, lee, NOTE)
    assert (alert.status, alert.resolved_by, alert.acknowledged_by) == ("resolved", lee, dana)

    [stored] = phones.alerts(id=alert_id)
    assert [(n.by, n.action, n.text) for n in alert_desk.notes_of(phones.runtime.cipher, stored)] == [
        (dana, "acknowledge", "On it, calling now."),
        (lee, "resolve", NOTE),
    ]
    assert alert_desk.notes_of(phones.runtime.cipher, stored)[1].at == acknowledged_at + timedelta(minutes=12)
    assert stored.note_cipher is not None and b"sister" not in stored.note_cipher
    events = audit_of(phones, alert_id)
    assert [(e.actor, e.action) for e in events] == [
        (f"coordinator:{dana}", "alert_acknowledged"),
        (f"coordinator:{lee}", "alert_resolved"),
    ]
    assert all("sister" not in e.detail and "calling" not in e.detail for e in events)
    assert json.loads(events[1].detail) == {"kind": "crisis", "with_note": True}


def test_an_alert_can_be_resolved_straight_from_open(phones):
    alert_id = crisis_alert(phones)
    dana = coordinator(phones, "dana@example.org")
    alert = handle(phones, alert_desk.resolve, alert_id, dana, NOTE)
    assert (alert.status, alert.resolved_by, alert.acknowledged_at) == ("resolved", dana, None)


def test_handling_an_alert_twice_is_refused_and_changes_nothing(phones):
    alert_id = crisis_alert(phones)
    dana = coordinator(phones, "dana@example.org")
    lee = coordinator(phones, "lee@example.org")
    handle(phones, alert_desk.acknowledge, alert_id, dana)
    with pytest.raises(AlertRefused, match="already acknowledged"):
        handle(phones, alert_desk.acknowledge, alert_id, lee, "me too")
    handle(phones, alert_desk.resolve, alert_id, dana, NOTE)
    before = phones.alerts(id=alert_id)[0]
    phones.runtime.clock.advance(minutes=5)
    with pytest.raises(AlertRefused, match="already resolved"):
        handle(phones, alert_desk.resolve, alert_id, lee, "Resolved it as well.")
    with pytest.raises(AlertRefused, match="already resolved"):
        handle(phones, alert_desk.acknowledge, alert_id, lee)
    after = phones.alerts(id=alert_id)[0]
    assert (after.resolved_by, after.resolved_at, after.updated_at) == (
        dana,
        before.resolved_at,
        before.updated_at,
    )
    assert len(alert_desk.notes_of(phones.runtime.cipher, after)) == 1
    assert len(audit_of(phones, alert_id)) == 2


@pytest.mark.parametrize(
    ("note", "refusal"),
    [("", "a note is needed"), ("   \n ", "a note is needed"), ("x" * 1001, "at most 1,000 characters")],
)
def test_resolving_needs_a_note_of_at_most_1000_characters(phones, note, refusal):
    alert_id = crisis_alert(phones)
    dana = coordinator(phones, "dana@example.org")
    handle(phones, alert_desk.acknowledge, alert_id, dana)
    with pytest.raises(AlertRefused, match=refusal):
        handle(phones, alert_desk.resolve, alert_id, dana, note)
    assert phones.alerts(id=alert_id)[0].status == "acknowledged"
    typed = "Safe now.\r\n" * 100  # 1,000 characters in the browser's textarea, posted with CRLF
    assert handle(phones, alert_desk.resolve, alert_id, dana, typed).status == "resolved"
    [stored] = phones.alerts(id=alert_id)
    assert alert_desk.notes_of(phones.runtime.cipher, stored)[0].text == ("Safe now.\n" * 100).strip()


def test_a_long_note_on_acknowledging_is_refused_and_an_unknown_alert_too(phones):
    alert_id = crisis_alert(phones)
    dana = coordinator(phones, "dana@example.org")
    with pytest.raises(AlertRefused, match="at most 1,000"):
        handle(phones, alert_desk.acknowledge, alert_id, dana, "x" * 1001)
    assert phones.alerts(id=alert_id)[0].status == "open"
    with pytest.raises(AlertRefused, match="no such alert"):
        handle(phones, alert_desk.acknowledge, alert_id + 100, dana)


def no_peer_alert(phones) -> None:
    """A seeker asks for a peer while nobody is on shift: the search ends at once."""
    phones.seeker_asks_for_a_peer(OTHER_SEEKER)
    assert phones.alerts(kind="no_peer")


def test_the_alerts_page_lists_open_crisis_first_then_oldest_then_acknowledged_then_recently_resolved(
    phones,
):
    dana = coordinator(phones, "dana@example.org")
    phones.add_peer(SAM, "Sam", "alcohol", shifts=WEEKENDS_ONLY)
    no_peer_alert(phones)  # the oldest
    phones.text(SAM, "COORDINATOR")  # a peer asks for help
    to_acknowledge = crisis_alert(phones, "+15551230008")
    to_resolve = crisis_alert(phones, "+15551230009")
    newest_crisis = crisis_alert(phones)
    handle(phones, alert_desk.acknowledge, to_acknowledge, dana, "Calling.")
    handle(phones, alert_desk.resolve, to_resolve, dana, NOTE)
    phones.runtime.clock.advance(minutes=30)
    now = phones.runtime.clock()

    with phones.runtime.db.session() as session:
        rows = alert_desk.listing(session, phones.runtime.cipher, now)
    assert [(r.kind, r.status) for r in rows] == [
        ("crisis", "open"),  # newest, but a crisis comes first
        ("no_peer", "open"),
        ("peer_asks_coordinator", "open"),
        ("crisis", "acknowledged"),
        ("crisis", "resolved"),
    ]
    crisis, no_peer, peer_asks, acknowledged, resolved = rows
    assert crisis.alert_id == newest_crisis and crisis.kind_label == "Crisis language"
    assert crisis.phone_last4 == "•••• " + SEEKER[-4:] and crisis.contact_id == phones.contact_ids(SEEKER)[0]
    assert crisis.crisis_categories and set(crisis.crisis_categories) <= {
        "intent",
        "ideation",
        "plan",
        "means",
    }
    assert crisis.conversation_id is not None and crisis.age_minutes == 30
    assert (no_peer.kind_label, no_peer.phone_last4, no_peer.crisis_categories) == (
        "No peer free",
        "•••• " + OTHER_SEEKER[-4:],
        (),
    )
    assert no_peer.age_minutes > crisis.age_minutes
    assert (peer_asks.kind_label, peer_asks.peer_name, peer_asks.phone_last4) == (
        "Peer asks for a coordinator",
        "Sam",
        "•••• " + SAM[-4:],
    )
    assert (acknowledged.alert_id, acknowledged.acknowledged_by, acknowledged.resolved_by) == (
        to_acknowledge,
        "dana@example.org",
        "",
    )
    assert [n.text for n in acknowledged.notes] == ["Calling."]
    assert (resolved.alert_id, resolved.resolved_by, resolved.notes[0].text) == (
        to_resolve,
        "dana@example.org",
        NOTE,
    )

    with phones.runtime.db.session() as session:
        assert alert_desk.open_count(session) == 3
        later = alert_desk.listing(session, phones.runtime.cipher, now + timedelta(hours=24))
    assert to_resolve not in [r.alert_id for r in later], "resolved more than a day ago: off the page"
    assert len(later) == 4


def test_no_row_shows_a_full_phone_number_or_the_words_of_a_crisis_text(phones):
    phones.add_peer(SAM, "Sam", "alcohol", shifts=WEEKENDS_ONLY)
    no_peer_alert(phones)
    crisis_alert(phones)
    phones.text(SAM, "COORDINATOR", CRISIS_EN)  # a peer in crisis: their alert has a contact and a peer
    with phones.runtime.db.session() as session:
        rows = alert_desk.listing(session, phones.runtime.cipher, phones.runtime.clock())
    assert len(rows) == 4
    shown = repr(rows)
    for phone in (SEEKER, OTHER_SEEKER, SAM):
        assert phone[2:] not in shown and phone[-7:] not in shown
    for words in ("kill myself", "tonight", "want to"):
        assert words not in shown


# --- waiting too long ------------------------------------------------------------------------------
# A seeker waits while a fitting peer is only busy (with no one at all, the search ends at once
# with "no peer free"); the flow's own search gives up after five minutes.


def rita_talks_with_someone(phones) -> None:
    phones.add_peer(RITA, "Rita", "alcohol")
    phones.seeker_asks_for_a_peer(BUSY_SEEKER)
    phones.text(RITA, "1", SHARE)
    assert phones.relays(ended_at=None), "Rita is in a conversation"


def a_seeker_waits_for_a_busy_peer(phones) -> PeerRequest:
    rita_talks_with_someone(phones)
    phones.seeker_asks_for_a_peer()
    [request] = phones.requests(status="waiting")
    return request


def oncall_waiting_text(phones) -> str:
    return phones.runtime.flows.shared_text("oncall_waiting_too_long", "en")


def test_a_seeker_waiting_past_the_limit_raises_one_alert_and_one_on_call_text(phones):
    phones.configure(wait_alert_minutes=4)  # within the flow's five-minute search
    request = a_seeker_waits_for_a_busy_peer(phones)
    phones.runtime.clock.now = request.requested_at + timedelta(minutes=4)
    assert sweeper.sweep(phones.runtime)["waiting_too_long"] == 0, "not longer than the limit yet"
    assert phones.read(ONCALL) == [] and phones.alerts(kind="waiting_too_long") == []

    phones.runtime.clock.advance(seconds=1)
    assert sweeper.sweep(phones.runtime)["waiting_too_long"] == 1
    phones.runtime.clock.advance(seconds=10)
    assert sweeper.sweep(phones.runtime)["waiting_too_long"] == 0  # the next sweep, a few seconds on
    assert phones.read(ONCALL) == [oncall_waiting_text(phones)]
    [alert] = phones.alerts(kind="waiting_too_long")
    assert (alert.contact_id, alert.conversation_id, alert.status) == (
        request.seeker_id,
        request.conversation_id,
        "open",
    )
    with phones.runtime.db.session() as session:
        [row] = alert_desk.listing(session, phones.runtime.cipher, phones.runtime.clock())
    assert (row.kind_label, row.phone_last4) == ("Waiting too long", "•••• " + SEEKER[-4:])


def test_with_the_default_limit_coordinators_hear_before_the_search_gives_up(phones):
    """Three minutes by default: the flow's own search ends at five, so someone can still assign."""
    request = a_seeker_waits_for_a_busy_peer(phones)
    phones.runtime.clock.now = request.requested_at + timedelta(minutes=3)
    assert sweeper.sweep(phones.runtime)["waiting_too_long"] == 0
    phones.runtime.clock.advance(seconds=1)
    assert sweeper.sweep(phones.runtime)["waiting_too_long"] == 1
    assert phones.alerts(kind="waiting_too_long")[0].contact_id == request.seeker_id
    assert phones.read(ONCALL) == [oncall_waiting_text(phones)]
    assert [r.id for r in phones.requests(status="waiting")] == [request.id]  # there is still time


def test_two_sweepers_at_once_raise_one_alert(phones):
    phones.configure(wait_alert_minutes=4)
    a_seeker_waits_for_a_busy_peer(phones)
    phones.runtime.clock.advance(minutes=5)
    start = threading.Barrier(4)
    raised: list[int] = []

    def sweep() -> None:
        start.wait()
        raised.append(alerts.raise_waiting_too_long(phones.runtime, phones.runtime.clock()))

    sweepers = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in sweepers:
        thread.start()
    for thread in sweepers:
        thread.join()
    assert sorted(raised) == [0, 0, 0, 1]
    assert len(phones.alerts(kind="waiting_too_long")) == 1
    assert phones.read(ONCALL) == [oncall_waiting_text(phones)]


def test_a_new_wait_in_the_same_conversation_is_alerted_again(phones):
    """Sam takes the seeker after the first alert, then leaves (STOP): the seeker waits again."""
    phones.configure(wait_alert_minutes=4, offer_accept_minutes=10)
    rita_talks_with_someone(phones)
    phones.add_peer(SAM, "Sam", "alcohol")
    phones.seeker_asks_for_a_peer()
    assert phones.read(SAM), "Sam was offered the seeker"
    phones.runtime.clock.advance(minutes=4, seconds=1)
    assert sweeper.sweep(phones.runtime)["waiting_too_long"] == 1
    phones.text(SAM, "1", SHARE, "STOP")
    [second_wait] = phones.requests(status="waiting")
    assert sweeper.sweep(phones.runtime)["waiting_too_long"] == 0, "the new wait has only begun"
    phones.runtime.clock.now = second_wait.requested_at + timedelta(minutes=4, seconds=1)
    assert sweeper.sweep(phones.runtime)["waiting_too_long"] == 1
    first, second = phones.alerts(kind="waiting_too_long")
    assert first.conversation_id == second.conversation_id == second_wait.conversation_id
    assert phones.read(ONCALL) == [oncall_waiting_text(phones)] * 2


def stop(phones) -> None:
    phones.text(SEEKER, "STOP")


def erase(phones) -> None:
    phones.text(SEEKER, "DELETE", "DELETE")


def block(phones) -> None:
    with phones.runtime.db.session() as session:
        blocklist.block(
            session, phones.runtime.cipher, SEEKER, "abuse", phones.runtime.clock(), "coordinator:1"
        )


@pytest.mark.parametrize("leaves", [stop, erase, block], ids=["opted out", "erasing", "blocked"])
def test_a_seeker_who_left_the_line_while_waiting_raises_no_alert(phones, leaves):
    phones.configure(wait_alert_minutes=4)
    a_seeker_waits_for_a_busy_peer(phones)
    leaves(phones)
    phones.runtime.clock.advance(minutes=5)
    assert sweeper.sweep(phones.runtime)["waiting_too_long"] == 0
    assert phones.alerts(kind="waiting_too_long") == [] and phones.read(ONCALL) == []


def test_a_leaving_seeker_whose_wait_the_cleanup_has_not_closed_yet_raises_no_alert(phones):
    phones.configure(wait_alert_minutes=4)
    request = a_seeker_waits_for_a_busy_peer(phones)
    with phones.runtime.db.session() as session:
        session.get_one(Contact, request.seeker_id).blocked_at = phones.runtime.clock()
    phones.runtime.clock.advance(minutes=5)
    assert alerts.raise_waiting_too_long(phones.runtime, phones.runtime.clock()) == 0
    assert phones.requests(status="waiting"), "the wait is still open: only the block stops the alert"
