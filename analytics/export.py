"""Tables out of the app and the CLI: CSV and XLSX, safe to open in a spreadsheet."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import xlsxwriter

# A text cell is run as a formula by spreadsheets (CSV/formula injection) when its first non-blank character,
# after any spaces and quotes, is one of `= + - @`, or when it starts with a tab or a carriage return.
FORMULA = r"""^(?:[\t\r]|[\s"']*[=+\-@])"""
# Fields that must be quoted: Excel in a Russian locale splits CSV on `;`, other locales on `,`.
NEEDS_QUOTES = r"""[,;"\r\n]"""
# Excel refuses these in a sheet name, a name over 31 characters, an empty one, and one starting or ending with `'`.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
SHEET_MAX = 31
DEFAULT_SHEET = "data"


def _text_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c, dtype in frame.schema.items()
            if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)]


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe; numbers stay numbers."""
    texts = _text_columns(frame)
    return frame.with_columns(
        pl.when(pl.col(c).cast(pl.String).str.contains(FORMULA))
        .then(pl.lit("'") + pl.col(c).cast(pl.String))
        .otherwise(pl.col(c).cast(pl.String))
        .alias(c)
        for c in texts
    )


def _quoted(value: pl.Expr) -> pl.Expr:
    """`"…"` with inner quotes doubled, for a field holding a separator, a quote or a line break."""
    return pl.when(value.str.contains(NEEDS_QUOTES)).then(
        pl.lit('"') + value.str.replace_all('"', '""', literal=True) + pl.lit('"')).otherwise(value)


def _quote_header(name: str) -> str:
    return '"' + name.replace('"', '""') + '"' if re.search(NEEDS_QUOTES, name) else name


def _plain(value: float | None) -> str | None:
    if value is None or not math.isfinite(value):
        return None
    return str(int(value)) if value.is_integer() else repr(value)


def to_csv(frame: pl.DataFrame, *, whole_numbers: bool = False) -> bytes:
    """UTF-8 with BOM (so that Excel opens Cyrillic text correctly), comma-separated, and every field that holds
    `,` `;` `"` or a line break quoted, so that no locale's Excel splits it. Numbers are written as numbers;
    `whole_numbers` writes a whole float as `396`, not `396.0` (a column of months holding counts and ratios)."""
    safe = neutralise(frame)
    safe = safe.with_columns(_quoted(pl.col(c)).alias(c) for c in _text_columns(safe))
    if whole_numbers:
        safe = safe.with_columns(pl.Series(c, [_plain(x) for x in safe[c]], dtype=pl.String)
                                 for c, dtype in safe.schema.items() if dtype.is_float())
    header = ",".join(_quote_header(c) for c in safe.columns) + "\n"
    body = safe.write_csv(include_header=False, quote_style="never") if safe.width else ""
    return b"\xef\xbb\xbf" + (header + body).encode("utf-8")


def sheet_name(name: str) -> str:
    """A worksheet name Excel accepts: no `[]:*?/\\`, no quote at either end, 1 to 31 characters."""
    cleaned = SHEET_FORBIDDEN.sub("", str(name)).strip().strip("'").strip()[:SHEET_MAX].strip().strip("'")
    if not cleaned or cleaned.lower() == "history":  # "History" is reserved by Excel
        return DEFAULT_SHEET
    return cleaned


# Excel's number formats of the metric kinds (analytics/registry.py): a ratio is kept as the fraction it is and
# shown as a percent, so that a sum or a chart in the spreadsheet works on the number, not on a text "12,3 %".
EXCEL_FORMATS: dict[str, str] = {"ratio": "0.0%", "count": "#,##0", "money": "#,##0", "minutes": "#,##0",
                                 "number": "#,##0"}
DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT = "dd.mm.yyyy", "dd.mm.yyyy hh:mm", "hh:mm:ss"


def to_xlsx(frame: pl.DataFrame, sheet: str = DEFAULT_SHEET, *, formats: Mapping[str, str] | None = None,
            row_formats: Sequence[str | None] | None = None) -> bytes:
    """One worksheet: a header row, numbers as numbers, dates as dates, text as text (never run as a formula).

    `formats` gives a column's Excel number format (`EXCEL_FORMATS` by metric kind); `row_formats` one per row,
    for a table whose rows are metrics (a ratio row in percent, a count row in whole numbers), and it wins."""
    buffer = io.BytesIO()
    import xlsxwriter  # late: 16 ms of every command's start, for the one that writes XLSX

    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True, "nan_inf_to_errors": True})
    page = book.add_worksheet(sheet_name(sheet))
    cache: dict[str, xlsxwriter.format.Format] = {}

    def style(number_format: str | None) -> xlsxwriter.format.Format | None:
        if not number_format:
            return None
        if number_format not in cache:
            cache[number_format] = book.add_format({"num_format": number_format})
        return cache[number_format]

    bold = book.add_format({"bold": True})
    safe = neutralise(frame)
    for col, name in enumerate(safe.columns):
        page.write_string(0, col, name, bold)
    for col, name in enumerate(safe.columns):
        column_format = (formats or {}).get(name)
        for row, value in enumerate(safe[name].to_list(), start=1):
            chosen = row_formats[row - 1] if row_formats is not None and row_formats[row - 1] else column_format
            _write_cell(page, row, col, value, style(chosen), style)
    page.freeze_panes(1, 0)
    page.autofit()
    book.close()
    return buffer.getvalue()


def _write_cell(page: xlsxwriter.worksheet.Worksheet, row: int, col: int, value: object,
                number_style: xlsxwriter.format.Format | None,
                style: Callable[[str | None], xlsxwriter.format.Format | None]) -> None:
    """A value written as its own type: xlsxwriter's generic `write` would run a text starting with `=`."""
    if value is None:
        return
    if isinstance(value, bool):
        page.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return  # an empty cell rather than Excel's #NUM!: the screens show "—" for it
        page.write_number(row, col, value, number_style)
    elif isinstance(value, datetime):
        page.write_datetime(row, col, value, style(DATETIME_FORMAT))
    elif isinstance(value, date):
        page.write_datetime(row, col, value, style(DATE_FORMAT))
    elif isinstance(value, time):
        page.write_datetime(row, col, value, style(TIME_FORMAT))
    elif isinstance(value, timedelta):
        page.write_number(row, col, value.total_seconds())
    else:
        page.write_string(row, col, str(value))


