"""The dev phone: text the line as any fake phone and watch the thread, as Twilio would carry it.

Phone numbers travel in POST bodies only, never in a URL path or query (access logs keep those).
The JSON-only POSTs also mean another web page cannot post here without a CORS preflight.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from service.adapters.demo_peers import DEMO_PEERS
from service.adapters.runtime import Runtime
from service.core.sms import count_segments
from service.web.dev.signed_webhooks import inbound_params, post_signed
from service.web.dev.standin_store import current_store, stamp, utc_now

log = logging.getLogger(__name__)
bp = Blueprint("devphone", __name__, url_prefix="/dev/phone")
PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
# Area code 555 with exchange 010 is not a dialable NANP number: nobody real is ever impersonated.
FAKE_PHONES = tuple(f"+1555010{n:04d}" for n in range(1, 9))
MAX_BODY = 1600
WEBHOOK_PATH = "/twilio/sms"


def _runtime() -> Runtime:
    runtime: Runtime = current_app.extensions["peerline"]
    return runtime


def _json_body() -> dict[str, Any] | None:
    data = request.get_json(silent=True) if request.is_json else None
    return data if isinstance(data, dict) else None


def _bad(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify(error=message), status


@bp.get("")
def phone_page() -> str:
    """The page: one or more phones side by side (static assets only, no inline script)."""
    settings = _runtime().settings
    peers = [(p.phone, f"{p.name} — peer") for p in DEMO_PEERS] if settings.demo_peers else []
    peers += [(number, "on-call coordinator") for number in settings.oncall_numbers]
    return render_template(
        "dev/phone.html", line_numbers=settings.numbers, fake_phones=FAKE_PHONES, demo_peers=peers
    )


@bp.post("/send")
def send() -> Response | tuple[Response, int]:
    """Text the line as `from`: sign the fields Twilio would post and post them to the webhook."""
    data = _json_body()
    settings = _runtime().settings
    if data is None:
        return _bad('send JSON {"from": "+1555...", "body": "..."}', 415 if not request.is_json else 400)
    phone, body = data.get("from"), data.get("body")
    to = data.get("to") or (settings.numbers[0] if settings.numbers else None)
    if not isinstance(phone, str) or not PHONE.match(phone):
        return _bad("from must be a phone number in E.164 form, such as +15550100001")
    if not isinstance(body, str) or not body.strip() or len(body) > MAX_BODY:
        return _bad(f"body must be text of 1 to {MAX_BODY} characters")
    if to not in settings.numbers:
        return _bad("to must be one of the line's numbers")
    if not settings.twilio_auth_token:
        return _bad("TWILIO_AUTH_TOKEN is not set, so the line refuses every webhook", 503)

    sid = "SM" + secrets.token_hex(16)
    segments = count_segments(body).segments
    store = current_store()
    now = stamp(utc_now())
    store.add(
        sid=sid,
        account_sid=settings.twilio_account_sid,
        direction="inbound",
        from_number=phone,
        to_number=to,
        body=body,
        num_segments=segments,
        status="received",
        sent=now,
    )
    params = inbound_params(sid, settings.twilio_account_sid, phone, to, body, segments)
    url = settings.public_base_url + WEBHOOK_PATH
    try:
        status: int | None = post_signed(url, params, settings.twilio_auth_token)
    except OSError as error:
        status = None
        log.warning("dev phone webhook not delivered", extra={"sid": sid, "error": type(error).__name__})
    store.update(sid, webhook_status=status or 0)
    return jsonify(sid=sid, webhook_status=status, accepted=status == 200)


@bp.post("/thread")
def thread() -> Response | tuple[Response, int]:
    """Every text this phone sent the line and every text the line sent it, oldest first."""
    data = _json_body()
    phone = data.get("phone") if data else None
    if not isinstance(phone, str) or not PHONE.match(phone):
        return _bad('send JSON {"phone": "+1555..."}')
    messages = [
        {
            "sid": row["sid"],
            "direction": "inbound" if row["direction"] == "inbound" else "outbound",
            "line": row["to_number"] if row["direction"] == "inbound" else row["from_number"],
            "body": row["body"],
            "status": row["status"],
            "error_code": row["error_code"],
            "webhook_status": row["webhook_status"],
            "at": row["created"][:23] + "Z",  # ISO 8601 in UTC, to the millisecond
        }
        for row in current_store().thread(phone)
    ]
    return jsonify(phone=phone, messages=messages)
