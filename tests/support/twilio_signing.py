"""Sign webhook requests exactly as Twilio does (with twilio's own RequestValidator)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from twilio.request_validator import RequestValidator

from service.web.dev.signed_webhooks import inbound_params as dev_inbound_params


def message_sid() -> str:
    return "SM" + secrets.token_hex(16)


def inbound_params(from_: str, body: str, to: str = "+15005550006", sid: str | None = None) -> dict[str, str]:
    """The form fields Twilio posts for an inbound SMS (the dev phone's own builder)."""
    return dev_inbound_params(sid or message_sid(), "AC" + "0" * 32, from_, to, body, segments=1)


def signature(token: str, url: str, params: Mapping[str, str]) -> str:
    return RequestValidator(token).compute_signature(url, dict(params))


def signed_post(
    client,
    path: str,
    params: Mapping[str, str],
    *,
    token: str,
    base_url: str,
    headers: Mapping[str, str] | None = None,
):
    """POST form params to `path`, signed for `base_url + path` as Twilio would sign them."""
    sig = signature(token, base_url + path, params)
    return client.post(path, data=dict(params), headers={"X-Twilio-Signature": sig, **(headers or {})})
