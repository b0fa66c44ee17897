"""The dev Twilio stand-in, driven by the official twilio client: it accepts and answers what
Twilio's published OpenAPI description says, rejects what Twilio rejects, and calls back signed."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_openapi
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from service.adapters.runtime import build_runtime
from service.adapters.twilio_sender import TwilioSender, is_retryable
from service.web import create_app
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, LINE_NUMBER, make_settings
from tests.support.standin_http import FlaskHttpClient, WebhookRecorder, standin_client

ROOT = Path(__file__).parents[2]
VENDORED = ROOT / "service" / "web" / "dev" / "twilio_messages_openapi.json"
SHARED_SPEC = Path(__file__).parents[3] / "shared" / "twilio" / "twilio_api_v2010.json"
MESSAGES = f"/dev/twilio/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
LIST_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
# Never connected: the stand-in needs no Redis, and this proves it.
UNUSED_REDIS = "redis://127.0.0.1:1/0"
SEEKER, PEER = "+15550100001", "+15550100002"


@pytest.fixture
def standin_app(tmp_path: Path) -> Iterator[Flask]:
    """PeerLine in dev mode, where the stand-in lives; no server, no Redis."""
    database = f"sqlite:///{tmp_path / 'peerline.db'}"
    runtime = build_runtime(make_settings(tmp_path, database, UNUSED_REDIS, PEERLINE_ENV="dev"))
    yield create_app(runtime=runtime)
    runtime.close()


@pytest.fixture
def twilio_http(standin_app: Flask) -> tuple[Client, FlaskHttpClient]:
    """The official twilio client, carried into the stand-in, and its transport."""
    return standin_client(standin_app, ACCOUNT_SID, AUTH_TOKEN)


@pytest.fixture
def twilio(twilio_http: tuple[Client, FlaskHttpClient]) -> Client:
    return twilio_http[0]


def vendored_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(VENDORED.read_text())
    return spec


def response_validator(schema: dict[str, Any]) -> OAS30Validator:
    return OAS30Validator({"components": vendored_spec()["components"], "allOf": [schema]})


def spec_response_schema(path: str, method: str, status: str) -> dict[str, Any]:
    schema: dict[str, Any] = vendored_spec()["paths"][path][method]["responses"][status]["content"][
        "application/json"
    ]["schema"]
    return schema


def assert_message_shape(resource: dict[str, Any]) -> None:
    """A message resource as the spec's `api.v2010.account.message` describes it, field for field."""
    schema = vendored_spec()["components"]["schemas"]["api.v2010.account.message"]
    errors = [e.message for e in response_validator(schema).iter_errors(resource)]
    assert errors == []
    assert set(resource) == set(schema["properties"])
    for name in ("date_created", "date_updated", "date_sent"):
        if resource[name] is not None:
            assert parsedate_to_datetime(resource[name]).utcoffset() == timedelta(0)


def raw_post(app: Flask, form: dict[str, Any], auth: tuple[str, str] | None = (ACCOUNT_SID, AUTH_TOKEN)):
    return app.test_client().post(MESSAGES, data=form, auth=auth)


def assert_twilio_error(response, status: int, code: int) -> None:
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert (body["code"], body["status"]) == (code, status)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


def test_create_answers_201_with_the_message_resource_the_spec_describes(twilio_http):
    client, http = twilio_http
    message = client.messages.create(to=SEEKER, from_=LINE_NUMBER, body="Hello from the line")
    response = http.responses[-1]
    assert response.status_code == 201
    assert "201" in vendored_spec()["paths"][LIST_PATH]["post"]["responses"]
    resource = json.loads(response.text)
    assert_message_shape(resource)
    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid)
    assert (message.status, message.direction, message.to, message.from_) == (
        "queued",
        "outbound-api",
        SEEKER,
        LINE_NUMBER,
    )
    assert message.body == "Hello from the line"
    assert message.num_segments == "1"
    assert message.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message.sid}.json"
    assert abs(message.date_created - datetime.now(UTC)) < timedelta(seconds=5)


