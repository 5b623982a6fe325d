"""The charts a head of sales reads on a laptop and a phone (screen review, /work/screens/REPORT.md items 1-5, 15-17,
29, 30): every row labelled, nothing past the column's edge, months in words, the running month told apart."""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from analytics import i18n
from analytics.registry import metric
from pages import _charts
from tests.conftest import open_screen

FUNNEL_ORDER = ["Target share", "Booked → confirmed", "Confirmed → held", "Held → paid"]  # not alphabetical
RATE_LABELS = {"source": "Source", "rate": "Rate", "low": "Low", "high": "High", "n": "n", "conversion": "Metric"}


def _sources() -> pl.DataFrame:
    return pl.DataFrame({
        "source": ["Google", "Yandex"] * 4, "conversion": [c for c in FUNNEL_ORDER for _ in range(2)],
        "rate": [0.736, 0.415, 0.755, 0.741, 0.893, 0.853, 0.29, 0.312], "low": [0.7, 0.37, 0.7, 0.67, 0.84, 0.78,
                                                                                0.22, 0.23],
        "high": [0.77, 0.46, 0.8, 0.8, 0.93, 0.91, 0.36, 0.41], "n": [500, 443, 261, 147, 197, 109, 176, 93]})


def test_source_rates_follow_the_column_and_the_funnel() -> None:
    """Item 1: a fixed 620 px facet cut the points above 65 % at 1024 px and all of them at 390; in English the
    rows were sorted by the alphabet, "Target share" last."""
    spec = _charts.rates_with_uncertainty(_sources(), "", "Rate", RATE_LABELS).to_dict(validate=True)
    assert "facet" not in spec and "width" not in spec
    y = spec["layer"][0]["encoding"]["y"]
    assert y["sort"] == FUNNEL_ORDER
    assert y["axis"]["labelOverlap"] is False
    # 4 bands of 2 sources × 16 px + 16 px, plus the legend (2 lines of 30 px) and the axis frame (70 px)
    assert spec["height"] == 4 * 48 + 70 + 60


def test_every_compared_conversion_has_its_row() -> None:
    """Item 2: 5 conversions × 3 series in 290 px, legend included: two of the five rows lost their names."""
    conversions = ["Call → booked", "Booked → confirmed", "Confirmed → held", "Booked → held", "Held → paid"]
    frame = pl.DataFrame({"conversion": [c for c in conversions for _ in range(3)],
                          "who": ["A", "B", "Floor"] * 5, "rate": [0.4] * 15, "low": [0.3] * 15,
                          "high": [0.5] * 15, "n": [50] * 15})
    spec = _charts.rates_by_person(frame, "", "Rate", {
        "floor": "Floor", "who": "Who", "conversion": "Metric", "rate": "Rate", "low": "Low", "high": "High",
        "n": "n"}).to_dict(validate=True)
    axis = spec["layer"][0]["encoding"]["y"]["axis"]
    assert axis == {"labelLimit": 200, "labelOverlap": False}
    assert spec["height"] == 5 * (16 * 3 + 16) + 70 + 3 * 30  # 480; was 5 * (14 * 3 + 16) = 290


MATRIX = pl.DataFrame({"employee": ["Волков Алексей", "Волков Алексей", "Соколов Дмитрий"],
                       "hunter": ["Козлов Андрей", "Лебедев Сергей", "Козлов Андрей"], "rate": [0.0, 0.375, 0.7],
                       "label": ["0 / 6 · 0,0 %", "3 / 8 · 37,5 %", "7 / 10 · 70,0 %"], "low": [0.0, 0.1, 0.4],
                       "high": [0.39, 0.7, 0.89], "n": [6, 8, 10]})
MATRIX_LABELS = {"employee": "Лидоруб", "hunter": "Хантер", "rate": "Проведение → оплата", "label": "Оплачено",
                 "low": "Низ", "high": "Верх", "few": "Бледные клетки — меньше 10 встреч: по ним выводов не делать."}


def test_the_matrix_reads_on_a_phone() -> None:
    """Item 3: beside the legend the three columns were 14 px wide on a phone and "4 / 23 · 17,4 %" spilled over
    its neighbours: the legend goes under the matrix, a narrow cell writes only its rate."""
    spec = _charts.rate_matrix(MATRIX, "employee", "hunter", "Held → paid", MATRIX_LABELS).to_dict(validate=True)
    cells, text = spec["layer"]
    assert cells["encoding"]["color"]["legend"]["orient"] == "bottom"
    assert text["encoding"]["text"]["field"] == "label"
    assert text["encoding"]["text"]["condition"] == {"test": "bandwidth('x') < 100", "value": {"expr": "datum.short"}}
    rows = next(iter(spec["datasets"].values()))
    assert [r["short"] for r in rows] == ["0,0 %", "37,5 %", "70,0 %"]


