"""Downloads a head of sales can open: the screen's column titles in the app's language (the keys only in the file for
scripts), a file name that says what and which period, a month table turned as the screen shows it, numbers kept as
numbers and ratios as percents in the XLSX. And the KPI cards: no "↑ +0" for no change."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import fastexcel
import polars as pl
import pytest
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from analytics import export
from analytics.registry import METRIC_KEYS
from pages import _widgets
from tests.conftest import open_screen

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
BOARD = pl.DataFrame({"employee": ["Соколов Дмитрий"], "meetings_held": [396], "conv_held_to_paid": [0.25]})
# A person's months, newest first as a page might hold them: 433 held in September, 396 in October.
MONTHS = pl.DataFrame({"month": ["2026-10", "2026-09"], "meetings_held": [396, 433],
                       "conv_held_to_paid": [0.2955, 0.27]})


def csv_text(frame: pl.DataFrame, whole_numbers: bool = False) -> str:
    return export.to_csv(frame, whole_numbers=whole_numbers).decode("utf-8-sig")


@pytest.mark.parametrize(("lang", "header"), [
    ("ru", "Лидоруб,Проведено встреч,Проведение → оплата"),
    ("en", "Lead generator,Meetings held,Held → paid"),
])
def test_the_csv_has_the_screens_titles_in_the_apps_language(lang: str, header: str) -> None:
    ready = _widgets.prepare_download(BOARD, "leaderboard", lang, period=OCTOBER)  # type: ignore[arg-type]
    assert csv_text(ready.shown) == f"{header}\nСоколов Дмитрий,396,0.25\n"
    # the file for scripts keeps the stable keys, whatever the language
    assert csv_text(ready.raw) == "employee,meetings_held,conv_held_to_paid\nСоколов Дмитрий,396,0.25\n"


@pytest.mark.parametrize(("name", "lang", "period", "frame", "expected"), [
    ("leaderboard", "ru", OCTOBER, BOARD, "лидорубы_2026-10"),
    ("leaderboard", "en", OCTOBER, BOARD, "lead-generators_2026-10"),
    ("leaderboard", "ru", (date(2026, 10, 1), date(2026, 10, 15)), BOARD, "лидорубы_2026-10-01_2026-10-15"),
    ("leaderboard", "en", (date(2026, 9, 1), date(2026, 11, 30)), BOARD, "lead-generators_2026-09-01_2026-11-30"),
    ("funnel", "ru", (date(2026, 2, 1), date(2026, 2, 28)), BOARD, "воронка_2026-02"),
    # a table of months names its own months (all of them), not the sidebar's period; `/` is no file name's
    ("months_Иван/Петров", "ru", OCTOBER, MONTHS, "по_месяцам_Иван_Петров_2026-09_2026-10"),
    ("calls_to_listen_Анна", "en", OCTOBER, BOARD, "calls-to-listen_Анна_2026-10"),  # not taken for `calls`
    ("issues_0", "ru", OCTOBER, BOARD, "замечания_импорта_0"),  # an import's report is of no period
    ("Сравнение лидорубов_2026-10-01_2026-10-31", "ru", OCTOBER, BOARD, "Сравнение лидорубов_2026-10-01_2026-10-31"),
    ("something_new", "en", None, BOARD, "something_new"),
    # a metric's key inside a name is written as the screen names the metric
    ("hunters_conv_held_to_paid_by_month", "ru", OCTOBER, BOARD, "хантеры_Проведение → оплата_по_месяцам_2026-10"),
    ("below_plan_calls_60s", "en", OCTOBER, BOARD, "below-plan_Calls ≥ 60 s_2026-10"),
])
def test_the_file_name_says_what_and_which_period(name: str, lang: str, period: tuple[date, date] | None,
                                                  frame: pl.DataFrame, expected: str) -> None:
    assert _widgets.download_name(frame, name, lang, period) == expected  # type: ignore[arg-type]


def test_the_month_table_is_downloaded_as_the_screen_shows_it() -> None:
    ready = _widgets.prepare_download(MONTHS, "months_Соколов", "ru", period=OCTOBER)
    assert ready.file == "по_месяцам_Соколов_2026-09_2026-10"
    # metrics as rows, months as columns, oldest first; a count written `433`, not `433.0`
    assert csv_text(ready.shown, ready.whole_numbers) == (
        "Показатель,2026-09,2026-10\nПроведено встреч,433,396\nПроведение → оплата,0.27,0.2955\n")
    assert csv_text(ready.raw, ready.whole_numbers) == (
        "metric,2026-09,2026-10\nmeetings_held,433,396\nconv_held_to_paid,0.27,0.2955\n")
    english = _widgets.prepare_download(MONTHS, "months_Соколов", "en", period=OCTOBER)
    assert english.shown.columns == ["Metric", "2026-09", "2026-10"]
    assert english.shown["Metric"].to_list() == ["Meetings held", "Held → paid"]


def number_formats(content: bytes) -> dict[str, str]:
    """{cell: its Excel number format} of the first sheet, read from the file's XML (no spreadsheet library)."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        styles = book.read("xl/styles.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    custom = dict(re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', styles))
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)  # type: ignore[union-attr]
    ids = re.findall(r'<xf numFmtId="(\d+)"', xfs)
    cells = re.findall(r'<c r="([A-Z]+\d+)" s="(\d+)"', sheet)
    return {cell: custom.get(ids[int(style)], ids[int(style)]) for cell, style in cells}


