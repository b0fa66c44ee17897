"""A local stand-in for Twilio's Messages REST API (dev only), true to Twilio's OpenAPI description."""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, Response, current_app, jsonify, request

from service.adapters.runtime import Runtime
from service.core.sms import count_segments
from service.web.dev import message_resource as resource
from service.web.dev.openapi_params import (
    INSTANCE_PATH,
    LIST_PATH,
    check_params,
    parameter_schema,
    query_schema,
    value_ok,
)
from service.web.dev.send_rules import refusal
from service.web.dev.signed_webhooks import start_status_callbacks
from service.web.dev.standin_faults import injected_failure
from service.web.dev.standin_store import current_store, stamp, utc_now

bp = Blueprint("dev_twilio", __name__, url_prefix="/dev/twilio")
ACCOUNT = "/2010-04-01/Accounts/<account_sid>"
CALLBACKS_SETTING = "PEERLINE_STANDIN_CALLBACKS"  # app.config key; False: no status callback posts


def twilio_error(status: int, code: int, message: str) -> tuple[Response, int]:
    """Twilio's error body: {code, message, more_info, status}."""
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return jsonify(code=code, message=message, more_info=more_info, status=status), status


def _runtime() -> Runtime:
    runtime: Runtime = current_app.extensions["peerline"]
    return runtime


@bp.before_request
def authenticate() -> tuple[Response, int] | None:
    """HTTP Basic with the line's AccountSid and AuthToken, as Twilio asks; fail closed."""
    settings = _runtime().settings
    auth = request.authorization
    if not (
        settings.twilio_auth_token
        and auth is not None
        and auth.type == "basic"
        and hmac.compare_digest(auth.username or "", settings.twilio_account_sid)
        and hmac.compare_digest(auth.password or "", settings.twilio_auth_token)
    ):
        response, status = twilio_error(401, 20003, "Authenticate")
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        return response, status
    if (request.view_args or {}).get("account_sid") != settings.twilio_account_sid:
        return _not_found()
    return None


def _not_found() -> tuple[Response, int]:
    path = request.path.removeprefix(bp.url_prefix or "")
    return twilio_error(404, 20404, f"The requested resource {path} was not found")


@bp.post(f"{ACCOUNT}/Messages.json")
def create(account_sid: str) -> tuple[Response, int]:
    """Send a message: validate as Twilio does, keep it, and report its progress by callback."""
    store, settings = current_store(), _runtime().settings
    failure = injected_failure()
    if failure is not None:
        return twilio_error(*failure)
    form = request.form
    refused = refusal(form, settings.numbers)
    if refused is not None:
        return twilio_error(400, *refused)
    media = form.getlist("MediaUrl")
    to, body = form["To"], form.get("Body", "")
    row = store.add(
        sid=("MM" if media else "SM") + secrets.token_hex(16),
        account_sid=account_sid,
        direction="outbound-api",
        from_number=form.get("From"),
        to_number=to,
        body=body,
        num_media=len(media),
        num_segments=max(count_segments(body).segments, 1),
        messaging_service_sid=form.get("MessagingServiceSid"),
        status="queued",
        status_callback=form.get("StatusCallback"),
        sent=stamp(utc_now()),
    )
    outcome = store.take_fault("delivery") or "delivered"
    # In-process tests have no server to call back: they may turn the posts off (statuses still move).
    post = bool(current_app.config.get(CALLBACKS_SETTING, True))
    start_status_callbacks(store, row["sid"], settings.twilio_auth_token, outcome, post)
    return jsonify(resource.message_resource(row)), 201


@bp.get(f"{ACCOUNT}/Messages.json")
def list_messages(account_sid: str) -> Response | tuple[Response, int]:
    """Read messages, newest first, filtered by To, From and DateSent, a page at a time."""
    args = request.args
    problem = check_params(query_schema(LIST_PATH, "get"), args)
    filters = resource.filters_from(args) if problem is None else None
    if filters is None:
        name = problem.name if problem else "DateSent"
        return twilio_error(400, 20001, f"Invalid parameter: {name}")
    page_size = int(args.get("PageSize", resource.DEFAULT_PAGE_SIZE))
    page, token = int(args.get("Page", 0)), args.get("PageToken", "")
    if page > 0 and token[:2] not in ("PA", "PB"):
        return twilio_error(400, 20001, "Invalid parameter: PageToken")
    backwards = token.startswith("PB")
    rows = current_store().page(
        filters,
        page_size if backwards else page_size + 1,  # one extra row tells whether a next page exists
        after=token[2:] if token.startswith("PA") else None,
        before=token[2:] if backwards else None,
    )
    if rows is None:
        return twilio_error(400, 20001, "Invalid parameter: PageToken")
    has_next = backwards or len(rows) > page_size
    body = resource.list_page(account_sid, args, rows[:page_size], page, page_size, has_next)
    return jsonify(body)


@bp.get(f"{ACCOUNT}/Messages/<sid>.json")
def fetch(account_sid: str, sid: str) -> Response | tuple[Response, int]:
    """Fetch one message by SID."""
    known_shape = value_ok(parameter_schema(INSTANCE_PATH, "get", "Sid"), sid)
    row = current_store().get(sid) if known_shape else None
    if row is None or row["account_sid"] != account_sid:
        return _not_found()
    return jsonify(resource.message_resource(row))
