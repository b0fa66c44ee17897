from __future__ import annotations

import pytest

from service.core.keywords import Keyword, classify


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        " Stop. ",
        "STOPALL",
        "unsubscribe",
        "Cancel",
        "END",
        "quit",
        "REVOKE",
        "optout",
        "opt-out",
        "PARAR",
        "parar!",
        "Cancelar",
        "DETENER",
    ],
)
def test_opt_out_words(text):
    assert classify(text, opted_out=False)[0] is Keyword.OPT_OUT


@pytest.mark.parametrize(
    "text",
    [
        "I want to stop drinking",
        "stop it please",
        "can't stop crying",
        "the end of my rope",
        "quit smoking last year",
        "help me",
        "please help",
        "#end",
        "DONE",
        "1",
        "",
        "   ",
    ],
)
def test_sentences_and_flow_words_are_not_keywords(text):
    assert classify(text, opted_out=False) is None


@pytest.mark.parametrize("text", ["START", "unstop", "Start!", "COMENZAR"])
def test_opt_in_words(text):
    assert classify(text, opted_out=True)[0] is Keyword.OPT_IN


def test_yes_resubscribes_only_someone_who_opted_out():
    assert classify("yes", opted_out=True)[0] is Keyword.OPT_IN
    assert classify("yes", opted_out=False) is None


@pytest.mark.parametrize(
    ("text", "locale"), [("HELP", "en"), ("info", "en"), ("AYUDA", "es"), ("Ayuda.", "es")]
)
def test_help_words_with_their_locale(text, locale):
    assert classify(text, opted_out=False) == (Keyword.HELP, locale)


def test_spanish_stop_confirms_in_spanish():
    assert classify("parar", opted_out=False) == (Keyword.OPT_OUT, "es")
