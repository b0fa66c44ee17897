"""Dev-only tools: the dev phone and the Twilio REST stand-in (registered in dev mode only)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the Twilio stand-in and the dev phone, which share the stand-in's own store."""
    from service.web.dev import devphone, standin_faults, twilio_standin
    from service.web.dev.standin_store import EXTENSION, StandinStore

    settings = app.extensions["peerline"].settings
    app.extensions[EXTENSION] = StandinStore(settings.data_dir / "dev-twilio" / "standin.sqlite3")
    app.register_blueprint(twilio_standin.bp)
    app.register_blueprint(standin_faults.bp)
    app.register_blueprint(devphone.bp)
