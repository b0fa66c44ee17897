"""`peerline topics classify`: texts from arguments or JSON lines in, one JSON line out per text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.topics_cli import topics


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(topics, ["classify", *args], input=stdin)


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def test_each_argument_gets_one_json_line():
    result = run("been drinking again since the divorce", "no puedo dormir", "hello there")
    assert result.exit_code == 0, result.output
    first, second, third = lines(result.stdout)
    assert first["topics"][:2] == ["alcohol", "relationships"]
    assert first["words"]["alcohol"] == ["drinking"]
    assert second == {"topics": ["sleep"], "words": {"sleep": ["no puedo dormir"]}}
    assert third == {"topics": [], "words": {}}


def test_jsonl_reads_texts_from_stdin_and_skips_blank_lines():
    stdin = '{"text": "lost my job today"}\n\n{"text": "murió mi mamá", "id": 7}\n'
    result = run("--jsonl", stdin=stdin)
    assert result.exit_code == 0, result.output
    first, second = lines(result.stdout)
    assert first["topics"][0] == "work"
    assert second["topics"][0] == "grief"
    assert second["words"]["grief"] == ["murió"]  # as written, accents kept


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ('{"text": "ok"}\n{"text": oops}\n', "stdin line 2: not valid JSON"),
        ('{"text": "ok"}\n\n["a list"]\n', 'stdin line 3: expected an object with a "text" string'),
        ('{"words": "no text"}\n', "stdin line 1: expected an object"),
        ('{"text": 5}\n', "stdin line 1: expected an object"),
    ],
)
def test_a_bad_json_line_stops_with_exit_2_naming_the_line(stdin, message):
    result = run("--jsonl", stdin=stdin)
    assert result.exit_code == 2
    assert message in result.stderr


def test_nothing_to_classify_is_a_usage_error():
    result = run()
    assert result.exit_code == 2
    assert "Usage:" in result.stderr
    assert "--jsonl" in result.stderr


def test_arguments_and_jsonl_together_are_a_usage_error():
    result = run("--jsonl", "some text", stdin='{"text": "x"}\n')
    assert result.exit_code == 2
    assert "not both" in result.stderr


def test_locale_limits_the_words_used():
    result = run("--locale", "en", "no puedo dormir")
    assert lines(result.stdout) == [{"topics": [], "words": {}}]


def test_another_taxonomy_can_be_given(tmp_path: Path):
    (tmp_path / "topics.yaml").write_text(
        "spec: 1\ntopics:\n  - id: weather\n    label: {en: Weather, es: Tiempo}\n    related: []\n"
        "    menu: true\n    words: {en: [rain, storm], es: [lluvia]}\n"
    )
    result = run("--flows-dir", str(tmp_path), "so much rain", "drinking again")
    assert result.exit_code == 0, result.output
    assert [line["topics"] for line in lines(result.stdout)] == [["weather"], []]


def test_a_broken_taxonomy_is_reported(tmp_path: Path):
    (tmp_path / "topics.yaml").write_text("spec: 1\ntopics: []\n")
    result = run("--flows-dir", str(tmp_path), "hello")
    assert result.exit_code == 1
    assert "topics.yaml" in result.stderr
    assert "non-empty list of topics" in result.stderr


def test_help_shows_an_example():
    result = run("--help")
    assert result.exit_code == 0
    assert "peerline topics classify" in result.stdout
    assert "--jsonl" in result.stdout
    assert "--flows-dir" in result.stdout
