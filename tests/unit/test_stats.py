"""Metric helpers: the percentile definition, rates with no data, hour-of-week buckets across
midnight and daylight-saving changes, and shifts read in another time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from service.core.shifts import parse_shifts
from service.core.stats import (
    HOURS_IN_WEEK,
    hour_of_week,
    hours_observed,
    median,
    on_shift_during,
    percentile,
    rate,
    week_hours,
)
from tests.unit.test_shifts import NY, at

LONDON, LOS_ANGELES = ZoneInfo("Europe/London"), ZoneInfo("America/Los_Angeles")


def test_percentiles_interpolate_linearly_between_ranks():
    waits = [40.0, 5.0, 20.0, 10.0]  # sorted: 5 10 20 40
    assert median(waits) == 15.0  # halfway between 10 and 20
    assert percentile(waits, 90) == pytest.approx(34.0)  # rank 2.7: 20 + 0.7 * (40 - 20)
    assert percentile(list(range(1, 11)), 90) == pytest.approx(9.1)
    assert percentile([7.0], 90) == median([7.0]) == 7.0
    assert percentile(waits, 0) == 5.0 and percentile(waits, 100) == 40.0


def test_no_values_and_no_denominator_give_none_never_zero():
    assert median([]) is None and percentile([], 90) is None
    assert rate(0, 0) is None
    assert rate(0, 4) == 0.0 and rate(3, 4) == 0.75
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], 101)


def test_the_hour_of_week_is_on_the_local_clock_even_past_utc_midnight():
    assert hour_of_week(at("2026-01-05T00:00"), NY) == 0  # Monday 00:00 is the first hour
    assert hour_of_week(at("2026-01-11T23:59"), NY) == HOURS_IN_WEEK - 1  # Sunday 23:59 the last
    # Monday 21:30 in New York is already Tuesday 02:30 in UTC: it still counts as Monday evening
    late_monday = datetime(2026, 1, 6, 2, 30, tzinfo=UTC)
    assert hour_of_week(late_monday, NY) == 21
    assert hour_of_week(late_monday, UTC) == 24 + 2  # the same instant on a UTC clock: Tuesday


def test_a_plain_week_observes_every_hour_once():
    observed = hours_observed(date(2026, 1, 5), date(2026, 1, 11), NY, until=at("2026-01-12T00:00"))
    assert observed == [1.0] * HOURS_IN_WEEK
    two_weeks = hours_observed(date(2026, 1, 5), date(2026, 1, 18), NY, until=at("2026-01-19T00:00"))
    assert two_weeks == [2.0] * HOURS_IN_WEEK


def test_hours_still_to_come_today_are_not_observed():
    observed = hours_observed(date(2026, 1, 5), date(2026, 1, 5), NY, until=at("2026-01-05T10:30"))
    assert observed[:11] == [1.0] * 11  # 10:00-11:00 has begun: it counts
    assert observed[11:] == [0.0] * (HOURS_IN_WEEK - 11)


def test_daylight_saving_weeks_count_hours_as_the_clock_lived_them():
    # 2026-03-08 (a Sunday): 02:00 never happens in New York; 2026-11-01 (a Sunday): 01:00 happens twice
    sunday_2am, sunday_1am = 6 * 24 + 2, 6 * 24 + 1
    spring = hours_observed(date(2026, 3, 2), date(2026, 3, 8), NY, until=at("2026-03-09T00:00"))
    assert spring[sunday_2am] == 0.0
    assert sum(spring) == HOURS_IN_WEEK - 1
    autumn = hours_observed(date(2026, 10, 26), date(2026, 11, 1), NY, until=at("2026-11-02T00:00"))
    assert autumn[sunday_1am] == 2.0
    assert sum(autumn) == HOURS_IN_WEEK + 1
    # both passes of the repeated hour land in the same bucket
    assert hour_of_week(at("2026-11-01T01:30", fold=0), NY) == hour_of_week(
        at("2026-11-01T01:30", fold=1), NY
    )


def test_the_week_of_hours_is_real_hours_in_order():
    week = week_hours(date(2026, 3, 11), NY)  # Thursday 5 .. Wednesday 11 March: spring forward inside
    assert len(week) == HOURS_IN_WEEK
    assert week[0] == (at("2026-03-09T00:00"), at("2026-03-09T01:00"))  # Monday 9 March
    assert week[6 * 24 + 2][0] == at("2026-03-01T02:00")  # skipped on 8 March: the Sunday before
    assert all(end > start for start, end in week)


def test_a_shift_in_london_is_read_on_new_yorks_clock():
    shifts = parse_shifts("mon 20:00-21:30")  # London time: 15:00-16:30 in New York in January
    week = week_hours(date(2026, 1, 11), NY)
    hours_on = [slot for slot, (start, end) in enumerate(week) if on_shift_during(shifts, LONDON, start, end)]
    assert hours_on == [15, 16]  # Monday 15:00 and 16:00 (the shift covers half of 16:00-17:00)


def test_a_shift_starting_or_ending_inside_the_hour_counts_for_it():
    hour = (at("2026-01-05T18:00"), at("2026-01-05T19:00"))
    assert on_shift_during(parse_shifts("mon 18:45-20:00"), NY, *hour)
    assert on_shift_during(parse_shifts("mon 17:00-18:15"), NY, *hour)
    assert not on_shift_during(parse_shifts("mon 17:00-18:00"), NY, *hour)  # ended as the hour began
    assert not on_shift_during(parse_shifts("mon 19:00-20:00"), NY, *hour)  # begins when it ends
    assert on_shift_during((), NY, *hour)  # no shifts: any time


def test_a_shift_past_midnight_in_another_zone():
    shifts = parse_shifts("fri 22:00-02:00")  # Los Angeles: Saturday 01:00-05:00 in New York
    week = week_hours(date(2026, 1, 11), NY)
    hours_on = [
        slot for slot, (start, end) in enumerate(week) if on_shift_during(shifts, LOS_ANGELES, start, end)
    ]
    assert hours_on == [5 * 24 + 1, 5 * 24 + 2, 5 * 24 + 3, 5 * 24 + 4]
