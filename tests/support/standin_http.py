"""HTTP plumbing for tests of the Twilio stand-in: a twilio transport into a Flask app (no network),
and a local server that records webhooks as Twilio's side would post them."""

from __future__ import annotations

import base64
import logging
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Flask
from twilio.base import values
from twilio.http import HttpClient
from twilio.http.request import Request as TwilioRequest
from twilio.http.response import Response
from twilio.rest import Client

STANDIN_BASE_URL = "http://127.0.0.1/dev/twilio"
_logger = logging.getLogger("tests.standin_http")


def _fields(pairs: dict[str, object] | None) -> dict[str, list[str]]:
    """Form or query fields as requests would encode them: lists repeat, None and unset drop."""
    fields: dict[str, list[str]] = {}
    for name, value in (pairs or {}).items():
        items = value if isinstance(value, list | tuple) else [value]
        kept = [str(item) for item in items if item is not None and item is not values.unset]
        if kept:
            fields[name] = kept
    return fields


class FlaskHttpClient(HttpClient):
    """A twilio HttpClient that answers from `app.test_client()`; keeps every request it made."""

    def __init__(self, app: Flask, timeout: float | None = None) -> None:
        super().__init__(_logger, is_async=False, timeout=timeout)
        self.client = app.test_client()
        self.requests: list[TwilioRequest] = []
        self.responses: list[Response] = []

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        self.requests.append(TwilioRequest(method, url, auth, params, data, headers))
        parts = urlsplit(url)
        # Page URIs from the API already carry their query; explicit params are added to it.
        query = "&".join(filter(None, (parts.query, urlencode(_fields(params), doseq=True))))
        body = urlencode(_fields(data), doseq=True) if method.upper() in ("POST", "PUT") else None
        answer = self.client.open(
            parts.path + (f"?{query}" if query else ""),
            method=method.upper(),
            base_url=f"{parts.scheme}://{parts.netloc}",
            data=body,
            headers=headers,
            follow_redirects=allow_redirects,
        )
        response = Response(answer.status_code, answer.get_data(as_text=True), dict(answer.headers))
        self.responses.append(response)
        return response


def standin_client(
    app: Flask, account_sid: str, auth_token: str, base_url: str = STANDIN_BASE_URL
) -> tuple[Client, FlaskHttpClient]:
    """An official twilio Client whose Messages API is the app's stand-in under /dev/twilio."""
    http = FlaskHttpClient(app)
    client = Client(account_sid, auth_token, http_client=http)
    client.api.base_url = base_url
    return client, http


@dataclass(frozen=True)
class Post:
    path: str
    headers: dict[str, str]
    form: list[tuple[str, str]]

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.form)


class WebhookRecorder:
    """A stdlib HTTP server on 127.0.0.1 that keeps every form post, as a stand-in for a webhook."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.posts: list[Post] = []
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                post = Post(self.path, dict(self.headers.items()), parse_qsl(body, keep_blank_values=True))
                with recorder._lock:
                    recorder.posts.append(post)
                reply = b"<?xml version='1.0' encoding='UTF-8'?><Response />"
                self.send_response(recorder.status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> WebhookRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait_for(self, count: int, timeout: float = 5.0, path: str | None = None) -> list[Post]:
        """The first `count` posts (to `path`, if given), waiting up to `timeout` seconds for them."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                posts = [p for p in self.posts if path is None or p.path == path]
            if len(posts) >= count or time.monotonic() > deadline:
                return posts
            time.sleep(0.02)
