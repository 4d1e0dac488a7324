"""The Study's windows, counted in a school's instructional days (its calendar: the days it
recorded attendance), so that weekends, holidays and breaks never shorten a window.

As the seed's 2x10 example collects them: *before* the test (as many school days as the test
lasts, at least 10, ending the day before it starts), *during* it, *two weeks after* (the 10
school days after its last day) and *one month after* (the 20 school days after it). Days not
yet recorded leave a window in progress: "N of M days".
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

MIN_BEFORE_DAYS = 10
TWO_WEEKS_AFTER_DAYS = 10
ONE_MONTH_AFTER_DAYS = 20


@dataclass(frozen=True)
class Window:
    name: str
    days: tuple[date, ...]
    # The school days the window should hold ("during": as many as the test lasts or plans).
    expected: int

    @property
    def complete(self) -> bool:
        return len(self.days) >= self.expected

    @property
    def first(self) -> date | None:
        return self.days[0] if self.days else None

    @property
    def last(self) -> date | None:
        return self.days[-1] if self.days else None

    @property
    def progress(self) -> str:
        if self.complete:
            return f"{len(self.days)} school days"
        return f"in progress, {len(self.days)} of {self.expected} days"


def study_windows(
    calendar: Sequence[date], *, first_day: date, last_day: date, planned_days: int | None = None
) -> list[Window]:
    """The four windows of a test run from `first_day` to `last_day`, over a sorted calendar
    of school days. `planned_days` is the test's length in school days where the calendar does
    not reach its end yet (a 2x10 test plans 10)."""
    if last_day < first_day:
        raise ValueError("The test's last day is before its first day.")
    start = bisect.bisect_left(calendar, first_day)
    end = bisect.bisect_right(calendar, last_day)
    during = tuple(calendar[start:end])
    known_through = calendar[-1] if calendar else None
    test_over = known_through is not None and known_through >= last_day
    length = len(during) if test_over else max(len(during), planned_days or 0)
    before_days = max(length, MIN_BEFORE_DAYS)
    after = calendar[end:]
    return [
        Window("before", tuple(calendar[max(0, start - before_days) : start]), before_days),
        Window("during", during, max(length, 1)),
        Window("two weeks after", tuple(after[:TWO_WEEKS_AFTER_DAYS]), TWO_WEEKS_AFTER_DAYS),
        Window("one month after", tuple(after[:ONE_MONTH_AFTER_DAYS]), ONE_MONTH_AFTER_DAYS),
    ]