def period_label(start: date, end: date) -> str:
    """The period in a file name: `2026-10` for a whole calendar month, else `2026-10-01_2026-10-15`."""
    if start.day == 1 and start.month == end.month and start.year == end.year \
            and (end + timedelta(days=1)).month != end.month:
        return f"{start:%Y-%m}"
    return f"{start:%Y-%m-%d}_{end:%Y-%m-%d}"


def months_label(months: Sequence[str]) -> str:
    """The months a table covers, for a file name: `2026-10`, or `2026-05_2026-10` for several."""
    ordered = sorted(m for m in months if m)
    if not ordered:
        return ""
    return ordered[0] if ordered[0] == ordered[-1] else f"{ordered[0]}_{ordered[-1]}"


def with_titles(frame: pl.DataFrame, titles: Mapping[str, str]) -> pl.DataFrame:
    """The columns renamed to the titles the screen shows; a column without a title keeps its key, and a title
    taken twice gets its key in brackets (a spreadsheet needs distinct headers to be read back)."""
    taken: set[str] = set()
    renamed: dict[str, str] = {}
    for column in frame.columns:
        title = titles.get(column) or column
        if title in taken:
            title = f"{title} ({column})"
        taken.add(title)
        renamed[column] = title
    return frame.rename(renamed)


def metrics_as_rows(frame: pl.DataFrame, period: str, metric_column: str = "metric") -> pl.DataFrame:
    """A metrics table with one row per `period` (`month`) turned as a person's month table shows it: one row per
    metric (in the table's column order), one column per period, oldest first. The values stay numbers."""
    keys = [c for c in frame.columns if c != period]
    ordered = frame.sort(period)
    return pl.DataFrame(
        [pl.Series(metric_column, keys, dtype=pl.String)]
        + [pl.Series(str(p), [ordered[k][i] for k in keys], dtype=pl.Float64, strict=False)
           for i, p in enumerate(ordered[period].to_list())]
    )

