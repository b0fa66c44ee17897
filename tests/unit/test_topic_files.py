"""The shipped topic taxonomy loads and is sound; a broken topics.yaml is refused with reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.adapters.settings import SHIPPED_FLOWS
from service.adapters.topic_files import TopicsInvalid, load_taxonomy
from service.core.topic_classifier import Taxonomy, classify

MENU = ("alcohol", "drugs", "depression", "anxiety", "grief", "relationships", "loneliness", "trauma")
GOOD = """\
spec: 1
topics:
  - id: alcohol
    label: {en: "Alcohol", es: "Alcohol"}
    related: [drugs]
    menu: true
    words:
      en: [drink, "can't stop drinking"]
      es: [beber, no]
  - id: drugs
    label: {en: "Drugs", es: "Drogas"}
    related: [alcohol]
    menu: true
    words:
      en: [drugs]
      es: [drogas]
"""


@pytest.fixture(scope="module")
def shipped() -> Taxonomy:
    return load_taxonomy(SHIPPED_FLOWS)


def test_the_shipped_taxonomy_has_its_18_topics_menu_first(shipped):
    assert len(shipped.topics) == 18
    assert tuple(t.id for t in shipped.topics if t.menu) == MENU
    assert shipped.ids()[: len(MENU)] == MENU


def test_every_related_topic_exists(shipped):
    for topic in shipped.topics:
        assert topic.related, topic.id
        for other in topic.related:
            assert shipped.get(other) is not None, f"{topic.id} -> {other}"
    assert shipped.related("veterans")[0] == "trauma"


def test_every_topic_has_labels_and_words_in_english_and_spanish(shipped):
    for topic in shipped.topics:
        for locale in ("en", "es"):
            assert 0 < len(topic.labels[locale]) <= 20, topic.id
            assert len(topic.words[locale]) >= 20, (topic.id, locale)


def test_every_listed_word_finds_its_own_topic(shipped):
    for topic in shipped.topics:
        for locale, terms in topic.words.items():
            for term in terms:
                assert topic.id in [m.topic for m in classify(term, shipped, locale)], (topic.id, term)


def test_yaml_is_read_strictly_as_yaml_1_2(tmp_path):
    (tmp_path / "topics.yaml").write_text(GOOD)
    taxonomy = load_taxonomy(tmp_path)
    assert taxonomy.ids() == ("alcohol", "drugs")
    assert taxonomy.get("alcohol").words["es"] == ("beber", "no")  # "no" stays a word, not false
    assert [m.topic for m in classify("I can’t stop drinking", taxonomy)] == ["alcohol"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("    menu: true\n", "    menu: true\n    menu: false\n", 1), "duplicate key"),
        (
            GOOD.replace("related: [drugs]", "related: [drug]"),
            "topic 'alcohol': related: 'drug' is not a topic",
        ),
        (GOOD.replace("      es: [drogas]\n", ""), "topic 'drugs': words: missing the 'es' words"),
        (GOOD.replace('label: {en: "Drugs"', 'label: {en: "Drugs and other substances"'), "more than 20"),
        (GOOD.replace("[drink,", "[drink: x,"), "{'drink': 'x'} is not a word or phrase (quote it?)"),
        (GOOD.replace("es: [drogas]", "es: [drogas"), "not valid YAML"),
        ("just text", "expected a mapping"),
    ],
)
def test_a_bad_topics_file_is_refused_naming_the_file_and_the_problem(tmp_path, text, message):
    (tmp_path / "topics.yaml").write_text(text)
    with pytest.raises(TopicsInvalid) as raised:
        load_taxonomy(tmp_path)
    assert message in str(raised.value)
    assert str(tmp_path / "topics.yaml") in str(raised.value)


def test_a_missing_topics_file_is_named(tmp_path: Path):
    with pytest.raises(TopicsInvalid, match=r"topics\.yaml: file not found"):
        load_taxonomy(tmp_path)
