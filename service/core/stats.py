"""Pure helpers for the dashboard's metrics: percentiles, rates and hour-of-week buckets.

Hours of the week are numbered 0..167: Monday 00:00-01:00 is 0, Sunday 23:00-24:00 is 167, in a
wall-clock time zone. Datetimes passed in must be timezone-aware; nothing here reads the clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.core.shifts import Shift, on_shift

HOURS_IN_WEEK = 7 * 24
DAY_MINUTES = 24 * 60


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0..100) by linear interpolation between closest ranks; None if empty.

    This is the common definition (numpy's default, Excel's PERCENTILE.INC): with the values
    sorted, rank r = p/100 * (n - 1) and the result lies between values floor(r) and ceil(r).
    So the 50th percentile is the usual median, and p90 of 1..10 is 9.1."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is outside 0..100")
    if not values:
        return None
    ordered = sorted(values)
    rank = p / 100 * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float | None:
    """The median (the mean of the two middle values for an even count); None if empty."""
    return percentile(values, 50)


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to measure (never a made-up 0%)."""
    return part / whole if whole else None


def hour_of_week(at: datetime, zone: ZoneInfo) -> int:
    """The hour of the week (0 = Monday 00:00) that this instant falls in, on `zone`'s wall clock."""
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time")
    local = at.astimezone(zone)
    return local.weekday() * 24 + local.hour


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant (in UTC) that `day` begins on `zone`'s wall clock."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def local_hour(day: date, hour: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where wall-clock hour `hour` of `day` begins and the next one begins.

    Across a daylight-saving change the two may be 0 hours apart (the hour skipped in spring)
    or 2 hours apart (the hour lived twice in autumn: both passes belong to it)."""
    start = datetime.combine(day, time(hour), zone)  # fold=0: the first pass of a repeated hour
    following = (
        datetime.combine(day, time(hour + 1), zone)
        if hour < 23
        else datetime.combine(day + timedelta(days=1), time(), zone)
    )
    return start.astimezone(UTC), following.astimezone(UTC)


def hours_observed(first_day: date, last_day: date, zone: ZoneInfo, until: datetime) -> list[float]:
    """For each hour of the week, how many real hours of it the local days first_day..last_day
    held, counting an hour once it has begun before `until` (hours still to come today do not).

    This is the denominator of "requests per hour of the week, on average": each entry is the
    number of weeks in which that hour came round. A week with a daylight-saving change is
    counted as the clock lived it: the hour skipped in spring adds nothing for that week (so that
    hour's average is over the other weeks), and the hour lived twice in autumn adds 2 (its
    requests from both passes are averaged over 2 hours, not shown as one busier hour)."""
    if until.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time")
    observed = [0.0] * HOURS_IN_WEEK
    day = first_day
    while day <= last_day:
        for hour in range(24):
            start, end = local_hour(day, hour, zone)
            if start < until:
                observed[day.weekday() * 24 + hour] += (end - start).total_seconds() / 3600
        day += timedelta(days=1)
    return observed


def week_hours(last_day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The 168 hours of the local week that ends with `last_day` (the 7 days up to and including
    it), as UTC [start, end) pairs in hour-of-week order. An hour that a spring-forward skipped
    that week is taken from the week before, so every entry is a real hour."""
    hours: list[tuple[datetime, datetime]] = []
    for weekday in range(7):
        day = last_day - timedelta(days=(last_day.weekday() - weekday) % 7)
        for hour in range(24):
            start, end = local_hour(day, hour, zone)
            if start == end:
                start, end = local_hour(day - timedelta(days=7), hour, zone)
            hours.append((start, end))
    return hours


def on_shift_during(shifts: tuple[Shift, ...], zone: ZoneInfo, start: datetime, end: datetime) -> bool:
    """Whether a peer with these shifts (on `zone`'s wall clock) is on shift at any moment of
    [start, end); no shifts means any time.

    Being on shift only changes where a shift starts or ends, so it is enough to look at `start`
    and at each shift boundary that falls inside the interval."""
    if not shifts:
        return True
    if on_shift(shifts, zone, start):
        return True
    local = start.astimezone(zone)
    minute = local.hour * 60 + local.minute
    length = (end - start).total_seconds() / 60
    for boundary in {edge % DAY_MINUTES for shift in shifts for edge in (shift.start, shift.end)}:
        ahead = (boundary - minute) % DAY_MINUTES
        if 0 < ahead < length and on_shift(shifts, zone, start + timedelta(minutes=ahead)):
            return True
    return False
