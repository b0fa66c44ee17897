from __future__ import annotations

import os

import pytest

from tests.conftest import _reset_postgres
from tests.e2e.line import Line


@pytest.fixture
def line_settings() -> dict[str, str]:
    """More environment for every process of the line; a test module may override it."""
    return {}


@pytest.fixture
def line(tmp_path, line_settings):
    """A running line; PostgreSQL when CI provides it (the production engine), else SQLite."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'var' / 'peerline.db'}"
    running = Line(tmp_path, url, settings=line_settings).start()
    yield running
    running.stop()
