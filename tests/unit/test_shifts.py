"""Shift windows: parsing with errors a coordinator can act on, and on/off shift around midnight and DST."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from service.core.shifts import Shift, format_shifts, on_shift, parse_shifts

NY = ZoneInfo("America/New_York")


def at(text: str, zone: ZoneInfo = NY, fold: int = 0) -> datetime:
    """A local wall time in `zone`, handed over in UTC as the clock would be."""
    return datetime.fromisoformat(text).replace(tzinfo=zone, fold=fold).astimezone(UTC)


def test_the_documented_example():
    shifts = parse_shifts("mon-fri 18:00-22:00; sat,sun 10:00-14:00")
    assert shifts == (
        Shift(frozenset(range(5)), 18 * 60, 22 * 60),
        Shift(frozenset({5, 6}), 10 * 60, 14 * 60),
    )


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("daily 09:00-10:00", set(range(7))),
        ("weekdays 09:00-10:00", set(range(5))),
        ("weekends 09:00-10:00", {5, 6}),
        ("fri-mon 09:00-10:00", {4, 5, 6, 0}),  # a range may wrap past sunday
        ("Tuesday, thurs 09:00-10:00", {1, 3}),
        ("mon - wed: 9:00 - 10:00", {0, 1, 2}),
    ],
)
def test_day_forms(spec, days):
    (shift,) = parse_shifts(spec)
    assert shift.days == frozenset(days) and (shift.start, shift.end) == (540, 600)


def test_several_windows_in_a_group_and_an_empty_spec():
    assert [(s.start, s.end) for s in parse_shifts("daily 07:00-09:00 19:00-23:00")] == [
        (420, 540),
        (1140, 1380),
    ]
    assert [(s.start, s.end) for s in parse_shifts("sat 07:00-09:00, 12:00-24:00")] == [
        (420, 540),
        (720, 1440),
    ]
    assert parse_shifts("") == parse_shifts("  ;  ") == ()


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("18:00-22:00", "write days then times"),
        ("mon-fri", "write days then times"),
        ("funday 18:00-22:00", "'funday' is not a day"),
        ("mo 18:00-22:00", "'mo' is not a day"),
        ("mon 6pm-10pm", "HH:MM-HH:MM"),
        ("mon 18:00", "HH:MM-HH:MM"),
        ("mon 25:00-26:00", "impossible time"),
        ("mon 18:60-19:00", "impossible time"),
        ("mon 18:00-18:00", "starts and ends at the same time"),
        ("mon 18:00-22:00; sun 9-10", "'sun 9-10'"),
    ],
)
def test_mistakes_are_explained(spec, says):
    with pytest.raises(ValueError, match=says):
        parse_shifts(spec)


def test_format_gives_a_canonical_spec_that_parses_back():
    spec = "Saturday , sunday 10:00-14:00 ; mon-fri 18:00 - 22:00 ; wed,fri,sat 22:00-02:00; daily 6:00-7:00"
    canonical = format_shifts(parse_shifts(spec))
    assert canonical == "sat-sun 10:00-14:00; mon-fri 18:00-22:00; wed,fri-sat 22:00-02:00; daily 06:00-07:00"
    assert parse_shifts(canonical) == parse_shifts(spec)
    assert format_shifts(()) == ""


def test_no_shifts_means_any_time():
    assert on_shift((), NY, at("2024-03-10T03:33"))


def test_window_edges_are_start_inclusive_end_exclusive():
    shifts = parse_shifts("mon-fri 18:00-22:00")
    assert not on_shift(shifts, NY, at("2024-06-03T17:59"))  # a Monday
    assert on_shift(shifts, NY, at("2024-06-03T18:00"))
    assert on_shift(shifts, NY, at("2024-06-03T21:59"))
    assert not on_shift(shifts, NY, at("2024-06-03T22:00"))
    assert not on_shift(shifts, NY, at("2024-06-08T19:00"))  # Saturday


def test_a_window_crossing_midnight_covers_the_early_hours_of_the_next_day():
    shifts = parse_shifts("fri 22:00-02:00")
    assert not on_shift(shifts, NY, at("2024-06-07T21:59"))  # Friday evening, before
    assert on_shift(shifts, NY, at("2024-06-07T23:30"))
    assert on_shift(shifts, NY, at("2024-06-08T00:00"))  # Saturday's early hours
    assert on_shift(shifts, NY, at("2024-06-08T01:59"))
    assert not on_shift(shifts, NY, at("2024-06-08T02:00"))
    assert not on_shift(shifts, NY, at("2024-06-07T01:00"))  # Friday's early hours belong to Thursday
    assert not on_shift(shifts, NY, at("2024-06-08T23:00"))  # Saturday evening


def test_sunday_night_runs_into_monday_morning():
    shifts = parse_shifts("sun 23:00-01:00")
    assert on_shift(shifts, NY, at("2024-06-10T00:30"))  # Monday 00:30
    assert not on_shift(shifts, NY, at("2024-06-11T00:30"))


def test_all_day():
    shifts = parse_shifts("wed 00:00-24:00")
    assert on_shift(shifts, NY, at("2024-06-05T00:00")) and on_shift(shifts, NY, at("2024-06-05T23:59"))
    assert not on_shift(shifts, NY, at("2024-06-06T00:00"))


def test_shifts_keep_their_wall_clock_hours_across_dst():
    shifts = parse_shifts("daily 18:00-22:00")
    # 18:30 local is 22:30 UTC in summer and 23:30 UTC in winter: both are on shift
    assert on_shift(shifts, NY, datetime(2024, 7, 1, 22, 30, tzinfo=UTC))
    assert on_shift(shifts, NY, datetime(2024, 12, 2, 23, 30, tzinfo=UTC))
    assert not on_shift(shifts, NY, datetime(2024, 12, 2, 22, 30, tzinfo=UTC))  # 17:30 in winter


def test_spring_forward_skips_the_missing_hour():
    shifts = parse_shifts("sun 01:00-03:00")  # 2024-03-10: 02:00 EST jumps to 03:00 EDT
    assert on_shift(shifts, NY, datetime(2024, 3, 10, 6, 59, tzinfo=UTC))  # 01:59 EST
    assert not on_shift(shifts, NY, datetime(2024, 3, 10, 7, 0, tzinfo=UTC))  # 03:00 EDT


def test_fall_back_counts_the_repeated_hour_twice():
    shifts = parse_shifts("sun 01:00-02:00")  # 2024-11-03: 01:00-01:59 happens in EDT, then in EST
    assert on_shift(shifts, NY, at("2024-11-03T01:30", fold=0))
    assert on_shift(shifts, NY, at("2024-11-03T01:30", fold=1))
    assert not on_shift(shifts, NY, datetime(2024, 11, 3, 7, 0, tzinfo=UTC))  # 02:00 EST


def test_a_midnight_crossing_window_on_the_dst_night():
    shifts = parse_shifts("sat 22:00-02:30")
    assert on_shift(shifts, NY, at("2024-03-10T01:45"))  # Sunday, still EST
    assert not on_shift(shifts, NY, datetime(2024, 3, 10, 7, 0, tzinfo=UTC))  # 03:00 EDT: past 02:30


def test_the_weekday_is_the_peers_not_utcs():
    shifts = parse_shifts("fri 20:00-23:00")
    la = ZoneInfo("America/Los_Angeles")
    assert on_shift(shifts, la, datetime(2024, 6, 8, 4, 0, tzinfo=UTC))  # Saturday in UTC, Friday 21:00 in LA
    assert not on_shift(shifts, NY, datetime(2024, 6, 8, 4, 0, tzinfo=UTC))  # Saturday 00:00 in New York


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="naive"):
        on_shift(parse_shifts("daily 09:00-17:00"), NY, datetime(2024, 6, 3, 12, 0))  # noqa: DTZ001
