"""`peerline dev` as a new user runs it: nothing but a data dir; the line answers the dev phone,
and Ctrl-C stops every process it started."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest
import requests

from tests.e2e.line import free_port, wait_for
from tests.support.dashboard import CSRF
from tests.support.flows import opening, replies_for

pytestmark = pytest.mark.e2e


def post_json(url: str, payload: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_make_dev_brings_up_a_line_that_answers_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PEERLINE_", "TWILIO_", "REDIS_", "DATABASE_"))
    }
    env.update(PEERLINE_DATA_DIR=str(tmp_path / "var"), PEERLINE_PORT=str(port))
    output = tmp_path / "dev.out"
    started = time.monotonic()
    with open(output, "wb") as sink:
        dev = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "dev"],
            env=env,
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_for(lambda: "PeerLine is running" in output.read_text(), 90, "the line to come up")
        assert time.monotonic() - started < 90
        assert f"http://127.0.0.1:{port}/dev/phone" in output.read_text()
        base, phone = f"http://127.0.0.1:{port}", "+15550100007"
        assert post_json(f"{base}/dev/phone/send", {"from": phone, "body": "hello"})["webhook_status"] == 200

        def line_answered():
            return answered(base, phone)

        assert wait_for(line_answered, 30, "the welcome") == opening()
        # A new seeker goes through first contact and a check-in, in English and in Spanish.
        for phone, script in [
            (
                "+15550100008",
                ["hi", "1", "1", "3", "7", "2", "3"],
            ),  # English; mood 3; loneliness; no check-ins
            ("+15550100009", ["hola", "2", "1", "3", "7", "2", "3"]),  # the same in Spanish
        ]:
            for count, body in enumerate(script, start=1):
                assert (
                    post_json(f"{base}/dev/phone/send", {"from": phone, "body": body})["webhook_status"]
                    == 200
                )
                expected = replies_for(script[:count])
                wait_for(lambda p=phone, e=expected: answered(base, p) == e, 30, f"the answer to {body!r}")
        assert "Gracias por contarnos" in answered(base, "+15550100009")[-1]
        # The printed demo coordinator login opens the dashboard, whose queue lists nobody waiting.
        login = re.search(r"Dashboard: +(\S+) +\(sign in as (\S+) / (\S+)\)", output.read_text())
        assert login is not None and login.group(1) == f"{base}/dashboard/"
        browser = requests.Session()
        token = CSRF.search(browser.get(login.group(1)).text).group(1)  # redirected to the login page
        queue = browser.post(
            f"{base}/dashboard/login",
            data={"email": login.group(2), "password": login.group(3), "csrf_token": token},
        )
        assert queue.url == f"{base}/dashboard/queue" and "No one is waiting" in queue.text
        children = psutil.Process(dev.pid).children(recursive=True)
        assert len(children) >= 5  # redis, web, workers, sender, scheduler
    finally:
        dev.send_signal(signal.SIGINT)
        dev.wait(timeout=40)
    assert dev.returncode == 0
    assert "Stopping PeerLine" in output.read_text()
    time.sleep(0.5)
    assert [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE] == []


def answered(base: str, phone: str) -> list[str]:
    """What the line has texted this dev phone so far."""
    thread = post_json(f"{base}/dev/phone/thread", {"phone": phone})["messages"]
    return [m["body"] for m in thread if m["direction"] == "outbound"]
