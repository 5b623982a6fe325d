"""Read an uploaded file's bytes into a table of text, whatever the format — detected from content, not the name.

Every cell stays text here; parsing values is the converter's job, so that a bad value can be reported with its row
and column instead of failing the whole file. The reader looks at a sample first (encoding, delimiter, line ends,
whether the first row is a header) and then lets Polars read the whole file in one go; only a file Polars cannot read
(stray quotes, rows with extra fields) goes through Python's lenient `csv` module, which reports each row it cannot
take. What the reader repairs or refuses is returned as issues (see report.py), never dropped silently.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

import polars as pl

from analytics.importing.report import NOTED, REJECTED, clip, issues

ROW = "_row"  # the row number a person sees in the file (header = row 1)
MAX_COLUMNS = 2_000  # no export has more; a file with more is refused before any work that grows with the columns
MAX_LINE_BYTES = 1 << 20  # a first line longer than this is not a table's header
SAMPLE_BYTES = 256 * 1024
# The fast path: skip work that a sample or a cheap check proves changes nothing. Tests set it False to compare the
# tables with the slow path, which does every step on every row (tests/test_fast_path.py).
FAST_PATH = True

# Asterisk's cdr_csv writes no header. The layouts in use, told apart by their width and by where the disposition
# (ANSWERED, NO ANSWER, …) stands in the first row.
ASTERISK_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
    "start", "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield",
)
ASTERISK_NEW_COLUMNS = (*ASTERISK_COLUMNS, "peeraccount", "linkedid", "sequence")  # cdr_csv with newcdrcolumns
ASTERISK_CUSTOM_COLUMNS = (  # a common cdr_custom layout: no accountcode in front, the sequence at the end
    "clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "start", "answer", "end",
    "duration", "billsec", "disposition", "amaflags", "accountcode", "uniqueid", "userfield", "sequence",
)
DISPOSITIONS = frozenset({"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION", "CANCEL", "CHANUNAVAIL"})
_CDR_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_CONTROL_BYTES = bytes(b for b in range(256) if (b < 32 and b not in (9, 10, 13)) or b == 127)
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_CONTROL_TEXT = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


class BadFile(Exception):
    """A file that cannot be read as a table; the message is for the user, names the file and is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


def one_line(text: str) -> str:
    """Library errors span lines (Polars prints its plan); a person gets the first meaningful one."""
    first = next((line.strip() for line in str(text).splitlines() if line.strip()), "")
    return first[:500]


@dataclass(frozen=True)
class RawFile:
    name: str
    format: str  # xlsx, xls, html, csv, asterisk
    frame: pl.DataFrame  # all columns text, plus ROW
    notes: pl.DataFrame = field(default_factory=lambda: issues([]))  # what the reader repaired or refused
    encoding: str = "utf-8"

    @property
    def headers(self) -> list[str]:
        return [c for c in self.frame.columns if c != ROW]

    @property
    def rows(self) -> int:
        """Rows in the file: the ones read, and the ones the reader had to refuse (each is in `notes`)."""
        refused = self.notes.filter(pl.col("action") == REJECTED)["row"].n_unique()
        return self.frame.height + refused


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


# ---- encodings ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decoded:
    """A text file as UTF-8 bytes (what Polars reads), the encoding it came in, and the lines decoded otherwise."""

    utf8: bytes
    encoding: str
    odd_lines: tuple[int, ...] = ()  # 1-based line numbers decoded in `fallback` inside a UTF-8 file
    fallback: str = ""


def _single_byte_encoding(sample: bytes) -> str:
    """Russian exports that are not UTF-8 are Windows-1251 nearly always; charset-normalizer settles the rare rest.

    On a short sample of names it may say KOI8-R for a Windows-1251 file (the same bytes are letters in both, with
    the cases swapped): text is mostly lowercase, which is 0xE0–0xFF in Windows-1251 and 0xC0–0xDF in KOI8-R.
    """
    import charset_normalizer  # late: most files are UTF-8, and the CLI starts 17 ms sooner without it

    best = charset_normalizer.from_bytes(sample, cp_isolation=["cp1251", "koi8_r", "cp866", "mac_cyrillic"]).best()
    encoding = best.encoding if best is not None else "cp1251"
    if encoding == "koi8_r" and sum(sample.count(bytes([b])) for b in range(0xE0, 0x100)) > \
            sum(sample.count(bytes([b])) for b in range(0xC0, 0xE0)):
        return "cp1251"
    return encoding


