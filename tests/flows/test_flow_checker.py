"""`peerline flows check`: passes on every shipped flow, and catches each kind of broken edit
with a message that names the file, the step and what to fix. A broken flow stops start-up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from service.adapters import flow_files
from service.adapters.runtime import build_runtime
from service.adapters.settings import SHIPPED_FLOWS
from service.cli import main


def test_shipped_flows_pass():
    result = CliRunner().invoke(main, ["flows", "check", str(SHIPPED_FLOWS)])
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    copy = tmp_path / "flows"
    shutil.copytree(SHIPPED_FLOWS, copy)
    return copy


def edit(flows: Path, name: str, change) -> None:
    yaml = YAML(typ="rt")
    path = flows / name
    data = yaml.load(path.read_text())
    change(data)
    with path.open("w") as out:
        yaml.dump(data, out)


def first_ask(data) -> tuple[str, dict]:
    return next(
        (step_id, step)
        for step_id, step in data["steps"].items()
        if "ask" in step and "choice" in step["answer"]
    )


def inline(step: dict) -> dict:
    """Give the step an inline question we can break, whatever its message is now."""
    step["ask"] = {
        "text": {"en": "Reply 1 or 2.", "es": "Responde 1 o 2."},
        "voice": {"en": "Press 1 or 2.", "es": "Marca 1 o 2."},
    }
    return step["ask"]


def problems(flows: Path) -> str:
    with pytest.raises(flow_files.FlowsInvalid) as caught:
        flow_files.load(flows)
    return str(caught.value)


def test_dangling_transition(flows):
    edit(flows, "check_in.yaml", lambda d: first_ask(d)[1].update(invalid={"then": "nowhere"}))
    step_id = first_ask(YAML(typ="safe").load((flows / "check_in.yaml").read_text()))[0]
    assert (
        f"check_in.yaml: step '{step_id}': invalid.then goes to 'nowhere', which is not a step"
        in problems(flows)
    )


def test_unreachable_step(flows):
    edit(
        flows,
        "closing.yaml",
        lambda d: d["steps"].update(orphan={"say": {"text": {"en": "hi", "es": "hola"}}, "end": {}}),
    )
    assert "closing.yaml: step 'orphan': is never reached from the start or an interrupt" in problems(flows)


def test_missing_spanish_text(flows):
    edit(flows, "check_in.yaml", lambda d: inline(first_ask(d)[1])["text"].pop("es"))
    assert "check_in.yaml: step " in problems(flows) and "has no 'es' text; write it" in problems(flows)


def test_placeholder_mismatch_between_locales(flows):
    def change(d):
        inline(first_ask(d)[1])["text"]["en"] = "Mood {mood}: reply 1 or 2."

    edit(flows, "check_in.yaml", change)
    assert "uses different placeholders across locales or channels" in problems(flows)


def test_undeclared_placeholder(flows):
    def change(d):
        ask = inline(first_ask(d)[1])
        ask["text"] = {"en": "Hi {name}, reply 1 or 2.", "es": "Hola {name}, responde 1 o 2."}
        ask["voice"] = {"en": "Hi {name}, press 1 or 2.", "es": "Hola {name}, marca 1 o 2."}

    edit(flows, "check_in.yaml", change)
    assert "uses {name}, which is not declared under placeholders:" in problems(flows)


def test_three_segment_sms(flows):
    edit(
        flows,
        "check_in.yaml",
        lambda d: inline(first_ask(d)[1])["text"].update(en="Reply 1 or 2. " + "x" * 300),
    )
    assert "(en) is 3 SMS segments" in problems(flows)


def test_one_curly_quote_turns_a_message_into_ucs2(flows):
    long_plain = "Reply 1 or 2. It's " + "y" * 130  # 149 GSM-7 characters: 1 segment
    edit(
        flows,
        "check_in.yaml",
        lambda d: inline(first_ask(d)[1])["text"].update(en=long_plain.replace("'", "\u2019")),
    )
    assert "(en) is 3 SMS segments" in problems(flows) and "UCS-2" in problems(flows)


@pytest.mark.parametrize("word", ["STOP", "yes", "Cancel", "END", "info", "parar"])
def test_reserved_word_as_an_answer(flows, word):
    edit(
        flows,
        "check_in.yaml",
        lambda d: first_ask(d)[1]["answer"]["choice"][0].setdefault("words", []).append(word),
    )
    assert f"'{word}' is a carrier or PeerLine keyword" in problems(flows)


def test_reserved_word_as_an_interrupt(flows):
    edit(
        flows,
        "check_in.yaml",
        lambda d: d.setdefault("interrupts", []).append({"words": ["QUIT"], "goto": d["start"]}),
    )
    assert "'QUIT' is a carrier or PeerLine keyword" in problems(flows)


def test_unknown_field_and_duplicate_key(flows):
    edit(flows, "closing.yaml", lambda d: d.update(colour="blue"))
    assert "closing.yaml: top: unknown field 'colour'" in problems(flows)
    path = flows / "closing.yaml"
    path.write_text(path.read_text().replace("spec: 1\n", "spec: 1\nspec: 1\n", 1))
    assert "closing.yaml: not valid YAML" in problems(flows)


def test_yes_and_no_stay_text(flows):
    """YAML 1.2: an unquoted `no` is the word no, never a boolean False that matches nothing."""
    loaded = flow_files.read_yaml(flows / "closing.yaml")
    path = flows / "probe.yaml"
    path.write_text("a: yes\nb: no\nc: on\n")
    assert flow_files.read_yaml(path) == {"a": "yes", "b": "no", "c": "on"}
    assert loaded["spec"] == 1


def test_voice_question_needs_a_voice_prompt_and_no_key_9(flows):
    def change(d):
        ask = inline(first_ask(d)[1])
        del ask["voice"]
        first_ask(d)[1]["answer"]["choice"][0]["key"] = "9"

    edit(flows, "check_in.yaml", change)
    found = problems(flows)
    assert "needs a 'voice:' prompt" in found and "key 9 is kept for reaching 988" in found


def test_cli_names_the_problem_and_exits_1(flows):
    edit(flows, "closing.yaml", lambda d: d.update(start="nowhere"))
    result = CliRunner().invoke(main, ["flows", "check", str(flows / "closing.yaml")])
    assert result.exit_code == 1
    assert "closing.yaml: start: 'nowhere' is not a step" in result.output


def test_a_broken_flow_stops_start_up(flows, settings):
    import dataclasses

    edit(flows, "closing.yaml", lambda d: d.update(start="nowhere"))
    with pytest.raises(flow_files.FlowsInvalid, match="'nowhere' is not a step"):
        build_runtime(dataclasses.replace(settings, flows_dir=flows))


def test_peerline_refuses_to_start_on_a_broken_flow(flows, monkeypatch):
    edit(flows, "closing.yaml", lambda d: d.update(start="nowhere"))
    monkeypatch.setenv("PEERLINE_FLOWS_DIR", str(flows))
    monkeypatch.setenv("PEERLINE_DATA_DIR", str(flows.parent / "var"))
    result = CliRunner().invoke(main, ["worker", "--burst"])
    assert result.exit_code == 1
    assert "closing.yaml: start: 'nowhere' is not a step" in result.output


def test_stray_brace_is_a_problem_not_a_crash(flows):
    edit(flows, "check_in.yaml", lambda d: inline(first_ask(d)[1])["text"].update(en="Reply 1 or 2 :}"))
    assert "has a stray { or }" in problems(flows)


def test_time_answer_window_must_be_hh_mm(flows):
    def change(d):
        step = next(s for s in d["steps"].values() if "time" in s.get("answer", {}))
        step["answer"]["time"]["earliest"] = "9:00"

    edit(flows, "check_in.yaml", change)
    assert "expected a time such as" in problems(flows)


def test_saving_locale_from_free_text_is_refused(flows):
    def change(d):
        step = next(s for s in d["steps"].values() if "text" in s.get("answer", {}))
        step["save"] = "locale"

    edit(flows, "check_in.yaml", change)
    assert "saving 'locale' needs a choice whose values are locales" in problems(flows)


def test_a_placeholder_shorter_than_what_is_saved(flows):
    edit(flows, "story_sharing.yaml", lambda d: d["placeholders"].update(topic_label={"max_length": 5}))
    assert "longer than {topic_label} allows (5)" in problems(flows)


def test_an_interrupt_word_that_is_also_an_answer(flows):
    edit(
        flows,
        "check_in.yaml",
        lambda d: first_ask(d)[1]["answer"]["choice"][0].setdefault("words", []).append("done"),
    )
    assert "'DONE' is both an answer and an interrupt" in problems(flows)


def test_flows_that_chain_into_each_other_without_waiting(flows):
    def loop(d):
        d["steps"] = {"go": {"say": {"text": {"en": "hi", "es": "hola"}}, "end": {"then": "closing"}}}
        d["start"] = "go"
        d.pop("interrupts", None)

    edit(flows, "check_in.yaml", loop)
    edit(
        flows, "closing.yaml", lambda d: d["steps"][d["start"]].update({"ask": d["steps"][d["start"]]["ask"]})
    )
    path = flows / "closing.yaml"
    data = YAML(typ="rt").load(path.read_text())
    data["steps"] = {"back": {"end": {"then": "check_in"}}}
    data["start"] = "back"
    data.pop("interrupts", None)
    with path.open("w") as out:
        YAML(typ="rt").dump(data, out)
    assert "starts a loop (through end.then too) that never waits" in problems(flows)


def test_negative_retries_and_zero_waits(flows):
    def change(d):
        _, step = first_ask(d)
        step["invalid"]["retries"] = -3
        step["timeout"]["after"] = "0s"

    edit(flows, "check_in.yaml", change)
    found = problems(flows)
    assert "expected 0 or more, found -3" in found and "a wait of zero" in found


def test_a_time_zone_that_does_not_exist(flows):
    def change(d):
        step = next(s for s in d["steps"].values() if s.get("save") == "checkin_tz")
        step["answer"]["choice"][0]["value"] = "America/NewYork"

    edit(flows, "check_in.yaml", change)
    assert "'America/NewYork' is not a time zone" in problems(flows)
