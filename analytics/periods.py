"""Periods: the presets of the filter bar, the previous comparable period, months and working days.

Presets are anchored on the last date in the data, not on today, so an export from last quarter still opens on
its own "this month".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np

Preset = Literal["this_month", "last_month", "last_3_months", "all", "custom"]
PRESETS: tuple[Preset, ...] = ("this_month", "last_month", "last_3_months", "all", "custom")
WEEKDAYS = (0, 1, 2, 3, 4)  # Monday–Friday


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clipped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def preset(name: Preset, anchor: date, first: date) -> Period:
    """The period a preset means when the data run from `first` to `anchor`."""
    if name == "this_month":
        return Period(month_start(anchor), anchor)
    if name == "last_month":
        previous = add_months(month_start(anchor), -1)
        return Period(previous, month_end(previous))
    if name == "last_3_months":
        return Period(add_months(month_start(anchor), -2), anchor)
    return Period(first, anchor)


def previous(period: Period) -> Period:
    """The comparable period before: the months before for whole months, the same days of the previous month
    for a month in progress, otherwise the same number of days just before."""
    start, end = period.start, period.end
    if start.day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if end == month_end(end):
            return Period(add_months(start, -months), month_end(add_months(start, -1)))
        if months == 1:
            before = add_months(start, -1)
            return Period(before, min(before.replace(day=min(end.day, month_end(before).day)), month_end(before)))
    return Period(start - timedelta(days=period.days), start - timedelta(days=1))


def working_days(start: date, end: date, weekdays: tuple[int, ...] = WEEKDAYS) -> int:
    """Working days between two dates inclusive (numpy's business-day count, so no Python loop)."""
    if end < start:
        return 0
    mask = [d in weekdays for d in range(7)]
    return int(np.busday_count(start, end + timedelta(days=1), weekmask=mask))


def pro_rata(current: Period, before: Period, last_day: date, weekdays: tuple[int, ...] = WEEKDAYS) -> float:
    """The current period's exposure relative to the previous one: its working days up to the last date in the
    data over the previous period's working days, when the data end inside the current period; 1 otherwise."""
    if last_day >= current.end:
        return 1.0
    done = working_days(current.start, last_day, weekdays)
    whole = working_days(before.start, before.end, weekdays)
    return done / whole if done and whole else 1.0


def last_complete_month(last_day: date) -> str:
    """`YYYY-MM` of the last month that the data cover to its end."""
    if last_day == month_end(last_day):
        return last_day.strftime("%Y-%m")
    return add_months(month_start(last_day), -1).strftime("%Y-%m")