def test_the_matrix_mutes_cells_on_few_meetings() -> None:
    """Item 30: 0 / 6 was the darkest red of the screen while the sentence under it said nobody was worse."""
    spec = _charts.rate_matrix(MATRIX, "employee", "hunter", "Held → paid", MATRIX_LABELS).to_dict(validate=True)
    cells, text = spec["layer"]
    assert cells["encoding"]["opacity"] == {"condition": {"test": "datum.n != null && datum.n < 10", "value": 0.3},
                                            "value": 1.0}
    assert text["encoding"]["color"]["condition"]["test"].startswith("!(datum.n != null && datum.n < 10)")
    assert spec["title"]["subtitle"] == ["Бледные клетки — меньше 10 встреч:", "по ним выводов не делать."]


MONTHS = pl.DataFrame({"period": ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"],
                       "meetings_held": [430, 512, 450, 440, 396, 240], "worse": [False] * 5 + [True]})
TREND_LABELS = {"drop": "падение", "flag": "Отметка", "running": "месяц идёт", "note": "Примечание"}


def test_a_trend_writes_months_in_words_in_calendar_order() -> None:
    """Item 4: the axis read `2026-06 … 2026-11`; in words, sorted by the month (the alphabet would put авг first)."""
    spec = _charts.trend(MONTHS, "meetings_held", "Проведено встреч", "Проведено встреч", "Месяц", TREND_LABELS,
                         mark="bar", lang="ru").to_dict(validate=True)
    x = spec["layer"][0]["encoding"]["x"]
    assert x["field"] == "period_label"
    assert x["sort"] == ["июн 2026", "июл 2026", "авг 2026", "сен 2026", "окт 2026", "ноя 2026"]
    assert x["axis"]["labelAngle"] == 0 and x["axis"]["labelExpr"] == "split(datum.label, ' ')"
    english = _charts.trend(MONTHS, "meetings_held", "Held", "Held", "Month", TREND_LABELS, lang="en").to_dict()
    assert english["layer"][0]["encoding"]["x"]["sort"][-1] == "Nov 2026"


def test_the_running_month_is_drawn_lighter_and_says_so() -> None:
    """Item 5: November's 240 held meetings (20 days of 30) read as a collapse, drawn like a finished month."""
    spec = _charts.trend(MONTHS, "meetings_held", "Held", "Held", "Month", TREND_LABELS, mark="bar", lang="ru",
                         running=("2026-11",)).to_dict(validate=True)
    bars = spec["layer"][0]["encoding"]
    assert bars["opacity"] == {"condition": {"test": "datum.running", "value": 0.4}, "value": 1.0}
    rows = next(iter(spec["datasets"].values()))
    assert [r["running"] for r in rows] == [False] * 5 + [True]
    assert [r["note"] for r in rows] == [""] * 5 + ["месяц идёт"]
    assert bars["tooltip"][-1] == {"field": "note", "type": "nominal", "title": "Примечание"}


def test_weeks_are_named_by_their_monday() -> None:
    assert _charts.period_label("2026-W43", "ru") == "19 окт"
    assert _charts.period_label("2026-W43", "en") == "19 Oct"
    assert _charts.period_label("2026-09", "ru") == "сен 2026"


def test_counts_step_by_whole_numbers_and_no_axis_repeats_its_title() -> None:
    """Items 15 and 17: ticks "0, 1, 1, 2, 2" on a count of payments; "Проведено встреч" over "Проведено встреч"."""
    spec = _charts.trend(MONTHS, "meetings_held", "Проведено встреч", "Проведено встреч", "Месяц", TREND_LABELS,
                         mark="bar", lang="ru").to_dict()
    y = spec["layer"][0]["encoding"]["y"]
    assert y["title"] is None and y["axis"]["tickMinStep"] == 1
    days = [date(2026, 10, 1) + timedelta(n) for n in range(5)]
    daily = _charts.daily_with_plan(pl.DataFrame({"date": days, "calls_60s": [1, 2, 1, 0, 2]}), "calls_60s",
                                    "Звонки", "Звонки", (1, 2), "День", "План").to_dict()
    y = daily["layer"][1]["encoding"]["y"]
    assert y["title"] is None and y["axis"]["tickMinStep"] == 1
    other = _charts.trend(MONTHS, "meetings_held", "Главное", "Проведено встреч", "Месяц", TREND_LABELS).to_dict()
    assert other["layer"][0]["encoding"]["y"]["title"] == "Проведено встреч"


