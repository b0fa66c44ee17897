"""Extract what the dev Twilio stand-in needs (Messages) from Twilio's OpenAPI description.

Usage: python tools/extract_twilio_spec.py [SOURCE_JSON] [OUTPUT_JSON]

The source is Twilio's `twilio_api_v2010.json` from twilio/twilio-oai (MIT licence). The output
keeps the Messages operations the stand-in serves and every component they reference, so the
stand-in ships with the app and never reads the full spec at run time.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "twilio" / "twilio_api_v2010.json"
DEFAULT_OUTPUT = ROOT / "service" / "web" / "dev" / "twilio_messages_openapi.json"
SOURCE = {
    "repository": "twilio/twilio-oai",
    "commit": "d50069b",
    "file": "spec/json/twilio_api_v2010.json",
    "licence": "MIT",
}
LIST = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
INSTANCE = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"
# Only the operations the stand-in serves: a smaller file, and no promise of what it lacks.
OPERATIONS = {LIST: ("get", "post"), INSTANCE: ("get",)}
METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}


def _without_examples(node: Any) -> Any:
    """Drop `examples` maps: sample payloads are bulk the stand-in never uses."""
    if isinstance(node, dict):
        return {key: _without_examples(value) for key, value in node.items() if key != "examples"}
    if isinstance(node, list):
        return [_without_examples(item) for item in node]
    return node


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    return set()


def content_sha256(document: dict[str, Any]) -> str:
    """Hash the document without its `_source` record, in a canonical form."""
    body = {key: value for key, value in document.items() if key != "_source"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def extract(spec: dict[str, Any], source_sha256: str) -> dict[str, Any]:
    """Build the Messages extract of `spec`: paths, their operations and referenced components."""
    paths = {}
    for path, methods in OPERATIONS.items():
        item = spec["paths"][path]
        kept = {key: value for key, value in item.items() if key not in METHODS or key in methods}
        paths[path] = _without_examples(kept)

    schemas: dict[str, Any] = {}
    pending = sorted(_refs(paths))
    while pending:
        ref = pending.pop()
        prefix = "#/components/schemas/"
        if not ref.startswith(prefix):
            raise ValueError(f"unsupported reference {ref!r}")
        name = ref.removeprefix(prefix)
        if name not in schemas:
            schemas[name] = _without_examples(spec["components"]["schemas"][name])
            pending.extend(sorted(_refs(schemas[name])))

    document: dict[str, Any] = {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "servers": spec["servers"],
        "security": spec["security"],
        "paths": paths,
        "components": {
            "securitySchemes": spec["components"]["securitySchemes"],
            "schemas": dict(sorted(schemas.items())),
        },
    }
    document["_source"] = {
        **SOURCE,
        "source_sha256": source_sha256,
        "operations": {path: list(methods) for path, methods in OPERATIONS.items()},
        "content_sha256": content_sha256(document),
    }
    return document


def extract_file(source: Path) -> dict[str, Any]:
    raw = source.read_bytes()
    return extract(json.loads(raw), hashlib.sha256(raw).hexdigest())


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    output = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUTPUT
    output.write_text(render(extract_file(source)), encoding="utf-8")
    print(f"wrote {output} from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
