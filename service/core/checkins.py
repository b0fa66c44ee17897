"""Recurring check-ins: when the next one is due, in the person's own time zone.

Never in quiet hours (21:00-09:00 local): a time in them moves to 09:00. The host checks PAUSE
and STOP when a check-in comes due; this module only does the calendar.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo

QUIET_FROM, QUIET_UNTIL = time(21, 0), time(9, 0)
EVERY = {"daily": 1, "weekly": 7}


def in_quiet_hours(at: time) -> bool:
    return at >= QUIET_FROM or at < QUIET_UNTIL


def next_checkin(every: str, local_time: str, zone: tzinfo, weekday: int, after: datetime) -> datetime:
    """The first check-in strictly after `after` (UTC), at local_time in zone."""
    hour, minute = (int(part) for part in local_time.split(":"))
    at = time(hour, minute)
    if in_quiet_hours(at):
        at = QUIET_UNTIL
    day = after.astimezone(zone).date()
    while True:
        # combine per date (not adding hours) so the local time holds across DST changes
        candidate = datetime.combine(day, at, tzinfo=zone)
        on_day = every == "daily" or candidate.weekday() == weekday
        if on_day and candidate > after:
            return candidate.astimezone(UTC)
        day += timedelta(days=1)
