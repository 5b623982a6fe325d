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


PEOPLE_RATES = pl.DataFrame({
    "conversion": ["Held → paid"] * 3 + ["Booked → held"] * 3, "who": ["A", "B", "Floor"] * 2,
    "rate": [0.3, 0.2, 0.25, 0.7, 0.6, 0.65], "low": [0.2, 0.1, 0.2, 0.6, 0.5, 0.6],
    "high": [0.4, 0.3, 0.3, 0.8, 0.7, 0.7], "n": [88.0, 63.0, 396.0, 112.0, 87.0, 606.0],
})
PEOPLE_LABELS = {"floor": "Floor", "who": "Who", "conversion": "Metric", "rate": "Rate", "low": "Low", "high": "High",
                 "n": "n"}
TREND = pl.DataFrame({"period": ["2026-08", "2026-09", "2026-10"], "meetings_held": [60, 58, 30],
                      "worse": [False, False, True]})
TREND_LABELS = {"drop": "drop", "flag": "Flag"}


@pytest.mark.parametrize(
    "chart",
    [
        _charts.rates_by_person(PEOPLE_RATES, "", "Rate", PEOPLE_LABELS),
        _charts.trend(TREND, "meetings_held", "Held", "Held", "Month", TREND_LABELS),
        _charts.trend(TREND, "meetings_held", "Held", "Held", "Month", TREND_LABELS, mark="bar"),
        _charts.trend(TREND.with_columns(pl.lit(0.3).alias("rate")), "rate", "Rate", "Rate", "Week", TREND_LABELS,
                      percent=True),
    ],
    ids=["rates_by_person", "trend_line", "trend_bar", "trend_percent"],
)
def test_comparison_and_trend_specs_are_valid(chart) -> None:
    spec = chart.to_dict(validate=True)  # raises on an invalid spec
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_the_floor_is_grey_and_people_keep_their_order_in_the_comparison() -> None:
    spec = _charts.rates_by_person(PEOPLE_RATES, "", "Rate", PEOPLE_LABELS).to_dict()
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert "facet" not in spec  # a facet keeps a fixed width: the chart must follow the page's
    assert scale["domain"] == ["A", "B", "Floor"]
    assert scale["range"] == [_charts.BLUE, "#E69F00", _charts.GREY]


def test_a_trend_marks_the_drops_red_and_keeps_the_periods_in_order() -> None:
    spec = _charts.trend(TREND, "meetings_held", "Held", "Held", "Month", TREND_LABELS).to_dict()
    points = spec["layer"][1]["encoding"]
    assert points["color"]["condition"] == {"test": "datum.worse", "value": _charts.RED}
    # the periods oldest first, by their code (not by the words: "Aug" < "Oct" < "Sep")
    assert spec["layer"][0]["encoding"]["x"]["sort"] == ["Aug 2026", "Sep 2026", "Oct 2026"]
    rows = next(iter(spec["datasets"].values()))
    assert [r["flag"] for r in rows] == ["", "", "drop"]


SEVEN = [f"Person {n}" for n in range(7)]


def test_the_plan_heat_map_names_every_person() -> None:
    """Vega hides every other label of a band too narrow for it: with 7 people the heat map named only 4 of them."""
    cells = pl.DataFrame({"employee": [p for p in SEVEN for _ in DAYS], "date": DAYS * 7,
                          "attainment": [0.9] * 70, "actual": [40.0] * 70, "plan_low": [80.0] * 70})
    spec = _charts.calendar(cells, "Calendar", {"date": "Day", "attainment": "Attainment", "employee": "Who",
                                                "actual": "Actual", "plan": "Plan"}).to_dict()
    assert spec["encoding"]["y"]["axis"]["labelOverlap"] is False
    # Streamlit fits title, legend and axes into the height: 7 rows of 28 px plus 170 px for them
    assert spec["height"] == 7 * 28 + 170
    # The legend above the days, across: at the right it took a quarter of a phone's (390 px) heat map
    legend = spec["encoding"]["color"]["legend"]
    assert (legend["orient"], legend["direction"], legend["gradientLength"]) == ("top", "horizontal", 100)


def test_the_funnel_gives_every_step_its_row() -> None:
    steps = pl.DataFrame({"step": ["Booked", "Confirmed", "Held", "Paid"], "count": [606, 451, 396, 117],
                          "label": ["606", "451", "396", "117"]})
    spec = _charts.funnel(steps, "Funnel", "Count", "Step", "Label").to_dict()
    assert spec["layer"][0]["encoding"]["y"]["axis"]["labelOverlap"] is False
    assert spec["height"] == 4 * 36 + 70  # was 200 whatever the steps: 4 steps fit, 8 were squeezed


def test_legends_above_a_chart_wrap_to_fit_a_phone() -> None:
    """One row of legend entries ran off a 390 px screen ("Волков Алексей  Отде…"): one column beside long row
    labels, two beside short ones, then new rows."""
    bars = _charts.grouped_bars(pl.DataFrame({"c": ["a", "a"], "g": ["Волков Алексей", "Отдел"], "v": [0.1, 0.2]}),
                                "c", "g", "v", "", "Value", "Category", "Group").to_dict()
    people = _charts.rates_by_person(PEOPLE_RATES, "", "Rate", PEOPLE_LABELS).to_dict()
    lines = _charts.lines_by_month(pl.DataFrame({"hunter": ["A"], "month": ["2026-10"], "meetings_held": [129]}),
                                   "hunter", "meetings_held", "Held", "Held", {"hunter": "Hunter", "month": "Month"},
                                   percent=False).to_dict()
    for legend in (bars["encoding"]["color"]["legend"], people["layer"][0]["encoding"]["color"]["legend"]):
        assert legend == {"columns": 1, "labelLimit": 170, "orient": "top"}
    assert lines["layer"][0]["encoding"]["color"]["legend"] == {"columns": 2, "labelLimit": 170, "orient": "top"}


def test_the_matrix_names_every_hunter() -> None:
    """At 1024 px three hunters' names on one line overlapped and Vega hid the middle one: each name on two lines."""
    frame = pl.DataFrame({"employee": ["P"] * 3, "hunter": ["Козлов Андрей", "Лебедев Сергей", "Новикова Татьяна"],
                          "rate": [0.2, 0.3, 0.4], "label": ["a", "b", "c"], "low": [0.1] * 3, "high": [0.5] * 3})
    spec = _charts.rate_matrix(frame, "employee", "hunter", "Held → paid", {
        "employee": "Lead generator", "hunter": "Hunter", "rate": "Rate", "label": "Paid / held", "low": "Low",
        "high": "High"}).to_dict(validate=True)
    axis = spec["layer"][0]["encoding"]["x"]["axis"]
    assert axis["labelOverlap"] is False and axis["labelExpr"] == "split(datum.label, ' ')"
