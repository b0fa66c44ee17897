"""Shared fixtures: a real Redis (embedded unless TEST_REDIS_URL is set) and a real database
(SQLite always; PostgreSQL too when TEST_DATABASE_URL is set, as in CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from service.adapters.embedded_redis import EmbeddedRedis
from service.adapters.runtime import Runtime, build_runtime
from service.adapters.settings import Settings, load_settings
from service.web import create_app

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
LINE_NUMBER = "+15005550006"
PUBLIC_BASE_URL = "https://line.example.org"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    embedded = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    yield embedded.start()
    embedded.stop()


def _database_params() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=_database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'peerline.db'}"
    url = os.environ["TEST_DATABASE_URL"]
    _reset_postgres(url)
    return url


def make_settings(tmp_path: Path, database_url: str, redis_url: str, **overrides: str) -> Settings:
    environ = {
        "PEERLINE_ENV": "test",
        "PEERLINE_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PEERLINE_NUMBERS": LINE_NUMBER,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "PEERLINE_SECRET_KEY": "test-secret-key",
        "PEERLINE_DATA_KEY": "test-data-key",
        "PEERLINE_SEND_RATE": "1000",
        **overrides,
    }
    return load_settings(environ=environ, env_file=None)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_url: str) -> Settings:
    redis.Redis.from_url(redis_url).flushdb()
    return make_settings(tmp_path, database_url, redis_url)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings)
    yield rt
    rt.close()


@pytest.fixture
def app(runtime: Runtime):
    return create_app(runtime=runtime)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def dev_settings(tmp_path: Path, database_url: str, redis_url: str) -> Settings:
    redis.Redis.from_url(redis_url).flushdb()
    return make_settings(tmp_path, database_url, redis_url, PEERLINE_ENV="dev")


@pytest.fixture
def dev_app(dev_settings: Settings):
    rt = build_runtime(dev_settings)
    yield create_app(runtime=rt)
    rt.close()


@pytest.fixture
def dev_client(dev_app):
    return dev_app.test_client()
