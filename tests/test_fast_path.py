"""Issue 12: the importer's fast path gives the same tables and the same issue table as its slow path.

The fast path (reading.FAST_PATH) skips work a cheap check proves changes nothing and reads ISO stamps with a
fraction at fixed width; the slow path does every step on every row, as the importer did before. Each file here is
imported both ways and everything the Data page and the metrics see is compared: the tables, the issue table (row
numbers, columns, values, reasons, actions), the counts, the stage values, the samples.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from analytics.frames import aligned
from analytics.importing import converting, reading, values
from analytics.importing.converting import FileImport, _all_distinct, conformed
from analytics.importing.mapping import FileKind
from analytics.importing.pipeline import Upload, import_one
from analytics.importing.reading import BadFile, _single_byte_encoding
from analytics.importing.report import VALUE_IGNORED
from tests.hostile.make_corpus import cases

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
REAL_FILES = sorted(p.name for p in REAL.iterdir() if p.name != "README.md")
HOSTILE_IMPORTED = [(case.file, case.role, make) for case, make in cases() if case.expect == "exit 0"]
ISO = "%Y-%m-%dT%H:%M:%S%.f"


@contextmanager
def path(fast: bool) -> Iterator[None]:
    """The importer with its fast path on or off (a flag, not a fixture: hypothesis runs many files per test).
    The fast path reads a Windows-1251 file in pieces of 200 bytes here, and a UTF-8 file on disk in pieces of
    64 bytes, so that even a small file has many."""
    before = reading.FAST_PATH, reading.PIECE_BYTES, reading.UTF8_PIECE_BYTES
    reading.FAST_PATH, reading.PIECE_BYTES, reading.UTF8_PIECE_BYTES = fast, 200, 64
    try:
        yield
    finally:
        reading.FAST_PATH, reading.PIECE_BYTES, reading.UTF8_PIECE_BYTES = before


def imported(content: bytes, name: str, fast: bool, kind: FileKind | None = None) -> FileImport | str:
    """The slow path reads the bytes whole; the fast path reads the same bytes from a file on disk, as the CLI does
    (read_path: a UTF-8 file in pieces)."""
    with path(fast), TemporaryDirectory() as directory:
        upload = Upload(name, content, kind)
        if fast:
            (on_disk := Path(directory) / "upload").write_bytes(content)
            upload = Upload(name, b"", kind, path=on_disk)
        try:
            return import_one(upload)
        except BadFile as error:
            return f"BadFile: {error}"


def assert_same(content: bytes, name: str, kind: FileKind | None = None) -> FileImport | str:
    """Import a file both ways and require the same result in every part a person or a metric sees."""
    fast, slow = imported(content, name, True, kind), imported(content, name, False, kind)
    if isinstance(fast, str) or isinstance(slow, str):
        assert fast == slow
        return fast
    assert (fast.kind, fast.format, fast.encoding, fast.mapping) == \
        (slow.kind, slow.format, slow.encoding, slow.mapping)
    assert (fast.rows_in_file, fast.imported, fast.skipped, fast.rejected) == \
        (slow.rows_in_file, slow.imported, slow.skipped, slow.rejected)
    assert fast.tables.keys() == slow.tables.keys()
    for table in fast.tables:
        assert_frame_equal(fast.tables[table], slow.tables[table])
    assert_frame_equal(fast.issues, slow.issues)
    if slow.stage_values is None:
        assert fast.stage_values is None
    else:
        assert fast.stage_values is not None
        assert_frame_equal(fast.stage_values, slow.stage_values)
    assert (fast.samples, fast.fallbacks, fast.warnings, fast.guesses) == \
        (slow.samples, slow.fallbacks, slow.warnings, slow.guesses)
    return fast


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_exports_are_the_same_both_ways(name: str) -> None:
    assert_same((REAL / name).read_bytes(), name)


@pytest.mark.parametrize(("name", "kind", "make"), HOSTILE_IMPORTED, ids=[c[0] for c in HOSTILE_IMPORTED])
def test_hostile_files_that_import_are_the_same_both_ways(name: str, kind: FileKind, make: object) -> None:
    assert callable(make)
    assert_same(make(), name, kind)


# ---- the fast pieces, value by value -----------------------------------------------------------------------------

CALLS_HEADER = "started_at,employee,duration_s,direction,lead_id,phone,call_id"


def test_iso_stamps_with_a_fraction_hand_checked() -> None:
    """The quick reading and the rows it leaves to the general one, with their issues, on a file of five calls."""
    rows = [
        "2025-01-31T09:00:00.123456,Анна,75,in,,79000000001,1",
        "2025-01-31T09:05:00,Анна,60,out,,79000000002,2",  # no fraction: the quick reading takes it too
        "2025-01-31T09:10:00.5,Борис,30,in,,79000000003,3",  # one digit: left to `%.f`, half a second
        "2025-02-30T09:15:00.000000,Борис,30,in,,79000000004,4",  # no such day: not a date, rejected
        "2025-01-31T09:20:00.-00001,Борис,30,in,,79000000005,5",  # a sign in the fraction: not a date
    ]
    content = "\n".join([CALLS_HEADER, *rows, ""]).encode()
    result = assert_same(content, "calls.csv", "calls")
    assert isinstance(result, FileImport)
    assert result.tables["calls"]["started_at"].to_list() == [
        datetime(2025, 1, 31, 9, 0, 0, 123456), datetime(2025, 1, 31, 9, 5), datetime(2025, 1, 31, 9, 10, 0, 500000)]
    assert result.issues.select("row", "column", "value", "reason", "action").rows() == [
        (5, "started_at", "2025-02-30T09:15:00.000000", "started_at: not a date", "row rejected"),
        (6, "started_at", "2025-01-31T09:20:00.-00001", "started_at: not a date", "row rejected"),
    ]


def test_the_quick_reading_gives_a_value_only_where_the_format_gives_the_same() -> None:
    texts = ["2025-01-01T23:59:60.000000", "2024-02-29T10:00:00.123456", "2025-02-29T10:00:00.000000",
             "2025-01-01T09:00:00.5", "2025-01-01T09:00:00.1234567", "2025-01-01T09:00:00.",
             "2025-1-01T09:00:00.000000",
             "2025-01-01T09:00:00 ", "2025-01-01T09:00:00.+12345", "2025-01-01T09:00:00.-12345",
             "2025-01-01T09:00:00,000000", "2025-01-01 09:00:00.000000", "2025-01-01T09:00:00.１２３４５６",
             "2025-01-01T09:00:00.000000+03:00", "2025-01-01T09:00:00.999999", "", "не закрыта"]
    spellings = values.DateSpellings((ISO,), serial=False, epoch=False, offsets=False)
    zeros, six_digits = spellings.quick()
    text = pl.col("text")
    frame = pl.DataFrame({"text": texts}).with_columns(quick=pl.coalesce(zeros(text), six_digits(text)),
                                                       zero=zeros(text), full=spellings.parse(text))
    # zeros: Polars' fixed-width reading, and where it fails the general one (a one-digit month), as `%.f` does
    assert frame.filter(pl.col("zero").is_not_null())["text"].to_list() == [
        "2025-01-01T23:59:60.000000", "2025-1-01T09:00:00.000000"]
    taken = frame.filter(pl.col("quick").is_not_null())
    assert taken["quick"].to_list() == taken["full"].to_list()
    assert taken["text"].to_list() == [
        "2025-01-01T23:59:60.000000", "2024-02-29T10:00:00.123456", "2025-1-01T09:00:00.000000",
        "2025-01-01T09:00:00.999999"]
    assert taken["quick"].to_list() == [datetime(2025, 1, 2), datetime(2024, 2, 29, 10, 0, 0, 123456),
                                        datetime(2025, 1, 1, 9), datetime(2025, 1, 1, 9, 0, 0, 999999)]
    # what the quick readings leave, the general format reads: one digit, seven digits
    assert frame.filter(pl.col("quick").is_null() & pl.col("full").is_not_null())["full"].to_list() == [
        datetime(2025, 1, 1, 9, 0, 0, 500000), datetime(2025, 1, 1, 9, 0, 0, 123456)]


def test_no_quick_reading_for_formats_polars_reads_quickly_itself() -> None:
    assert values.DateSpellings(("%d.%m.%Y %H:%M:%S",), False, False, False).quick() == ()
    assert values.DateSpellings((), False, False, False).quick() == ()


def test_ids_told_apart_as_numbers_and_as_texts() -> None:
    assert _all_distinct(pl.Series(["1", "2", "3"]))
    assert not _all_distinct(pl.Series(["1", "2", "1"]))
    assert _all_distinct(pl.Series(["01", "1"]))  # equal as numbers, distinct as texts
    assert not _all_distinct(pl.Series(["a", "b", "a"]))
    assert _all_distinct(pl.Series(["1", "x"]))  # not all numbers: the texts decide


def test_ids_that_are_not_numbers_told_apart_by_their_hashes(monkeypatch) -> None:
    ids = pl.Series([f"sip-{i}" for i in range(1000)])
    counted: list[pl.DataType] = []  # what n_unique was asked of: hashes, never the 2 M texts themselves
    n_unique = pl.Series.n_unique
    monkeypatch.setattr(pl.Series, "n_unique", lambda self: counted.append(self.dtype) or n_unique(self))
    assert _all_distinct(ids)
    assert pl.String not in counted and pl.UInt64 in counted
    assert not _all_distinct(pl.concat([ids, ids.head(1)]))
    monkeypatch.setattr(pl.Series, "hash", lambda self: pl.Series([7] * self.len(), dtype=pl.UInt64))
    assert _all_distinct(pl.Series(["a", "b"]))  # as if the hashes collided: the texts settle it
    assert not _all_distinct(pl.Series(["a", "a"]))


def test_a_windows_1251_file_read_in_pieces_hand_checked() -> None:
    """Forty calls of Вера in Windows-1251, CRLF: read in pieces of 200 bytes, the same as in one go."""
    rows = [f"2025-01-{1 + i % 28:02d}T10:00:00.000000,Вера Петрова,{10 * i},in,,7900{i:07d},{i}" for i in range(40)]
    content = "\r\n".join([CALLS_HEADER, *rows, ""]).encode("cp1251")
    assert len(content) > 10 * 200
    result = assert_same(content, "calls.csv", "calls")
    assert isinstance(result, FileImport)
    assert result.encoding == "cp1251"
    assert result.tables["calls"]["employee"].unique().to_list() == ["Вера Петрова"]
    assert result.tables["calls"]["duration_s"].sum() == 10 * sum(range(40))


def test_blank_rows_and_quoted_empty_values_are_dropped_and_emptied_both_ways() -> None:
    content = (CALLS_HEADER + '\n2025-01-31T09:00:00.000000,Анна,75,"",,79000000001,1\n,,,,,,\n'
               '2025-01-31T10:00:00.000000," Борис ",  ,in,,79000000002,2\n').encode()
    result = assert_same(content, "calls.csv", "calls")
    assert isinstance(result, FileImport)
    assert result.tables["calls"].select("employee", "duration_s", "direction").rows() == [
        ("Анна", 75, None), ("Борис", 0, "in")]
    assert result.rows_in_file == 2  # a blank row is no row of the file


# ---- generated files with a sprinkling of odd values -------------------------------------------------------------

def _stamp(minute: int, fraction: int) -> str:
    return f"2025-03-{1 + minute % 28:02d}T{9 + minute % 10:02d}:{minute % 60:02d}:07.{fraction:06d}"


ODD_STAMPS = ("31.03.2025 10:00", "2025-03-02T10:00:00", "2025-03-02T10:00:00.5", "2025-03-40T10:00:00.000000",
              "вчера", "", "2025-03-02 10:00:00.000000", "45000", " 2025-03-02T10:00:00.000000 ")
ODD_DURATIONS = ("", "1:05", "00:01:15", "75.0", "-5", "abc", "99:99", "90000", " 42 ")
ODD_IDS = ("", "1", "01", "1.0", "x7")


@st.composite
def calls_file(draw: st.DrawFn) -> bytes:
    """A calls export in the canonical layout: mostly clean rows, some odd values, sometimes a Windows-1251 line."""
    count = draw(st.integers(1, 40))
    whole_cp1251 = draw(st.booleans())  # a Windows-1251 export (read in pieces), else UTF-8 with a stray line
    lines: list[bytes] = [CALLS_HEADER.encode()]
    for i in range(count):
        odd = draw(st.integers(0, 5)) == 0
        stamp = draw(st.sampled_from(ODD_STAMPS)) if odd else _stamp(i, draw(st.integers(0, 999_999)))
        duration = draw(st.sampled_from(ODD_DURATIONS)) if draw(st.integers(0, 6)) == 0 \
            else str(draw(st.integers(0, 900)))
        call_id = draw(st.sampled_from(ODD_IDS)) if draw(st.integers(0, 6)) == 0 else str(1000 + i)
        employee = draw(st.sampled_from(("Анна", "Борис", "", "IVR", "Вера Петрова")))
        direction = draw(st.sampled_from(("in", "out", "Входящий", "", "???")))
        line = f"{stamp},{employee},{duration},{direction},,7900{i:07d},{call_id}"
        encoding = "cp1251" if whole_cp1251 or draw(st.integers(0, 15)) == 0 else "utf-8"
        lines.append(line.encode(encoding))
        if draw(st.integers(0, 20)) == 0:
            lines.append(draw(st.sampled_from((b",,,,,,", b"", b"1,2", b"1,2,3,4,5,6,7,8"))))  # blank, short, long
    return draw(st.sampled_from((b"\n", b"\r\n"))).join(lines) + b"\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls_file())
def test_generated_calls_files_are_the_same_both_ways(content: bytes) -> None:
    assert_same(content, "calls.csv", "calls")


LEADS_HEADER = "ID;Дата создания;Ответственный;Источник;Квалификация;Телефон;Этап сделки;Дата оплаты;Бюджет"


@st.composite
def leads_file(draw: st.DrawFn) -> bytes:
    """A deals export as a Russian CRM writes it, with odd dates, amounts and flags now and then."""
    lines = [LEADS_HEADER]
    for i in range(draw(st.integers(1, 30))):
        created = draw(st.sampled_from(("01.03.2025 10:00", "2025-03-01 10:00:00.000000", "не закрыта", "",
                                        "31.02.2025 10:00", "01.03.25"))) if draw(st.integers(0, 4)) == 0 \
            else f"{1 + i % 28:02d}.03.2025 {10 + i % 8:02d}:{i % 60:02d}"
        paid = draw(st.sampled_from(("", "", f"{1 + i % 28:02d}.04.2025", "2025-04-01T12:00:00.250000", "скоро")))
        amount = draw(st.sampled_from(("", "10 000", "1 234,50 ₽", "-500,00", "NaN", "много")))
        flag = draw(st.sampled_from(("Целевой", "Нецелевой", "", "да", "может быть")))
        stage = draw(st.sampled_from(("Успешно реализовано", "Встреча назначена", "Закрыто и не реализовано", "")))
        lines.append(f"{100 + i};{created};Анна;яндекс;{flag};+7 900 000-{i:02d}-00;{stage};{paid};{amount}")
    return ("\n".join(lines) + "\n").encode()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(leads_file())
def test_generated_leads_files_are_the_same_both_ways(content: bytes) -> None:
    assert_same(content, "leads.csv")


# ---- a file big enough for the few-values lookup and the columns taken as read ------------------------------------

def test_a_thousand_calls_with_few_distinct_values_hand_checked() -> None:
    """1 200 calls: durations 30/60/90 and two directions take the lookup of distinct values; phones and ids have no
    placeholder and are taken as read. Odd rows: an empty talk time (a call of 0 s), a `1:05` (65 s), a `-` phone
    (left empty), a `.0` id (`5000.0` → `5000`)."""
    rows = [f"2025-01-{1 + i % 28:02d}T10:00:00.000000,Анна,{(30, 60, 90)[i % 3]},{('in', 'out')[i % 2]},,"
            f"7900{i:07d},{i}" for i in range(1200)]
    rows[10] = "2025-01-11T10:00:00.000000,Анна,,in,,79000000010,10"
    rows[11] = "2025-01-12T10:00:00.000000,Анна,1:05,out,,79000000011,11"
    rows[12] = "2025-01-13T10:00:00.000000,Анна,30,in,,-,12"
    rows[13] = "2025-01-14T10:00:00.000000,Анна,60,out,,79000000013,5000.0"
    content = "\n".join([CALLS_HEADER, *rows, ""]).encode()
    result = assert_same(content, "calls.csv", "calls")
    assert isinstance(result, FileImport)
    calls = result.tables["calls"]
    # 1 200 rows of 30/60/90 s sum to 400 × 180 = 72 000 s; row 10 had 60 s → 0, row 11 90 s → 65, row 12 30 s.
    assert calls["duration_s"].sum() == 72_000 - 60 - 90 + 65
    assert calls.filter(pl.col("direction") == "in").height == 600
    assert calls["phone"].null_count() == 1
    assert calls["call_id"].to_list()[13] == "5000"
    assert result.issues.height == 0


def test_a_few_valued_column_with_a_value_past_its_sample_hand_checked(monkeypatch) -> None:
    """2 500 calls: the first 2 000 (the sample a few-valued column is judged on, 20 000 rows in use) say `in`/`out`;
    later rows say `входящий` (an incoming call) and `???` (not a direction: reported, the value ignored). The
    lookup of the sample's values fails on them, and the column is parsed by all its distinct values, as the slow
    path does. The unused lead id column is all empty: a column of nulls."""
    monkeypatch.setattr(converting, "SAMPLE_ROWS", 2_000)
    rows = [f"2025-01-{1 + i % 28:02d}T10:00:00.000000,Анна,60,{('in', 'out')[i % 2]},,7900{i:07d},{i}"
            for i in range(2_500)]
    rows[2_051] = rows[2_051].replace(",out,", ",входящий,")
    rows[2_401] = rows[2_401].replace(",out,", ",???,")
    result = assert_same("\n".join([CALLS_HEADER, *rows, ""]).encode(), "calls.csv", "calls")
    assert isinstance(result, FileImport)
    calls = result.tables["calls"]
    assert calls.filter(pl.col("direction") == "in").height == 1_251
    assert calls.filter(pl.col("direction") == "out").height == 1_248
    assert calls["direction"][2_401] is None
    assert calls["lead_id"].null_count() == 2_500
    assert result.issues.select("row", "column", "value", "action").rows() == [(2_403, "direction", "???",
                                                                                VALUE_IGNORED)]


def test_chunks_aligned_to_the_text_as_read_and_nulls_made_anew(monkeypatch) -> None:
    """Many one-chunk parsed columns do not make the big text columns as read be copied into one chunk; a column of
    nulls in other chunks is made anew rather than joined."""
    pieces = lambda name, values: pl.concat([pl.Series(name, values[:2]), pl.Series(name, values[2:])])  # noqa: E731
    text = [pieces("employee", ["Анна Петрова", "Борис", "Вера"]), pieces("phone", ["79000000001", "2", "3"])]
    nulls = pl.concat([pl.Series("lead_id", [None], pl.String), pl.Series("lead_id", [None, None], pl.String)])
    parsed = [pl.Series(name, [1, 2, 3]) for name in ("duration_s", "a", "b", "c")]
    joined: list[str] = []
    rechunk = pl.Series.rechunk
    monkeypatch.setattr(pl.Series, "rechunk", lambda self, *a, **k: joined.append(self.name) or rechunk(self, *a, **k))
    table = aligned(pl.DataFrame([*text, nulls, *parsed]))
    assert joined == []  # nothing copied: the text kept its chunks, the rest were cut like it
    assert {name: tuple(len(c) for c in table[name].get_chunks()) for name in table.columns} == \
        dict.fromkeys(table.columns, (2, 1))
    assert table.rows() == [("Анна Петрова", "79000000001", None, 1, 1, 1, 1), ("Борис", "2", None, 2, 2, 2, 2),
                              ("Вера", "3", None, 3, 3, 3, 3)]


def test_an_empty_column_read_in_pieces_is_nulls_in_one_chunk(tmp_path: Path, monkeypatch) -> None:
    rows = [f"2025-01-{1 + i % 28:02d}T10:00:00.000000,Вера Петрова,{10 * i},in,,7900{i:07d},{i}" for i in range(40)]
    (on_disk := tmp_path / "calls.csv").write_text("\n".join([CALLS_HEADER, *rows, ""]), encoding="utf-8")
    monkeypatch.setattr(reading, "SAMPLE_BYTES", 200)
    with path(fast=True):
        raw = reading.read_path(on_disk, "calls.csv")
    assert raw.frame["employee"].n_chunks() > 10  # read in pieces
    assert raw.frame["lead_id"].null_count() == 40 and raw.frame["lead_id"].n_chunks() == 1


def test_chunks_aligned_without_changing_a_value() -> None:
    text = pl.concat([pl.Series("a", ["x", "y"]), pl.Series("a", ["z"])])  # chunks of 2 and 1
    number = pl.Series("b", [1, 2, 3])  # one chunk
    frame = pl.DataFrame([text, number])
    table = aligned(frame)
    assert [len(c) for c in table["b"].get_chunks()] == [2, 1]
    assert table.rows() == [("x", 1), ("y", 2), ("z", 3)]
    assert_frame_equal(conformed(pl.DataFrame({"lead_id": ["1"], "paid_at": [datetime(2025, 1, 1)]}), "payments"),
                       pl.DataFrame({"lead_id": ["1"], "paid_at": [datetime(2025, 1, 1)], "amount": [None]},
                                    schema={"lead_id": pl.String, "paid_at": pl.Datetime("us"),
                                            "amount": pl.Float64}))


# ---- Windows-1251 taken for KOI-8 ----------------------------------------------------------------------------------

def test_a_windows_1251_file_charset_normalizer_calls_koi8_is_read_as_windows_1251() -> None:
    """Found by test_metamorphic: the amoCRM rendering of the floor's 84 calls in this order, Windows-1251, is KOI8-R
    to charset-normalizer; read so, no header was recognised and every call 'reached no employee'."""
    import charset_normalizer

    from tests.test_metamorphic import AMOCRM, Rendering, render

    order = (0, 33, 65, 22, 55, 20, 10, 7, 8, 9, 17, 25, 14, 16, 15, 23, 13, 6, 18, 19, 5, 1, 3, 12, 24, 11, 26, 27,
             28, 29, 30, 31, 32, 21, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54,
             4, 56, 57, 58, 59, 60, 61, 62, 63, 64, 2, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81,
             82, 83)
    content = render("calls", Rendering(AMOCRM, (0, 1, 2, 3, 4), order, "csv", "cp1251", ",")).content
    candidates = ["cp1251", "koi8_r", "cp866", "mac_cyrillic"]
    best = charset_normalizer.from_bytes(content, cp_isolation=candidates).best()
    assert best is not None and best.encoding == "koi8_r"  # the library's guess this test is about
    assert _single_byte_encoding(content) == "cp1251"
    result = assert_same(content, "calls.csv")
    assert isinstance(result, FileImport)
    assert (result.encoding, result.rows_in_file, result.imported) == ("cp1251", 84, 84)
    koi8 = "Привет, это обычный текст в кодировке КОИ-8: сотрудник Анна, длительность разговора".encode("koi8_r")
    assert _single_byte_encoding(koi8) == "koi8_r"  # real KOI8-R text stays KOI8-R


@pytest.mark.parametrize("late", ["", "odd encoding", "quote", "extra field", "control", "short row", "bom", "crlf"])
def test_a_utf8_file_on_disk_read_in_pieces_or_whole_as_read_from_bytes(late: str) -> None:
    """Read from disk in pieces of 64 bytes, forty calls give the same import as their bytes read whole; what only
    a later piece shows (a line in Windows-1251, a quote, a field too many, a NUL, a short row) sends the file to
    the whole-file reader, whose notes and refusals stand."""
    rows = [f"2025-01-{1 + i % 28:02d}T10:00:00.000000,Вера Петрова,{10 * i},in,,7900{i:07d},{i}" for i in range(40)]
    lines = [CALLS_HEADER, *rows]
    special = {"quote": '2025-01-30T10:00:00.000000,"Вера, Петрова",5,in,,79000000099,99',
               "extra field": "2025-01-30T10:00:00.000000,Вера Петрова,5,in,,79000000099,99,лишнее",
               "control": "2025-01-30T10:00:00.000000,Вера\x00 Петрова,5,in,,79000000099,99",
               "short row": "2025-01-30T10:00:00.000000,Вера Петрова,5"}
    if late in special:
        lines.insert(35, special[late])
    content = "\r\n".join([*lines, ""]) if late == "crlf" else "\n".join([*lines, ""])
    encoded = content.encode("utf-8")
    if late == "odd encoding":
        encoded = encoded.replace("Вера Петрова,300".encode(), "Вера Петрова,300".encode("cp1251"))
    if late == "bom":
        encoded = b"\xef\xbb\xbf" + encoded
    assert len(encoded) > 30 * 64
    result = assert_same(encoded, "calls.csv", "calls")
    assert isinstance(result, FileImport)
    expected = {"": 40, "odd encoding": 40, "quote": 41, "extra field": 40, "control": 41, "short row": 41, "bom": 40,
                "crlf": 40}[late]
    assert result.tables["calls"].height == expected
    if late == "odd encoding":
        assert "read as" in result.issues.filter(pl.col("row") == 32)["reason"].item()
    if late == "extra field":
        assert result.issues.filter(pl.col("action") == "row rejected")["row"].to_list() == [36]


def test_a_clean_utf8_file_on_disk_is_never_whole_in_memory(tmp_path: Path, monkeypatch) -> None:
    rows = [f"2025-01-{1 + i % 28:02d}T10:00:00.000000,Вера Петрова,{10 * i},in,,7900{i:07d},{i}" for i in range(40)]
    (on_disk := tmp_path / "calls.csv").write_text("\n".join([CALLS_HEADER, *rows, ""]), encoding="utf-8")
    read: list[int] = []
    polars_csv = reading._polars_csv
    monkeypatch.setattr(reading, "_polars_csv", lambda data, how: read.append(len(data)) or polars_csv(data, how))
    monkeypatch.setattr(reading, "read_raw", lambda content, name: pytest.fail("the whole file was read"))
    monkeypatch.setattr(reading, "SAMPLE_BYTES", 200)  # the sample the dialect is told from, read first
    with path(fast=True):
        raw = reading.read_path(on_disk, "calls.csv")
    assert raw.frame.height == 40 and raw.headers == CALLS_HEADER.split(",")
    assert len(read) > 20 and max(read) <= 200 + 64  # the sample and a piece, cut at the last line end in them
    assert sum(read) == on_disk.stat().st_size


@pytest.mark.parametrize("content", [
    codecs.BOM_UTF8 + b"x" * 300_000 + b"\n1\n",  # a first line no header has: refused the same way with a BOM
    b"\n" * 500 + b"   \n" * 100,  # nothing but blank lines
    codecs.BOM_UTF8 + b"a,b\n" + b"1,2\n" * 100,
    b"<html><table><tr><td>a</td></tr>" + b"<tr><td>1</td></tr>" * 20 + b"</table></html>",
    b"a,b\n" + b"1,2\n" * 50 + b"\x00\x01\x02" * 500,
], ids=["long first line after a BOM", "blank lines only", "BOM", "HTML table", "control bytes at the end"])
def test_odd_files_on_disk_end_as_their_bytes_do(content: bytes) -> None:
    assert_same(content, "calls.csv")
