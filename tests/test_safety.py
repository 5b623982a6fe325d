"""Beyond the happy path: any bytes give a result or a clear message; exports cannot run formulas; names from
files are shown as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import fastexcel
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analytics import export
from analytics.importing.converting import REJECTED
from analytics.importing.pipeline import Upload, import_one
from analytics.importing.reading import BadFile
from analytics.importing.values import MAX_CALL_SECONDS
from pages._widgets import escape

HEADERS = ["Дата и время", "Сотрудник", "Длительность разговора", "Номер клиента", "ID", "Ответственный",
           "Дата создания сделки", "Этап сделки", "Бюджет", "utm_source", "Встреча проведена", "Тип", "x", ""]
CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["27.11.2026 14:05:09", "2026-11-27", "00:01:15", "75", "Да", "нет", "+7 (900) 001-00-02",
                     "1 234,50 ₽", "не закрыта", "46353.5", "-", "", " ", '"', ";", "\n", "=1+1"]),
)


def check(content: bytes, name: str) -> None:
    """The contract of the importer: a result that accounts for every row, or a BadFile naming the file."""
    try:
        result = import_one(Upload(name, content))
    except BadFile as error:
        assert str(error).startswith(name + ":")
        return
    assert result.imported + result.skipped + result.rejected == result.rows_in_file
    assert 0 <= result.rejected <= result.rows_in_file and 0 <= result.skipped <= result.rows_in_file
    if "calls" in result.tables:  # whatever the cell said, an imported talk time is a plausible number of seconds
        assert result.tables["calls"]["duration_s"].is_between(0, MAX_CALL_SECONDS).all()


# Talk times that once slipped through as numbers or exceptions when hypothesis happened to draw them (issue 14):
# not-a-number, infinities, floats and integers beyond any call, a clock with 99 minutes, 1157 days in seconds.
BAD_DURATIONS = ("NaN", "inf", "-inf", "1e30", "99999999999999999999", "00:99:99", "99999999")
CALL_HEADER = ["Дата и время", "Сотрудник", "Длительность разговора"]


def with_bad_durations(test: Callable[..., None]) -> Callable[..., None]:
    """Each bad talk time as an explicit example of a call log, so that it is tried on every run, not by luck."""
    for duration in BAD_DURATIONS:
        test = example(header=CALL_HEADER, rows=[["27.11.2026 14:05:09", "Иванов", duration]], delimiter=";",
                       encoding="utf-8")(test)
    return test


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.sampled_from(["x.csv", "x.xlsx", "x.xls", "Master.csv"]))
def test_any_bytes(content: bytes, name: str) -> None:
    check(content, name)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@with_bad_durations
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8),
    rows=st.lists(st.lists(CELLS, max_size=9), max_size=12),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]),
)
def test_any_csv(header: list[str], rows: list[list[str]], delimiter: str, encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    check(buffer.getvalue().encode(encoding, errors="replace"), "fuzz.csv")


@pytest.mark.parametrize("duration", BAD_DURATIONS)
def test_an_impossible_duration_is_a_rejected_value(duration: str) -> None:
    """Rejected with its row and column named: never an exception, never a number in the calls table."""
    text = "\n".join([";".join(CALL_HEADER), f"27.11.2026 14:05:09;Иванов;{duration}", "27.11.2026 14:10:00;Иванов;75"])
    result = import_one(Upload("calls.csv", text.encode()))
    assert (result.rows_in_file, result.imported, result.skipped, result.rejected) == (2, 1, 0, 1)
    assert result.tables["calls"]["duration_s"].to_list() == [75]  # only the good row's 75 s
    issues: list[dict[str, Any]] = result.issues.to_dicts()
    assert [(i["row"], i["column"], i["value"], i["action"]) for i in issues] == [
        (2, "Длительность разговора", duration, REJECTED)]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_text_file(text: str) -> None:
    check(text.encode("utf-8"), "text.csv")


def test_exports_cannot_run_formulas() -> None:
    frame = pl.DataFrame({
        "employee": ["=HYPERLINK(\"http://evil\",\"x\")", "+7 900", "-cmd", "@SUM(A1)", "Иванов", "\tx"],
        "amount": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0],
    })
    text = export.to_csv(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil\",\"x\")", "'+7 900", "'-cmd", "'@SUM(A1)",
                                        "Иванов", "'\tx"]
    assert rows[1][1] == "-5.0"  # numbers stay numbers
    sheet = fastexcel.read_excel(export.to_xlsx(frame, "t")).load_sheet(0).to_polars()
    assert sheet["employee"].to_list()[:4] == ["'=HYPERLINK(\"http://evil\",\"x\")", "'+7 900", "'-cmd", "'@SUM(A1)"]
    assert sheet["amount"].to_list()[0] == -5.0


def test_names_are_shown_as_text() -> None:
    assert escape("[win](http://evil)") == "\\[win\\]\\(http\\://evil\\)"  # `http\://` is no autolink either
    assert escape("<img src=x onerror=alert(1)>") == "\\<img src\\=x onerror\\=alert\\(1\\)\\>"
    assert escape("**Иванов** _И._") == "\\*\\*Иванов\\*\\* \\_И\\.\\_"
