"""POST /twilio/sms: signed, durable, deduplicated, fast; 403 for anything Twilio did not sign."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.adapters.models import Contact, InboundMessage
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.support.twilio_signing import inbound_params, signature, signed_post

CALLER = "+15551230001"


def post(client, params, **kwargs):
    return signed_post(client, "/twilio/sms", params, token=AUTH_TOKEN, base_url=PUBLIC_BASE_URL, **kwargs)


def stored(runtime) -> int:
    with runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage))


def queued(runtime) -> int:
    return sum(runtime.jobs.depths().values())


def test_signed_text_is_stored_encrypted_and_queued(client, runtime):
    response = post(client, inbound_params(CALLER, "hello there"))
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.get_data(as_text=True).strip().endswith("<Response />")
    with runtime.db.session() as session:
        message = session.scalars(select(InboundMessage)).one()
        contact = session.get(Contact, message.contact_id)
        assert b"hello there" not in message.body_cipher
        assert CALLER.encode() not in contact.phone_cipher
        assert contact.phone_hash == runtime.cipher.lookup_hash(CALLER)
    assert queued(runtime) == 1


def test_same_message_sid_twice_is_kept_once(client, runtime):
    params = inbound_params(CALLER, "hello")
    assert post(client, params).status_code == 200
    assert post(client, params).status_code == 200
    assert stored(runtime) == 1
    assert queued(runtime) == 1


def tampered_cases():
    base = inbound_params(CALLER, "hello")
    sig = signature(AUTH_TOKEN, PUBLIC_BASE_URL + "/twilio/sms", base)
    changed = {**base, "Body": "hellp"}
    added = {**base, "Extra": "1"}
    removed = {k: v for k, v in base.items() if k != "NumSegments"}
    return {
        "missing signature": (base, None),
        "wrong signature": (base, "A" * 28),
        "parameter changed": (changed, sig),
        "parameter added": (added, sig),
        "parameter removed": (removed, sig),
        "signed for another URL": (base, signature(AUTH_TOKEN, "https://evil.example.org/twilio/sms", base)),
        "signed for another route": (base, signature(AUTH_TOKEN, PUBLIC_BASE_URL + "/twilio/status", base)),
        "signed with another token": (
            base,
            signature("not-the-token", PUBLIC_BASE_URL + "/twilio/sms", base),
        ),
    }


@pytest.mark.parametrize("case", list(tampered_cases()))
def test_unsigned_or_tampered_requests_are_refused_before_anything_is_written(client, runtime, case):
    params, sig = tampered_cases()[case]
    headers = {"X-Twilio-Signature": sig} if sig else {}
    response = client.post("/twilio/sms", data=params, headers=headers)
    assert response.status_code == 403
    assert stored(runtime) == 0
    assert queued(runtime) == 0


def test_query_string_is_part_of_the_signed_url(client, runtime):
    params = inbound_params(CALLER, "hello")
    good = signature(AUTH_TOKEN, PUBLIC_BASE_URL + "/twilio/sms?line=main", params)
    assert (
        client.post("/twilio/sms?line=main", data=params, headers={"X-Twilio-Signature": good}).status_code
        == 200
    )
    assert (
        client.post("/twilio/sms?line=other", data=params, headers={"X-Twilio-Signature": good}).status_code
        == 403
    )


def test_json_body_is_refused(client, runtime):
    sig = signature(AUTH_TOKEN, PUBLIC_BASE_URL + "/twilio/sms", {})
    response = client.post(
        "/twilio/sms", json=inbound_params(CALLER, "x"), headers={"X-Twilio-Signature": sig}
    )
    assert response.status_code == 403
    assert stored(runtime) == 0


def test_malformed_message_sid_is_a_bad_request(client, runtime):
    assert post(client, inbound_params(CALLER, "x", sid="not-a-sid")).status_code == 400
    assert stored(runtime) == 0
