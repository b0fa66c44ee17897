"""The Queue: seekers waiting for a peer, at risk first; a coordinator can offer one to a chosen peer."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from service.adapters import coordinator_actions, dashboard_views
from service.web.dashboard.live import render_live
from service.web.dashboard.signin import actor, guard, runtime

bp = Blueprint("pages", __name__, url_prefix="/dashboard")
bp.before_request(guard)


@bp.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for("pages.queue"))


@bp.get("/queue")
def queue() -> ResponseReturnValue:
    rt = runtime()
    now = rt.clock()
    with rt.db.session() as db:
        waiting = dashboard_views.queue(db, rt.cipher, rt.taxonomy, now)
        free_peers = [
            row
            for row in dashboard_views.peer_rows(db, rt.cipher, rt.taxonomy, now, rt.settings.zone)
            if row.confirmed and row.status == "available"
        ]
    free_peers.sort(key=lambda row: (not row.on_shift_now, row.active_now >= row.capacity, row.name))
    return render_live(
        "dashboard/queue.html", "dashboard/_queue_live.html", waiting=waiting, free_peers=free_peers
    )


@bp.post("/queue/<int:request_id>/assign")
def assign(request_id: int) -> ResponseReturnValue:
    peer_id = request.form.get("peer_id", type=int)
    if peer_id is None:
        flash("Choose a peer first.", "error")
        return redirect(url_for("pages.queue"))
    try:
        flash(coordinator_actions.assign(runtime(), request_id, peer_id, actor()))
    except coordinator_actions.ActionRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("pages.queue"))
