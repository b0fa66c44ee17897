from __future__ import annotations

import pytest

from service.core import replies
from service.core.sms import count_segments


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("{" * 80, "GSM-7", 1),  # extension characters count twice
        ("{" * 81, "GSM-7", 2),
        ("it’s" + "a" * 66, "UCS-2", 1),  # one curly quote makes it UCS-2
        ("it’s" + "a" * 67, "UCS-2", 2),
        ("🙂" * 35, "UCS-2", 1),  # an emoji is two UTF-16 units
        ("🙂" * 36, "UCS-2", 2),
        ("", "GSM-7", 0),
    ],
)
def test_segment_counts(text, encoding, segments):
    counted = count_segments(text)
    assert (counted.encoding, counted.segments) == (encoding, segments)


TABLES = {
    "HELP": replies.HELP,
    "OPTED_OUT": replies.OPTED_OUT,
    "OPTED_IN": replies.OPTED_IN,
    "ERASE_ASK": replies.ERASE_ASK,
    "ERASING": replies.ERASING,
    "SLOW_DOWN": replies.SLOW_DOWN,
}


@pytest.mark.parametrize("name", TABLES)
@pytest.mark.parametrize("locale", replies.LOCALES)
def test_every_reply_is_one_plain_segment(name, locale):
    counted = count_segments(TABLES[name][locale])
    assert counted.encoding == "GSM-7"
    assert counted.segments == 1


@pytest.mark.parametrize("locale", replies.LOCALES)
def test_help_says_what_carriers_require(locale):
    text = replies.HELP[locale]
    assert "PeerLine" in text
    assert "988" in text
    assert ("STOP" if locale == "en" else "PARAR") in text
    assert ("Msg & data rates may apply" if locale == "en" else "tarifas") in text
