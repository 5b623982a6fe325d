"""Exports open safely in a spreadsheet: valid sheet names, no formula runs, no field split by a locale's Excel."""

from __future__ import annotations

import csv
import io
from datetime import date

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
