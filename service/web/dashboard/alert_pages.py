"""Alerts: crisis language, waiting too long, a peer asking for a coordinator; acknowledge, resolve."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from service.adapters import accounts, alert_desk
from service.web.dashboard.live import render_live
from service.web.dashboard.signin import guard, me, runtime

bp = Blueprint("alert_pages", __name__, url_prefix="/dashboard/alerts")
bp.before_request(guard)


@bp.get("")
def index() -> ResponseReturnValue:
    rt = runtime()
    with rt.db.session() as db:
        rows = alert_desk.listing(db, rt.cipher, rt.clock())
        emails = {account.id: account.email for account in accounts.listing(db)}  # who wrote each note
    return render_live("dashboard/alerts.html", "dashboard/_alerts_live.html", rows=rows, emails=emails)


def _handle(alert_id: int, resolving: bool) -> ResponseReturnValue:
    rt = runtime()
    note = request.form.get("note", "")
    try:
        with rt.db.session() as db:
            handle = alert_desk.resolve if resolving else alert_desk.acknowledge
            handle(db, rt.cipher, alert_id, me().id, rt.clock(), note)
        flash(f"Alert {alert_id} {'resolved' if resolving else 'acknowledged'}.")
    except alert_desk.AlertRefused as refused:
        flash(f"Alert {alert_id}: {refused}", "error")
    return redirect(url_for("alert_pages.index"))


@bp.post("/<int:alert_id>/acknowledge")
def acknowledge(alert_id: int) -> ResponseReturnValue:
    return _handle(alert_id, resolving=False)


@bp.post("/<int:alert_id>/resolve")
def resolve(alert_id: int) -> ResponseReturnValue:
    return _handle(alert_id, resolving=True)
