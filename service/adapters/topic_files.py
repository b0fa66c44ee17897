"""Load the topic taxonomy (flows/topics.yaml) strictly, as the flow files are loaded."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml.error import YAMLError

from service.adapters.flow_files import TOPICS, read_yaml
from service.core.topic_classifier import Taxonomy, TaxonomyError, parse_taxonomy


class TopicsInvalid(Exception):
    """topics.yaml cannot be used: the message names the file and every problem."""


def load_taxonomy(flows_dir: Path) -> Taxonomy:
    """Read and check `topics.yaml` in this flows directory; TopicsInvalid names what is wrong."""
    path = flows_dir / TOPICS
    try:
        data = read_yaml(path)
    except FileNotFoundError:
        raise TopicsInvalid(f"{path}: file not found") from None
    except (OSError, YAMLError) as error:
        detail = " ".join(str(error).split())
        raise TopicsInvalid(f"{path}: not valid YAML: {detail}") from None
    try:
        return parse_taxonomy(data, str(path))
    except TaxonomyError as error:
        raise TopicsInvalid(
            f"{len(error.problems)} problem(s) in the topics:\n" + "\n".join(f"  {p}" for p in error.problems)
        ) from None
