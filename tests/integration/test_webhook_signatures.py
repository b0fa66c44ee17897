"""Signature checks against twilio-python's published RequestValidator vectors, through our own
check (the `twilio_signed` guard that every webhook uses), plus fail-closed and proxy cases."""

from __future__ import annotations

import dataclasses

import pytest
from flask import Flask

from service.web import create_app
from service.web.signature import twilio_signed
from tests.conftest import AUTH_TOKEN
from tests.support.twilio_signing import inbound_params, signature

# From twilio-python tests/unit/test_request_validator.py
VECTOR_TOKEN = "12345"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
VECTORS = [  # (PUBLIC_BASE_URL, expected signature)
    ("https://mycompany.com", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
    ("https://mycompany.com:1234", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),  # port removed on https
    ("http://mycompany.com:1234", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
    ("https://mycompany.com", "kvajT1Ptam85bY51eRf/AJRuM3w="),  # port 443 added
    ("http://mycompany.com", "0ZXoZLH/DfblKGATFgpif+LLRf4="),  # port 80 added
]


def vector_app(runtime, public_base_url: str) -> Flask:
    settings = dataclasses.replace(
        runtime.settings, twilio_auth_token=VECTOR_TOKEN, public_base_url=public_base_url
    )
    app = create_app(runtime=dataclasses.replace(runtime, settings=settings))

    @app.post("/myapp.php")
    @twilio_signed
    def myapp():
        return "accepted"

    return app


@pytest.mark.parametrize(("base_url", "expected"), VECTORS)
def test_published_vectors_pass_our_check(runtime, base_url, expected):
    client = vector_app(runtime, base_url).test_client()
    response = client.post(
        "/myapp.php?foo=1&bar=2", data=VECTOR_PARAMS, headers={"X-Twilio-Signature": expected}
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "accepted"


@pytest.mark.parametrize(
    "change",
    [
        {"query": "?foo=1&bar=3"},
        {"params": {**VECTOR_PARAMS, "Digits": "1235"}},
        {"params": {**VECTOR_PARAMS, "Extra": ""}},
        {"params": {k: v for k, v in VECTOR_PARAMS.items() if k != "Caller"}},
    ],
    ids=["query changed", "param changed", "param added", "param removed"],
)
def test_published_vector_tampered_is_refused(runtime, change):
    client = vector_app(runtime, "https://mycompany.com").test_client()
    url = "/myapp.php" + change.get("query", "?foo=1&bar=2")
    response = client.post(
        url,
        data=change.get("params", VECTOR_PARAMS),
        headers={"X-Twilio-Signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/twilio/sms", "/twilio/status"])
def test_no_auth_token_refuses_every_webhook(runtime, path):
    settings = dataclasses.replace(runtime.settings, twilio_auth_token="")
    client = create_app(runtime=dataclasses.replace(runtime, settings=settings)).test_client()
    params = inbound_params("+15551230001", "hello")
    for token in ("", AUTH_TOKEN):  # whatever it was signed with
        sig = signature(token, settings.public_base_url + path, params)
        assert client.post(path, data=params, headers={"X-Twilio-Signature": sig}).status_code == 403
    assert sum(runtime.jobs.depths().values()) == 0


def test_trusted_proxy_hop_supplies_the_public_url(runtime):
    settings = dataclasses.replace(runtime.settings, trusted_proxy_hops=1, public_base_url="http://ignored")
    client = create_app(runtime=dataclasses.replace(runtime, settings=settings)).test_client()
    params = inbound_params("+15551230001", "hello")
    sig = signature(AUTH_TOKEN, "https://line.example.net/twilio/sms", params)
    proxied = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "line.example.net",
        "X-Twilio-Signature": sig,
    }
    assert client.post("/twilio/sms", data=params, headers=proxied).status_code == 200
    # Without the proxy's headers the URL differs, so the same signature is refused.
    assert client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": sig}).status_code == 403


def test_forwarded_headers_are_ignored_without_trusted_hops(client):
    params = inbound_params("+15551230001", "hello")
    sig = signature(AUTH_TOKEN, "https://attacker.example/twilio/sms", params)
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "attacker.example",
        "X-Twilio-Signature": sig,
    }
    assert client.post("/twilio/sms", data=params, headers=headers).status_code == 403
