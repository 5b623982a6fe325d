"""Plan attainment on a hand-computed week, and pacing on a half month."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest

from analytics.metrics import facts
from analytics.model import prepare
from analytics.periods import Period
from analytics.plans import DailyPlan, daily_attainment, pacing, period_attainment
from analytics.schema import Dataset


def calls_on(per_day: dict[date, int]) -> Dataset:
    starts = [datetime.combine(day, datetime.min.time()) + timedelta(hours=9, minutes=i)
              for day, n in per_day.items() for i in range(n)]
    calls = pl.DataFrame({"started_at": starts, "employee": ["A"] * len(starts), "duration_s": [90] * len(starts)})
    return Dataset.from_frames(calls=calls)


def test_attainment_on_a_week() -> None:
    # Mon 90, Tue 70, Wed 80, Thu nothing, Fri 100, and 10 calls on Saturday; plan 80–100 a working day.
    week = {date(2026, 1, 5): 90, date(2026, 1, 6): 70, date(2026, 1, 7): 80, date(2026, 1, 9): 100,
            date(2026, 1, 10): 10}
    event = facts(prepare(calls_on(week)), "event")
    daily = daily_attainment(event, Period(date(2026, 1, 5), date(2026, 1, 11)), {}).filter(
        pl.col("metric") == "calls_60s")
    assert daily.select("date", "actual", "plan_low", "below").rows() == [
        (date(2026, 1, 5), 90.0, 80.0, False),
        (date(2026, 1, 6), 70.0, 80.0, True),
        (date(2026, 1, 7), 80.0, 80.0, False),
        (date(2026, 1, 8), 0.0, 80.0, True),
        (date(2026, 1, 9), 100.0, 80.0, False),
        (date(2026, 1, 10), 10.0, 0.0, False),  # Saturday: no plan, but the calls count
    ]
    assert daily["attainment"].to_list()[:5] == pytest.approx([1.125, 0.875, 1.0, 0.0, 1.25])
    period = period_attainment(daily).row(0, named=True)
    assert (period["actual"], period["plan"], period["working_days"], period["days_below"]) == (350, 400, 5, 2)
    assert period["attainment"] == pytest.approx(0.875)


def test_a_personal_plan_overrides_the_default() -> None:
    event = facts(prepare(calls_on({date(2026, 1, 5): 60})), "event")
    plans = {"A": DailyPlan(calls_60s=(50, 60))}
    row = period_attainment(daily_attainment(event, Period(date(2026, 1, 5), date(2026, 1, 5)), plans)).filter(
        pl.col("metric") == "calls_60s").row(0, named=True)
    assert row["plan"] == 50 and row["attainment"] == pytest.approx(1.2)


def test_pacing_on_a_half_month() -> None:
    # January 2026 has 22 working days; by Thursday the 15th, 11 have passed with 90 calls each.
    days = [date(2026, 1, 1) + timedelta(n) for n in range(15)]
    event = facts(prepare(calls_on({d: 90 for d in days if d.weekday() < 5})), "event")
    row = pacing(event, date(2026, 1, 15), {}).filter(pl.col("metric") == "calls_60s").row(0, named=True)
    assert (row["days_elapsed"], row["days_in_month"]) == (11, 22)
    assert row["actual"] == 990
    assert row["projected"] == pytest.approx(1980)
    assert row["month_plan"] == pytest.approx(1760)
    assert row["on_track"] is True
    held = pacing(event, date(2026, 1, 15), {}).filter(pl.col("metric") == "meetings_held").row(0, named=True)
    assert held["on_track"] is False and held["month_plan"] == pytest.approx(66)
