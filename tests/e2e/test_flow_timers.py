"""A flow's wait running out, with real processes: RQ's scheduler (in the workers) queues the
timer when it is due, and neither a worker restart nor a Redis restart loses it."""

from __future__ import annotations

import os
import shutil
import signal

import pytest
from ruamel.yaml import YAML

from service.adapters.settings import SHIPPED_FLOWS
from tests.conftest import _reset_postgres
from tests.e2e.line import Line, wait_for
from tests.support.flows import opening

SEEKER = "+15554440001"


@pytest.fixture
def quick_line(tmp_path):
    """A line whose first question gives up waiting after seconds, not a day."""
    flows = tmp_path / "flows"
    shutil.copytree(SHIPPED_FLOWS, flows)
    yaml = YAML(typ="rt")
    path = flows / "first_contact.yaml"
    data = yaml.load(path.read_text())
    data["steps"]["language"]["timeout"]["after"] = "4s"
    with path.open("w") as out:
        yaml.dump(data, out)
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'var' / 'peerline.db'}"
    running = Line(tmp_path, url, settings={"PEERLINE_FLOWS_DIR": str(flows)}).start()
    yield running
    running.stop()


def test_a_reminder_comes_when_the_wait_runs_out(quick_line):
    line = quick_line
    line.text(SEEKER, "hi")
    wait_for(lambda: line.received_by(SEEKER) == opening(), 20, "the welcome")
    reminder = wait_for(lambda: line.received_by(SEEKER)[1:], 20, "the reminder", every=0.5)
    assert reminder[0].startswith("We're here when you're ready")


def test_the_reminder_survives_killed_workers_and_a_redis_restart(quick_line):
    """SIGKILL leaves RQ's scheduler lock held for a while; the sweeper finds the overdue
    timer on the conversation row within about a minute and queues it again."""
    line = quick_line
    line.text(SEEKER, "hi")
    wait_for(lambda: line.received_by(SEEKER) == opening(), 20, "the welcome")
    for name in ("worker-1", "worker-2"):  # every process running RQ's scheduler for inbound
        line.kill(name, signal.SIGKILL)
    line.redis.stop()
    line.redis.start()
    line.spawn("worker-1", ["worker", "--queues", "inbound,default"])
    reminder = wait_for(lambda: line.received_by(SEEKER)[1:], 120, "the reminder", every=1)
    assert reminder[0].startswith("We're here when you're ready")
