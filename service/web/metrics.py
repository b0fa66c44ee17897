"""Prometheus metrics at /metrics.

Counts of messages by status and queue depths are read from the database and Redis when
scraped, so they agree across every web and worker process. Webhook latency is measured in
the web process; under gunicorn every worker writes it to files that /metrics sums (prometheus_client's
multiprocess mode: PROMETHEUS_MULTIPROC_DIR, set by `peerline web` in the data dir).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from service.adapters.models import InboundMessage, OutboundMessage
from service.adapters.runtime import Runtime

WEBHOOK_PATHS = ("/twilio/sms", "/twilio/status")


class RecordsCollector(Collector):
    """Message counts and queue depths, read fresh at every scrape."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.runtime.db.session() as session:
            inbound = session.scalar(select(func.count()).select_from(InboundMessage)) or 0
            pending = (
                session.scalar(
                    select(func.count())
                    .select_from(InboundMessage)
                    .where(InboundMessage.processed_at.is_(None))
                )
                or 0
            )
            by_status = session.execute(
                select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)
            ).all()
        yield GaugeMetricFamily("peerline_inbound_messages", "Inbound texts stored", value=inbound)
        yield GaugeMetricFamily(
            "peerline_inbound_unprocessed", "Inbound texts not yet processed", value=pending
        )
        outbound = GaugeMetricFamily(
            "peerline_outbound_messages", "Outbound texts by status", labels=["status"]
        )
        for status, count in by_status:
            outbound.add_metric([status], count)
        yield outbound
        depth = GaugeMetricFamily("peerline_queue_depth", "Jobs waiting per RQ queue", labels=["queue"])
        for name, count in self.runtime.jobs.depths().items():
            depth.add_metric([name], count)
        yield depth


def init_app(app: Flask) -> None:
    runtime: Runtime = app.extensions["peerline"]
    latency = Histogram(
        "peerline_webhook_seconds",
        "Webhook handling time",
        ["path"],
        registry=None,
        buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15),
    )
    received = Counter(
        "peerline_webhook_requests",
        "Webhook requests by path and status code",
        ["path", "code"],
        registry=None,
    )

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        if request.path in WEBHOOK_PATHS:
            latency.labels(request.path).observe(time.perf_counter() - g.started)
            received.labels(request.path, str(response.status_code)).inc()
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            registry.register(latency)
            registry.register(received)
        registry.register(RecordsCollector(runtime))
        return Response(generate_latest(registry), mimetype="text/plain; version=0.0.4")