def test_the_xlsx_keeps_numbers_and_writes_ratios_as_percents() -> None:
    turned = _widgets.prepare_download(MONTHS, "months_Соколов", "ru", period=OCTOBER)
    content = export.to_xlsx(turned.shown, turned.sheet, formats=turned.formats, row_formats=turned.row_formats)
    sheet = fastexcel.read_excel(content).load_sheet(0).to_polars()
    assert sheet.columns == ["Показатель", "2026-09", "2026-10"]
    assert sheet.rows() == [("Проведено встреч", 433.0, 396.0), ("Проведение → оплата", 0.27, 0.2955)]
    formats = number_formats(content)
    assert formats["B2"] == formats["C2"] == "#,##0"
    assert formats["B3"] == formats["C3"] == "0.0%"  # a ratio row is a percent, its value still 0.27

    board = _widgets.prepare_download(BOARD, "leaderboard", "en", period=OCTOBER)
    content = export.to_xlsx(board.shown, board.sheet, formats=board.formats)
    assert fastexcel.read_excel(content).sheet_names == ["lead-generators"]
    assert fastexcel.read_excel(content).load_sheet(0).to_polars().rows() == [("Соколов Дмитрий", 396.0, 0.25)]
    assert number_formats(content)["B2"] == "#,##0" and number_formats(content)["C2"] == "0.0%"
    assert "A2" not in number_formats(content)  # text has no number format


def test_a_table_of_metrics_by_row_names_its_rows_and_formats_each() -> None:
    """A page's own table of metrics by row (the person against the floor): rows named as on screen."""
    frame = pl.DataFrame({"metric": ["meetings_held", "conv_held_to_paid"], "person": [10.0, 0.3],
                          "floor": [396.0, 0.25]})
    ready = _widgets.prepare_download(frame, "conversions_Анна", "ru", period=OCTOBER)
    assert csv_text(ready.shown, ready.whole_numbers) == (
        "Показатель,Лидоруб,Отдел\nПроведено встреч,10,396\nПроведение → оплата,0.3,0.25\n")
    assert ready.row_formats == ["#,##0", "0.0%"]


def test_two_columns_with_one_title_stay_apart() -> None:
    frame = pl.DataFrame({"employee": ["A"], "col_x": [1]})
    ready = _widgets.prepare_download(frame, "t", "ru", columns={"col_x": _widgets.ColumnSpec("Лидоруб", "count")})
    assert ready.shown.columns == ["Лидоруб", "Лидоруб (col_x)"]
    assert ready.formats == {"Лидоруб (col_x)": "#,##0"}


@pytest.mark.parametrize(("current", "previous", "key", "lang", "expected"), [
    (117, 117, "payments", "ru", "без изменений"),
    (117, 117, "payments", "en", "no change"),
    (117.4, 117, "payments", "ru", "без изменений"),  # +0 at the shown precision
    (0.2955, 0.2951, "conv_held_to_paid", "ru", "без изменений"),  # +0,0 п.п.
    (396, 433, "meetings_held", "ru", "−37 (−8,5\u00a0%)"),
    (396, 433, "meetings_held", "en", "−37 (−8.5%)"),
    (0.30, 0.25, "conv_held_to_paid", "ru", "+5,0 п.п."),
    (5, None, "payments", "ru", None),
])
def test_a_kpis_change(current: float, previous: float | None, key: str, lang: str, expected: str | None) -> None:
    assert _widgets.delta_text(current, previous, key, lang) == expected  # type: ignore[arg-type]


