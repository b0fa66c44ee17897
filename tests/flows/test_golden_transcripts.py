"""Golden transcripts: each flow, in each locale, down its main paths, on the pure engine with a
fixed clock. The scripts (inputs) are in scripts/<flow>.yaml; what each party read is in
golden/<flow>.<case>.<locale>.txt. After changing a flow, run
`pytest tests/flows --update-goldens` and read the diff: it is what people will read."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from service.adapters import flow_files
from service.adapters.settings import SHIPPED_FLOWS
from service.core.conversation import FlowHandler
from service.core.flow_player import Player

HERE = Path(__file__).parent
SCRIPTS, GOLDEN = HERE / "scripts", HERE / "golden"
LOCALES = ("en", "es")


def _cases() -> list[tuple[str, str, str, list[str], dict]]:
    cases = []
    for path in sorted(SCRIPTS.glob("*.yaml")):
        data = YAML(typ="safe", pure=True).load(path.read_text())
        for name, case in data["cases"].items():
            for locale in LOCALES:
                script = case["script"][locale] if isinstance(case["script"], dict) else case["script"]
                setup = {"new": case.get("new", False), "values": case.get("values", {}).get(locale, {})}
                cases.append((data["flow"], name, locale, [str(line) for line in script], setup))
    return cases


@pytest.fixture(scope="module")
def handler() -> FlowHandler:
    return FlowHandler(flow_files.load(SHIPPED_FLOWS))


def play(handler: FlowHandler, flow: str, locale: str, script: list[str], setup: dict) -> str:
    player = Player(handler, flow, locale, consented=not setup["new"])
    player.begin(setup["values"])
    for line in script:
        player.play(line)
    return "\n".join(player.lines) + "\n"


@pytest.mark.parametrize(
    ("flow", "case", "locale", "script", "setup"), _cases(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_transcript_matches_golden(handler, request, flow, case, locale, script, setup):
    transcript = play(handler, flow, locale, script, setup)
    golden = GOLDEN / f"{flow}.{case}.{locale}.txt"
    if request.config.getoption("--update-goldens"):
        golden.write_text(transcript)
    assert golden.exists(), f"no golden file {golden.name}: run pytest tests/flows --update-goldens"
    assert transcript == golden.read_text()


def test_every_shipped_flow_has_scripts_in_both_locales():
    scripted = {flow for flow, *_ in _cases()}
    assert scripted == set(flow_files.load(SHIPPED_FLOWS).flows)


def test_every_golden_file_has_a_script():
    expected = {f"{flow}.{case}.{locale}.txt" for flow, case, locale, *_ in _cases()}
    assert {p.name for p in GOLDEN.glob("*.txt")} == expected
