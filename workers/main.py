"""Worker entry points: an RQ worker (with the RQ scheduler) and the periodic sweeper."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Sequence

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from service.adapters.jobqueue import ALL_QUEUES
from service.adapters.logs import configure_logging
from service.adapters.runtime import Runtime, build_runtime
from service.adapters.settings import Settings
from service.adapters.sweeper import sweep
from workers import context

log = logging.getLogger(__name__)
SWEEP_EVERY = 10.0  # seconds


def run_worker(
    settings: Settings,
    queues: Sequence[str] = ALL_QUEUES,
    *,
    burst: bool = False,
    with_scheduler: bool = True,
    name: str | None = None,
) -> bool:
    """Run an RQ worker on the given queues until stopped (or, in burst mode, until empty)."""
    configure_logging(settings.log_level)
    runtime = build_runtime(settings)
    warm_up(runtime)
    context.install(runtime)
    try:
        # No fork per job: a forked work horse would open its own database connection and redo
        # every lazy load, ~0.1-0.2 s a job. A crash loses nothing either way (the sweeper).
        worker = SimpleWorker(list(queues), connection=runtime.redis, serializer=JSONSerializer, name=name)
        return worker.work(burst=burst, with_scheduler=with_scheduler, logging_level=settings.log_level)
    finally:
        context.install(None)
        runtime.close()


def warm_up(runtime: Runtime) -> None:
    """Load up front what the first jobs would otherwise wait for: the topic taxonomy (~0.1 s)
    and the Twilio client with its lazily imported API modules."""
    _ = runtime.taxonomy
    runtime.sender.warm_up()
    gc.freeze()  # what is loaded now lives as long as the worker: keep it out of every collection


def run_sweeper(settings: Settings, every: float = SWEEP_EVERY, stop: threading.Event | None = None) -> None:
    """Every few seconds, queue again what a crash or an outage left behind."""
    configure_logging(settings.log_level)
    runtime = build_runtime(settings)
    stop = stop or threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        while not stop.is_set():
            try:
                found = sweep(runtime)
                if any(found.values()):
                    log.info("sweep queued work again", extra=found)
            except Exception:
                log.exception("sweep failed; trying again")
            stop.wait(every)
    finally:
        runtime.close()