def _cards() -> None:
    import streamlit as st

    from pages import _widgets

    left, right = st.columns(2)
    _widgets.kpi(left, "payments", 117, 117, "ru", worse=True)
    _widgets.kpi(right, "meetings_held", 396, 433, "ru", worse=True)


def test_no_change_shows_no_arrow() -> None:
    at = AppTest.from_function(_cards).run()
    assert not at.exception
    same, fell = at.metric
    assert same.delta == "без изменений"
    assert (same.proto.direction, same.proto.color) == (Metric.MetricDirection.NONE, Metric.MetricColor.GRAY)
    assert fell.delta == "−37 (−8,5\u00a0%)"
    assert (fell.proto.direction, fell.proto.color) == (Metric.MetricDirection.DOWN, Metric.MetricColor.RED)


@pytest.mark.parametrize(("lang", "title"), [("ru", "Показатель"), ("en", "Metric")])
def test_the_person_page_downloads_its_month_table_turned(prepared: list[_widgets.Download], lang: str,
                                                          title: str) -> None:
    at = open_screen("lead_generator", lang)
    months = next(d for d in prepared if d.raw.columns[0] == "metric" and d.file.startswith(
        "по_месяцам_" if lang == "ru" else "by-month_"))
    assert months.shown.columns[0] == title
    raw_months = months.raw.columns[1:]  # newest first, as the screen shows them (the keys' file keeps the codes)
    assert raw_months == sorted(raw_months, reverse=True) and all(re.fullmatch(r"\d{4}-\d{2}", m) for m in raw_months)
    assert months.shown.columns[1] == ("ноя\u00a02026 (идёт)" if lang == "ru" else "Nov\u00a02026 (running)")
    assert months.raw["metric"].to_list() == list(METRIC_KEYS)
    assert months.file.endswith(f"_{raw_months[-1]}_{raw_months[0]}") or months.file.endswith(raw_months[0])
    toggle = next(t for t in at.toggle if t.key.startswith("keys_months_"))
    assert toggle.label == ("Заголовки для программ (англ.)" if lang == "ru" else "Headers for programs (fixed keys)") \
        and toggle.value is False


def test_the_plan_page_names_its_file_after_the_sidebars_period(prepared: list[_widgets.Download]) -> None:
    at = open_screen("plan_attainment", "ru")
    period = at.session_state["_view"].period
    plan = next(d for d in prepared if d.sheet == "выполнение_плана")
    assert plan.file == f"выполнение_плана_{export.period_label(period.start, period.end)}"
    assert re.fullmatch(r"выполнение_плана_\d{4}-\d{2}(-\d{2}_\d{4}-\d{2}-\d{2})?", plan.file)
    assert plan.shown.columns[0] == "Лидоруб" and plan.raw.columns[0] == "employee"
    assert [b.label for b in at.download_button][:2] == ["Скачать CSV", "Скачать XLSX"]
    # the keys for scripts: one switch a table; on, the same table leaves with its keys (and reruns cleanly)
    at.toggle(key="keys_plan_attainment").set_value(True).run()
    assert not at.exception
    assert at.toggle(key="keys_plan_attainment").value is True


def test_the_keys_switch_chooses_the_files() -> None:
    ready = _widgets.prepare_download(BOARD, "leaderboard", "ru", period=OCTOBER)
    table, formats, file = ready.files(keys=False)
    assert (table.columns[0], formats, file) == ("Лидоруб", {"Проведено встреч": "#,##0",
                                                            "Проведение → оплата": "0.0%"}, "лидорубы_2026-10")
    table, formats, file = ready.files(keys=True)
    assert (table.columns, formats, file) == (["employee", "meetings_held", "conv_held_to_paid"],
                                              {"meetings_held": "#,##0", "conv_held_to_paid": "0.0%"},
                                              "лидорубы_2026-10_keys")


def test_the_turn_can_be_asked_for_or_refused() -> None:
    """A page may say how its table is shown: a table of months kept as is, or a table with no period never turned."""
    kept = _widgets.prepare_download(MONTHS, "months_Соколов", "en", period=OCTOBER, metrics_as_rows=False)
    assert kept.shown.columns == ["Month", "Meetings held", "Held → paid"] and kept.row_formats is None
    board = _widgets.prepare_download(BOARD, "leaderboard", "en", period=OCTOBER, metrics_as_rows=True)
    assert board.shown.columns == ["Lead generator", "Meetings held", "Held → paid"]
