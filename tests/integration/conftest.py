"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest

from tests.integration.test_conversations import MONDAY_10AM_NEW_YORK
from tests.support.fakes import FakeSender, FixedClock
from tests.support.peer_line import Phones


@pytest.fixture
def phones(client, runtime) -> Phones:
    """Phones on the real SMS path, a fixed clock (a Monday, 10:00 in New York) and a fake sender.
    A module that needs more settings overrides it: `def phones(phones): phones.configure(...)`."""
    runtime.sender = FakeSender()
    runtime.clock = FixedClock(MONDAY_10AM_NEW_YORK)
    return Phones(client, runtime)
