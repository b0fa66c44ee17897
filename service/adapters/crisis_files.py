"""Load the crisis lexicon (service/core/crisis_lexicon/<locale>.yaml) strictly and build the detector.

Read as the flow files are (YAML 1.2, a duplicate key is an error) and checked by
`core.crisis.parse_lexicon`; a broken lexicon stops whoever loads it with every problem named. The
detector is built once per process and directory: compiling its patterns takes about a second,
scanning a text well under a millisecond.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml.error import YAMLError

from service.adapters.flow_files import read_yaml
from service.core.crisis import CrisisDetector, LexiconError, parse_lexicon

LEXICON_DIR = Path(__file__).resolve().parents[1] / "core" / "crisis_lexicon"


class LexiconInvalid(Exception):
    """The crisis lexicon cannot be used: the message names each file and every problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            f"{len(problems)} problem(s) in the crisis lexicon:\n" + "\n".join(f"  {p}" for p in problems)
        )
        self.problems = problems


def load_detector(directory: Path | None = None) -> CrisisDetector:
    """The detector for the lexicon in this directory (default: the shipped one), built once."""
    return _load((directory or LEXICON_DIR).resolve())


@lru_cache(maxsize=8)
def _load(directory: Path) -> CrisisDetector:
    data: dict[str, Any] = {}
    problems: list[str] = []
    paths = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not paths:
        raise LexiconInvalid([f"{directory}: no lexicon files (<locale>.yaml) found"])
    for path in paths:
        try:
            data[path.stem] = read_yaml(path)
        except (OSError, YAMLError) as error:
            detail = " ".join(str(error).split())
            problems.append(f"{path}: not valid YAML: {detail}")
    if problems:
        raise LexiconInvalid(problems)
    try:
        return CrisisDetector(parse_lexicon(data, str(directory)))
    except LexiconError as error:
        raise LexiconInvalid(error.problems) from None
