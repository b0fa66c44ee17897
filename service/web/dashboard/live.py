"""Pages that refresh themselves: the full page on a visit, only its live part on a refresh."""

from __future__ import annotations

from typing import Any

from flask import g, make_response, render_template
from flask.typing import ResponseReturnValue

from service.adapters import alert_desk
from service.web.dashboard.signin import is_live, runtime

REFRESH_MS = 1000  # the page asks for changes every second: they show within 2 s


def open_alert_count() -> int:
    """For the navigation badge; counted once per request however many times it is asked."""
    if "open_alerts" not in g:
        with runtime().db.session() as db:
            g.open_alerts = alert_desk.open_count(db)
    count: int = g.open_alerts
    return count


def render_live(page: str, live_part: str, **context: Any) -> ResponseReturnValue:
    """`page` includes `live_part`; live.js asks again with X-Live: 1 and swaps the part in."""
    if is_live():
        response = make_response(render_template(live_part, **context))
        response.headers["X-Open-Alerts"] = str(open_alert_count())
        return response
    return render_template(page, live_part=live_part, refresh_ms=REFRESH_MS, **context)
