"""Peers: who is on shift, how loaded, how often they say yes; pause/resume, edit topics and shifts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from service.adapters import coordinator_actions, dashboard_views
from service.web.dashboard.live import render_live
from service.web.dashboard.signin import actor, guard, requires, runtime

bp = Blueprint("peer_pages", __name__, url_prefix="/dashboard/peers")
bp.before_request(guard)


@bp.get("")
def index() -> ResponseReturnValue:
    rt = runtime()
    with rt.db.session() as db:
        rows = dashboard_views.peer_rows(db, rt.cipher, rt.taxonomy, rt.clock(), rt.settings.zone)
    return render_live("dashboard/peers.html", "dashboard/_peers_live.html", rows=rows)


@bp.get("/<int:peer_id>")
def detail(peer_id: int) -> ResponseReturnValue:
    rt = runtime()
    with rt.db.session() as db:
        row = dashboard_views.peer_detail(db, rt.cipher, rt.taxonomy, peer_id, rt.clock(), rt.settings.zone)
    if row is None:
        abort(404)
    return render_live(
        "dashboard/peer.html",
        "dashboard/_peer_live.html",
        row=row,
        topics=rt.taxonomy.topics,
    )


def _done(peer_id: int, work: str) -> ResponseReturnValue:
    rt = runtime()
    try:
        if work in ("pause", "resume"):
            message = coordinator_actions.set_peer_paused(rt, peer_id, work == "pause", actor())
        else:
            message = coordinator_actions.edit_peer(
                rt,
                peer_id,
                topics=request.form.getlist("topics"),
                shifts=request.form.get("shifts", ""),
                actor=actor(),
            )
        flash(message)
    except coordinator_actions.ActionRefused as refused:
        flash(str(refused), "error")
    if request.form.get("from") == "list":  # a named page, never a URL from the form: no open redirect
        return redirect(url_for("peer_pages.index"))
    return redirect(url_for("peer_pages.detail", peer_id=peer_id))


@bp.post("/<int:peer_id>/pause")
def pause(peer_id: int) -> ResponseReturnValue:
    return _done(peer_id, "pause")


@bp.post("/<int:peer_id>/resume")
def resume(peer_id: int) -> ResponseReturnValue:
    return _done(peer_id, "resume")


@bp.post("/<int:peer_id>/edit")
@requires("supervisor")
def edit(peer_id: int) -> ResponseReturnValue:
    return _done(peer_id, "edit")
