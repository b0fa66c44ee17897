"""`pytest tests/flows --update-goldens` rewrites the golden transcripts from the current flows."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite tests/flows/golden/*.txt from the flows (then read the diff before committing)",
    )
