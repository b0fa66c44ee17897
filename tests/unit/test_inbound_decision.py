from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.core import replies
from service.core.inbound import AskErase, ConfirmErase, Contact, Reply, SetOptOut, decide

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Conversation:
    """Stands in for the flows: answers every text it is given, so we see what reached it."""

    def handle(self, contact, text, now):
        return [Reply(f"flow got: {text}")]


def run(text, opted_out=False, locale=None):
    return decide(Contact(id=1, locale=locale, opted_out=opted_out), text, NOW, Conversation()).effects


def test_ordinary_text_goes_to_the_conversation():
    assert run("hello") == [Reply("flow got: hello")]


def test_stop_opts_out_with_one_confirmation():
    assert run("STOP") == [SetOptOut(True, "keyword"), Reply(replies.OPTED_OUT["en"], confirms_opt_out=True)]


def test_second_stop_is_silent():
    assert run("STOP", opted_out=True) == []


def test_opted_out_person_gets_nothing_for_ordinary_text_or_help():
    assert run("hello?", opted_out=True) == []
    assert run("HELP", opted_out=True) == []


def test_start_resubscribes():
    assert run("START", opted_out=True) == [SetOptOut(False, "keyword"), Reply(replies.OPTED_IN["en"])]


def test_help_answers_in_the_language_it_was_asked():
    assert run("HELP") == [Reply(replies.HELP["en"])]
    assert run("AYUDA") == [Reply(replies.HELP["es"])]


def test_known_locale_wins_over_the_keyword_language():
    assert run("STOP", locale="es")[1] == Reply(replies.OPTED_OUT["es"], confirms_opt_out=True)


def test_a_sentence_with_stop_in_it_goes_to_the_conversation():
    assert run("I want to stop drinking") == [Reply("flow got: I want to stop drinking")]


def erase(text, asked=None, opted_out=False, locale=None):
    contact = Contact(id=1, locale=locale, opted_out=opted_out, erase_asked_at=asked)
    return decide(contact, text, NOW, Conversation()).effects


def test_delete_asks_first_then_erases_on_the_second():
    assert erase("DELETE") == [AskErase(), Reply(replies.ERASE_ASK["en"])]
    assert erase("delete", asked=NOW - timedelta(minutes=9)) == [ConfirmErase(), Reply(replies.ERASING["en"])]


def test_a_late_second_delete_asks_again():
    assert erase("DELETE", asked=NOW - timedelta(minutes=11)) == [AskErase(), Reply(replies.ERASE_ASK["en"])]


def test_borrar_asks_in_spanish():
    assert erase("Borrar.") == [AskErase(), Reply(replies.ERASE_ASK["es"])]
    assert erase("borrar mis datos", asked=NOW, locale="es") == [ConfirmErase(), Reply(replies.ERASING["es"])]


def test_opted_out_delete_erases_without_a_text():
    assert erase("DELETE", opted_out=True) == [ConfirmErase()]


def test_a_sentence_with_delete_is_an_ordinary_text():
    assert erase("how do I delete an app") == [Reply("flow got: how do I delete an app")]
