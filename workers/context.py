"""The runtime a worker process runs jobs with, installed by the worker entry point.

Jobs are module-level functions (RQ imports them by name), so they find their clients here
rather than building any at import time.
"""

from __future__ import annotations

from service.adapters.runtime import Runtime

_runtime: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def current() -> Runtime:
    if _runtime is None:
        raise RuntimeError("no runtime installed: start jobs through `peerline worker`")
    return _runtime
