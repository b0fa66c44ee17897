"""Recurring check-ins come at the chosen local time, never in quiet hours, across DST."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from service.core.checkins import in_quiet_hours, next_checkin

NEW_YORK = ZoneInfo("America/New_York")


def local(moment: datetime) -> datetime:
    return moment.astimezone(NEW_YORK)


def test_daily_at_the_chosen_local_time():
    after = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # 10:00 in New York
    assert local(next_checkin("daily", "18:30", NEW_YORK, 0, after)) == datetime(
        2026, 1, 5, 18, 30, tzinfo=NEW_YORK
    )
    assert local(next_checkin("daily", "09:15", NEW_YORK, 0, after)) == datetime(
        2026, 1, 6, 9, 15, tzinfo=NEW_YORK
    )


def test_weekly_on_the_chosen_weekday():
    after = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # a Monday
    due = local(next_checkin("weekly", "09:00", NEW_YORK, 3, after))
    assert due == datetime(2026, 1, 8, 9, 0, tzinfo=NEW_YORK) and due.weekday() == 3


def test_keeps_the_local_time_across_the_dst_change():
    after = datetime(2026, 3, 7, 23, 0, tzinfo=UTC)  # the evening before clocks go forward
    due = next_checkin("daily", "10:00", NEW_YORK, 0, after)
    assert local(due).hour == 10 and due.hour == 14  # EDT: UTC-4


def test_never_in_quiet_hours():
    after = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    for chosen in ("21:00", "23:30", "03:00", "08:59"):
        due = local(next_checkin("daily", chosen, NEW_YORK, 0, after))
        assert not in_quiet_hours(due.time()) and due.time().hour == 9
