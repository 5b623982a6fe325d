"""Month tables run newest month first (issue 13 item 14): on a phone only the two or three columns beside the pinned
name fit, and the month that matters (the latest, where a fall is red) must be one of them. The charts keep time
left → right. Their downloads keep the order shown. Also: the drop threshold written `15 %`, not `15,0 %`, and the
Data page's sources table tall enough for all its rows.

The demo's data end on Friday 20.11.2026: its last six months are June–November 2026, November still running.
"""
from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import i18n
from analytics.registry import METRIC_KEYS
from pages import _widgets
from tests.conftest import open_screen

NB = "\u00a0"
NEWEST_FIRST = ["2026-11", "2026-10", "2026-09", "2026-08", "2026-07", "2026-06"]  # the demo's last six


pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


def month_table(at: AppTest, name_column: str):
    return next(d for d in at.dataframe if "2026-11" in d.value.columns and name_column in d.value.columns)


def test_months_are_put_newest_first_across_a_year_end() -> None:
    assert _widgets.newest_first(["2025-12", "2026-01", "2025-11"]) == ["2026-01", "2025-12", "2025-11"]
    specs = _widgets.month_columns(["2025-12", "2026-01"], "en", {"2026-01": 0.6}, "payments")
    assert [s.label for s in specs.values()] == [f"Jan{NB}2026 (running)", f"Dec{NB}2025"]
    # red compares a month with the one before it, which now stands to its right
    assert specs["2025-12"].help == "December 2025. In red: a fall on the month before, the column to the right."


@pytest.mark.parametrize(("page", "name_column", "lang"), [
    ("hunter_results", "hunter", "ru"), ("source_comparison", "source", "ru"), ("source_comparison", "source", "en"),
])
def test_hunters_and_sources_month_tables_run_newest_first(page: str, name_column: str, lang: str) -> None:
    at = open_screen(page, lang)
    table = month_table(at, name_column)
    assert list(table.value.columns) == [name_column, *NEWEST_FIRST]  # oldest first would start with 2026-06


def test_the_person_month_table_download_keeps_the_order_and_the_words_shown(
        prepared: list[_widgets.Download]) -> None:
    open_screen("lead_generator", "ru")
    months = next(d for d in prepared if d.raw.columns[0] == "metric" and d.file.startswith("по_месяцам_"))
    raw_months = months.raw.columns[1:]
    assert raw_months[:6] == NEWEST_FIRST and raw_months == sorted(raw_months, reverse=True)
    assert months.shown.columns[:4] == ["Показатель", f"ноя{NB}2026 (идёт)", f"окт{NB}2026", f"сен{NB}2026"]
    assert months.raw["metric"].to_list() == list(METRIC_KEYS)
    assert months.shown["Показатель"][0] == "Звонки от 60 с"  # rows named as on screen
    # the file is named after all the months it holds, oldest to newest
    assert months.file.endswith(f"_{raw_months[-1]}_2026-11")
    # numbers stay numbers, a count written whole; the shown file's values are the raw file's
    assert months.whole_numbers
    assert months.shown[f"окт{NB}2026"].to_list() == months.raw["2026-10"].to_list()


@pytest.mark.parametrize("page", ["lead_generator", "hunter_results", "source_comparison"])
def test_the_drop_rule_writes_its_threshold_as_chosen(page: str) -> None:
    at = open_screen(page, "ru")
    rules = [c.value for c in at.caption if c.value.startswith("Красным — падение не меньше")]
    assert rules and all(f"не меньше 15{NB}% к прошлому" in r for r in rules)  # never "15,0 %"


def test_the_data_pages_sources_table_is_tall_enough_for_its_rows(monkeypatch) -> None:
    heights: dict[str, object] = {}
    original = st.data_editor

    def recording(data, *args, **kwargs):
        heights[kwargs.get("key", "")] = kwargs.get("height")
        return original(data, *args, **kwargs)

    monkeypatch.setattr(st, "data_editor", recording)
    at = open_screen("data_import", "ru")
    sources = next(d for d in at.dataframe if "counted_as" in d.value.columns)
    assert len(sources.value) == 12  # the demo's spellings, «не указан» among them
    assert heights["sources_editor"] == 35 * (12 + 1) + 3  # 458 px: twelve rows and the header, no inner scroll
    assert i18n.source_label("unknown", "ru") in set(sources.value["counted_as"])

