"""The coordinators' dashboard: sign-in, the live pages, actions; security headers for the whole app."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, current_app, g, request
from flask_wtf.csrf import CSRFProtect

from service.adapters import accounts

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",  # no inline script anywhere: data for scripts travels as JSON
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def init_app(app: Flask) -> None:
    from service.web.dashboard import (
        account_pages,
        alert_pages,
        conversations,
        live,
        metrics_page,
        pages,
        peer_pages,
        signin,
    )

    settings = app.extensions["peerline"].settings
    app.config.update(
        SESSION_COOKIE_NAME="peerline_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        # Only the dashboard's forms are checked (below): webhooks are signed, dev tools take JSON.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session; sessions expire themselves
    )
    csrf = CSRFProtect(app)

    @app.before_request
    def check_csrf() -> None:
        if request.method == "POST" and request.path.startswith("/dashboard/"):
            csrf.protect()  # a post without its token gets 400, before any view runs

    app.after_request(_security_headers)
    zone = ZoneInfo(settings.timezone)
    app.jinja_env.filters["local"] = lambda moment, fmt="%b %d %H:%M": _local(moment, zone, fmt)
    app.jinja_env.filters["minutes"] = _minutes

    @app.context_processor
    def signed_in_context() -> dict[str, Any]:
        if "coordinator" not in g:
            return {}
        role = g.coordinator.role
        return {"open_alerts": live.open_alert_count(), "can": lambda needed: accounts.can(role, needed)}

    for blueprint in (signin.bp, pages.bp, conversations.bp, peer_pages.bp, alert_pages.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(metrics_page.bp)
    app.register_blueprint(account_pages.bp)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith("/dashboard/"):
        headers["Cache-Control"] = "no-store"  # people's details never sit in a browser cache
    if current_app.extensions["peerline"].settings.env == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _local(moment: datetime | None, zone: ZoneInfo, fmt: str) -> str:
    return moment.astimezone(zone).strftime(fmt) if moment is not None else ""


def _minutes(value: float | None) -> str:
    """12 min, 1 h 05 min, 2 d 3 h: short enough for a table cell on a phone."""
    if value is None:
        return "–"
    minutes = int(value)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // (24 * 60)} d {minutes % (24 * 60) // 60} h"