def _utf16(content: bytes) -> str | None:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = content[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > 0.4 * len(sample[1::2]) and sample[0::2].count(0) == 0:
        return "utf-16-le"
    if len(sample) >= 4 and sample[0::2].count(0) > 0.4 * len(sample[0::2]) and sample[1::2].count(0) == 0:
        return "utf-16-be"
    return None


def decode(content: bytes, trust_utf8: bool = False) -> Decoded:
    """UTF-8 (with or without BOM), UTF-16, Windows-1251 — or a UTF-8 file with a few lines in Windows-1251, which
    are decoded line by line instead of turning every name of the file into mojibake.

    With `trust_utf8`, a file whose sample is UTF-8 is passed on unchecked (Polars validates it while reading, which
    is cheaper than decoding it here); the caller comes back without it if Polars finds a stray line.
    """
    wide = _utf16(content)
    if wide:
        return Decoded(content.decode(wide, errors="replace").lstrip("\ufeff").encode("utf-8"), wide)
    if content.startswith(codecs.BOM_UTF8):
        content = content[3:]
    sample, lines, broken = _judged_sample(content)
    if lines and broken > len(lines) / 2:
        encoding = _single_byte_encoding(sample)
        return Decoded(content.decode(encoding, errors="replace").encode("utf-8"), encoding)
    if trust_utf8 and not broken:
        return Decoded(content, "utf-8")
    return _decode_mixed(content, _single_byte_encoding(b"\n".join(lines)) if broken else "cp1251")


def _judged_sample(content: bytes) -> tuple[bytes, list[bytes], int]:
    """The sample's whole lines, those of them that are not ASCII, and how many of these are not UTF-8 either."""
    sample = content[:SAMPLE_BYTES]
    cut = sample.rfind(b"\n") if len(content) > SAMPLE_BYTES else len(sample)
    sample = sample[: cut if cut > 0 else len(sample)]
    lines = [line for line in sample.split(b"\n") if not line.isascii()]
    broken = 0
    for line in lines:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            broken += 1
    return sample, lines, broken


def single_byte_encoding(content: bytes) -> str | None:
    """The encoding `decode` would transcode the whole file from (Windows-1251 and kin); None for UTF-8 and UTF-16."""
    if _utf16(content) or content.startswith(codecs.BOM_UTF8):
        return None
    sample, lines, broken = _judged_sample(content)
    return _single_byte_encoding(sample) if lines and broken > len(lines) / 2 else None


def _decode_mixed(content: bytes, fallback: str) -> Decoded:
    """Decode as UTF-8; each line that is not UTF-8 is decoded in `fallback` (and reported by its number)."""
    try:
        content.decode("utf-8")
        return Decoded(content, "utf-8")
    except UnicodeDecodeError:
        pass
    parts: list[bytes] = []
    odd: list[int] = []
    position, line_number = 0, 1
    while position < len(content):
        try:
            content[position:].decode("utf-8")
            parts.append(content[position:])
            break
        except UnicodeDecodeError as error:
            bad = position + error.start
            start = content.rfind(b"\n", 0, bad) + 1
            end = content.find(b"\n", bad)
            end = len(content) if end < 0 else end + 1
            line_number += content.count(b"\n", position, start)
            parts.append(content[position:start])
            parts.append(content[start:end].decode(fallback, errors="replace").encode("utf-8"))
            odd.append(line_number)
            line_number += content.count(b"\n", start, end)
            position = end
            if len(odd) > 10_000:  # not a stray line: the file is in the other encoding after all
                return Decoded(content.decode(fallback, errors="replace").encode("utf-8"), fallback)
    return Decoded(b"".join(parts), "utf-8", tuple(odd), fallback)


# ---- CSV -----------------------------------------------------------------------------------------------------------

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


def asterisk_layout(first_row: list[str]) -> tuple[str, ...] | None:
    """The column names of a headerless Asterisk CDR, recognised by its first row; None when it is not one."""
    cells = [c.strip() for c in first_row]
    disposition = next((i for i, c in enumerate(cells) if c in DISPOSITIONS), None)
    if disposition is None or disposition < 5 or not _CDR_TIME.match(cells[disposition - 5]):
        return None
    if not (cells[disposition - 1].isdigit() and cells[disposition - 2].isdigit()):  # duration, billsec
        return None
    for layout in (ASTERISK_COLUMNS, ASTERISK_NEW_COLUMNS, ASTERISK_CUSTOM_COLUMNS):
        if layout.index("disposition") == disposition and len(cells) <= len(layout):
            return layout[: len(cells)]
    # An unknown custom layout: name what we know by position, the rest by number.
    known = ASTERISK_COLUMNS if disposition == 14 else ASTERISK_CUSTOM_COLUMNS if disposition == 13 else ()
    return tuple(known[i] if i < len(known) else f"column_{i + 1}" for i in range(len(cells)))


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    eol: str
    header: tuple[str, ...] | None  # the names to use when the file has no header row (Asterisk)

    @property
    def format(self) -> str:
        return "asterisk" if self.header else "csv"


def sniff(sample: str, name: str) -> Dialect:
    if "\n" not in sample and "\r" not in sample and len(sample) >= MAX_LINE_BYTES // 4:
        raise BadFile(f"{name}: the first line is longer than {MAX_LINE_BYTES // 4:,} characters — this is not a table "
                      f"export")
    eol = "\r" if "\n" not in sample and "\r" in sample else "\n"
    text = sample.replace("\r\n", "\n").replace("\r", "\n")
    delimiter = sniff_delimiter(text)
    try:
        first = next(csv.reader(io.StringIO(text[:65_536], newline=""), delimiter=delimiter), [])
    except csv.Error:
        first = []
    if len(first) > MAX_COLUMNS or text.split("\n", 1)[0].count(delimiter) >= MAX_COLUMNS:
        raise BadFile(f"{name}: the header has more than {MAX_COLUMNS:,} columns — this is not an export of calls or "
                      f"deals")
    return Dialect(delimiter, eol, asterisk_layout(first))


def _polars_csv(utf8: bytes, dialect: Dialect) -> pl.DataFrame:
    return pl.read_csv(
        utf8, separator=dialect.delimiter, has_header=False, infer_schema=False, eol_char=dialect.eol,
        encoding="utf8", raise_if_empty=False, truncate_ragged_lines=False,
    )


def _lenient_csv(text: str, dialect: Dialect, name: str) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    """Python's csv module: it takes `"User 10" <114>` and other half-quoted fields. A row with more filled fields
    than the header is refused (a delimiter inside a value shifts every column after it) and reported."""
    csv.field_size_limit(MAX_LINE_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter)
    rows: list[list[str]] = []
    refused: list[dict[str, object]] = []
    width: int | None = len(dialect.header) if dialect.header else None
    try:
        for record in reader:
            if width is None:
                width = len(record)
                rows.append(record)
                continue
            _refuse_runaway_quote(record, dialect.delimiter, width, reader.line_num, name)
            extra = [c for c in record[width:] if c.strip()]
            if extra:
                refused.append({"file": name, "row": reader.line_num, "column": None,
                                "value": clip(dialect.delimiter.join(record)),
                                "reason": f"the row has {len(record)} fields, the header {width} — a "
                                          f"'{dialect.delimiter}' inside a value?", "action": REJECTED})
                rows.append([])  # keeps the row numbers of the rows after it
                continue
            rows.append(record[:width] + [""] * (width - len(record)))
    except csv.Error as error:
        raise BadFile(f"{name}: the CSV could not be parsed near line {reader.line_num} — check its quotes "
                      f"({error})") from error
    width = width or 0
    columns = [[r[i] if r else None for r in rows] for i in range(width)]
    frame = pl.DataFrame({f"column_{i + 1}": col for i, col in enumerate(columns)}, schema={
        f"column_{i + 1}": pl.String for i in range(width)})
    # Rows refused above stay as all-null rows until _tidy drops them, so the numbering of the rest is kept.
    return frame, refused


def _refuse_runaway_quote(record: list[str], delimiter: str, width: int, line: int, name: str) -> None:
    """A quote that never closes swallows the rows after it into one value; those rows must not vanish silently."""
    for value in record:
        if "\n" in value and any(part.count(delimiter) >= max(width - 1, 1) for part in value.split("\n")[1:]):
            raise BadFile(f"{name}: the CSV could not be parsed near line {line} — a quote opened there is never "
                          f"closed; check its quotes")


PIECE_BYTES = 8 << 20  # a single-byte file is transcoded and read in pieces of this size
PIECES_AHEAD = 2
UTF8_PIECE_BYTES = 2 * PIECE_BYTES  # a UTF-8 file on disk is read in pieces of this size (see read_path)


def _single_byte_pieces(content: bytes, encoding: str, dialect: Dialect) -> pl.DataFrame | None:
    """A Windows-1251 file read piece by piece: each piece transcoded to UTF-8 and read by Polars, so that the file
    never exists as one Python str (two bytes a Cyrillic letter) and one UTF-8 copy. Only for a file without quotes
    (a quoted value may hold a line break: a piece could end inside it). None when a piece does not read like the
    first: the caller then reads the whole file as before, and its outcome (a refusal, the lenient reader) stands.
    Python transcodes the next piece while Polars reads this one: 188 MB in 0.56 s on two cores, not 1.2 s."""
    if b'"' in content:
        return None
    eol = dialect.eol.encode()

    def transcoded() -> Iterator[bytes | None]:
        start = 0
        while start < len(content):
            end = content.find(eol, start + PIECE_BYTES)
            end = len(content) if end < 0 else end + 1
            yield content[start:end].decode(encoding, errors="replace").encode("utf-8")
            start = end

    return _read_pieces(transcoded(), dialect)


def _without_empty_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """The columns with no value at all made again as nulls that take no memory: Polars read 16 bytes for every
    empty cell (an export's unused columns — a lead id on calls, a recording: 33 MB each for 2 M calls)."""
    empty = [name for name in frame.columns if frame[name].null_count() == frame.height]
    return frame.with_columns(pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias(name)
                              for name in empty) if empty else frame


def _read_pieces(pieces: Iterator[bytes | None], dialect: Dialect) -> pl.DataFrame | None:
    """Polars reads each piece (letting go of the GIL) while a thread makes the next ones (Python work: reading,
    transcoding, checking); at most PIECES_AHEAD made pieces wait in memory. None when a piece is None (the maker
    gives up: this file is not for reading in pieces), cannot be read, or is not as wide as the first."""
    frames: list[pl.DataFrame] = []
    ended = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pieces") as maker:
        ahead = deque(maker.submit(next, pieces, ended) for _ in range(PIECES_AHEAD))
        try:
            while (piece := ahead.popleft().result()) is not ended:
                if not isinstance(piece, bytes):  # None: the maker gives up on this file
                    return None
                ahead.append(maker.submit(next, pieces, ended))
                try:
                    frame = _polars_csv(piece, dialect)
                except pl.exceptions.PolarsError:  # not UTF-8 after all, or a row with extra fields
                    return None
                if frames and frame.width != frames[0].width:
                    return None
                frames.append(_without_empty_cells(frame))
        finally:
            for waiting in ahead:
                waiting.cancel()
    return pl.concat(frames) if frames else None


def _read_csv(content: bytes, name: str) -> tuple[pl.DataFrame, str, str, list[dict[str, object]]]:
    encoding = single_byte_encoding(content) if FAST_PATH else None
    if encoding:
        # The same sample of the UTF-8 text as below: the first SAMPLE_BYTES bytes of it.
        utf8_head = content[:SAMPLE_BYTES].decode(encoding, errors="replace").encode("utf-8")[:SAMPLE_BYTES]
        dialect = sniff(utf8_head.decode("utf-8", errors="ignore"), name)
        pieces = _single_byte_pieces(content, encoding, dialect)
        if pieces is not None:
            return pieces, dialect.format, encoding, []
    decoded = decode(content, trust_utf8=True)
    dialect = sniff(decoded.utf8[:SAMPLE_BYTES].decode("utf-8", errors="ignore"), name)
    frame: pl.DataFrame | None = None
    try:
        frame = _polars_csv(decoded.utf8, dialect)
    except pl.exceptions.PolarsError as error:
        if "utf-8" in str(error).lower():  # a stray line in another encoding: decode line by line, read again
            decoded = decode(content)
            try:
                frame = _polars_csv(decoded.utf8, dialect)
            except pl.exceptions.PolarsError:
                frame = None
    notes: list[dict[str, object]] = [
        {"file": name, "row": line, "column": None, "value": None,
         "reason": f"the line is not UTF-8 like the rest of the file; read as {decoded.fallback}", "action": NOTED}
        for line in decoded.odd_lines]
    if frame is None:  # quotes Polars will not take, or rows with extra fields: the lenient reader, row by row
        text = decoded.utf8.decode("utf-8", errors="replace")
        if dialect.eol == "\r":
            text = text.replace("\r", "\n")
        frame, refused = _lenient_csv(text, dialect, name)
        notes += refused
    return frame, dialect.format, decoded.encoding, notes


# ---- spreadsheets and HTML ---------------------------------------------------------------------------------------

def _read_excel(content: bytes, name: str) -> pl.DataFrame:
    try:
        import fastexcel  # late: only spreadsheets need it

        workbook = fastexcel.read_excel(content)
        best: pl.DataFrame | None = None
        for sheet in workbook.sheet_names:  # the sheet that looks most like data: most filled cells
            frame = workbook.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
            if frame.width > MAX_COLUMNS:
                raise BadFile(f"{name}: sheet {sheet!r} has more than {MAX_COLUMNS:,} columns — this is not an export "
                              f"of calls or deals")
            if best is None or frame.height * frame.width > best.height * best.width:
                best = frame
    except BadFile:
        raise
    except Exception as error:  # fastexcel raises several of its own types
        raise BadFile(f"{name}: the spreadsheet could not be read ({one_line(str(error))})") from error
    if best is None or best.width == 0 or best.height == 0:
        raise BadFile(f"{name}: the workbook has no sheet with data")
    return best


class _TableParser(HTMLParser):
    """Collects the cells of the first <table>: Bitrix24's ".xls" export is such a page."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._tables += 1
        elif tag == "tr" and self._tables == 1:
            self.rows.append([])
        elif tag in ("td", "th") and self._tables == 1 and self.rows:
            if len(self.rows[-1]) >= MAX_COLUMNS:
                raise BadFile(f"{self.name}: a table row has more than {MAX_COLUMNS:,} cells — this is not an export "
                              f"of calls or deals")
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _read_html(text: str, name: str) -> pl.DataFrame:
    parser = _TableParser(name)
    parser.feed(text)
    rows = [r for r in parser.rows if r]
    if not rows:
        raise BadFile(f"{name}: the page has no table")
    width = max(len(r) for r in rows)
    body = [r + [""] * (width - len(r)) for r in rows]
    return pl.DataFrame(body, schema=[f"column_{i + 1}" for i in range(width)], orient="row")


# ---- the table -----------------------------------------------------------------------------------------------------

def _unique_names(raw: list[str | None]) -> list[str]:
    """Header names as a person reads them, made unique: a second `Примечание` becomes `Примечание.1`."""
    names: list[str] = []
    for i, value in enumerate(raw):
        name = re.sub(_CONTROL_TEXT, "", (value or "")).strip() or f"column_{i + 1}"
        if name == "*" or (name.startswith("^") and name.endswith("$")) or name == ROW:
            name = f"[{name}]"  # Polars reads these as "every column" / a pattern, never as a name
        candidate, n = name, 1
        while candidate in names:
            candidate = f"{name}.{n}"
            n += 1
        names.append(candidate)
    return names


def _tidy(frame: pl.DataFrame, header: tuple[str, ...] | None, name: str) -> pl.DataFrame:
    """Take the header row, trim padded cells, drop nameless empty columns (Bitrix24's trailing `;`) and blank rows."""
    if header is None:
        raw_header = frame.row(0) if frame.height else tuple(frame.columns)
        names = _unique_names(list(raw_header))
        frame = frame.slice(1).with_row_index(ROW, offset=2)
    else:
        names = _unique_names(list(header) + [None] * (frame.width - len(header)))
        frame = frame.with_row_index(ROW, offset=1)
    frame = frame.rename(dict(zip(frame.columns[1:], names, strict=True))).with_columns(
        pl.col(ROW).cast(pl.Int64), pl.exclude(ROW).cast(pl.String))
    # Trimming every cell of a big file costs more than reading it: trim the columns whose values come padded.
    data = frame.columns[1:]
    sample = frame.head(20_000)
    padded = [c for c in data if sample[c].str.contains(r"^\s|\s$").any()]
    frame = frame.with_columns(pl.col(padded).str.strip_chars())
    # Polars reads an empty field as null already; only a column that has "" (quoted, or trimmed to it) is copied.
    with_empty = [c for c, has in frame.select((pl.col(data) == "").any()).row(0, named=True).items() if has] \
        if FAST_PATH else data
    if with_empty:
        frame = frame.with_columns(pl.col(with_empty).replace("", None))
    empty_unnamed = [c for c in data if c.startswith("column_") and frame[c].null_count() == frame.height]
    frame = frame.drop(empty_unnamed)
    data = [c for c in frame.columns if c != ROW]
    if not data:
        raise BadFile(f"{name}: the file has no columns")
    blank_row = pl.all_horizontal(pl.col(data).is_null())
    if FAST_PATH and not frame.select(blank_row.any()).item():
        return frame  # no blank row: filtering would copy every column of the file for nothing
    return frame.filter(~blank_row)


def _strip_controls(frame: pl.DataFrame, name: str) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    """NUL bytes and other control characters are removed from values (a NUL inside a name would make a second
    person) and each cleaned value is reported."""
    data = [c for c in frame.columns if c != ROW]
    found = frame.select(ROW, *(pl.col(c).str.contains(_CONTROL_TEXT).alias(c) for c in data))
    notes: list[dict[str, object]] = []
    for column in data:
        rows = found.filter(pl.col(column).fill_null(False))[ROW]
        for row, value in zip(rows.head(1000), frame.filter(pl.col(ROW).is_in(rows.head(1000).implode()))[column],
                              strict=True):
            notes.append({"file": name, "row": row, "column": column, "value": clip(repr(value)),
                          "reason": "control characters (e.g. NUL) removed from the value", "action": NOTED})
    cleaned = frame.with_columns(pl.col(data).str.replace_all(_CONTROL_TEXT, ""))
    return cleaned.with_columns(pl.col(data).replace("", None)), notes


def read_raw(content: bytes, name: str) -> RawFile:
    """Read any supported export; raise BadFile with a one-line message for the user when it is not a table."""
    if not content[:4096].strip() and not content.strip():
        raise BadFile(f"{name}: the file is empty")
    for signature, what in _SIGNATURES:
        if content.startswith(signature):
            raise BadFile(f"{name}: this is {what}, not a table — export CSV or XLSX from your CRM or telephony")
    notes: list[dict[str, object]] = []
    encoding = "binary"
    if content.startswith(b"PK\x03\x04"):
        from analytics.importing.xlsx_guard import check_xlsx  # late: the guard raises this module's BadFile

        check_xlsx(content, name)  # a 1.5 KB workbook can ask a reader for 512 GB: refuse it before any reader
        frame, fmt = _read_excel(content, name), "xlsx"
    elif content.startswith(b"\xd0\xcf\x11\xe0"):
        from analytics.importing.xlsx_guard import check_ole

        check_ole(content, name, probe=False)
        frame, fmt = _read_excel(content, name), "xls"
    else:
        if not _utf16(content) and content[:8192].count(0) > len(content[:8192]) // 10:
            raise BadFile(f"{name}: this is a binary file, not a table")
        head = decode(content[:SAMPLE_BYTES]).utf8.decode("utf-8", errors="ignore")
        if head.lstrip()[:1] == "<" and "<table" in head.lower():
            decoded = decode(content)
            frame, fmt, encoding = _read_html(decoded.utf8.decode("utf-8", errors="replace"), name), "html", \
                decoded.encoding
        else:
            frame, fmt, encoding, notes = _read_csv(content, name)
    controls = fmt in ("csv", "asterisk", "html") and bool(content.translate(None, _NOT_CONTROL_BYTES))  # 0.1 s/150 MB
    return _finished(frame, fmt, encoding, notes, controls, name)


def _finished(frame: pl.DataFrame, fmt: str, encoding: str, notes: list[dict[str, object]], controls: bool,
              name: str) -> RawFile:
    """The table as read → the RawFile: the header taken (an Asterisk log has none: its layout is told by its first
    row), cells tidied, control characters removed (`controls`: the file has some)."""
    if frame.height == 0:
        raise BadFile(f"{name}: the file has a header but no rows")
    header = asterisk_layout([str(v or "") for v in frame.row(0)]) if fmt == "asterisk" else None
    frame = _without_empty_cells(_tidy(frame, header, name))  # an empty column in one chunk, below its header
    if controls:
        frame, cleaned = _strip_controls(frame, name)
        notes += cleaned
    if frame.height == 0 and not any(n["action"] == REJECTED for n in notes):
        raise BadFile(f"{name}: the file has a header but no rows")
    return RawFile(name=name, format=fmt, frame=frame, notes=issues(notes), encoding=encoding)


def read_path(path: Path, name: str) -> RawFile:
    """`read_raw` of a file on disk. A big UTF-8 CSV without quotes or control characters (what telephony and most
    scripts write) is read piece by piece, so that the whole file is never in memory next to its table (the
    benchmark's 165 MB calls file: the CLI's peak 637 → 607 MiB, in the same time; reading it is no longer the peak);
    anything else, or a piece that does not read like the first, is read whole by `read_raw`, whose outcome stands."""
    if FAST_PATH and path.stat().st_size > 2 * UTF8_PIECE_BYTES:
        with path.open("rb", buffering=0) as file:  # pieces are read whole: a buffer would copy each
            table = _utf8_pieces(file, name)
        if table is not None:
            frame, dialect = table
            return _finished(frame, dialect.format, "utf-8", [], False, name)
    return read_raw(path.read_bytes(), name)


def _utf8_pieces(file: BinaryIO, name: str) -> tuple[pl.DataFrame, Dialect] | None:
    """The file read by Polars in pieces cut at line ends, or None when it is not a plain UTF-8 CSV throughout."""
    head = file.read(SAMPLE_BYTES + len(codecs.BOM_UTF8))
    bom = head.startswith(codecs.BOM_UTF8)
    sample = head.removeprefix(codecs.BOM_UTF8)[:SAMPLE_BYTES]  # what read_raw judges and sniffs
    if not sample.strip() or any(sample.startswith(signature) for signature, _ in _SIGNATURES) \
            or sample.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or sample.lstrip()[:1] == b"<":
        return None
    if _utf16(sample) or _judged_sample(sample[: sample.rfind(b"\n") + 1] or sample)[2]:
        return None
    dialect = sniff(sample.decode("utf-8", errors="ignore"), name)
    eol = dialect.eol.encode()

    def plain(piece: bytes) -> bytes | None:
        return piece if b'"' not in piece and not piece.translate(None, _NOT_CONTROL_BYTES) else None

    def pieces() -> Iterator[bytes | None]:
        # Each piece is one read up to its last line end; the file is then wound back to that end, so the bytes
        # after it are read again with the next piece instead of being copied onto its front (0.19 → 0.12 s a
        # 165 MB file).
        file.seek(len(codecs.BOM_UTF8) if bom else 0)
        while piece := file.read(UTF8_PIECE_BYTES):
            cut = piece.rfind(eol) + 1
            while not cut and (more := file.read(UTF8_PIECE_BYTES)):  # a line longer than a piece
                piece += more
                cut = piece.rfind(eol) + 1
            if 0 < cut < len(piece):
                file.seek(cut - len(piece), io.SEEK_CUR)
                piece = piece[:cut]
            yield plain(piece)

    frame = _read_pieces(pieces(), dialect)
    return None if frame is None else (frame, dialect)
