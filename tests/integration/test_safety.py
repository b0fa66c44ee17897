"""Crisis escalation, the block list and the rate limit, on the real SMS path with the real
detector (webhook -> worker -> outbox), fixed clock.

Whatever step a person is at and whoever they are, crisis words get the resources at once in
their language, an alert record and a text to the on-call coordinators; a peer in the
conversation is guided; the seeker is never dropped.
"""

from __future__ import annotations

import pytest

from service.adapters import processing, safety
from service.adapters.models import Contact, Conversation, CrisisHit, InboundMessage, OutboundMessage
from service.core import replies
from service.core.sms import count_segments
from tests.support.peer_line import SEEKER

SAM = "+15550100101"
ONCALL = "+15550199999"
SHARE = (
    "Two years ago I was drinking every night after my divorce. What helped me was a Tuesday meeting "
    "and a friend I could text. Today I'm 18 months sober. How are things for you?"
)
CRISIS_EN = "i just want to kill myself tonight"
CRISIS_ES = "ya no quiero vivir, me quiero matar"


@pytest.fixture
def phones(phones):
    phones.configure(oncall_numbers=(ONCALL,))
    return phones


def resources(phones, name="crisis_resources", locale="en") -> str:
    return phones.runtime.flows.shared_text(name, locale)


def hits(phones) -> list[CrisisHit]:
    return phones.rows(CrisisHit)


def conversation_of(phones, phone) -> Conversation:
    [contact_id] = phones.contact_ids(phone)
    return phones.rows(Conversation, contact_id=contact_id, ended_at=None)[0]


def test_crisis_mid_check_in_gets_resources_alert_and_on_call_text_and_the_flow_goes_on(phones):
    phones.text(SEEKER, "hi", "1", "1")  # English, consent: the check-in asks for their mood
    phones.read(SEEKER)
    phones.text(SEEKER, CRISIS_EN)
    got = phones.read(SEEKER)
    assert got[0] == resources(phones)
    assert count_segments(got[0]).segments <= 2
    [alert] = phones.alerts()
    assert (alert.kind, alert.status) == ("crisis", "open")
    assert phones.read(ONCALL) == [resources(phones, "oncall_crisis")]
    assert conversation_of(phones, SEEKER).urgent
    [hit] = hits(phones)
    assert hit.party == "seeker" and hit.alert_id == alert.id
    assert set(hit.categories.split()) & {"intent", "ideation"}
    reasons = safety.reasons_of(phones.runtime.cipher, hit)
    assert reasons and all(r.split(":")[0] in hit.categories.split() for r in reasons)
    assert CRISIS_EN not in reasons  # the reasons quote the deciding words, not the whole text
    phones.text(SEEKER, "2")  # never dropped: the mood question still takes its answer
    assert phones.read(SEEKER)[0].startswith("What's it mostly about?")


def test_crisis_from_a_spanish_texter_gets_spanish_resources_on_first_contact(phones):
    phones.text(SEEKER, CRISIS_ES)
    got = phones.read(SEEKER)
    assert got[0] == resources(phones, locale="es")
    assert "988" in got[0] and "AYUDA" in got[0] and "911" in got[0]
    assert count_segments(got[0]).segments <= 2
    conversation = conversation_of(phones, SEEKER)
    assert conversation.urgent
    [alert] = phones.alerts(kind="crisis")
    assert alert.conversation_id == conversation.id and hits(phones)[0].conversation_id == conversation.id


def test_more_crisis_texts_join_the_open_alert_and_are_each_kept(phones):
    phones.text(SEEKER, CRISIS_EN, "i want to die")
    assert len(phones.alerts(kind="crisis")) == 1
    assert len(phones.read(ONCALL)) == 1
    assert len(hits(phones)) == 2


def test_a_text_about_someone_else_at_risk_gets_its_own_answer(phones):
    phones.text(SEEKER, "hi", "1", "1")
    phones.read(SEEKER)
    phones.text(SEEKER, "my brother says he wants to end it all")
    assert phones.read(SEEKER)[0] == resources(phones, "crisis_third_party")
    assert hits(phones)[0].categories == "third_party"


def talking(phones):
    phones.add_peer(SAM, "Sam", "alcohol")
    phones.seeker_asks_for_a_peer()
    phones.text(SAM, "1", SHARE)
    phones.read(SEEKER), phones.read(SAM)


def test_crisis_from_the_seeker_mid_relay_reaches_the_peer_with_guidance(phones):
    talking(phones)
    phones.text(SEEKER, CRISIS_EN)
    assert phones.read(SEEKER) == [resources(phones)]
    assert phones.read(SAM) == [CRISIS_EN, resources(phones, "crisis_peer_guidance")]
    [relay] = phones.relays()
    assert relay.crisis and relay.ended_at is None
    assert conversation_of(phones, SEEKER).urgent
    [alert] = phones.alerts(kind="crisis")
    assert alert.contact_id == phones.contact_ids(SEEKER)[0]
    assert phones.read(ONCALL) == [resources(phones, "oncall_crisis")]
    phones.text(SEEKER, "thank you for staying")
    assert phones.read(SAM) == ["thank you for staying"]  # still connected


