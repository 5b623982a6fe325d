"""Periods: the data end, complete months, the presets of the filter bar, the previous comparable period, working days.

Presets are anchored on the data end, not on today, so an export from last quarter still opens on its own months.
The data end is the latest date of something that happened, in any table (see `data_end`); a month is complete when
the data reach its last working day. One function decides each, and every screen and the command line use it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

import numpy as np
import polars as pl

from analytics.model import Prepared

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


def last_working_day(month: date, weekdays: tuple[int, ...] = WEEKDAYS) -> date:
    """The last working day of `month` (its last calendar day when no weekday works)."""
    end = month_end(month)
    for back in range(7):
        day = end - timedelta(days=back)
        if day.weekday() in weekdays:
            return day
    return end


def month_complete(month: date, end: date, weekdays: tuple[int, ...] = WEEKDAYS) -> bool:
    """A month is complete when the data reach its last working day: an export made on Friday 30.10 covers October
    when Saturday 31.10 is a day off."""
    return end >= last_working_day(month, weekdays)


def last_complete_month_start(end: date, weekdays: tuple[int, ...] = WEEKDAYS) -> date:
    """The first day of the last complete month of data that run to `end`."""
    this = month_start(end)
    return this if month_complete(this, end, weekdays) else add_months(this, -1)


def preset(name: Preset, anchor: date, first: date, weekdays: tuple[int, ...] = WEEKDAYS) -> Period:
    """The period a preset means when the data run from `first` to `anchor` (the data end).

    "Last month" is the last complete month — the month of the data end itself once the data reach its last working
    day. A period that is a whole month runs to the month's end, so that events of a Saturday after a Friday export
    (meetings held, payments) are counted in it.
    """
    if name == "this_month":
        start = month_start(anchor)
        return Period(start, month_end(start) if month_complete(start, anchor, weekdays) else anchor)
    if name == "last_month":
        start = last_complete_month_start(anchor, weekdays)
        return Period(start, month_end(start))
    if name == "last_3_months":
        start = month_start(anchor)
        end = month_end(start) if month_complete(start, anchor, weekdays) else anchor
        return Period(add_months(start, -2), end)
    return Period(first, max(anchor, first))


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


def _last_working_day_in(period: Period, weekdays: tuple[int, ...]) -> date:
    for back in range(min(period.days, 7)):
        day = period.end - timedelta(days=back)
        if day.weekday() in weekdays:
            return day
    return period.end


def working_days(start: date, end: date, weekdays: tuple[int, ...] = WEEKDAYS) -> int:
    """Working days between two dates inclusive (numpy's business-day count, so no Python loop)."""
    if end < start:
        return 0
    mask = [d in weekdays for d in range(7)]
    return int(np.busday_count(start, end + timedelta(days=1), weekmask=mask))


def pro_rata(current: Period, before: Period, last_day: date, weekdays: tuple[int, ...] = WEEKDAYS) -> float:
    """The current period's exposure relative to the previous one: its working days up to the last date in the
    data over the previous period's working days, when the data end inside the current period; 1 otherwise."""
    if last_day >= current.end or last_day >= _last_working_day_in(current, weekdays):
        return 1.0
    done = working_days(current.start, last_day, weekdays)
    whole = working_days(before.start, before.end, weekdays)
    return done / whole if done and whole else 1.0


def last_complete_month(last_day: date, weekdays: tuple[int, ...] = WEEKDAYS) -> str:
    """`YYYY-MM` of the last month that the data cover to its last working day."""
    return last_complete_month_start(last_day, weekdays).strftime("%Y-%m")


def data_end(model: Prepared) -> date | None:
    """The latest date of something that happened, in any table: a call, a lead created, a meeting booked,
    confirmed or held (its held date, else the meeting date of a held meeting), a payment. The date of a meeting
    not yet held is a plan, not data, and does not move the end. None for empty data."""
    held = model.meetings.filter(pl.col("held"))
    candidates = [
        model.calls["started_at"].max(), model.leads["created_at"].max(), model.meetings["booked_at"].max(),
        model.meetings["confirmed_at"].max(),
        held.select(pl.coalesce("held_at", "meeting_at").max()).item() if held.height else None,
        model.payments["paid_at"].max(),
    ]
    found = [c for c in candidates if isinstance(c, datetime)]  # every candidate column is a Datetime
    return max(found).date() if found else None