def test_wrong_or_missing_credentials_get_401_in_twilios_shape(standin_app):
    wrong = Client(ACCOUNT_SID, "not-the-token", http_client=FlaskHttpClient(standin_app))
    wrong.api.base_url = "http://127.0.0.1/dev/twilio"
    with pytest.raises(TwilioRestException) as raised:
        wrong.messages.create(to=SEEKER, from_=LINE_NUMBER, body="hi")
    assert (raised.value.status, raised.value.code) == (401, 20003)
    form = {"To": SEEKER, "From": LINE_NUMBER, "Body": "hi"}
    assert_twilio_error(raw_post(standin_app, form, auth=None), 401, 20003)
    assert_twilio_error(raw_post(standin_app, form, auth=("AC" + "f" * 32, AUTH_TOKEN)), 401, 20003)
    assert raw_post(standin_app, form, auth=None).headers["WWW-Authenticate"].startswith("Basic")


def test_another_accounts_messages_are_not_found(standin_app):
    other = MESSAGES.replace(ACCOUNT_SID, "AC" + "f" * 32)
    response = standin_app.test_client().get(other, auth=(ACCOUNT_SID, AUTH_TOKEN))
    assert_twilio_error(response, 404, 20404)


VALID = {"To": SEEKER, "From": LINE_NUMBER, "Body": "hi"}


@pytest.mark.parametrize(
    ("form", "code"),
    [
        pytest.param({"From": LINE_NUMBER, "Body": "hi"}, 21604, id="To missing"),
        pytest.param({**VALID, "Colour": "blue"}, 20001, id="unknown parameter"),
        pytest.param({**VALID, "to": SEEKER}, 20001, id="parameter names are case-sensitive"),
        pytest.param({**VALID, "ProvideFeedback": "maybe"}, 20001, id="boolean that is not one"),
        pytest.param({**VALID, "ValidityPeriod": "soon"}, 20001, id="integer that is not one"),
        pytest.param({**VALID, "MaxPrice": "cheap"}, 20001, id="number that is not one"),
        pytest.param({**VALID, "ContentRetention": "forever"}, 20001, id="value outside the enum"),
        pytest.param({**VALID, "ApplicationSid": "AP123"}, 20001, id="SID of the wrong shape"),
        pytest.param({**VALID, "StatusCallback": "not a url"}, 21609, id="StatusCallback not a URL"),
        pytest.param({**VALID, "StatusCallback": "http://my_host/cb"}, 21609, id="underscore in host"),
        pytest.param({**VALID, "To": "555 0100"}, 21211, id="To not a phone number"),
        pytest.param({**VALID, "To": "PeerLine"}, 21211, id="To an alphanumeric sender"),
        pytest.param({**VALID, "From": "+1 (555) 0100"}, 21212, id="From not a phone number"),
        pytest.param({"To": SEEKER, "Body": "hi"}, 21603, id="neither From nor MessagingServiceSid"),
        pytest.param({"To": SEEKER, "From": "+15550109999", "Body": "hi"}, 21606, id="From not our number"),
        pytest.param({"To": SEEKER, "From": LINE_NUMBER}, 21602, id="no Body, MediaUrl or ContentSid"),
        pytest.param({**VALID, "Body": "x" * 1601}, 21617, id="Body over 1600 characters"),
        pytest.param({**VALID, "SendAt": "tomorrow"}, 20001, id="date-time that is not one"),
    ],
)
def test_create_rejects_what_twilio_rejects_and_keeps_nothing(standin_app, twilio, form, code):
    assert_twilio_error(raw_post(standin_app, form), 400, code)
    assert twilio.messages.list() == []


def test_create_accepts_every_way_the_spec_allows(standin_app):
    accepted = [
        VALID,
        {"To": SEEKER, "MessagingServiceSid": "MG" + "a" * 32, "Body": "via a service"},
        {
            "To": SEEKER,
            "From": LINE_NUMBER,
            "MediaUrl": ["https://example.org/a.png", "https://example.org/b"],
        },
        {"To": SEEKER, "From": LINE_NUMBER, "ContentSid": "HX" + "b" * 32},
        {
            **VALID,
            "ProvideFeedback": "True",
            "ValidityPeriod": "60",
            "MaxPrice": "0.5",
            "SendAt": "2030-01-01",
        },
        {**VALID, "StatusCallback": "https://line.example.org/twilio/status?x=1"},
    ]
    for form in accepted:
        response = raw_post(standin_app, form)
        assert response.status_code == 201, response.get_json()
        assert_message_shape(response.get_json())
    assert raw_post(standin_app, accepted[2]).get_json()["num_media"] == "2"


