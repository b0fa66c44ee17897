"""The Queue: seekers waiting for a peer, at risk first; a coordinator can offer one to a chosen peer.

The live table carries no peer list (it would repeat every peer in every row, every second): a
row links to that seeker's page, which lists the peers best suited first.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
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
    with rt.db.session() as db:
        waiting = dashboard_views.queue(db, rt.cipher, rt.taxonomy, rt.clock())
    return render_live("dashboard/queue.html", "dashboard/_queue_live.html", waiting=waiting)


@bp.get("/queue/<int:request_id>")
def waiting_seeker(request_id: int) -> ResponseReturnValue:
    """One waiting seeker and the peers who could be offered them, the best suited first."""
    rt = runtime()
    now = rt.clock()
    with rt.db.session() as db:
        seeker = next(
            (
                row
                for row in dashboard_views.queue(db, rt.cipher, rt.taxonomy, now)
                if row.request_id == request_id
            ),
            None,
        )
        peers = dashboard_views.peer_rows(db, rt.cipher, rt.taxonomy, now, rt.settings.zone)
    if seeker is None:
        flash("That seeker is no longer waiting: a peer took the conversation, or it ended.")
        return redirect(url_for("pages.queue"))
    choices = [_Choice.of(peer, seeker) for peer in peers if peer.confirmed and not peer.opted_out]
    choices.sort(key=_Choice.rank)
    return render_template("dashboard/waiting_seeker.html", seeker=seeker, choices=choices)


@dataclass(frozen=True)
class _Choice:
    """A peer as a candidate for this seeker: what fits and what stands in the way."""

    peer: dashboard_views.PeerRow
    speaks: bool
    lived_it: bool
    free: bool

    @classmethod
    def of(cls, peer: dashboard_views.PeerRow, seeker: dashboard_views.WaitingSeeker) -> _Choice:
        return cls(
            peer=peer,
            speaks=seeker.language in peer.languages,
            lived_it=seeker.topic_label in {topic.label for topic in peer.topics},
            free=peer.status == "available" and peer.active_now < peer.capacity,
        )

    def rank(self) -> tuple[bool, ...]:
        return (not self.speaks, not self.free, not self.lived_it, not self.peer.on_shift_now)


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
        return redirect(url_for("pages.waiting_seeker", request_id=request_id))
    return redirect(url_for("pages.queue"))
