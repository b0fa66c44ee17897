"""Twilio webhook signatures, checked with twilio's own RequestValidator. Fail closed."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

from service.adapters.runtime import Runtime


def url_twilio_used(runtime: Runtime) -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL + path + raw query, or what trusted proxies say."""
    if runtime.settings.trusted_proxy_hops:
        return request.url  # ProxyFix has already applied the trusted X-Forwarded-* headers
    query = request.query_string.decode("latin-1")
    path = request.script_root + request.path
    return runtime.settings.public_base_url + path + (f"?{query}" if query else "")


def twilio_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse with 403, before anything is read or written, any request Twilio did not sign."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        runtime: Runtime = current_app.extensions["peerline"]
        token = runtime.settings.twilio_auth_token
        signature = request.headers.get("X-Twilio-Signature", "")
        # Twilio posts form fields; any other body would not be covered by the signature.
        is_form = request.mimetype == "application/x-www-form-urlencoded"
        if not token or not signature or not is_form:
            abort(403)
        if not RequestValidator(token).validate(url_twilio_used(runtime), request.form, signature):
            abort(403)
        return view(*args, **kwargs)

    return checked