@pytest.mark.parametrize(("to", "code"), [("+15005550004", 21610), ("+15005550009", 21614)])
def test_twilios_magic_recipients_fail_as_they_do_at_twilio(twilio, to, code):
    with pytest.raises(TwilioRestException) as raised:
        twilio.messages.create(to=to, from_=LINE_NUMBER, body="hello")
    assert (raised.value.status, raised.value.code) == (400, code)
    assert not is_retryable(raised.value)


def sender_for(app: Flask) -> TwilioSender:
    """PeerLine's own sender, its transport pointed at the stand-in inside `app`."""
    sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, "http://127.0.0.1/dev/twilio")
    sender.client.http_client = FlaskHttpClient(app)
    return sender


def test_injected_faults_fail_the_next_sends_then_sending_works_again(standin_app):
    sender = sender_for(standin_app)
    control = standin_app.test_client()
    assert control.post("/dev/twilio/_faults", json={"status": 429, "count": 2}).status_code == 200
    for _ in range(2):
        with pytest.raises(TwilioRestException) as raised:
            sender.send(SEEKER, LINE_NUMBER, "hello", "https://line.example.org/twilio/status")
        assert (raised.value.status, raised.value.code) == (429, 20429)
        assert is_retryable(raised.value)
    assert (
        sender.send(SEEKER, LINE_NUMBER, "hello", "https://line.example.org/twilio/status").status == "queued"
    )

    assert control.post("/dev/twilio/_faults", json={"status": 503, "count": 1}).status_code == 200
    with pytest.raises(TwilioRestException) as raised:
        sender.send(SEEKER, LINE_NUMBER, "again", "https://line.example.org/twilio/status")
    assert (raised.value.status, raised.value.code) == (503, 20503)


@pytest.mark.parametrize(
    "payload",
    [
        {"status": 404, "count": 1},
        {"status": 429},
        {"status": 429, "count": -1},
        {"delivery": "lost", "count": 1},
    ],
)
def test_fault_control_refuses_what_it_cannot_do(standin_app, payload):
    assert standin_app.test_client().post("/dev/twilio/_faults", json=payload).status_code == 400


def test_list_filters_by_to_from_and_date_sent_newest_first(twilio):
    for n in range(3):
        twilio.messages.create(to=SEEKER, from_=LINE_NUMBER, body=f"seeker {n}")
    twilio.messages.create(to=PEER, from_=LINE_NUMBER, body="peer 0")
    now = datetime.now(UTC)

    assert [m.body for m in twilio.messages.list(to=SEEKER)] == ["seeker 2", "seeker 1", "seeker 0"]
    assert [m.body for m in twilio.messages.list(to=PEER, from_=LINE_NUMBER)] == ["peer 0"]
    assert twilio.messages.list(from_=SEEKER) == []
    assert len(twilio.messages.list(date_sent_after=now - timedelta(minutes=1))) == 4
    assert twilio.messages.list(date_sent_after=now + timedelta(hours=1)) == []
    assert twilio.messages.list(date_sent_before=now - timedelta(days=1)) == []
    assert len(twilio.messages.list(date_sent=now.date().isoformat())) == 4
    yesterday = (now - timedelta(days=1)).date().isoformat()
    assert twilio.messages.list(date_sent=yesterday) == []


