from __future__ import annotations

import json
import logging
import sys

import pytest

from service.adapters.logs import JsonFormatter, redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("to +15551234567 failed", "to [number] failed"),
        ("GET /Messages.json?To=%2B15551234567&PageSize=50", "GET /Messages.json?To=[number]&PageSize=50"),
        ("call +1 555 123 4567 now", "call [number] now"),
        ("bare 5551234567.", "bare [number]."),
    ],
)
def test_phone_numbers_are_masked(line, expected):
    assert redact(line) == expected


@pytest.mark.parametrize(
    "line", ["at 2026-11-25T01:20:00.123+00:00", "sid SM0123456789abcdef0123", "contact 42"]
)
def test_ids_and_times_are_kept(line):
    assert redact(line) == line


def test_json_lines_carry_extra_ids_and_mask_numbers_in_errors():
    record = logging.LogRecord("peerline", logging.ERROR, __file__, 1, "send failed", (), None)
    record.outbound_id = 7
    try:
        raise ValueError("The 'To' number +15551234567 is not valid")
    except ValueError:
        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["event"] == "send failed"
    assert entry["outbound_id"] == 7
    assert "[number]" in entry["error"] and "5551234567" not in entry["error"]
