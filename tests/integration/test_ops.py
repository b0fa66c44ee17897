"""Operations endpoints and the schema: what an operator and a deploy rely on."""

from __future__ import annotations

import dataclasses

import redis
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.adapters.models import Base
from service.web import create_app
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.support.fakes import FakeSender, run_jobs
from tests.support.twilio_signing import inbound_params, signed_post


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_reports_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_fails_when_redis_is_unreachable(runtime):
    broken = dataclasses.replace(
        runtime, redis=redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    )
    response = create_app(runtime=broken).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"] != "ok"
    assert response.get_json()["checks"]["database"] == "ok"


def test_metrics_count_real_records(client, runtime):
    runtime.sender = FakeSender()
    for body in ["hello", "again"]:
        signed_post(
            client,
            "/twilio/sms",
            inbound_params("+15551230001", body),
            token=AUTH_TOKEN,
            base_url=PUBLIC_BASE_URL,
        )
    before = client.get("/metrics").get_data(as_text=True)
    assert 'peerline_queue_depth{queue="inbound"} 2.0' in before
    assert "peerline_inbound_unprocessed 2.0" in before
    run_jobs(runtime)
    text = client.get("/metrics").get_data(as_text=True)
    assert "peerline_inbound_messages 2.0" in text
    assert "peerline_inbound_unprocessed 0.0" in text
    assert 'peerline_outbound_messages{status="queued"} 2.0' in text
    assert 'peerline_queue_depth{queue="inbound"} 0.0' in text
    assert 'peerline_webhook_seconds_count{path="/twilio/sms"} 2.0' in text
    assert 'peerline_webhook_requests_total{code="200",path="/twilio/sms"} 2.0' in text


def test_migrations_match_the_models(runtime):
    with runtime.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