def test_list_pages_follow_next_page_uri_without_gaps_or_repeats(standin_app, twilio):
    sids = [twilio.messages.create(to=SEEKER, from_=LINE_NUMBER, body=f"m{n}").sid for n in range(5)]
    listed = [m.sid for m in twilio.messages.list(to=SEEKER, page_size=2)]
    assert listed == sids[::-1]

    auth = (ACCOUNT_SID, AUTH_TOKEN)
    first = standin_app.test_client().get(f"{MESSAGES}?To=%2B15550100001&PageSize=2", auth=auth).get_json()
    errors = response_validator(spec_response_schema(LIST_PATH, "get", "200")).iter_errors(first)
    assert [e.message for e in errors] == []
    assert set(first) == set(spec_response_schema(LIST_PATH, "get", "200")["properties"])
    assert (first["page"], first["page_size"], first["start"], first["end"]) == (0, 2, 0, 1)
    assert first["previous_page_uri"] is None
    assert "PageToken=" in first["next_page_uri"] and "To=%2B15550100001" in first["next_page_uri"]
    for message in first["messages"]:
        assert_message_shape(message)

    second = standin_app.test_client().get("/dev/twilio" + first["next_page_uri"], auth=auth).get_json()
    assert (second["page"], second["start"], second["end"]) == (1, 2, 3)
    back = standin_app.test_client().get("/dev/twilio" + second["previous_page_uri"], auth=auth).get_json()
    assert [m["sid"] for m in back["messages"]] == [m["sid"] for m in first["messages"]]


@pytest.mark.parametrize(
    "query", ["PageSize=0", "PageSize=1001", "Page=-1", "Colour=blue", "DateSent%3E=whenever", "Page=1"]
)
def test_list_rejects_bad_query_parameters(standin_app, query):
    response = standin_app.test_client().get(f"{MESSAGES}?{query}", auth=(ACCOUNT_SID, AUTH_TOKEN))
    assert_twilio_error(response, 400, 20001)


def test_fetch_returns_one_message_or_twilios_404(standin_app, twilio):
    sent = twilio.messages.create(to=SEEKER, from_=LINE_NUMBER, body="fetch me")
    fetched = twilio.messages(sent.sid).fetch()
    assert (fetched.sid, fetched.body, fetched.to) == (sent.sid, "fetch me", SEEKER)
    with pytest.raises(TwilioRestException) as raised:
        twilio.messages("SM" + "0" * 32).fetch()
    assert (raised.value.status, raised.value.code) == (404, 20404)
    response = standin_app.test_client().get(
        MESSAGES.replace(".json", "/nonsense.json"), auth=(ACCOUNT_SID, AUTH_TOKEN)
    )
    assert_twilio_error(response, 404, 20404)


def test_peerlines_sender_finds_a_send_it_lost_track_of(standin_app):
    sender = sender_for(standin_app)
    since = datetime.now(UTC) - timedelta(seconds=5)
    first = sender.send(SEEKER, LINE_NUMBER, "are you there?", "https://line.example.org/twilio/status")
    assert sender.find_sent(SEEKER, LINE_NUMBER, "are you there?", since) == first
    assert sender.find_sent(SEEKER, LINE_NUMBER, "are you there?", since, exclude={first.sid}) is None
    assert sender.find_sent(PEER, LINE_NUMBER, "are you there?", since) is None


def wait_for_status(client: Client, sid: str, status: str) -> str:
    for _ in range(100):
        current = client.messages(sid).fetch().status
        if current == status:
            return current
        time.sleep(0.05)
    return current


def test_status_callbacks_arrive_in_order_signed_as_twilio_signs_them(twilio):
    with WebhookRecorder() as line:
        callback = line.url + "/twilio/status?attempt=1"
        message = twilio.messages.create(to=SEEKER, from_=LINE_NUMBER, body="hi", status_callback=callback)
        posts = line.wait_for(3)
    assert [p.fields["MessageStatus"] for p in posts] == ["queued", "sent", "delivered"]
    validator = RequestValidator(AUTH_TOKEN)
    for post in posts:
        assert post.path == "/twilio/status?attempt=1"
        assert post.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert validator.validate(callback, post.fields, post.headers["X-Twilio-Signature"])
        assert not validator.validate(
            callback, {**post.fields, "To": PEER}, post.headers["X-Twilio-Signature"]
        )
        assert post.fields == {
            "ApiVersion": "2010-04-01",
            "AccountSid": ACCOUNT_SID,
            "MessageSid": message.sid,
            "SmsSid": message.sid,
            "MessageStatus": post.fields["MessageStatus"],
            "SmsStatus": post.fields["MessageStatus"],
            "To": SEEKER,
            "From": LINE_NUMBER,
        }
    assert twilio.messages(message.sid).fetch().status == "delivered"


