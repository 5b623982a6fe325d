"""Read an uploaded file's bytes into a table of text, whatever the format — detected from content, not the name.

Every cell stays text here; parsing values is the converter's job, so that a bad value can be reported with
its row and column instead of failing the whole file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from html.parser import HTMLParser

import fastexcel
import polars as pl

# Asterisk's Master.csv has no header; these are its columns (the last two are optional).
ASTERISK_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
    "start", "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield",
)
ROW = "_row"  # the row number a person sees in the file (header = row 1)


class BadFile(Exception):
    """A file that cannot be read as a table; the message is for the user and names the file."""


@dataclass(frozen=True)
class RawFile:
    name: str
    format: str  # xlsx, xls, html, csv, asterisk
    frame: pl.DataFrame  # all columns text, plus ROW

    @property
    def headers(self) -> list[str]:
        return [c for c in self.frame.columns if c != ROW]

    @property
    def rows(self) -> int:
        return self.frame.height


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
)


def decode(content: bytes) -> tuple[str, bytes]:
    """The text and its UTF-8 bytes. Russian exports come in UTF-8 (with or without BOM) or Windows-1251."""
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        return content.decode("utf-8"), content
    except UnicodeDecodeError:
        text = content.decode("cp1251", errors="replace")
        return text, text.encode("utf-8")


def _tidy(frame: pl.DataFrame, first_data_row: int) -> pl.DataFrame:
    """Unique, trimmed header names; drop nameless empty columns (Bitrix24's trailing `;`) and blank rows."""
    names: list[str] = []
    for i, raw in enumerate(frame.columns):
        name = (raw or "").strip() or f"column_{i + 1}"
        candidate, n = name, 1
        while candidate in names:
            n += 1
            candidate = f"{name}.{n - 1}"
        names.append(candidate)
    frame = frame.rename(dict(zip(frame.columns, names, strict=True))).cast(pl.String)
    # Trimming every cell of a big file costs more than reading it: trim the columns whose values come padded.
    padded = [c for c in frame.columns if frame[c].head(20_000).str.contains(r"^\s|\s$").any()]
    frame = frame.with_columns(pl.col(padded).str.strip_chars()).with_columns(pl.col(pl.String).replace("", None))
    empty_unnamed = [c for c in frame.columns if c.startswith("column_") and frame[c].null_count() == frame.height]
    frame = frame.drop(empty_unnamed).with_row_index(ROW, offset=first_data_row)
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    data_columns = [c for c in frame.columns if c != ROW]
    if not data_columns:
        return frame
    return frame.filter(~pl.all_horizontal(pl.col(data_columns).is_null()))


def _read_excel(content: bytes, name: str) -> pl.DataFrame:
    try:
        workbook = fastexcel.read_excel(content)
        best: pl.DataFrame | None = None
        for sheet in workbook.sheet_names:  # the sheet that looks most like data: most filled cells
            frame = workbook.load_sheet(sheet, dtypes="string").to_polars()
            if best is None or frame.height * frame.width > best.height * best.width:
                best = frame
    except Exception as error:  # fastexcel raises several of its own types
        raise BadFile(f"{name}: the spreadsheet could not be read ({error})") from error
    if best is None or best.width == 0:
        raise BadFile(f"{name}: the workbook has no sheet with data")
    return best


class _TableParser(HTMLParser):
    """Collects the cells of the first <table>: Bitrix24's ".xls" export is such a page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._tables += 1
        elif tag == "tr" and self._tables == 1:
            self.rows.append([])
        elif tag in ("td", "th") and self._tables == 1 and self.rows:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _read_html(text: str, name: str) -> pl.DataFrame:
    parser = _TableParser()
    parser.feed(text)
    rows = [r for r in parser.rows if r]
    if not rows:
        raise BadFile(f"{name}: the page has no table")
    width = max(len(r) for r in rows)
    header, body = rows[0] + [""] * (width - len(rows[0])), [r + [""] * (width - len(r)) for r in rows[1:]]
    return pl.DataFrame(body, schema=[str(h) for h in header], orient="row")


def sniff_delimiter(text: str) -> str:
    """The delimiter among `,` `;` tab that splits the first lines into the same, largest number of fields."""
    lines = [line for line in text[:65_536].splitlines()[:50] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in (";", "\t", ","):
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:  # stray line breaks inside a field: this delimiter tells nothing
            continue
        if not widths:
            continue
        consistent = sum(w == widths[0] for w in widths)
        score = (consistent if widths[0] > 1 else 0, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _looks_headerless_asterisk(first_row: list[str]) -> bool:
    if not 16 <= len(first_row) <= 18:
        return False
    start, billsec = first_row[9].strip(), first_row[13].strip()
    return start[:4].isdigit() and "-" in start and billsec.isdigit()


def _read_csv(text: str, utf8: bytes, name: str) -> tuple[pl.DataFrame, str]:
    """Parse CSV text; `utf8` is the same text as UTF-8 bytes, which Polars reads without another copy."""
    delimiter = sniff_delimiter(text)
    try:
        first = next(csv.reader(io.StringIO(text[:65_536], newline=""), delimiter=delimiter), [])
    except csv.Error:
        first = []
    headerless = _looks_headerless_asterisk(first)
    try:
        frame = pl.read_csv(
            utf8,
            separator=delimiter,
            has_header=not headerless,
            infer_schema=False,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError as error:
        detail = str(error).strip().splitlines()[0]
        raise BadFile(f"{name}: the CSV could not be parsed — check its quotes ({detail})") from error
    if headerless:
        frame = frame.rename(dict(zip(frame.columns, ASTERISK_COLUMNS, strict=False)))
        return frame, "asterisk"
    return frame, "csv"


def read_raw(content: bytes, name: str) -> RawFile:
    """Read any supported export; raise BadFile with a message for the user when it is not a table."""
    if not content[:65_536].strip() and not content.strip():
        raise BadFile(f"{name}: the file is empty")
    for signature, what in _SIGNATURES:
        if content.startswith(signature):
            raise BadFile(f"{name}: this is {what}, not a table — export CSV or XLSX from your CRM or telephony")
    if content.startswith(b"PK\x03\x04"):
        frame, fmt, first_row = _read_excel(content, name), "xlsx", 2
    elif content.startswith(b"\xd0\xcf\x11\xe0"):
        frame, fmt, first_row = _read_excel(content, name), "xls", 2
    else:
        text, utf8 = decode(content)
        if "\x00" in text[:4096]:
            raise BadFile(f"{name}: this is a binary file, not a table")
        if text.lstrip()[:1] == "<" and "<table" in text.lower():
            frame, fmt, first_row = _read_html(text, name), "html", 2
        else:
            frame, fmt = _read_csv(text, utf8, name)
            first_row = 1 if fmt == "asterisk" else 2
    frame = _tidy(frame, first_row)
    if frame.height == 0:
        raise BadFile(f"{name}: the file has a header but no rows")
    return RawFile(name=name, format=fmt, frame=frame)
