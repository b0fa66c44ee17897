"""Run the app under gunicorn in-process, so `peerline web` needs no separate config file."""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path
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
        from service.adapters.logs import configure_logging
        from service.adapters.runtime import build_runtime
        from service.web import create_app

        configure_logging(self.settings.log_level)
        # `peerline web` migrated once before forking; workers only connect.
        app = create_app(runtime=build_runtime(self.settings, migrate_schema=False))
        # Everything built so far lives as long as the worker: keep it out of the collector's full
        # passes, which otherwise cost ~125 ms in whichever request they land in (bench/dashboard_refresh).
        gc.freeze()
        return app


def _worker_exited(_server: Any, worker: Any) -> None:
    """Fold a dead worker's metrics into the totals (prometheus_client's multiprocess mode)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def metrics_dir(settings: Settings) -> Path:
    """A fresh directory where every gunicorn worker writes its metrics, for /metrics to sum."""
    directory = settings.data_dir / "prometheus"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


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
        "child_exit": _worker_exited,
    }
    # Set before any worker imports prometheus_client, which reads it then.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir(settings)))
    GunicornServer(settings, options).run()
