"""Refuse a hostile spreadsheet before any reader touches it: one line, in milliseconds, in the calling process.

calamine (behind fastexcel) allocates 32 bytes for every cell of the rectangle from the first to the last cell it
finds, whatever `<dimension>` says: a 1.5 KB workbook with cells A1 and XFD1048576 asks for 512 GB and aborts the
process, with the dimension declared, absent or lying alike. So the sheets are scanned for the cell references they
really hold (streaming, bounded memory), besides the declared dimension, the sizes in the zip directory and the
length of every shared string. Readers still run under `limits.run_limited`: this check is the fast path that
names the problem, the child's limits are the backstop for what a check cannot foresee.
"""

from __future__ import annotations

import functools
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator

from analytics.importing.limits import Limits, MiB, run_limited, too_large
from analytics.importing.reading import BadFile

_CHUNK = 256 * 1024
_CARRY = 64  # bytes kept from the previous chunk so that a reference split between two chunks is still seen
_HEAD = 16 * 1024  # where <dimension> must be: it precedes <sheetData>
_MAX_MEMBERS = 10_000
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref="([A-Za-z]{0,3})([0-9]{0,7})'
                        rb'(?::([A-Za-z]{0,3})([0-9]{0,7}))?"')
# Literal prefixes keep these at C speed; they see `<c r=` and `<x:c r=` alike.
_CELL_COLUMNS = re.compile(rb' r="([A-Z]{1,3})[0-9]')
_ROW_NUMBERS = re.compile(rb'row r="([0-9]{1,7})"')
_CELL_ROWS = re.compile(rb' r="[A-Z]{1,3}([0-9]{1,7})"')
_SST_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?sst[\s>]")
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def not_a_workbook(name: str, why: str) -> BadFile:
    return BadFile(f"{name}: not an Excel workbook ({why}); save it again as .xlsx or export CSV")


def column_number(letters: bytes | str) -> int:
    """`A` → 1, `Z` → 26, `AA` → 27, `XFD` → 16 384."""
    number = 0
    for letter in letters.upper() if isinstance(letters, str) else letters.decode("ascii").upper():
        number = number * 26 + ord(letter) - 64
    return number


def check_xlsx(content: bytes, name: str, limits: Limits | None = None) -> None:
    """Raise BadFile (one line) when `content` is not an XLSX or would take more than the limits to read."""
    limits = limits or Limits.from_env()
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        raise not_a_workbook(name, "the file is damaged or not a zip archive") from None
    with archive:
        if len(members) > _MAX_MEMBERS:
            raise BadFile(too_large(name, f"{len(members)} parts in the archive: {_MAX_MEMBERS}"))
        names = {member.filename for member in members}
        if "xl/workbook.xml" not in names:
            raise not_a_workbook(name, "a zip archive without xl/workbook.xml")
        _check_sizes(members, name, limits)
        try:
            for member in members:
                if _SHEET.fullmatch(member.filename):
                    _check_sheet(archive, member, name, limits)
                elif member.filename.lower() == "xl/sharedstrings.xml":
                    _check_shared_strings(archive, member, name, limits)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, struct.error,
                RuntimeError):  # RuntimeError: an encrypted member
            raise not_a_workbook(name, "the file is damaged or truncated") from None


def _check_sizes(members: list[zipfile.ZipInfo], name: str, limits: Limits) -> None:
    """The sizes the zip directory declares: in total, and per member as a compression ratio (a zip bomb)."""
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed_bytes:
        raise BadFile(too_large(name, f"{total // MiB} MB uncompressed: {limits.max_uncompressed_bytes // MiB} MB"))
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.ratio_floor_bytes and ratio > limits.max_compression_ratio:
            raise BadFile(too_large(name, f"{member.filename} compressed {ratio:.0f} to 1: "
                                          f"{limits.max_compression_ratio:.0f} to 1"))


