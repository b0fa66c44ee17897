"""Post form fields signed as Twilio signs them: the stand-in's status callbacks, the dev phone's texts."""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator

from service.web.dev.message_resource import API_VERSION
from service.web.dev.standin_store import StandinStore

log = logging.getLogger(__name__)
TIMEOUT = 15.0  # Twilio gives a webhook 15 seconds
FIRST_DELAY, STEP_DELAY = 0.3, 0.2  # seconds before the first callback, and between the next ones
# What becomes of a message after it is queued: each step is (status, error code).
OUTCOMES: dict[str, tuple[tuple[str, int | None], ...]] = {
    "delivered": (("queued", None), ("sent", None), ("delivered", None)),
    "undelivered": (("queued", None), ("sent", None), ("undelivered", 30003)),
    "failed": (("queued", None), ("failed", 30008)),
}
# The line is our own server (or a tunnel to it): never route these posts through a proxy.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post_signed(url: str, params: Mapping[str, str], auth_token: str, timeout: float = TIMEOUT) -> int:
    """POST `params` to `url` with X-Twilio-Signature; return the HTTP status (OSError if none)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("webhook URLs must be http or https")
    fields = dict(params)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=urlencode(fields).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            "X-Twilio-Signature": RequestValidator(auth_token).compute_signature(url, fields),
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        with error:
            return error.code


def callback_params(row: Mapping[str, Any], status: str, error_code: int | None) -> dict[str, str]:
    """The fields Twilio posts to a message's StatusCallback URL."""
    params = {
        "ApiVersion": API_VERSION,
        "AccountSid": row["account_sid"],
        "MessageSid": row["sid"],
        "SmsSid": row["sid"],
        "MessageStatus": status,
        "SmsStatus": status,
        "To": row["to_number"],
    }
    if row["from_number"]:
        params["From"] = row["from_number"]
    if row["messaging_service_sid"]:
        params["MessagingServiceSid"] = row["messaging_service_sid"]
    if error_code is not None:
        params["ErrorCode"] = str(error_code)
    return params


def start_status_callbacks(
    store: StandinStore, sid: str, auth_token: str, outcome: str, post: bool = True
) -> None:
    """Move a new message through its statuses in the background, calling back at each step if `post`."""
    thread = threading.Thread(
        target=_progress,
        args=(store, sid, auth_token, OUTCOMES[outcome], post),
        name="twilio-standin",
        daemon=True,
    )
    thread.start()


def _progress(
    store: StandinStore,
    sid: str,
    auth_token: str,
    steps: tuple[tuple[str, int | None], ...],
    post: bool,
) -> None:
    time.sleep(FIRST_DELAY)
    try:
        for index, (status, error_code) in enumerate(steps):
            if index:
                time.sleep(STEP_DELAY)
            store.update(sid, status=status, error_code=error_code)
            row = store.get(sid)
            if row is None or not row["status_callback"] or not post:
                continue
            params = callback_params(row, status, error_code)
            try:
                code = post_signed(row["status_callback"], params, auth_token)
            except OSError as error:
                code = None
                log.warning("status callback not sent", extra={"sid": sid, "error": type(error).__name__})
            log.info("status callback", extra={"sid": sid, "status": status, "http_status": code})
    except Exception:
        # A background thread has nobody to raise to; say so and stop.
        log.exception("status callbacks stopped", extra={"sid": sid})


def inbound_params(
    sid: str, account_sid: str, from_: str, to: str, body: str, segments: int
) -> dict[str, str]:
    """The fields Twilio posts to a number's messaging webhook for an inbound SMS."""
    params = {
        "ToCountry": "US" if to.startswith("+1") else "",
        "FromCountry": "US" if from_.startswith("+1") else "",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": str(segments),
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "ApiVersion": API_VERSION,
    }
    return {name: value for name, value in params.items() if value or name == "Body"}
