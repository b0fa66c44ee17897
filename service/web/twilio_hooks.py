"""Twilio webhooks: inbound SMS and message status callbacks. Signed, fast, and thin."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from service.adapters.delivery_status import apply_status
from service.adapters.intake import record_inbound
from service.adapters.runtime import Runtime
from service.web.signature import twilio_signed

bp = Blueprint("twilio", __name__, url_prefix="/twilio")
MESSAGE_SID = re.compile(r"^(SM|MM|SB)[0-9a-fA-F]{32}$")
EMPTY_TWIML = str(MessagingResponse())


def _runtime() -> Runtime:
    runtime: Runtime = current_app.extensions["peerline"]
    return runtime


@bp.post("/sms")
@twilio_signed
def inbound_sms() -> Response:
    """Keep the text durably (once per MessageSid), queue it, and answer with empty TwiML."""
    form = request.form
    sid, from_ = form.get("MessageSid", ""), form.get("From", "")
    if not MESSAGE_SID.match(sid) or not from_:
        abort(400)
    runtime = _runtime()
    record_inbound(
        runtime,
        sid=sid,
        from_=from_,
        to=form.get("To", ""),
        body=form.get("Body", ""),
        num_media=int(form.get("NumMedia", "0") or 0),
        now=runtime.clock(),
    )
    return Response(EMPTY_TWIML, mimetype="text/xml")


@bp.post("/status")
@twilio_signed
def message_status() -> tuple[str, int]:
    """Record a delivery status; unknown SIDs are acknowledged so Twilio does not retry."""
    form = request.form
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status:
        abort(400)
    code = form.get("ErrorCode")
    apply_status(_runtime(), sid, status, int(code) if code and code.isdigit() else None)
    return "", 204
