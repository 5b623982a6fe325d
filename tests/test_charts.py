"""Every chart the pages draw is a valid Vega-Lite spec (the pages skip validation at runtime for speed)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from pages import _charts

DAYS = [date(2026, 10, 1) + timedelta(n) for n in range(10)]


@pytest.mark.parametrize(
    "chart",
    [
        _charts.daily_with_plan(pl.DataFrame({"date": DAYS, "calls_60s": list(range(70, 90, 2))}), "calls_60s",
                                "Calls", "Calls", (80, 100), "Day", "Plan"),
        _charts.daily_with_plan(pl.DataFrame({"date": DAYS, "minutes_on_line": [1.5] * 10}), "minutes_on_line",
                                "Minutes", "Minutes", None, "Day", "Plan"),
        _charts.grouped_bars(pl.DataFrame({"c": ["a", "a", "b"], "g": ["x", "y", "x"], "v": [0.1, 0.2, 0.3]}),
                             "c", "g", "v", "Title", "Value", "Category", "Group"),
        _charts.grouped_bars(pl.DataFrame({"c": ["a"], "g": ["x"], "v": [3]}), "c", "g", "v", "", "Value",
                             "Category", "Group", percent=False),
        _charts.rates_with_uncertainty(
            pl.DataFrame({"source": ["Google", "Yandex"], "conversion": ["Target share"] * 2, "rate": [0.7, 0.4],
                          "low": [0.6, 0.3], "high": [0.8, 0.5], "n": [100, 90]}),
            "Rates", "Rate", {"source": "Source", "rate": "Rate", "low": "Low", "high": "High", "n": "n"}),
        _charts.calendar(
            pl.DataFrame({"employee": ["A"] * 10, "date": DAYS, "attainment": [0.5 + n / 10 for n in range(10)],
                          "actual": [40.0] * 10, "plan_low": [80.0] * 10}),
            "Calendar", {"date": "Day", "attainment": "Attainment", "employee": "Who", "actual": "Actual",
                         "plan": "Plan"}),
        _charts.funnel(pl.DataFrame({"step": ["Booked", "Held"], "count": [10, 7], "label": ["10", "7 · 70%"]}),
                       "Funnel", "Count", "Step", "Label"),
    ],
    ids=["daily_with_plan", "daily_without_plan", "grouped_bars", "grouped_bars_untitled", "rates_with_uncertainty",
         "calendar", "funnel"],
)
def test_chart_spec_is_valid(chart) -> None:
    spec = chart.to_dict(validate=True)  # raises on an invalid spec
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


@pytest.mark.parametrize(
    "chart",
    [
        _charts.lines_by_month(
            pl.DataFrame({"hunter": ["A", "A", "B", "B"], "month": ["2026-09", "2026-10"] * 2,
                          "conv_held_to_paid": [0.3, 0.25, 0.28, 0.33]}),
            "hunter", "conv_held_to_paid", "Held → paid by month", "Held → paid",
            {"hunter": "Hunter", "month": "Month"}),
        _charts.lines_by_month(
            pl.DataFrame({"hunter": ["A"], "month": ["2026-10"], "meetings_held": [129]}),
            "hunter", "meetings_held", "Held", "Held", {"hunter": "Hunter", "month": "Month"}, percent=False),
        _charts.rate_matrix(
            pl.DataFrame({"employee": ["P", "P", "Q"], "hunter": ["A", "B", "A"], "rate": [0.3, None, 0.5],
                          "label": ["3 / 10 · 30 %", "0 / 0 · —", "1 / 2 · 50 %"], "low": [0.1, None, 0.09],
                          "high": [0.6, None, 0.91]}),
            "employee", "hunter", "Held → paid",
            {"employee": "Lead generator", "hunter": "Hunter", "rate": "Rate", "label": "Paid / held", "low": "Low",
             "high": "High"}),
    ],
    ids=["lines_by_month", "lines_by_month_counts", "rate_matrix"],
)
def test_hunter_chart_spec_is_valid(chart) -> None:
    spec = chart.to_dict(validate=True)  # raises on an invalid spec
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert spec["title"]
