"""Pages that refresh themselves: the full page on a visit, only its live part on a refresh."""

from __future__ import annotations

from typing import Any

from flask import make_response, render_template, request
from flask.typing import ResponseReturnValue

from service.adapters import alert_desk
from service.web.dashboard.signin import runtime

REFRESH_MS = 1000  # the page asks for changes every second: they show within 2 s


def open_alert_count() -> int:
    with runtime().db.session() as db:
        return alert_desk.open_count(db)


def render_live(page: str, live_part: str, **context: Any) -> ResponseReturnValue:
    """`page` includes `live_part`; live.js asks again with X-Live: 1 and swaps the part in."""
    if request.headers.get("X-Live") == "1":
        response = make_response(render_template(live_part, **context))
        response.headers["X-Open-Alerts"] = str(open_alert_count())
        return response
    return render_template(page, live_part=live_part, refresh_ms=REFRESH_MS, **context)
