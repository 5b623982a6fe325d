"""The data end and complete months: an export made on Friday 30.10 covers October, whose 31st is a Saturday."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from analytics.diagnostics import diagnose
from analytics.metrics import Filters, compute
from analytics.model import prepare
from analytics.periods import (
    Period,
    data_end,
    last_complete_month,
    last_working_day,
    month_complete,
    preset,
    pro_rata,
)
from analytics.schema import Dataset

FRIDAY, SATURDAY = date(2026, 10, 30), date(2026, 10, 31)


def friday_export() -> Dataset:
    """Calls and leads to Friday 30.10; a meeting held and a payment on Saturday 31.10; a meeting planned for 3.11."""
    leads = pl.DataFrame({
        "lead_id": ["L1", "L2", "L3"],
        "created_at": [datetime(2026, 9, 14, 9), datetime(2026, 10, 26, 9), datetime(2026, 10, 30, 17)],
        "employee": ["A", "A", "A"], "source": ["google", "google", "yandex"],
    })
    calls = pl.DataFrame({
        "started_at": [datetime(2026, 9, 14, 10), datetime(2026, 10, 30, 18)],
        "employee": ["A", "A"], "duration_s": [90, 75],
    })
    meetings = pl.DataFrame({
        "lead_id": ["L1", "L2", "L3"],
        "booked_at": [datetime(2026, 9, 15, 10), datetime(2026, 10, 27, 10), datetime(2026, 10, 30, 17)],
        "meeting_at": [datetime(2026, 9, 20, 10), datetime(2026, 10, 31, 11), datetime(2026, 11, 3, 12)],
        "confirmed": [True, True, False], "held": [True, True, False],
    })
    payments = pl.DataFrame({"lead_id": ["L2"], "paid_at": [datetime(2026, 10, 31, 15)], "amount": [120_000.0]})
    return Dataset.from_frames(calls=calls, leads=leads, meetings=meetings, payments=payments)


def test_the_data_end_is_the_latest_thing_that_happened_in_any_table() -> None:
    model = prepare(friday_export())
    # The Saturday meeting was held and paid: the data reach 31.10. The 3.11 meeting is a plan and moves nothing.
    assert data_end(model) == SATURDAY
    without_saturday = prepare(Dataset.from_frames(calls=friday_export().calls, leads=friday_export().leads))
    assert data_end(without_saturday) == FRIDAY


@pytest.mark.parametrize(
    ("end", "weekdays", "complete"),
    [(FRIDAY, (0, 1, 2, 3, 4), True),          # 31.10 is a Saturday: Friday is October's last working day
     (date(2026, 10, 29), (0, 1, 2, 3, 4), False),
     (FRIDAY, (0, 1, 2, 3, 4, 5), False),      # a floor working Saturdays has one more day to go
     (SATURDAY, (0, 1, 2, 3, 4, 5), True)],
)
def test_a_month_is_complete_when_the_data_reach_its_last_working_day(end, weekdays, complete) -> None:
    assert month_complete(date(2026, 10, 1), end, weekdays) is complete


def test_last_working_day() -> None:
    assert last_working_day(date(2026, 10, 1)) == FRIDAY
    assert last_working_day(date(2026, 10, 1), (0, 1, 2, 3, 4, 5)) == SATURDAY
    assert last_working_day(date(2026, 11, 1)) == date(2026, 11, 30)  # a Monday


def test_last_month_of_a_friday_export_is_october_to_its_last_day() -> None:
    assert preset("last_month", FRIDAY, date(2026, 6, 1)) == Period(date(2026, 10, 1), SATURDAY)
    assert preset("this_month", FRIDAY, date(2026, 6, 1)) == Period(date(2026, 10, 1), SATURDAY)
    assert last_complete_month(FRIDAY) == "2026-10"
    # A Thursday export: October is still going; last month is September, this month runs to the data end.
    assert preset("last_month", date(2026, 10, 29), date(2026, 6, 1)) == Period(date(2026, 9, 1), date(2026, 9, 30))
    assert preset("this_month", date(2026, 10, 29), date(2026, 6, 1)) == Period(date(2026, 10, 1), date(2026, 10, 29))
    assert last_complete_month(date(2026, 10, 29)) == "2026-09"


def test_a_complete_month_is_compared_whole_not_pro_rata() -> None:
    october, september = Period(date(2026, 10, 1), SATURDAY), Period(date(2026, 9, 1), date(2026, 9, 30))
    assert pro_rata(october, september, FRIDAY) == 1.0
    # To Thursday 29.10: 21 of October's 22 working days against September's 22.
    assert pro_rata(october, september, date(2026, 10, 29)) == pytest.approx(21 / 22)


def test_event_mode_keeps_the_saturday_of_a_friday_export() -> None:
    model = prepare(friday_export())
    october = preset("last_month", data_end(model), date(2026, 6, 1))
    table = compute(model, filters=Filters(october.start, october.end), mode="event").row(0, named=True)
    assert table["meetings_held"] == 1 and table["payments"] == 1 and table["revenue"] == 120_000.0


def test_diagnostics_of_a_friday_export_default_to_october() -> None:
    assert diagnose(prepare(friday_export())).month == "2026-10"
