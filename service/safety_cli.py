"""`peerline safety`: check texts for crisis language, as the line does with every inbound text."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from service.adapters.crisis_files import LexiconInvalid, load_detector
from service.cli_input import texts_from
from service.core.crisis import CrisisDetector


@click.group()
def safety() -> None:
    """Work with the crisis-language detector (service/core/crisis_lexicon/)."""


@safety.command()
@click.argument("texts", nargs=-1, metavar="[TEXT]...")
@click.option("--jsonl", is_flag=True, help='Read JSON lines {"text": ...} from stdin instead of arguments.')
@click.option(
    "--locale",
    type=click.Choice(["en", "es"]),
    default="en",
    show_default=True,
    help="The texter's language if known. Only a hint: every language is always scanned.",
)
@click.option(
    "--lexicon-dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Read <locale>.yaml lexicon files from this directory (default: the shipped lexicon).",
)
def scan(texts: tuple[str, ...], jsonl: bool, locale: str, directory: Path | None) -> None:
    """Say whether each text is a crisis, offline, in English or Spanish, and why.

    Prints one JSON line per text: {"crisis": true|false, "reasons": [...]}, each reason the
    category and the words of the text that decided it, most severe first. Categories: imminent,
    intent, plan, means, self_harm, ideation, abuse (against the texter), third_party (someone
    else at risk). Idioms, negations and past, resolved history are not crises.

    \b
    Examples:
      peerline safety scan "I'm going to kill myself tonight" "I'd kill for a coffee"
      {"crisis": true, "reasons": ["intent: going to kill myself tonight"]}
      {"crisis": false, "reasons": []}
      echo '{"text": "mi amiga se tomó un montón de pastillas"}' | peerline safety scan --jsonl
      {"crisis": true, "reasons": ["third_party: mi amiga se tomó un montón de pastillas"]}
    """
    inputs = texts_from(texts, jsonl, sys.stdin, "scan")
    detector = _detector(directory)
    for text in inputs:
        reasons = detector.scan(text, locale)
        click.echo(json.dumps({"crisis": bool(reasons), "reasons": list(reasons)}, ensure_ascii=False))


def _detector(directory: Path | None) -> CrisisDetector:
    try:
        return load_detector(directory)
    except LexiconInvalid as error:
        raise click.ClickException(str(error)) from None
