"""The dev phone: texts reach the line's webhook signed as Twilio signs them, the thread shows both
directions, and phone numbers never travel in a URL."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from service.adapters.models import InboundMessage
from service.adapters.runtime import Runtime, build_runtime
from service.adapters.settings import DEV_ONCALL
from service.web import create_app
from service.web.dev.devphone import FAKE_PHONES
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, LINE_NUMBER, make_settings
from tests.support.standin_http import WebhookRecorder, standin_client

UNUSED_REDIS = "redis://127.0.0.1:1/0"  # never connected: the dev phone itself needs no Redis
SEEKER, PEER = "+15550100001", "+15550100002"
STATIC = Path(__file__).parents[2] / "service" / "web" / "static" / "dev"


def build(tmp_path: Path, redis_url: str = UNUSED_REDIS, **overrides: str) -> tuple[Flask, Runtime]:
    settings = make_settings(
        tmp_path, f"sqlite:///{tmp_path / 'peerline.db'}", redis_url, PEERLINE_ENV="dev", **overrides
    )
    runtime = build_runtime(settings)
    return create_app(runtime=runtime), runtime


@pytest.fixture
def line() -> Iterator[WebhookRecorder]:
    """Where the line's webhooks are served: a recorder playing PeerLine's side."""
    with WebhookRecorder() as recorder:
        yield recorder


@pytest.fixture
def phone_app(tmp_path: Path, line: WebhookRecorder) -> Iterator[Flask]:
    app, runtime = build(tmp_path, PUBLIC_BASE_URL=line.url)
    yield app
    runtime.close()


def send(app: Flask, phone: str, body: str, **extra: str) -> Any:
    return app.test_client().post("/dev/phone/send", json={"from": phone, "body": body, **extra})


def thread(app: Flask, phone: str) -> list[dict[str, Any]]:
    response = app.test_client().post("/dev/phone/thread", json={"phone": phone})
    assert response.status_code == 200
    messages: list[dict[str, Any]] = response.get_json()["messages"]
    return messages


def test_a_text_reaches_the_webhook_signed_as_twilio_signs_it(phone_app, line):
    response = send(phone_app, SEEKER, "hi, is anyone there?")
    assert response.status_code == 200
    result = response.get_json()
    assert (result["webhook_status"], result["accepted"]) == (200, True)
    assert re.fullmatch(r"SM[0-9a-f]{32}", result["sid"])

    [post] = line.wait_for(1)
    assert post.path == "/twilio/sms"
    assert post.headers["Content-Type"] == "application/x-www-form-urlencoded"
    fields, signature = post.fields, post.headers["X-Twilio-Signature"]
    assert RequestValidator(AUTH_TOKEN).validate(line.url + "/twilio/sms", fields, signature)
    assert not RequestValidator(AUTH_TOKEN).validate(
        line.url + "/twilio/sms", {**fields, "Body": "x"}, signature
    )
    assert not RequestValidator("another-token").validate(line.url + "/twilio/sms", fields, signature)
    assert fields["MessageSid"] == fields["SmsSid"] == fields["SmsMessageSid"] == result["sid"]
    assert {name: fields[name] for name in ("From", "To", "Body", "AccountSid")} == {
        "From": SEEKER,
        "To": LINE_NUMBER,
        "Body": "hi, is anyone there?",
        "AccountSid": ACCOUNT_SID,
    }
    assert (fields["NumMedia"], fields["NumSegments"], fields["SmsStatus"], fields["ApiVersion"]) == (
        "0",
        "1",
        "received",
        "2010-04-01",
    )


def test_a_long_or_emoji_text_counts_its_segments_as_carriers_do(phone_app, line):
    send(phone_app, SEEKER, "x" * 161)
    send(phone_app, SEEKER, "thanks 🙏")
    posts = line.wait_for(2)
    assert [p.fields["NumSegments"] for p in posts] == ["2", "1"]


def test_the_page_is_told_when_the_line_refuses_a_text(tmp_path):
    with WebhookRecorder(status=403) as refusing:
        phone_app, runtime = build(tmp_path, PUBLIC_BASE_URL=refusing.url)
        try:
            result = send(phone_app, SEEKER, "hello").get_json()
            assert (result["webhook_status"], result["accepted"]) == (403, False)
            [message] = thread(phone_app, SEEKER)
            assert message["webhook_status"] == 403
        finally:
            runtime.close()


def test_the_page_is_told_when_the_line_cannot_be_reached(tmp_path):
    with WebhookRecorder() as gone:
        url = gone.url  # a port that was just listening and is closed once this block ends
    phone_app, runtime = build(tmp_path, PUBLIC_BASE_URL=url)
    try:
        result = send(phone_app, SEEKER, "hello").get_json()
        assert (result["webhook_status"], result["accepted"]) == (None, False)
    finally:
        runtime.close()


def test_the_thread_shows_both_directions_in_order_and_only_this_phones(phone_app, line):
    twilio, _ = standin_client(phone_app, ACCOUNT_SID, AUTH_TOKEN)
    send(phone_app, SEEKER, "I need someone to talk to")
    twilio.messages.create(to=SEEKER, from_=LINE_NUMBER, body="We're here. A peer will text you soon.")
    send(phone_app, PEER, "ready for a new conversation")
    twilio.messages.create(to=PEER, from_=LINE_NUMBER, body="Someone is waiting")
    send(phone_app, SEEKER, "thank you")

    seeker = thread(phone_app, SEEKER)
    assert [(m["direction"], m["body"]) for m in seeker] == [
        ("inbound", "I need someone to talk to"),
        ("outbound", "We're here. A peer will text you soon."),
        ("inbound", "thank you"),
    ]
    assert all(m["line"] == LINE_NUMBER for m in seeker)
    assert seeker[0]["status"] == "received" and seeker[0]["webhook_status"] == 200
    assert [m["body"] for m in thread(phone_app, PEER)] == [
        "ready for a new conversation",
        "Someone is waiting",
    ]
    assert thread(phone_app, "+15550100009") == []

    deadline = time.monotonic() + 5
    while thread(phone_app, SEEKER)[1]["status"] != "delivered" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert thread(phone_app, SEEKER)[1]["status"] == "delivered"


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"from": "5550100001", "body": "hi"}, 400),
        ({"from": SEEKER, "body": "   "}, 400),
        ({"from": SEEKER, "body": "x" * 1601}, 400),
        ({"from": SEEKER, "body": "hi", "to": "+15550109999"}, 400),
        ({"body": "hi"}, 400),
        (["not", "an", "object"], 400),
    ],
)
def test_send_refuses_what_is_not_a_text_from_a_phone(phone_app, line, payload, status):
    assert phone_app.test_client().post("/dev/phone/send", json=payload).status_code == status
    assert line.posts == []


def test_phone_endpoints_take_json_only_so_other_sites_cannot_post_to_them(phone_app, line):
    client = phone_app.test_client()
    assert client.post("/dev/phone/send", data={"from": SEEKER, "body": "hi"}).status_code == 415
    assert client.post("/dev/phone/thread", data={"phone": SEEKER}).status_code == 400
    assert line.posts == []


def test_phone_numbers_never_travel_in_a_url(phone_app):
    client = phone_app.test_client()
    assert client.get(f"/dev/phone/thread?phone={SEEKER}").status_code == 405
    assert client.get(f"/dev/phone/send?from={SEEKER}&body=hi").status_code == 405

    script = (STATIC / "phone.js").read_text()
    assert re.findall(r"fetch\(([^,]+),", script) == ["path"]
    assert sorted(set(re.findall(r'postJson\("([^"]+)"', script))) == ["/dev/phone/send", "/dev/phone/thread"]
    assert 'method: "POST"' in script
    assert "location" not in script and "history." not in script  # nothing put into the address bar


class PageAssets(HTMLParser):
    """The page's scripts, styles and handler attributes, to check it works under a strict CSP."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self.handlers: list[str] = []
        self.styles: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.handlers += [name for name in found if name.startswith("on")]
        self.styles += [tag] if "style" in found or tag == "style" else []
        if tag == "script":
            self._in_script = True
            self.urls.append(found.get("src") or "")
        if tag == "link":
            self.urls.append(found.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def test_the_page_serves_its_own_assets_with_no_inline_script(phone_app):
    client = phone_app.test_client()
    page = client.get("/dev/phone")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = PageAssets()
    assets.feed(html)
    assert assets.inline_scripts == [] and assets.handlers == [] and assets.styles == []
    assert sorted(assets.urls) == ["/static/dev/phone.css", "/static/dev/phone.js"]
    for url in assets.urls:
        response = client.get(url)
        assert response.status_code == 200 and response.get_data()
        response.close()
    assert LINE_NUMBER in html
    assert all(phone in html for phone in FAKE_PHONES)
    assert 'name="viewport"' in html and "@media" in (STATIC / "phone.css").read_text()
    assert 'id="add-phone"' in html and 'data-max-phones="4"' in html
    assert f'value="{DEV_ONCALL}" label="on-call coordinator"' in html  # alerts can be read there


def test_the_dev_phone_exists_only_in_dev(tmp_path):
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'peerline.db'}", UNUSED_REDIS)
    runtime = build_runtime(settings)
    try:
        client = create_app(runtime=runtime).test_client()
        assert client.get("/dev/phone").status_code == 404
        assert client.post("/dev/phone/send", json={"from": SEEKER, "body": "hi"}).status_code == 404
    finally:
        runtime.close()


@pytest.fixture
def served(tmp_path: Path, redis_url: str) -> Iterator[tuple[Flask, Runtime]]:
    """The dev app behind a real HTTP server, its PUBLIC_BASE_URL pointing at that server."""
    holder: dict[str, Callable[..., Any]] = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    app, runtime = build(tmp_path, redis_url, PUBLIC_BASE_URL=f"http://127.0.0.1:{server.server_port}")
    runtime.redis.flushdb()
    holder["app"] = app
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    yield app, runtime
    server.shutdown()
    server.server_close()
    worker.join(timeout=5)
    runtime.close()


def test_the_line_itself_accepts_the_dev_phones_signature(served, tmp_path):
    app, runtime = served
    result = send(app, SEEKER, "hello line").get_json()
    assert (result["webhook_status"], result["accepted"]) == (200, True)
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
    # The stand-in plays Twilio: what it keeps stays out of PeerLine's own database.
    peerline_db = b"".join(p.read_bytes() for p in tmp_path.glob("peerline.db*"))
    assert b"hello line" not in peerline_db and SEEKER.encode() not in peerline_db
    assert [m["body"] for m in thread(app, SEEKER)] == ["hello line"]
