"""Metrics: is the line helping, and is it staffed when people write? Charts, and a CSV export."""

from __future__ import annotations

import dataclasses
import io
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue

from service.adapters import dashboard_metrics
from service.web.dashboard.signin import audit, guard, runtime

bp = Blueprint("metrics_page", __name__, url_prefix="/dashboard/metrics")
bp.before_request(guard)
RANGES = (7, 14, 30, 90)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
OUTCOME_LABELS = {"matched": "matched", "no_peer": "no peer free", "cancelled": "called off by the seeker"}
RELEVANCE_LABELS = {1: "not really", 2: "somewhat", 3: "very"}  # closing.yaml's answers


def _days() -> int:
    days = request.args.get("days", type=int)
    return days if days in RANGES else 14


def _chart_data(metrics: dashboard_metrics.Metrics) -> dict[str, Any]:
    """What metrics.js draws, as plain JSON (it travels in a data block: no inline script)."""

    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value

    data = {key: plain(value) for key, value in dataclasses.asdict(metrics).items()}
    data["waits"] = [{key: plain(value) for key, value in day.items()} for day in data["waits"]]
    data["hour_labels"] = [f"{WEEKDAYS[hour // 24]} {hour % 24:02d}:00" for hour in range(168)]
    data["outcome_labels"] = [OUTCOME_LABELS.get(outcome, outcome) for outcome in metrics.outcomes]
    data["relevance_labels"] = [RELEVANCE_LABELS.get(value, str(value)) for value in metrics.relevance]
    return data


@bp.get("")
def index() -> ResponseReturnValue:
    rt = runtime()
    days = _days()
    with rt.db.session() as db:
        metrics = dashboard_metrics.compute(db, now=rt.clock(), days=days, tz=rt.settings.zone)
    return render_template(
        "dashboard/metrics.html",
        metrics=metrics,
        days=days,
        ranges=RANGES,
        chart_data=_chart_data(metrics),
        zone_name=rt.settings.timezone,
        outcome_labels=OUTCOME_LABELS,
    )


@bp.get("/export.csv")
def export() -> ResponseReturnValue:
    """Anonymised records, one per wait for a peer: no numbers, names, ids or words."""
    rt = runtime()
    days, out = _days(), io.StringIO()
    now = rt.clock()
    with rt.db.session() as db:
        rows = dashboard_metrics.write_csv(db, out, now=now, days=days, tz=rt.settings.zone)
    audit("metrics_exported", "export", rows)
    name = f"peerline-conversations-{now.astimezone(rt.settings.zone):%Y-%m-%d}-last-{days}-days.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
