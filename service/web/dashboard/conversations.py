"""Conversations: who is talking with whom; close, reassign, text the seeker; transcripts (supervisors)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.adapters import coordinator_actions, dashboard_views, transcripts
from service.web.dashboard.live import render_live
from service.web.dashboard.signin import actor, guard, is_live, requires, runtime

bp = Blueprint("conversations", __name__, url_prefix="/dashboard/conversations")
bp.before_request(guard)


@bp.get("")
def index() -> ResponseReturnValue:
    rt = runtime()
    with rt.db.session() as db:
        rows = transcripts.conversations(
            db, rt.cipher, rt.taxonomy, rt.clock(), oncall_numbers=rt.settings.oncall_numbers
        )
    return render_live("dashboard/conversations.html", "dashboard/_conversations_live.html", rows=rows)


@bp.get("/<int:conversation_id>")
def detail(conversation_id: int) -> ResponseReturnValue:
    rt = runtime()
    now = rt.clock()
    peers: list[dashboard_views.PeerRow] = []
    with rt.db.session() as db:
        rows = transcripts.conversations(
            db, rt.cipher, rt.taxonomy, now, oncall_numbers=rt.settings.oncall_numbers, only=conversation_id
        )
        if not is_live():  # the reassign form's peer list is outside the part that refreshes
            peers = dashboard_views.peer_rows(db, rt.cipher, rt.taxonomy, now, rt.settings.zone)
    found = rows[0] if rows else None
    others = [
        peer
        for peer in peers
        if peer.confirmed and peer.status == "available" and (found is None or peer.peer_id != found.peer_id)
    ]
    return render_live(
        "dashboard/conversation.html",
        "dashboard/_conversation_live.html",
        conversation_id=conversation_id,
        row=found,
        peers=others,
    )


def _act(conversation_id: int, action: str) -> ResponseReturnValue:
    rt = runtime()
    try:
        if action == "close":
            message = coordinator_actions.close(rt, conversation_id, actor())
        elif action == "reassign":
            peer_id = request.form.get("peer_id", type=int)
            if peer_id is None:
                raise coordinator_actions.ActionRefused("Choose a peer first.")
            message = coordinator_actions.reassign(rt, conversation_id, peer_id, actor())
        else:
            message = coordinator_actions.text_seeker(
                rt, conversation_id, request.form.get("body", ""), actor()
            )
        flash(message)
    except coordinator_actions.ActionRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("conversations.detail", conversation_id=conversation_id))


@bp.post("/<int:conversation_id>/close")
def close(conversation_id: int) -> ResponseReturnValue:
    return _act(conversation_id, "close")


@bp.post("/<int:conversation_id>/reassign")
def reassign(conversation_id: int) -> ResponseReturnValue:
    return _act(conversation_id, "reassign")


@bp.post("/<int:conversation_id>/text")
def text(conversation_id: int) -> ResponseReturnValue:
    return _act(conversation_id, "text")


@bp.get("/<int:conversation_id>/transcript")
@requires("supervisor")
def transcript(conversation_id: int) -> ResponseReturnValue:
    """Reading is recorded in the audit log, in the same transaction that reads the texts."""
    rt = runtime()
    with rt.db.session() as db:
        found = transcripts.read_transcript(
            db,
            rt.cipher,
            conversation_id,
            actor=actor(),
            now=rt.clock(),
            taxonomy=rt.taxonomy,
            retention_days=rt.settings.retention_days,
        )
    if found is None:
        abort(404)
    return render_template("dashboard/transcript.html", transcript=found, conversation_id=conversation_id)
