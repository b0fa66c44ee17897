"""`peerline topics`: classify free text into the topic taxonomy (flows/topics.yaml)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from service.adapters.settings import flows_dir
from service.adapters.topic_files import TopicsInvalid, load_taxonomy
from service.cli_input import texts_from
from service.core.topic_classifier import Taxonomy
from service.core.topic_classifier import classify as classify_text


@click.group()
def topics() -> None:
    """Work with the topic taxonomy (flows/topics.yaml)."""


@topics.command()
@click.argument("texts", nargs=-1, metavar="[TEXT]...")
@click.option("--jsonl", is_flag=True, help='Read JSON lines {"text": ...} from stdin instead of arguments.')
@click.option(
    "--locale",
    type=click.Choice(["en", "es"]),
    default=None,
    help="Use only this language's words (default: both).",
)
@click.option(
    "--flows-dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Read topics.yaml from this directory (default: PEERLINE_FLOWS_DIR, or the shipped flows/).",
)
def classify(texts: tuple[str, ...], jsonl: bool, locale: str | None, directory: Path | None) -> None:
    """Say which topics each text is about, offline, in English or Spanish.

    Prints one JSON line per text: the topic ids, best first, and the words of the text that
    decided each one. A text about nothing in the taxonomy gets {"topics": [], "words": {}}.

    \b
    Examples:
      peerline topics classify "been drinking again since the divorce"
      {"topics": ["alcohol", "relationships"], "words": {"alcohol": ["drinking"], ...}}
      echo '{"text": "no puedo dormir"}' | peerline topics classify --jsonl
      {"topics": ["sleep"], "words": {"sleep": ["no puedo dormir"]}}
    """
    inputs = texts_from(texts, jsonl, sys.stdin, "classify")
    taxonomy = _taxonomy(directory)
    for text in inputs:
        matches = classify_text(text, taxonomy, locale)
        line = {"topics": [m.topic for m in matches], "words": {m.topic: list(m.words) for m in matches}}
        click.echo(json.dumps(line, ensure_ascii=False))


def _taxonomy(directory: Path | None) -> Taxonomy:
    # Only this setting: classifying must not need the secrets a full start needs.
    try:
        return load_taxonomy(directory or flows_dir(os.environ.get("PEERLINE_FLOWS_DIR")))
    except TopicsInvalid as error:
        raise click.ClickException(str(error)) from None
