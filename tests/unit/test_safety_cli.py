"""`peerline safety scan`: texts from arguments or JSON lines in, one JSON line out per text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.safety_cli import safety


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(safety, ["scan", *args], input=stdin)


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def test_each_argument_gets_one_json_line_of_exactly_crisis_and_reasons():
    result = run("I'm going to kill myself tonight", "I'd kill for a coffee", "me quiero morir")
    assert result.exit_code == 0, result.output
    first, second, third = lines(result.stdout)
    assert first == {"crisis": True, "reasons": ["intent: going to kill myself tonight"]}
    assert second == {"crisis": False, "reasons": []}
    assert third == {"crisis": True, "reasons": ["ideation: me quiero morir"]}
    assert all(list(line) == ["crisis", "reasons"] for line in (first, second, third))


def test_jsonl_reads_texts_from_stdin_and_skips_blank_lines():
    stdin = '{"text": "mi amiga se tomó un montón de pastillas"}\n\n{"text": "hello", "id": 7}\n'
    result = run("--jsonl", stdin=stdin)
    assert result.exit_code == 0, result.output
    first, second = lines(result.stdout)
    assert first == {"crisis": True, "reasons": ["third_party: mi amiga se tomó un montón de pastillas"]}
    assert second == {"crisis": False, "reasons": []}
    assert "montón" in result.stdout  # as written, not escaped


def test_the_locale_is_only_a_hint():
    result = run("--locale", "es", "I want to die")
    assert lines(result.stdout) == [{"crisis": True, "reasons": ["ideation: want to die"]}]


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


def test_nothing_to_scan_is_a_usage_error():
    result = run()
    assert result.exit_code == 2
    assert "Usage:" in result.stderr
    assert "--jsonl" in result.stderr


def test_arguments_and_jsonl_together_are_a_usage_error():
    result = run("--jsonl", "some text", stdin='{"text": "x"}\n')
    assert result.exit_code == 2
    assert "not both" in result.stderr


def test_another_lexicon_can_be_given(tmp_path: Path):
    (tmp_path / "en.yaml").write_text('version: 3\nslots: {}\npatterns: {ideation: ["so blue"]}\n')
    (tmp_path / "es.yaml").write_text("version: 1\nslots: {}\npatterns: {}\n")
    result = run("--lexicon-dir", str(tmp_path), "feeling so blue", "I want to die")
    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        {"crisis": True, "reasons": ["ideation: so blue"]},
        {"crisis": False, "reasons": []},
    ]


def test_a_broken_lexicon_is_reported(tmp_path: Path):
    (tmp_path / "en.yaml").write_text("version: 1\nslots: {}\npatterns: {ideation: ['{missing}']}\n")
    (tmp_path / "es.yaml").write_text("version: 1\nslots: {}\npatterns: {}\n")
    result = run("--lexicon-dir", str(tmp_path), "hello")
    assert result.exit_code == 1
    assert "en.yaml" in result.stderr
    assert "unknown slot {missing}" in result.stderr


def test_help_shows_examples():
    result = run("--help")
    assert result.exit_code == 0
    assert "peerline safety scan" in result.stdout
    assert "--jsonl" in result.stdout
    assert '"crisis": true' in result.stdout