def _chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes in chunks; zipfile stops at the declared size even when the data says otherwise."""
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk


def _check_sheet(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    """The declared dimension, then the cell references the sheet really holds, then runs of text."""
    sheet = member.filename.rsplit("/", 1)[-1]
    max_row = max_column = 0
    carry = b""
    text_run = 0  # bytes since the last '<': an inline string or value longer than max_cell_bytes
    head = True
    for chunk in _chunks(archive, member):
        if head:
            head = False
            declared = _DIMENSION.search(chunk[:_HEAD])
            if declared:
                _check_rectangle(declared, sheet, name, limits)
        max_row, max_column = _cell_bounds(carry + chunk, max_row, max_column)
        if max_column > limits.max_columns:
            raise BadFile(too_large(name, f"sheet {sheet} reaches column {max_column}: {limits.max_columns} columns"))
        if max_row * max_column > limits.max_cells:
            raise BadFile(too_large(name, f"sheet {sheet} spans {max_row} rows × {max_column} columns: "
                                          f"{limits.max_cells:,} cells"))
        text_run = _longest_text_run(chunk, text_run, name, limits)
        carry = chunk[-_CARRY:]


def _cell_bounds(window: bytes, max_row: int, max_column: int) -> tuple[int, int]:
    """The highest row and column the references in `window` reach, given those reached so far.

    Rows come from the `<row r=...>` elements (one match a row). One search then looks for a cell beyond what is
    known: a column past the widest so far, or a row with more digits than the rows so far (a cell far below its
    row, as in a sheet holding only A1 and XFD1048576). Only then are the window's cells read one by one, which
    in an ordinary sheet happens in the first window: the rest costs one pass besides unzipping.
    """
    rows = _ROW_NUMBERS.findall(window)
    if rows:
        max_row = max(max_row, *map(int, rows))
    if b' r="' not in window:
        return max_row, max_column
    if _beyond(max_column, len(str(max_row)) if max_row else 0).search(window) is None:
        return max_row, max_column
    columns = set(_CELL_COLUMNS.findall(window))
    if columns:
        max_column = max(max_column, *map(column_number, columns))
    cell_rows = set(_CELL_ROWS.findall(window))
    if cell_rows:
        max_row = max(max_row, *map(int, cell_rows))
    return max_row, max_column


def column_letters(number: int) -> str:
    """1 → `A`, 27 → `AA`, 16 384 → `XFD`; 0 → ``."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@functools.lru_cache(maxsize=256)
def _beyond(max_column: int, row_digits: int) -> re.Pattern[bytes]:
    """A cell reference whose column is past `max_column` or whose row has more than `row_digits` digits."""
    known = column_letters(max_column)
    wider = [f"[A-Z]{{{len(known) + 1},3}}"] if len(known) < 3 else []
    for i, letter in enumerate(known):  # same width, larger at position i
        if letter != "Z":
            rest = len(known) - i - 1
            wider.append(known[:i] + f"[{chr(ord(letter) + 1)}-Z]" + (f"[A-Z]{{{rest}}}" if rest else ""))
    columns = "|".join(wider) or "(?!)"
    return re.compile(rf' r="(?:(?:{columns})[0-9]|[A-Z]{{1,3}}[0-9]{{{row_digits + 1}}})'.encode())


def _check_rectangle(declared: re.Match[bytes], sheet: str, name: str, limits: Limits) -> None:
    first_column, first_row, last_column, last_row = declared.groups()
    last_column, last_row = last_column or first_column, last_row or first_row
    columns = column_number(last_column) - column_number(first_column) + 1 if last_column else 1
    rows = int(last_row) - int(first_row) + 1 if last_row and first_row else 1
    if columns > limits.max_columns:
        raise BadFile(too_large(name, f"sheet {sheet} declares {columns} columns: {limits.max_columns} columns"))
    if rows * columns > limits.max_cells:
        raise BadFile(too_large(name, f"sheet {sheet} declares {rows} rows × {columns} columns: "
                                      f"{limits.max_cells:,} cells"))


