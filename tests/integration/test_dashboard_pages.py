"""The dashboard's pages and forms over the real SMS path: what a coordinator sees, and what each
button does to the line (the actions themselves are tested in test_coordinator_actions)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from service.adapters.models import Alert, AuditEvent, Peer, PeerRequest
from tests.support.dashboard import make_account, post_form, sign_in
from tests.support.peer_line import SEEKER

SAM, RITA = "+15551230101", "+15551230102"


@pytest.fixture
def supervisor(client, runtime):
    make_account(runtime, "sup@example.org", "supervisor")
    sign_in(client, "sup@example.org")
    return client


def page(client, path: str, live: bool = False) -> str:
    response = client.get(path, headers={"X-Live": "1"} if live else {})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_queue_shows_who_waits_and_its_live_part_is_just_the_table(phones, supervisor):
    phones.add_peer(SAM, "Sam", "alcohol")
    assert "No one is waiting" in page(supervisor, "/dashboard/queue")
    phones.seeker_asks_for_a_peer(SEEKER)
    full, live = page(supervisor, "/dashboard/queue"), page(supervisor, "/dashboard/queue", live=True)
    for text in (full, live):
        assert "•••• 0002" in text and "Alcohol" in text and "waiting on Sam" in text
        assert SEEKER not in text and "5551230002" not in text
    assert "<html" in full and "<html" not in live and "<nav" not in live
    headers = supervisor.get("/dashboard/queue", headers={"X-Live": "1"}).headers
    assert headers["X-Open-Alerts"] == "0"


def test_assigning_from_the_queue_offers_the_seeker_to_the_chosen_peer(phones, supervisor, runtime):
    phones.add_peer(SAM, "Sam", "alcohol")
    rita = phones.add_peer(RITA, "Rita", "grief")  # not the line's pick: another topic
    phones.seeker_asks_for_a_peer(SEEKER)
    phones.read(SAM), phones.read(RITA)
    request_id = phones.requests()[0].id
    choices = page(supervisor, f"/dashboard/queue/{request_id}")
    assert choices.index("Offer to Sam") < choices.index("Offer to Rita")  # the one who lived it first
    assert "lived it" in choices and "5551230002" not in choices
    response = post_form(supervisor, f"/dashboard/queue/{request_id}/assign", {"peer_id": str(rita)})
    assert response.status_code == 302
    phones.run()
    assert any("Reply 1 to accept" in text for text in phones.read(RITA))
    assert "Offer sent to Rita" in page(supervisor, "/dashboard/queue")
    # A refusal comes back as a message, not an error page: Rita holds this offer already.
    refused = post_form(supervisor, f"/dashboard/queue/{request_id}/assign", {"peer_id": str(rita)})
    assert refused.headers["Location"].endswith(f"/dashboard/queue/{request_id}")
    assert 'class="flash error"' in page(supervisor, f"/dashboard/queue/{request_id}")
    # Once someone took the seeker, their page says so and goes back to the queue.
    phones.text(RITA, "1")
    gone = supervisor.get(f"/dashboard/queue/{request_id}")
    assert gone.status_code == 302 and "no longer waiting" in page(supervisor, "/dashboard/queue")


def test_a_conversation_can_be_texted_and_closed_from_its_page(phones, supervisor, runtime):
    phones.add_peer(SAM, "Sam", "alcohol")
    phones.seeker_asks_for_a_peer(SEEKER)
    conversation_id = phones.requests()[0].conversation_id
    phones.read(SEEKER)
    detail = page(supervisor, f"/dashboard/conversations/{conversation_id}")
    assert "waiting for a peer" in detail and "Read the transcript" in detail
    assert "•••• 0002" in page(supervisor, "/dashboard/conversations")

    post_form(supervisor, f"/dashboard/conversations/{conversation_id}/text", {"body": "We see you waiting."})
    phones.run()
    assert phones.read(SEEKER) == ["PeerLine coordinator: We see you waiting."]
    post_form(supervisor, f"/dashboard/conversations/{conversation_id}/close")
    phones.run()
    assert any("closed this conversation" in text for text in phones.read(SEEKER))
    assert phones.requests()[0].status != "waiting"
    assert "has ended" in page(supervisor, f"/dashboard/conversations/{conversation_id}")


def test_alerts_are_acknowledged_then_resolved_with_a_note(phones, supervisor, runtime):
    phones.text(SEEKER, "i want to kill myself tonight")
    alert_id = phones.alerts()[0].id
    listing = page(supervisor, "/dashboard/alerts")
    assert "Crisis language" in listing and "•••• 0002" in listing and "kill" not in listing
    assert supervisor.get("/dashboard/alerts", headers={"X-Live": "1"}).headers["X-Open-Alerts"] == "1"

    post_form(supervisor, f"/dashboard/alerts/{alert_id}/acknowledge", {"note": "Calling them."})
    post_form(supervisor, f"/dashboard/alerts/{alert_id}/resolve", {"note": ""})
    assert "note" in page(supervisor, "/dashboard/alerts").lower()  # resolving needs a note
    post_form(supervisor, f"/dashboard/alerts/{alert_id}/resolve", {"note": "Safe with family."})
    listing = page(supervisor, "/dashboard/alerts")
    assert "Calling them." in listing and "Safe with family." in listing and "sup@example.org" in listing
    with runtime.db.session() as session:
        assert session.get_one(Alert, alert_id).status == "resolved"


def test_peers_page_pauses_resumes_and_supervisors_edit_topics_and_shifts(phones, supervisor, runtime):
    sam = phones.add_peer(SAM, "Sam", "alcohol")
    assert "Sam" in page(supervisor, "/dashboard/peers") and "•••• 0101" in page(
        supervisor, "/dashboard/peers"
    )
    post_form(supervisor, f"/dashboard/peers/{sam}/pause", {"from": "list"}, page="/dashboard/peers")
    assert "Resume" in page(supervisor, "/dashboard/peers")
    post_form(supervisor, f"/dashboard/peers/{sam}/resume", page="/dashboard/peers")
    edited = post_form(
        supervisor,
        f"/dashboard/peers/{sam}/edit",
        {"topics": "grief", "shifts": "mon-fri 18:00-22:00"},
        page=f"/dashboard/peers/{sam}",
    )
    assert edited.headers["Location"].endswith(f"/dashboard/peers/{sam}")
    with runtime.db.session() as session:
        peer = session.get_one(Peer, sam)
        assert (peer.status, peer.shifts) == ("available", "mon-fri 18:00-22:00")
    detail = page(supervisor, f"/dashboard/peers/{sam}")
    assert "Grief" in detail and "saved" in detail
    post_form(
        supervisor, f"/dashboard/peers/{sam}/edit", {"shifts": "someday"}, page=f"/dashboard/peers/{sam}"
    )
    assert 'class="flash error"' in page(supervisor, f"/dashboard/peers/{sam}")


def test_metrics_page_and_anonymised_export(phones, supervisor, runtime):
    phones.add_peer(SAM, "Sam", "alcohol")
    phones.seeker_asks_for_a_peer(SEEKER)
    phones.text(SAM, "1")  # Sam accepts: one matched wait
    metrics = page(supervisor, "/dashboard/metrics?days=7")
    assert "100.0%" in metrics and 'id="metrics-data"' in metrics and "<script>" not in metrics
    export = supervisor.get("/dashboard/metrics/export.csv?days=7")
    assert export.mimetype == "text/csv" and "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert len(rows) == 1 and rows[0]["outcome"] == "matched" and rows[0]["topic"] == "alcohol"
    text = export.get_data(as_text=True)
    assert "Sam" not in text and "0002" not in text and "0101" not in text
    with runtime.db.session() as session:
        exported = session.scalars(select(AuditEvent).where(AuditEvent.action == "metrics_exported")).all()
        assert len(exported) == 1
        assert session.scalars(select(PeerRequest.status)).all() == ["matched"]
