"""Exports open safely in a spreadsheet: valid sheet names, no formula runs, no field split by a locale's Excel."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import fastexcel
import polars as pl
import pytest

from analytics import export


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("leaderboard", "leaderboard"),
        ("secondary_[win](http://evil)", "secondary_win(httpevil)"),
        ("a:b*c?d/e\\f[g]h", "abcdefgh"),
        ("conversions_Константинопольский-Длиннофамильный Иван", "conversions_Константинопольский"),  # 31 chars
        ("[]:*?/\\", "data"),  # nothing left: the default
        ("'quoted'", "quoted"),  # Excel refuses a quote at either end
        ("History", "data"),  # reserved by Excel
        ("", "data"),
    ],
)
def test_sheet_names(name: str, expected: str) -> None:
    assert export.sheet_name(name) == expected
    assert 1 <= len(export.sheet_name(name)) <= 31


def test_xlsx_with_an_invalid_name_opens() -> None:
    frame = pl.DataFrame({"employee": ["Иванов"], "held": [3]})
    content = export.to_xlsx(frame, "months_[Иванов]: *?/\\ a very long name that goes on")
    reader = fastexcel.read_excel(content)
    assert reader.sheet_names == ["months_Иванов  a very long name"]
    assert reader.load_sheet(0).to_polars().to_dicts() == [{"employee": "Иванов", "held": 3.0}]


def test_formula_guard_looks_past_spaces_and_quotes() -> None:
    cells = ["=1+1", "  =1+1", "\"=1+1", "' @SUM(A1)", " -2+3", "\t1", "\rx", "\n=cmd", "a=b", "Иванов", "", None,
             "1-2", "e-mail"]
    guarded = export.neutralise(pl.DataFrame({"text": cells}))["text"].to_list()
    assert guarded == ["'=1+1", "'  =1+1", "'\"=1+1", "'' @SUM(A1)", "' -2+3", "'\t1", "'\rx", "'\n=cmd", "a=b",
                       "Иванов", "", None, "1-2", "e-mail"]


def test_numbers_stay_numbers() -> None:
    frame = pl.DataFrame({"amount": [-5.0, 1.5], "count": [-1, 2], "day": [date(2026, 10, 1), None]})
    assert export.neutralise(frame).equals(frame)
    rows = list(csv.reader(io.StringIO(export.to_csv(frame).decode("utf-8-sig"))))
    assert rows == [["amount", "count", "day"], ["-5.0", "-1", "2026-10-01"], ["1.5", "2", ""]]


def test_csv_quotes_separators_of_every_locale() -> None:
    frame = pl.DataFrame({
        "source": ["Google; Yandex", "a,b", 'say "hi"', "two\nlines", "plain", None],
        "leads": [1, 2, 3, 4, 5, 6],
    })
    text = export.to_csv(frame).decode("utf-8-sig")
    lines = text.split("\n")
    assert lines[0] == "source,leads"
    assert lines[1] == '"Google; Yandex",1'  # a `;` would split the field in a Russian Excel
    assert lines[2] == '"a,b",2'
    assert lines[3] == '"say ""hi""",3'
    assert lines[4:6] == ['"two', 'lines",4']
    assert lines[6:8] == ["plain,5", ",6"]
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[1:]] == ["Google; Yandex", "a,b", 'say "hi"', "two\nlines", "plain", ""]
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[1] == ["Google; Yandex,1"]  # not split by `;`


def test_csv_header_is_quoted_too() -> None:
    text = export.to_csv(pl.DataFrame({"a;b": [1], "c": ["=x"]})).decode("utf-8-sig")
    assert text == "\"a;b\",c\n1,'=x\n"


def test_csv_starts_with_a_bom() -> None:
    assert export.to_csv(pl.DataFrame({"x": ["Иванов"]})) == "\ufeffx\nИванов\n".encode()


def test_categorical_text_is_guarded() -> None:
    frame = pl.DataFrame({"source": ["=evil", "ok;no"]}, schema={"source": pl.Categorical})
    rows = list(csv.reader(io.StringIO(export.to_csv(frame).decode("utf-8-sig"))))
    assert rows[1:] == [["'=evil"], ["ok;no"]]


@pytest.mark.parametrize(("start", "end", "expected"), [
    (date(2026, 10, 1), date(2026, 10, 31), "2026-10"),
    (date(2026, 2, 1), date(2026, 2, 28), "2026-02"),
    (date(2028, 2, 1), date(2028, 2, 28), "2028-02-01_2028-02-28"),  # a leap year: the 29th is missing
    (date(2026, 10, 1), date(2026, 10, 15), "2026-10-01_2026-10-15"),
    (date(2026, 10, 2), date(2026, 10, 31), "2026-10-02_2026-10-31"),
    (date(2026, 9, 1), date(2026, 10, 31), "2026-09-01_2026-10-31"),
    (date(2026, 12, 1), date(2026, 12, 31), "2026-12"),
])
def test_period_label(start: date, end: date, expected: str) -> None:
    assert export.period_label(start, end) == expected


def test_months_label() -> None:
    assert export.months_label(["2026-10", "2026-05", "2026-07"]) == "2026-05_2026-10"
    assert export.months_label(["2026-10"]) == "2026-10"
    assert export.months_label([]) == ""


def test_metrics_as_rows_keeps_the_columns_order_and_sorts_the_months() -> None:
    frame = pl.DataFrame({"month": ["2026-10", "2026-09"], "payments": [117, 120], "conv_held_to_paid": [0.3, None]})
    turned = export.metrics_as_rows(frame, "month")
    assert turned.columns == ["metric", "2026-09", "2026-10"]
    assert turned.rows() == [("payments", 120.0, 117.0), ("conv_held_to_paid", None, 0.3)]


def test_csv_whole_numbers() -> None:
    frame = pl.DataFrame({"metric": ["payments", "share"], "2026-10": [-117.0, 0.25], "n": [1, 2]})
    plain = export.to_csv(frame, whole_numbers=True).decode("utf-8-sig")
    assert plain == "metric,2026-10,n\npayments,-117,1\nshare,0.25,2\n"  # a minus sign of a number is not guarded
    assert export.to_csv(frame).decode("utf-8-sig") == "metric,2026-10,n\npayments,-117.0,1\nshare,0.25,2\n"


def test_xlsx_writes_types_not_text() -> None:
    frame = pl.DataFrame({"who": ["=HYPERLINK(1)", "Иванов"], "held": [3, None], "share": [0.25, float("nan")],
                          "day": [date(2026, 10, 30), None], "ok": [True, False]})
    content = export.to_xlsx(frame, "t", formats={"share": "0.0%"})
    sheet = fastexcel.read_excel(content).load_sheet(0).to_polars()
    assert sheet["who"].to_list() == ["'=HYPERLINK(1)", "Иванов"]  # text, never a formula
    assert sheet["held"].to_list() == [3.0, None]
    assert sheet["share"].to_list() == [0.25, None]  # NaN left empty, as the screens show "—"
    assert sheet["day"].to_list() == [datetime(2026, 10, 30), None]  # a date cell, read back as a datetime
    assert sheet["ok"].to_list() == [True, False]


def test_with_titles_keeps_titles_apart() -> None:
    frame = pl.DataFrame({"a": [1], "b": [2], "c": [3]})
    assert export.with_titles(frame, {"a": "Title", "b": "Title"}).columns == ["Title", "Title (b)", "c"]
