"""When a volunteer peer takes offers: weekly shift windows in their own local (wall-clock) time.

A spec is groups separated by `;`. Each group is days, then one or more HH:MM-HH:MM windows:

    mon-fri 18:00-22:00; sat,sun 10:00-14:00
    daily 07:00-09:00 19:00-23:00
    fri,sat 22:00-02:00          (crosses midnight: also covers the early hours of sat and sun)

Days: mon tue wed thu fri sat sun (full names too), ranges such as mon-fri or fri-mon, comma
lists, `daily`, `weekdays`, `weekends`. A window that ends at or before its start crosses
midnight and belongs to the day it starts on; 24:00 may end a window. An empty spec means any
time. Times are wall-clock times in the peer's zone, so shifts keep their hours across DST.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
GROUPS = {"daily": range(7), "weekdays": range(5), "weekends": range(5, 7)}
EXAMPLE = "mon-fri 18:00-22:00; sat,sun 10:00-14:00"
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_GROUP = re.compile(r"^(?P<days>[^\d]+?)\s+(?P<windows>\d.*)$")
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Shift:
    """Days (0 = Monday) and a window in minutes after local midnight; end <= start crosses midnight."""

    days: frozenset[int]
    start: int
    end: int

    def covers(self, weekday: int, minute: int) -> bool:
        """True when this local weekday and minute of the day fall inside the shift."""
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        # crosses midnight: the evening part on a listed day, the early hours on the day after it
        return (weekday in self.days and minute >= self.start) or (
            (weekday - 1) % 7 in self.days and minute < self.end
        )


@lru_cache(maxsize=4096)  # matching parses every candidate's spec; specs repeat and rarely change
def parse_shifts(spec: str) -> tuple[Shift, ...]:
    """Parse a spec (see the module docstring); ValueError says what is wrong and how to write it."""
    shifts: list[Shift] = []
    for group in spec.replace("\n", ";").split(";"):
        # "mon - fri: 18:00 - 22:00" reads the same as "mon-fri 18:00-22:00"
        group = re.sub(r"\s*-\s*", "-", " ".join(group.lower().split()))
        if not group:
            continue
        found = _GROUP.match(group)
        if found is None:
            raise ValueError(f"{group!r}: write days then times, like {EXAMPLE!r}")
        days = _days(found["days"], group)
        for window in found["windows"].replace(",", " ").split():
            start, end = _window(window, group)
            shifts.append(Shift(days, start, end))
    return tuple(shifts)


def format_shifts(shifts: tuple[Shift, ...]) -> str:
    """The canonical spec for these shifts ("" = any time), as stored and shown."""
    groups: dict[frozenset[int], list[str]] = {}
    for shift in shifts:
        groups.setdefault(shift.days, []).append(f"{_clock(shift.start)}-{_clock(shift.end)}")
    return "; ".join(f"{_day_names(days)} {' '.join(windows)}" for days, windows in groups.items())


def on_shift(shifts: tuple[Shift, ...], zone: ZoneInfo, now: datetime) -> bool:
    """Whether `now` falls in a shift, in the peer's local wall time; no shifts means any time."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time")
    if not shifts:
        return True
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    return any(shift.covers(local.weekday(), minute) for shift in shifts)


def _day(word: str, group: str) -> int:
    if len(word) >= 3:
        for index, name in enumerate(DAYS):
            if name.startswith(word):
                return index
    raise ValueError(f"{group!r}: {word!r} is not a day; use mon tue wed thu fri sat sun, daily, weekdays")


def _days(text: str, group: str) -> frozenset[int]:
    days: set[int] = set()
    for item in text.replace(":", " ").replace(" ", ",").split(","):
        item = item.strip()
        if not item:
            continue
        if item in GROUPS:
            days.update(GROUPS[item])
        elif "-" in item:
            first, _, last = item.partition("-")
            start, stop = _day(first.strip(), group), _day(last.strip(), group)
            days.update((start + i) % 7 for i in range((stop - start) % 7 + 1))  # fri-mon wraps
        else:
            days.add(_day(item, group))
    if not days:
        raise ValueError(f"{group!r}: say which days, like {EXAMPLE!r}")
    return frozenset(days)


def _window(text: str, group: str) -> tuple[int, int]:
    found = _WINDOW.match(text)
    if found is None:
        raise ValueError(
            f"{group!r}: {text!r} is not a time window; write it as HH:MM-HH:MM, like 18:00-22:00"
        )
    start_h, start_m, end_h, end_m = (int(part) for part in found.groups())
    if start_h > 23 or end_h > 24 or start_m > 59 or end_m > 59 or (end_h == 24 and end_m):
        raise ValueError(f"{group!r}: {text!r} has an impossible time (hours 00-23, minutes 00-59)")
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start == end % DAY_MINUTES and end != DAY_MINUTES:
        raise ValueError(f"{group!r}: {text!r} starts and ends at the same time; for all day use 00:00-24:00")
    return start, end


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_names(days: frozenset[int]) -> str:
    if len(days) == 7:
        return "daily"
    ordered = sorted(days)
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [DAYS[r[0]][:3] if len(r) == 1 else f"{DAYS[r[0]][:3]}-{DAYS[r[-1]][:3]}" for r in runs]
    return ",".join(parts)