def test_crisis_from_the_peer_mid_relay_gets_them_resources_and_a_coordinator(phones):
    talking(phones)
    phones.text(SAM, "honestly tonight i want to die too")
    assert phones.read(SAM) == [resources(phones)]
    assert phones.read(SEEKER) == ["honestly tonight i want to die too"]
    [alert] = phones.alerts(kind="crisis")
    assert alert.peer_id is not None and alert.contact_id == phones.contact_ids(SAM)[0]
    assert [hit.party for hit in hits(phones)] == ["peer"]
    assert phones.relays()[0].crisis
    assert len(phones.read(ONCALL)) == 1


def test_an_opted_out_texter_in_crisis_gets_nothing_but_a_coordinator_is_told(phones):
    phones.text(SEEKER, "hi", "STOP")
    phones.read(SEEKER)
    phones.text(SEEKER, CRISIS_EN)
    assert phones.read(SEEKER) == []
    assert len(phones.alerts(kind="crisis")) == 1
    assert len(phones.read(ONCALL)) == 1


def block(phones, phone):
    from service.adapters import blocklist

    with phones.runtime.db.session() as session:
        blocklist.block(session, phones.runtime.cipher, phone, "abuse", phones.runtime.clock(), "test")
    phones.runtime.jobs.relay_cleanup()  # as `peerline block add` does
    phones.run()


def test_a_blocked_number_is_kept_but_never_answered_except_in_crisis(phones):
    block(phones, SEEKER)
    phones.text(SEEKER, "hi", "1", "HELP")
    assert phones.read(SEEKER) == []
    assert len(phones.rows(InboundMessage)) == 3  # nothing lost
    assert phones.rows(Conversation) == []
    phones.text(SEEKER, CRISIS_EN)
    assert phones.read(SEEKER) == [resources(phones)]
    assert len(phones.alerts(kind="crisis")) == 1
    phones.text(SEEKER, "STOP")
    assert phones.read(SEEKER) == []
    assert phones.rows(Contact, id=phones.contact_ids(SEEKER)[0])[0].opted_out


def test_a_blocked_peer_is_never_offered_and_their_seeker_goes_back_to_the_queue(phones):
    talking(phones)
    block(phones, SAM)
    [relay] = phones.relays()
    assert relay.ended_at is not None
    told = phones.read(SEEKER)
    assert told[0].startswith("We're sorry, your peer had to step away")
    assert [r.status for r in phones.requests()] == ["matched", "no_peer"]  # searched again
    assert any("no peer is free" in t for t in told)  # Sam was the only one, and is not offered
    assert phones.read(SAM) == []


def test_a_burst_waits_its_turn_with_one_slow_down_and_one_alert_and_nothing_is_lost(phones):
    phones.configure(rate_limit_per_minute=5)
    phones.text(SEEKER, "hi", "1", "1")  # three handled
    bodies = [f"text {n}" for n in range(10)]
    for body in bodies:
        phones.deliver_without_processing(SEEKER, body)
    phones.run()
    [contact_id] = phones.contact_ids(SEEKER)
    pending = [m for m in phones.rows(InboundMessage, contact_id=contact_id) if m.processed_at is None]
    assert 0 < len(pending) < 10
    slow = replies.text(replies.SLOW_DOWN, "en")
    assert phones.read(SEEKER).count(slow) == 1
    assert len(phones.alerts(kind="burst")) == 1
    assert phones.read(ONCALL) == [resources(phones, "oncall_burst")]
    for _ in range(5):  # the held texts are handled as the minute rolls on, in order
        phones.runtime.clock.advance(minutes=1)
        processing.process_contact(phones.runtime, contact_id)
        phones.run()
    handled = phones.rows(InboundMessage, contact_id=contact_id)
    assert all(m.processed_at is not None for m in handled)
    assert [m.processed_at for m in handled] == sorted(m.processed_at for m in handled)
    assert phones.read(SEEKER).count(slow) == 0  # one per burst
    assert len(phones.alerts(kind="burst")) == 1


def test_a_crisis_in_a_burst_is_answered_at_once(phones):
    phones.configure(rate_limit_per_minute=3)
    phones.text(SEEKER, "hi", "1", "1")
    for body in ["a", "b", CRISIS_EN]:
        phones.deliver_without_processing(SEEKER, body)
    phones.run()
    assert resources(phones) in phones.read(SEEKER)
    assert len(phones.alerts(kind="crisis")) == 1


def test_slow_down_is_never_sent_to_someone_opted_out(phones):
    phones.configure(rate_limit_per_minute=2)
    phones.text(SEEKER, "hi", "STOP")
    phones.read(SEEKER)
    for body in ["a", "b", "c", "d"]:
        phones.deliver_without_processing(SEEKER, body)
    phones.run()
    [contact_id] = phones.contact_ids(SEEKER)
    assert phones.rows(OutboundMessage, contact_id=contact_id, kind="slow_down") == []
