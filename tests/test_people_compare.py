"""The People side by side screen (issue 13, item 10) under AppTest on the demo: who is compared by default, the one
table (people as columns, the floor last) and the one chart (conversions with Wilson intervals), in both languages,
against the metrics engine and against numbers pinned by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import streamlit as st
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from analytics import i18n
from analytics.comparison import wilson_interval
from analytics.metrics import Filters, compute
from analytics.model import Prepared
from analytics.registry import METRIC_KEYS, RATIO_METRICS, metric
from pages._pages import BY_NAME
from tests.conftest import open_screen

APP = str(Path(__file__).resolve().parent.parent / "app.py")
OCTOBER = Filters(date(2026, 10, 1), date(2026, 10, 31))  # the demo's "last month", the sidebar's default


pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


@pytest.fixture(scope="module")
def october(demo_model: Prepared) -> dict[str, dict]:
    by_person = compute(demo_model, by=["employee"], filters=OCTOBER)
    return {r["employee"]: r for r in by_person.iter_rows(named=True)}


def open_compare(lang: str = "en", **state: object) -> AppTest:
    return open_screen("people_compare", lang, **state)


def chart_data(at: AppTest) -> pl.DataFrame:
    """The rows of the page's Vega-Lite charts: Streamlit sends a chart's data beside the spec, as Arrow."""
    charts = [e.proto for e in at.main if getattr(e, "type", None) == "vega_lite_chart"]
    frames = [pl.from_pandas(convert_arrow_bytes_to_pandas_df(d.data.data)) for c in charts for d in c.datasets]
    return pl.concat(frames, how="diagonal")


def test_the_screen_is_registered_under_compare() -> None:
    screen = BY_NAME["people_compare"]
    assert (screen.url_path, screen.section, screen.icon) == ("compare", "analysis", ":material/compare_arrows:")
    assert (Path(APP).parent / "pages" / "compare.py").exists()  # the deep-link shim named like the URL path


def test_by_default_the_two_who_held_the_most_are_compared(october: dict[str, dict]) -> None:
    at = open_compare()
    ranked = sorted(october, key=lambda p: (-october[p]["meetings_held"], -october[p]["payments"], p))
    assert ranked[:2] == ["Петров Иван", "Морозова Екатерина"]  # 88 and 63 meetings held in October
    assert at.multiselect(key="compare_people").value == ranked[:2]
    assert at.title[0].value == "Lead generators side by side"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_one_table_people_as_columns_and_the_floor_last(lang: str, demo_model: Prepared,
                                                        october: dict[str, dict]) -> None:
    at = open_compare(lang)
    table = at.dataframe[0].value
    assert list(table.columns) == ["label", "p0", "p1", "floor"]
    assert list(table["label"]) == [metric(k).label(lang) for k in METRIC_KEYS]
    floor = compute(demo_model, filters=OCTOBER).row(0, named=True)
    for column, values in (("p0", october["Петров Иван"]), ("p1", october["Морозова Екатерина"]), ("floor", floor)):
        assert list(table[column]) == [i18n.fmt(k, values[k], lang) for k in METRIC_KEYS], column
    by_label = table.set_index("label")
    held, paid, revenue, rate = (metric(k).label(lang) for k in ("meetings_held", "payments", "revenue",
                                                                 "conv_held_to_paid"))
    sep = i18n.NBSP if lang == "ru" else ","
    # Pinned: October 2026 of the demo, cohort mode (Петров Иван 28 of 88 held paid; the floor 117 of 396).
    assert [by_label.loc[held, c] for c in ("p0", "p1", "floor")] == ["88", "63", "396"]
    assert [by_label.loc[paid, c] for c in ("p0", "p1", "floor")] == ["28", "19", "117"]
    assert by_label.loc[revenue, "floor"] == f"12{sep}314{sep}000"
    assert by_label.loc[rate, "p0"] == i18n.percent(28 / 88, lang)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_headline_sentence_names_most_and_fewest(lang: str) -> None:
    at = open_compare(lang)
    # the sentence is Markdown with its values escaped (`31\\.8%`): read it as the screen shows it
    sentence = next(m.value for m in at.markdown if "88" in m.value and "63" in m.value).replace("\\", "")
    if lang == "ru":
        assert "Петров Иван — 88 проведённых встреч" in sentence
        assert "Морозова Екатерина — 63 проведённые встречи" in sentence
    else:
        assert "Петров Иван — 88 meetings held" in sentence and "Морозова Екатерина — 63 meetings held" in sentence
    assert i18n.percent(28 / 88, lang) in sentence and i18n.percent(19 / 63, lang) in sentence


def test_one_chart_of_conversions_with_wilson_intervals(october: dict[str, dict], demo_model: Prepared) -> None:
    at = open_compare()
    rows = chart_data(at)
    assert set(rows["who"]) == {"Петров Иван", "Морозова Екатерина", "Floor"}
    assert set(rows["conversion"]) == {m.label("en") for m in RATIO_METRICS}
    held_to_paid = rows.filter((pl.col("who") == "Петров Иван") & (pl.col("conversion") == "Held → paid")).row(
        0, named=True)
    low, high = wilson_interval(np.array([28]), np.array([88]))
    assert held_to_paid["rate"] == pytest.approx(28 / 88)
    assert (held_to_paid["low"], held_to_paid["high"]) == (pytest.approx(low[0]), pytest.approx(high[0]))
    assert held_to_paid["n"] == 88
    floor_row = rows.filter((pl.col("who") == "Floor") & (pl.col("conversion") == "Held → paid")).row(0, named=True)
    assert (floor_row["rate"], floor_row["n"]) == (pytest.approx(117 / 396), 396)


def test_the_sidebar_people_are_compared_when_two_or_more(october: dict[str, dict]) -> None:
    chosen = ["Волков Алексей", "Соколов Дмитрий", "Смирнова Анна"]
    at = open_compare("ru", f_people=chosen)
    assert at.multiselect(key="compare_people").value == chosen
    table = at.dataframe[0].value.set_index("label")
    held = metric("meetings_held").label("ru")
    assert [table.loc[held, f"p{i}"] for i in range(3)] == [
        i18n.number(october[p]["meetings_held"], "ru") for p in chosen]
    # the floor column stays the whole floor, not the sidebar's people
    assert table.loc[held, "floor"] == "396"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_one_person_is_not_a_comparison(lang: str) -> None:
    at = open_compare(lang)
    at.multiselect(key="compare_people").set_value(["Петров Иван"]).run()
    assert not at.exception
    assert at.info[-1].value == i18n.t("compare_need_two", lang)
    assert not at.dataframe


def test_a_new_sidebar_choice_replaces_the_compared_people() -> None:
    at = open_compare()
    assert at.multiselect(key="compare_people").value == ["Петров Иван", "Морозова Екатерина"]
    at.sidebar.multiselect(key="f_people").set_value(["Попова Мария", "Волков Алексей"]).run()
    assert not at.exception
    assert at.multiselect(key="compare_people").value == ["Попова Мария", "Волков Алексей"]
    # a choice made on the screen stays while the sidebar does not change
    at.multiselect(key="compare_people").set_value(["Попова Мария", "Петров Иван", "Волков Алексей"]).run()
    assert at.multiselect(key="compare_people").value == ["Попова Мария", "Петров Иван", "Волков Алексей"]
    assert list(at.dataframe[0].value.columns) == ["label", "p0", "p1", "p2", "floor"]


def test_the_download_is_named_after_the_screen_and_the_period(monkeypatch) -> None:
    # The file name is not in the button's message (the file is built only when clicked): it is caught on its way.
    names: list[tuple[str, str]] = []
    original = st.download_button

    def catch(label, data, file_name, *args, **kwargs):
        names.append((kwargs["key"], file_name))
        return original(label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", catch)
    open_compare("ru")  # the Overview opens first: its files are caught too
    # the table's title in the language and the sidebar's period (October), once; the button keys stay stable
    assert [n for n in names if n[0].endswith("_compare")] == [("csv_compare", "сравнение_лидорубов_2026-10.csv"),
                     ("xlsx_compare", "сравнение_лидорубов_2026-10.xlsx")]
