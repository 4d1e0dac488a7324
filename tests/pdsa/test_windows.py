"""Windows counted in school days over hand-made calendars with weekends and a holiday week."""

from datetime import date, timedelta

import pytest

from pdsa.windows import study_windows


def school_days(first: date, last: date, *, closed: set[date] = frozenset()) -> list[date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5 and day not in closed:
            days.append(day)
        day += timedelta(days=1)
    return days


# A Thanksgiving week off: Nov 23-27, 2026 (Monday to Friday).
THANKSGIVING = set(school_days(date(2026, 11, 23), date(2026, 11, 27)))
CALENDAR = school_days(date(2026, 10, 1), date(2027, 1, 29), closed=THANKSGIVING)


def by_name(windows):
    return {window.name: window for window in windows}


def test_a_2x10_test_over_a_holiday_week_counts_school_days_only():
    # Ten school days from Monday Nov 16: five that week, then the holiday week, then five
    # more ending Friday Dec 4.
    windows = by_name(
        study_windows(CALENDAR, first_day=date(2026, 11, 16), last_day=date(2026, 12, 4))
    )
    during = windows["during"]
    assert (len(during.days), during.first, during.last) == (
        10,
        date(2026, 11, 16),
        date(2026, 12, 4),
    )
    before = windows["before"]
    # The ten school days ending the Friday before: Nov 2 to Nov 13.
    assert (len(before.days), before.first, before.last) == (
        10,
        date(2026, 11, 2),
        date(2026, 11, 13),
    )
    after = windows["two weeks after"]
    assert (after.first, after.last, after.complete) == (
        date(2026, 12, 7),
        date(2026, 12, 18),
        True,
    )
    month = windows["one month after"]
    assert (len(month.days), month.last) == (20, date(2027, 1, 1))


def test_a_long_test_has_a_before_window_as_long_as_itself():
    # 15 school days: Oct 19 - Nov 6; before: the 15 school days up to Oct 16 (from Sep 28 in
    # the calendar's terms, which starts Oct 1, so only 12 are known).
    windows = by_name(
        study_windows(CALENDAR, first_day=date(2026, 10, 19), last_day=date(2026, 11, 6))
    )
    assert len(windows["during"].days) == 15
    before = windows["before"]
    assert (before.expected, len(before.days), before.complete) == (15, 12, False)
    assert before.progress == "in progress, 12 of 15 days"


def test_windows_not_yet_recorded_are_in_progress():
    # Attendance recorded through Wednesday Dec 9: a test planned for 10 days ending Dec 4 is
    # over, and three of the ten days after it are known.
    recorded = [day for day in CALENDAR if day <= date(2026, 12, 9)]
    windows = by_name(
        study_windows(recorded, first_day=date(2026, 11, 16), last_day=date(2026, 12, 4))
    )
    assert windows["two weeks after"].progress == "in progress, 3 of 10 days"
    assert windows["one month after"].progress == "in progress, 3 of 20 days"
    assert windows["during"].progress == "10 school days"


def test_a_test_still_running_keeps_its_planned_length():
    recorded = [day for day in CALENDAR if day <= date(2026, 11, 18)]
    windows = by_name(
        study_windows(
            recorded, first_day=date(2026, 11, 16), last_day=date(2026, 12, 4), planned_days=10
        )
    )
    assert windows["during"].progress == "in progress, 3 of 10 days"
    assert windows["two weeks after"].days == ()


def test_the_last_day_cannot_come_before_the_first():
    with pytest.raises(ValueError, match="before its first day"):
        study_windows(CALENDAR, first_day=date(2026, 11, 16), last_day=date(2026, 11, 13))
