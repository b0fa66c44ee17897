"""SMS text rules: encoding and segment counts as carriers count them."""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set; anything outside it (and outside the extension table)
# forces the whole message into UCS-2.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension characters cost two septets each (an escape plus the character).
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PER_SEGMENT = 160, 153
UCS2_SINGLE, UCS2_PER_SEGMENT = 70, 67


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def count_segments(text: str) -> SegmentCount:
    """Count the segments a carrier bills for this text."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, per = GSM7_SINGLE, GSM7_PER_SEGMENT
        encoding = "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, per = UCS2_SINGLE, UCS2_PER_SEGMENT
        encoding = "UCS-2"
    if units <= single:
        return SegmentCount(encoding, units, 1 if units else 0)
    return SegmentCount(encoding, units, -(-units // per))