def test_hunters_month_lines_are_not_flat() -> None:
    """Item 16: three lines between 24 and 33 % drawn on 0-35 % under a tall legend were one flat band."""
    frame = pl.DataFrame({"hunter": ["A"] * 3 + ["B"] * 3, "month": ["2026-09", "2026-10", "2026-11"] * 2,
                          "conv_held_to_paid": [0.26, 0.33, 0.06, 0.28, 0.31, 0.1]})
    spec = _charts.lines_by_month(frame, "hunter", "conv_held_to_paid", "Held → paid by month", "Held → paid",
                                  {"hunter": "Hunter", "month": "Month"}, lang="en",
                                  running=("2026-11",)).to_dict(validate=True)
    lines, dashed, points = spec["layer"]
    assert spec["height"] == 400
    assert lines["encoding"]["y"]["scale"] == {"zero": False}
    assert lines["encoding"]["x"]["sort"] == ["Sep 2026", "Oct 2026", "Nov 2026"]
    data = spec["datasets"]
    # the solid lines stop at October; the dashed segment joins each hunter's October to its November
    assert sorted(r["month"] for r in data[lines["data"]["name"]]) == ["2026-09", "2026-09", "2026-10", "2026-10"]
    assert sorted((r["hunter"], r["month"]) for r in data[dashed["data"]["name"]]) == [
        ("A", "2026-10"), ("A", "2026-11"), ("B", "2026-10"), ("B", "2026-11")]
    assert points["encoding"]["opacity"]["condition"] == {"test": "datum.running", "value": 0.4}


def test_a_long_funnel_title_takes_two_lines() -> None:
    """Item 29: "Meetings and payments (from 13,098 calls o…" was cut on a phone."""
    steps = pl.DataFrame({"step": ["Booked", "Held"], "count": [606, 396], "label": ["606", "396"]})
    spec = _charts.funnel(steps, "Meetings and payments (from 13,098 calls of 60 s or more)", "Count", "Step",
                          "Label").to_dict()
    assert spec["title"] == ["Meetings and payments", "(from 13,098 calls of 60 s or more)"]
    assert spec["height"] == 2 * 36 + 70 + 18


# ---- the screens pass what the charts need (AppTest on the demo, whose data end on 20.11.2026) -----------------------

def _charts_on(at) -> list[tuple[dict, pl.DataFrame]]:
    """Each Vega-Lite chart of the screen: its spec and its rows (Streamlit sends the data beside it, as Arrow)."""
    found = []
    for element in at.main:
        if getattr(element, "type", None) != "vega_lite_chart":
            continue
        proto = element.proto
        frames = [pl.from_pandas(convert_arrow_bytes_to_pandas_df(d.data.data)) for d in proto.datasets]
        found.append((json.loads(proto.spec), pl.concat(frames, how="diagonal") if frames else pl.DataFrame()))
    return found


def test_the_overview_trend_names_the_months_and_lightens_november() -> None:
    at = open_screen("floor_overview", "ru")
    trends = [(s, d) for s, d in _charts_on(at) if "period_label" in d.columns]
    assert len(trends) == 2  # held meetings and payments
    for _, rows in trends:
        assert rows["period_label"].to_list()[-2:] == ["окт 2026", "ноя 2026"]
        assert rows.filter(pl.col("running"))["period"].to_list() == ["2026-11"]  # the data end on 20 Nov


def test_the_lead_generator_rates_axis_says_rate() -> None:
    at = open_screen("lead_generator", "ru")
    titles = [s["encoding"]["x"].get("title") for s, _ in _charts_on(at) if "yOffset" in s.get("encoding", {})]
    assert "Конверсия" in titles and "Значение" not in titles


def test_the_sources_rates_run_in_funnel_order_in_english() -> None:
    at = open_screen("source_comparison", "en")
    (spec, _), = [(s, d) for s, d in _charts_on(at) if "conversion" in d.columns and "source" in d.columns]
    assert spec["layer"][0]["encoding"]["y"]["sort"] == [
        metric(k).label("en") for k in ("target_share", "conv_scheduled_to_confirmed", "conv_confirmed_to_held",
                                        "conv_held_to_paid")]


def test_the_hunters_matrix_knows_each_cells_meetings() -> None:
    at = open_screen("hunter_results", "ru")
    (spec, rows), = [(s, d) for s, d in _charts_on(at) if "short" in d.columns]
    assert rows["n"].min() >= 1 and rows["n"].dtype.is_integer()
    assert spec["title"]["subtitle"][0].startswith("Бледные клетки")


def test_the_matrix_note_breaks_at_its_colon_in_both_languages() -> None:
    """The note under the matrix ran off a phone on one line; in English it broke after "Pale cells:"."""
    subtitles = {lang: _charts.rate_matrix(MATRIX, "employee", "hunter", "Held → paid", {
        **MATRIX_LABELS, "few": i18n.t("matrix_few", lang, n=_charts.FEW_MEETINGS)}).to_dict()["title"]["subtitle"]
        for lang in ("ru", "en")}
    assert subtitles == {"ru": ["Бледные клетки — меньше 10 проведённых встреч:", "по ним выводов не делать."],
                         "en": ["Pale cells have fewer than 10 meetings held:", "too few to judge."]}
