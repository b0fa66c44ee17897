"""How people's answers are understood: keys, words, numbers, times, in English and Spanish."""

from __future__ import annotations

import pytest

from service.core import answers
from service.core.flow_model import Answer, Option

LANGUAGE = Answer(
    "choice",
    options=(Option("1", "en", ("English", "inglés")), Option("2", "es", ("Spanish", "Español", "espanol"))),
)


@pytest.mark.parametrize(
    ("said", "value"),
    [("2", "es"), (" 2. ", "es"), ("2 please", "es"), ("ESPAÑOL", "es"), ("¡Español!", "es"),
     ("i'd like english", "en"), ("Inglés", "en"), ("3", None), ("english or spanish", None), ("12", None)],
)  # fmt: skip
def test_choice(said, value):
    assert answers.read(LANGUAGE, said) == value


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("4", "4"),
        ("a 4 i guess", "4"),
        ("four", "4"),
        ("cuatro", "4"),
        ("6", None),
        ("3 or 4", None),
        ("meh", None),
    ],
)
def test_number_in_range(said, value):
    assert answers.read(Answer("number", minimum=1, maximum=5), said) == value


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("1", "yes"),
        ("ok", "yes"),
        ("Sí", "yes"),
        ("claro", "yes"),
        ("2", "no"),
        ("no gracias", "no"),
        ("maybe", None),
    ],
)
def test_yes_no(said, value):
    assert answers.read(Answer("yes_no"), said) == value


@pytest.mark.parametrize(
    ("said", "value"),
    [("9am", "09:00"), ("9:30 pm", None), ("6:30pm", "18:30"), ("18:30", "18:30"), ("0930", "09:30"),
     ("noon", "12:00"), ("7", None), ("25:00", None), ("later", None)],
)  # fmt: skip
def test_time_within_allowed_hours(said, value):
    assert answers.read(Answer("time", earliest="09:00", latest="20:59"), said) == value


def test_free_text_keeps_the_words_and_refuses_nothing_said():
    answer = Answer("text", max_length=10)
    assert answers.read(answer, "  been  drinking again ") == "been drink"
    assert answers.read(answer, "   ") is None