def test_an_injected_undelivered_outcome_calls_back_with_its_error_code(standin_app, twilio):
    standin_app.test_client().post("/dev/twilio/_faults", json={"delivery": "undelivered", "count": 1})
    with WebhookRecorder() as line:
        message = twilio.messages.create(
            to=SEEKER, from_=LINE_NUMBER, body="hi", status_callback=line.url + "/twilio/status"
        )
        posts = line.wait_for(3)
    assert [(p.fields["MessageStatus"], p.fields.get("ErrorCode")) for p in posts] == [
        ("queued", None),
        ("sent", None),
        ("undelivered", "30003"),
    ]
    fetched = twilio.messages(message.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)


def test_messages_without_a_callback_still_move_on_to_delivered(twilio):
    message = twilio.messages.create(to=SEEKER, from_=LINE_NUMBER, body="no callback")
    assert wait_for_status(twilio, message.sid, "delivered") == "delivered"


def test_callback_posts_can_be_turned_off_for_tests_with_no_server(standin_app, twilio):
    standin_app.config["PEERLINE_STANDIN_CALLBACKS"] = False
    with WebhookRecorder() as line:
        callback = line.url + "/twilio/status"
        message = twilio.messages.create(to=SEEKER, from_=LINE_NUMBER, body="quiet", status_callback=callback)
        assert wait_for_status(twilio, message.sid, "delivered") == "delivered"
    assert line.posts == []


def test_the_standin_keeps_its_own_store_under_the_data_dir(twilio, tmp_path):
    twilio.messages.create(to=SEEKER, from_=LINE_NUMBER, body="where am I kept")
    standin = tmp_path / "var" / "dev-twilio" / "standin.sqlite3"
    assert standin.exists()
    peerline_db = b"".join(p.read_bytes() for p in tmp_path.glob("peerline.db*"))
    assert b"where am I kept" not in peerline_db and SEEKER.encode() not in peerline_db


def test_the_standin_exists_only_in_dev(tmp_path):
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'peerline.db'}", UNUSED_REDIS)
    runtime = build_runtime(settings)
    try:
        web = create_app(runtime=runtime).test_client()
        assert web.post(MESSAGES, data=VALID, auth=(ACCOUNT_SID, AUTH_TOKEN)).status_code == 404
        assert web.post("/dev/twilio/_faults", json={"status": 429, "count": 1}).status_code == 404
    finally:
        runtime.close()


def load_extractor() -> Any:
    path = ROOT / "tools" / "extract_twilio_spec.py"
    module_spec = importlib.util.spec_from_file_location("extract_twilio_spec", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def test_vendored_spec_is_an_unedited_extract_of_twilios_published_spec():
    extractor = load_extractor()
    vendored = vendored_spec()
    assert vendored["_source"]["commit"] == "d50069b"
    if SHARED_SPEC.exists():
        # The source is here: the vendored file must be exactly what the tool extracts from it.
        assert extractor.render(extractor.extract_file(SHARED_SPEC)) == VENDORED.read_text()
    else:
        # No source to compare with: at least the content must be what was extracted, unedited.
        assert extractor.content_sha256(vendored) == vendored["_source"]["content_sha256"]


def test_vendored_spec_content_matches_its_recorded_hash_and_is_valid_openapi():
    extractor = load_extractor()
    vendored = vendored_spec()
    assert extractor.content_sha256(vendored) == vendored["_source"]["content_sha256"]
    edited = copy.deepcopy(vendored)
    edited["paths"][LIST_PATH]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"][
        "schema"
    ]["required"] = []
    assert extractor.content_sha256(edited) != vendored["_source"]["content_sha256"]
    validate_openapi({k: v for k, v in vendored.items() if k != "_source"})
