"""Every request PeerLine sends to Twilio is one Twilio's published OpenAPI spec allows.

Our real sender (the official twilio client) talks to the stand-in through an in-process
transport that records each request; each one is then checked against the spec from
../shared/twilio (or, on a machine without it, the extract vendored with the stand-in).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from openapi_schema_validator import OAS30Validator
from sqlalchemy import update

from service.adapters import contacts, outbox, sending
from service.adapters.models import OutboundMessage
from service.adapters.twilio_sender import TwilioSender
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, LINE_NUMBER
from tests.support.standin_http import STANDIN_BASE_URL, FlaskHttpClient

ROOT = Path(__file__).parents[2]
SHARED_SPEC = ROOT.parent / "shared" / "twilio" / "twilio_api_v2010.json"
VENDORED_SPEC = ROOT / "service" / "web" / "dev" / "twilio_messages_openapi.json"
SEEKER = "+15551230001"


def load_spec() -> dict:
    return json.loads((SHARED_SPEC if SHARED_SPEC.exists() else VENDORED_SPEC).read_text())


def operation_for(spec: dict, method: str, path: str) -> dict:
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return item[method.lower()]
    raise AssertionError(f"{method} {path} is not an operation in Twilio's spec")


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def problems(spec: dict, request) -> list[str]:
    """What in this request the spec does not allow (empty when it is a valid request)."""
    parts = urlsplit(request.url)
    path = parts.path.removeprefix(urlsplit(STANDIN_BASE_URL).path)
    operation = operation_for(spec, request.method, path)
    found = []
    if request.method.upper() == "POST":
        schema = resolve(
            spec, operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
        )
        form = {k: str(v) for k, v in (request.data or {}).items() if v is not None and str(v) != "Unset"}
        found += [f"unknown field {name}" for name in form if name not in schema["properties"]]
        found += [f"missing {name}" for name in schema.get("required", []) if name not in form]
        typed = {k: v for k, v in form.items() if schema["properties"].get(k, {}).get("type") == "string"}
        found += [e.message for e in OAS30Validator({**schema, "required": []}).iter_errors(typed)]
    else:
        declared = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        query = dict(parse_qsl(parts.query)) | {
            k: str(v) for k, v in (request.params or {}).items() if v is not None and str(v) != "Unset"
        }
        found += [f"unknown query parameter {name}" for name in query if name not in declared]
    return found


def test_sends_and_lookups_match_twilios_spec(dev_app):
    dev_app.config["PEERLINE_STANDIN_CALLBACKS"] = False  # no server at the test's public URL
    runtime = dev_app.extensions["peerline"]
    http = FlaskHttpClient(dev_app)
    runtime.sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, STANDIN_BASE_URL, http_client=http)
    now = runtime.clock()
    with runtime.db.session() as session:
        contact_id = contacts.contact_id(
            session.connection(), runtime.cipher, runtime.contact_ids, SEEKER, now
        )
        rows = [
            outbox.add(
                session, runtime.cipher, contact_id=contact_id, line_number=LINE_NUMBER, body=body, now=now
            )
            for body in ("first", "second")
        ]
        session.flush()
        ids = [row.id for row in rows]
    assert sending.send(runtime, ids[0]) == "queued"
    # The second: pretend a crash left it claimed after Twilio took it, so verify must look it up.
    assert sending.send(runtime, ids[1]) == "queued"
    with runtime.db.session() as session:
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == ids[1])
            .values(status="claimed", twilio_sid=None)
        )
    assert sending.verify(runtime, ids[1]) == "found"

    methods = [r.method.upper() for r in http.requests]
    assert methods.count("POST") == 2 and "GET" in methods
    spec = load_spec()
    for request in http.requests:
        assert problems(spec, request) == [], request.url


def test_the_check_catches_what_twilio_would_refuse():
    """The checker itself: an unknown field, a missing To and a made-up path are all caught."""
    from twilio.http.request import Request

    spec = load_spec()
    base = f"{STANDIN_BASE_URL}/2010-04-01/Accounts/{ACCOUNT_SID}"
    bad_field = Request(
        "POST", f"{base}/Messages.json", data={"To": SEEKER, "From": LINE_NUMBER, "Bodyy": "x"}
    )
    no_to = Request("POST", f"{base}/Messages.json", data={"From": LINE_NUMBER, "Body": "x"})
    bad_query = Request("GET", f"{base}/Messages.json", params={"Recipient": SEEKER})
    assert problems(spec, bad_field) == ["unknown field Bodyy"]
    assert problems(spec, no_to) == ["missing To"]
    assert problems(spec, bad_query) == ["unknown query parameter Recipient"]
    with pytest.raises(AssertionError, match="not an operation"):
        problems(spec, Request("POST", f"{base}/Texts.json", data={}))