def _longest_text_run(chunk: bytes, run: int, name: str, limits: Limits) -> int:
    """Carry the count of bytes since the last '<' across chunks; refuse a text longer than max_cell_bytes.

    Text in XML cannot hold a raw '<', so a long stretch without one is one long value. Only the stretches that
    touch a chunk's edges are counted (free), which finds any text longer than max_cell_bytes + 2 chunks.
    """
    first = chunk.find(b"<")
    if first == -1:
        run += len(chunk)
    else:
        run += first
    if run > limits.max_cell_bytes:
        raise BadFile(too_large(name, f"a cell over {limits.max_cell_bytes // MiB} MB: "
                                      f"{limits.max_cell_bytes // MiB} MB a cell"))
    return run if first == -1 else len(chunk) - chunk.rfind(b"<") - 1


def _check_shared_strings(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    """Every shared string (`<si>` to the next `<si>`) at most max_cell_bytes, read with a bounded buffer."""
    if member.file_size > limits.max_uncompressed_bytes:
        raise BadFile(too_large(name, f"shared strings of {member.file_size // MiB} MB: "
                                      f"{limits.max_uncompressed_bytes // MiB} MB"))
    marker = b"<si"
    since_last = 0  # bytes since the last `<si`, carried across chunks
    carry = b""
    first = True
    for chunk in _chunks(archive, member):
        if first:
            first = False
            prefix = _SST_PREFIX.search(chunk[:_HEAD])
            if prefix and prefix.group(1):
                marker = b"<" + prefix.group(1) + b"si"  # <x:sst> holds <x:si>
        window = carry + chunk
        pieces = window.split(marker)
        # the first piece continues the string the previous window ended in (minus the carried bytes)
        longest = since_last - len(carry) + len(pieces[0]) if len(pieces) > 1 else since_last + len(chunk)
        if len(pieces) > 2:
            longest = max(longest, *map(len, pieces[1:-1]))
        since_last = len(pieces[-1]) if len(pieces) > 1 else longest
        if max(longest, since_last) > limits.max_cell_bytes:
            raise BadFile(too_large(name, f"a shared string over {limits.max_cell_bytes // MiB} MB: "
                                          f"{limits.max_cell_bytes // MiB} MB a cell"))
        carry = chunk[-len(marker):]


def _probe_excel(content: bytes, name: str) -> list[str]:
    """The sheet names as fastexcel sees them; any error means the file cannot be read (runs in the child)."""
    import fastexcel

    try:
        return list(fastexcel.read_excel(content).sheet_names)
    except Exception as error:  # fastexcel raises several of its own types
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise not_a_workbook(name, f"the .xls file is damaged: {first[:200]}") from None


def check_ole(content: bytes, name: str, limits: Limits | None = None, probe: bool = True) -> None:
    """Raise BadFile (one line) for an old-style .xls (OLE2) that is not a readable workbook.

    The header is checked here; with `probe`, fastexcel then opens the workbook in a limited child, as a garbage
    OLE file can make a reader crash or spin.
    """
    if not content.startswith(OLE_SIGNATURE[:4]):
        raise not_a_workbook(name, "no OLE2 header")
    if len(content) < 1024 or not content.startswith(OLE_SIGNATURE):
        raise not_a_workbook(name, "the .xls file is damaged or truncated")
    _minor, major, byte_order, sector_shift = struct.unpack_from("<HHHH", content, 24)
    if byte_order != 0xFFFE or (major, sector_shift) not in ((3, 9), (4, 12)):
        raise not_a_workbook(name, "the .xls file has a damaged header")
    directory_start = struct.unpack_from("<I", content, 48)[0]
    if (directory_start + 1) << sector_shift >= len(content):  # sector n starts at (n + 1) × sector size
        raise not_a_workbook(name, "the .xls file is truncated")
    if probe:
        run_limited(_probe_excel, content, name, limits=limits, name=name)
