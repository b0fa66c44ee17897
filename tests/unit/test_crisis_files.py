"""The shipped crisis lexicon loads; a broken one is refused naming each file and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.adapters.crisis_files import LEXICON_DIR, LexiconInvalid, load_detector
from service.core.crisis import CATEGORIES

GOOD_EN = """\
version: 1
negation:
  negators: [not]
slots:
  refl: {self: [myself], other: [himself, herself]}
patterns:
  intent: ["going to kill {refl}"]
"""
GOOD_ES = """\
version: 1
slots: {}
patterns:
  ideation: ["quiero morir"]
"""


def write(directory: Path, en: str = GOOD_EN, es: str = GOOD_ES) -> Path:
    (directory / "en.yaml").write_text(en)
    (directory / "es.yaml").write_text(es)
    return directory


def test_the_shipped_lexicon_loads_once_per_process():
    detector = load_detector()
    assert detector is load_detector(LEXICON_DIR)
    assert detector.version == "en2+es2"
    assert detector.scan("I want to die", "en") == ("ideation: want to die",)


def test_the_shipped_lexicon_has_patterns_for_every_category_in_both_languages():
    from service.adapters.flow_files import read_yaml

    for locale in ("en", "es"):
        data = read_yaml(LEXICON_DIR / f"{locale}.yaml")
        written = set(data["patterns"]) | set(data["with_context"])
        assert written == set(CATEGORIES) - {"third_party"}, locale  # third_party: someone else, any category


def test_a_lexicon_directory_is_read_strictly(tmp_path: Path):
    detector = load_detector(write(tmp_path))
    assert detector.scan("I'm going to kill myself", "en") == ("intent: going to kill myself",)
    assert detector.scan("he is going to kill himself", "en") == ("third_party: going to kill himself",)
    assert detector.scan("not going to kill myself", "en") == ()


@pytest.mark.parametrize(
    ("en", "message"),
    [
        (GOOD_EN.replace("version: 1\n", "version: 1\nversion: 2\n"), "en.yaml: not valid YAML"),
        (GOOD_EN.replace("version: 1", "version: yes"), "en.yaml: version: expected a whole number"),
        (GOOD_EN.replace("{refl}", "{reflexive}"), "en.yaml: patterns.intent: unknown slot {reflexive}"),
        (GOOD_EN.replace("intent:", "worry:"), "en.yaml: patterns: 'worry' is not a category"),
        (GOOD_EN.replace('["going to kill {refl}"]', "[going: to]"), "{'going': 'to'} is not a pattern"),
        (GOOD_EN.replace("[myself]", "[Myself]"), "'Myself' is not a normalised word"),
        (GOOD_EN.replace("kill {refl}", "kill {refl} ~3"), "a gap (~N) must have words on both sides"),
        (GOOD_EN.replace("other: [himself, herself]", "me: [himself]"), "slots.refl.me: unknown field"),
        (GOOD_EN + "colour: red\n", "en.yaml: colour: unknown field"),
        ("just text", "en.yaml: expected a mapping"),
    ],
)
def test_a_bad_lexicon_is_refused_naming_the_file_and_the_problem(tmp_path: Path, en: str, message: str):
    write(tmp_path, en=en)
    with pytest.raises(LexiconInvalid) as raised:
        load_detector(tmp_path)
    assert message in str(raised.value)
    assert str(tmp_path) in str(raised.value)


def test_every_problem_is_listed_not_only_the_first(tmp_path: Path):
    write(tmp_path, en=GOOD_EN.replace("version: 1", "version: 0").replace("{refl}", "{nope}"))
    with pytest.raises(LexiconInvalid) as raised:
        load_detector(tmp_path)
    assert len(raised.value.problems) == 2
    assert str(raised.value).startswith("2 problem(s) in the crisis lexicon:")


def test_a_missing_language_is_named(tmp_path: Path):
    (tmp_path / "en.yaml").write_text(GOOD_EN)
    with pytest.raises(LexiconInvalid, match=r"es\.yaml: missing: the es lexicon is required"):
        load_detector(tmp_path)


def test_an_empty_directory_is_named(tmp_path: Path):
    with pytest.raises(LexiconInvalid, match="no lexicon files"):
        load_detector(tmp_path)
