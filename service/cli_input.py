"""Texts for the commands that read them (`topics classify`, `safety scan`): arguments, or JSON
lines {"text": ...} on stdin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

import click


class BadInput(click.ClickException):
    """Input that is not what --jsonl reads: exit 2, like a usage error."""

    exit_code = 2


def read_jsonl(stream: TextIO) -> Iterator[str]:
    """The "text" of each JSON line; blank lines are skipped, anything else stops with its number."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise BadInput(f"stdin line {number}: not valid JSON ({error.msg})") from None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise BadInput(f'stdin line {number}: expected an object with a "text" string: {{"text": "..."}}')
        yield data["text"]


def texts_from(texts: tuple[str, ...], jsonl: bool, stdin: TextIO, what: str) -> Iterator[str]:
    """The texts given as arguments, or read from stdin with --jsonl; one way or the other."""
    if jsonl and texts:
        raise click.UsageError("give TEXT arguments or --jsonl, not both")
    if not jsonl and not texts:
        raise click.UsageError(f"give a TEXT to {what}, or --jsonl to read JSON lines from stdin")
    return read_jsonl(stdin) if jsonl else iter(texts)
