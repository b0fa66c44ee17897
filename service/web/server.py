"""Run the app under gunicorn in-process, so `peerline web` needs no separate config file."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from service.adapters.settings import Settings


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn with PeerLine's app factory: each worker builds its own runtime after the fork."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from service.adapters.runtime import build_runtime
        from service.web import create_app

        # `peerline web` migrated once before forking; workers only connect.
        return create_app(runtime=build_runtime(self.settings, migrate_schema=False))


def serve(settings: Settings, bind: str, workers: int, threads: int) -> None:
    options = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        # %(U)s is the path without its query string: access lines never carry a number or a body.
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
    }
    GunicornServer(settings, options).run()
