"""Real exports in every format the product reads, written here in the tests, imported to canonical rows."""

from __future__ import annotations

import io
from datetime import datetime

import phonenumbers
import polars as pl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import normalize
from analytics.importing import values
from analytics.importing.converting import REJECTED, SKIPPED, VALUE_IGNORED, guess_step
from analytics.importing.mapping import detect, normalise_header
from analytics.importing.pipeline import Memory, Upload, import_files, import_one
from analytics.importing.reading import BadFile, read_raw


def imported(content: bytes, name: str = "file.csv", **upload):
    return import_one(Upload(name, content, **upload))


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for title, rows in sheets.items():
        sheet = workbook.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, workbook.add_format({"num_format": "dd.mm.yyyy hh:mm"}))
                elif value is not None:
                    sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


# ---- formats -----------------------------------------------------------------------------------------------

CALLS_ROWS = [
    ("27.11.2026 14:05:09", "Исходящий", "Иванов Иван", "+7 (900) 001-00-02", "00:01:15"),
    ("27.11.2026 14:10:00", "Входящий", "Иванов Иван", "8 900 001 00 03", "00:00:40"),
]
CALLS_HEADER = ("Дата и время", "Тип", "Сотрудник", "Номер клиента", "Длительность разговора")
EXPECTED_CALLS = [
    (datetime(2026, 11, 27, 14, 5, 9), "Иванов Иван", 75, "out", "+7 (900) 001-00-02"),
    (datetime(2026, 11, 27, 14, 10), "Иванов Иван", 40, "in", "8 900 001 00 03"),
]


def calls_rows(result) -> list[tuple]:
    return result.tables["calls"].select("started_at", "employee", "duration_s", "direction", "phone").rows()


@pytest.mark.parametrize(
    ("delimiter", "encoding", "bom", "line_end"),
    [(",", "utf-8", True, "\n"), (";", "cp1251", False, "\r\n"), ("\t", "utf-8", False, "\n"),
     (";", "utf-8", False, ";\n")],  # the last: Bitrix24, every line ends with `;`
    ids=["comma-utf8-bom", "semicolon-cp1251", "tab-utf8", "bitrix24-trailing-semicolon"],
)
def test_csv_dialects(delimiter: str, encoding: str, bom: bool, line_end: str) -> None:
    quote = (lambda v: f'"{v}"') if delimiter == "," else (lambda v: v)
    lines = [delimiter.join(map(quote, row)) for row in (CALLS_HEADER, *CALLS_ROWS)]
    content = (line_end.join(lines) + line_end).encode(encoding)
    result = imported(b"\xef\xbb\xbf" + content if bom else content)
    assert result.kind == "calls" and result.rows_in_file == 2 and result.rejected == 0
    assert calls_rows(result) == EXPECTED_CALLS


def test_xlsx_takes_the_sheet_that_looks_like_data() -> None:
    content = xlsx({
        "Инструкция": [["Выгрузка из CRM"]],
        "Сделки": [
            ["ID", "Ответственный", "Дата создания сделки", "Бюджет", "Этап сделки"],
            [101, "Петрова Анна", datetime(2026, 10, 1, 9, 30), 15000, "Успешно реализовано"],
            [102, "Петрова Анна", "02.10.2026 10:00", None, "Первичный контакт"],
        ],
    })
    result = imported(content, "deals.xlsx")
    assert result.format == "xlsx" and result.kind == "leads"
    assert result.tables["leads"].select("lead_id", "created_at", "employee").rows() == [
        ("101", datetime(2026, 10, 1, 9, 30), "Петрова Анна"), ("102", datetime(2026, 10, 2, 10), "Петрова Анна")]
    # "Успешно реализовано" implies booked, confirmed, held and paid; the budget is the amount.
    assert result.tables["meetings"].select("lead_id", "confirmed", "held").rows() == [("101", True, True)]
    assert result.tables["payments"].select("lead_id", "amount").rows() == [("101", 15000.0)]


def test_bitrix24_xls_is_an_html_table() -> None:
    page = """<html><head><meta charset="utf-8"></head><body><table border="1">
      <tr><th>ID</th><th>Название сделки</th><th>Стадия сделки</th><th>Сумма</th><th>Дата создания</th>
          <th>Ответственный</th><th>Контакт: Рабочий телефон</th><th>Рекламная система</th></tr>
      <tr><td>7</td><td>Окна</td><td>Сделка успешна</td><td>1 234,50</td><td>05.10.2026 12:00:00</td>
          <td>Сидоров Пётр</td><td>+7 (900) 111-22-33</td><td>Яндекс.Директ</td></tr>
      <tr><td>8</td><td>Двери</td><td>Встреча назначена</td><td></td><td>06.10.2026</td>
          <td>Сидоров Пётр</td><td></td><td>google</td></tr>
    </table></body></html>""".encode()
    result = imported(page, "deals.xls")
    assert result.format == "html" and result.kind == "leads"
    leads = result.tables["leads"]
    assert leads.select("lead_id", "source", "phone").rows() == [
        ("7", "Яндекс.Директ", "+7 (900) 111-22-33"), ("8", "google", None)]
    assert result.tables["payments"].select("lead_id", "amount").rows() == [("7", 1234.5)]
    assert result.tables["meetings"].select("lead_id", "held").rows() == [("7", True), ("8", False)]
    assert dict(zip(result.stage_values["value"], result.stage_values["step"], strict=True)) == {
        "Сделка успешна": "paid", "Встреча назначена": "booked"}


def test_asterisk_master_csv_without_header() -> None:
    rows = [
        '"","205","89000010002","from-internal","""Иванов"" <205>","SIP/205-0001","SIP/trunk-0002","Dial",'
        '"SIP/trunk/89000010002","2026-10-05 10:00:00","2026-10-05 10:00:07","2026-10-05 10:02:07",127,120,'
        '"ANSWERED","DOCUMENTATION","1700000001.1",""',
        '"","79000010003","206","from-trunk","""79000010003"" <79000010003>","SIP/trunk-0003","SIP/206-0004",'
        '"Dial","SIP/206","2026-10-05 11:00:00","","2026-10-05 11:00:20",20,0,"NO ANSWER","DOCUMENTATION",'
        '"1700000002.1",""',
    ]
    result = imported("\n".join(rows).encode(), "Master.csv")
    assert result.format == "asterisk" and result.kind == "calls" and result.rejected == 0
    assert result.tables["calls"].select("employee", "phone", "duration_s", "direction", "call_id").rows() == [
        ("205", "89000010002", 120, "out", "1700000001.1"), ("206", "79000010003", 0, "in", "1700000002.1")]


def test_sipuni_call_log_headers() -> None:
    content = (
        "Тип;Статус;Время;Откуда;Куда;Кто ответил;Длительность звонка;Длительность разговора\n"
        "Исходящий;Отвечен;05.10.2026 10:00;201;+79000010002;Иванов Иван;00:02:10;00:02:00\n"
        "Входящий;Отвечен;05.10.2026 10:05;+79000010003;201;Иванов Иван;0:45;0:30\n"
    ).encode()
    result = imported(content)
    assert result.kind == "calls"
    assert result.mapping["employee"] == "Кто ответил" and result.mapping["started_at"] == "Время"
    assert result.mapping["duration_s"] == "Длительность разговора"
    assert result.tables["calls"]["duration_s"].to_list() == [120, 30]


def test_generic_english_export_and_content_detection() -> None:
    content = (
        b"Lead ID,Created,Owner,Lead source,Qualified,Mobile phone,Meeting date,Meeting held,Paid at,Amount\n"
        b"A-1,2026-10-01T09:00:00,Kate,Google Ads,yes,+7 900 000 11 22,2026-10-03 15:00,true,2026-10-10,\"1,500.00\"\n"
        b"A-2,2026-10-02T09:00:00,Kate,,no,,,,,\n"
    )
    result = imported(content)
    assert result.kind == "leads"
    assert result.tables["leads"].select("lead_id", "is_target", "source").rows() == [
        ("A-1", True, "Google Ads"), ("A-2", False, None)]
    assert result.tables["payments"].rows() == [("A-1", datetime(2026, 10, 10), 1500.0)]


def test_a_column_is_found_by_its_content_when_its_header_is_unknown() -> None:
    content = "когда;кто;сколько\n05.10.2026 10:00;Иванов;00:01:30\n05.10.2026 10:05;Иванов;00:00:30\n".encode()
    raw = read_raw(content, "x.csv")
    mapping = detect(raw, "calls").mapping
    assert (mapping["started_at"], mapping["duration_s"]) == ("когда", "сколько")


# ---- values ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [("27.11.2026 14:05:09", datetime(2026, 11, 27, 14, 5, 9)), ("27.11.2026 14:05", datetime(2026, 11, 27, 14, 5)),
     ("27.11.2026", datetime(2026, 11, 27)), ("2026-11-27", datetime(2026, 11, 27)),
     ("2026-11-27T14:05:09", datetime(2026, 11, 27, 14, 5, 9)), ("46353.5", datetime(2026, 11, 27, 12)),
     ("не закрыта", None), ("", None)],
)
def test_dates(text: str, expected: datetime | None) -> None:
    assert pl.select(values.datetime_(pl.lit(text))).item() == expected


@pytest.mark.parametrize(("text", "seconds"), [("75", 75), ("75.0", 75), ("01:15", 75), ("00:01:15", 75),
                                              ("25:00:00", 90000), ("abc", None), ("-5", None)])
def test_durations(text: str, seconds: int | None) -> None:
    assert pl.select(values.duration_seconds(pl.lit(text))).item() == seconds


@pytest.mark.parametrize(("text", "flag"), [("Да", True), ("нет", False), ("yes", True), ("No", False),
                                           ("true", True), ("FALSE", False), ("1", True), ("0", False), ("✓", True),
                                           ("Целевой", True), ("Нецелевой", False), ("может быть", None)])
def test_booleans(text: str, flag: bool | None) -> None:
    assert pl.select(values.boolean(pl.lit(text))).item() is flag


@pytest.mark.parametrize(("text", "amount"), [("1 234,50 ₽", 1234.5), ("1234.5", 1234.5), ("1,234.50", 1234.5),
                                             ("12 000 руб.", 12000.0), ("1\u00a0500", 1500.0), ("много", None)])
def test_money(text: str, amount: float | None) -> None:
    assert pl.select(values.money(pl.lit(text))).item() == amount


@pytest.mark.parametrize(("text", "normal"), [("+7 (900) 001-00-02", "79000010002"), ("8 900 001 00 02", "79000010002"),
                                             ("89000010002", "79000010002"), ("9000010002", "79000010002"),
                                             ("", None)])
def test_phones(text: str, normal: str | None) -> None:
    assert pl.select(normalize.phone(pl.lit(text))).item() == normal


PHONE_SPELLINGS = ["+7 ({a}) {b}-{c}-{d}", "8{a}{b}{c}{d}", "8 {a} {b} {c} {d}", "+7{a}{b}{c}{d}", "{a}{b}{c}{d}"]


@settings(max_examples=200)
@given(st.integers(900_000_0000, 999_999_9999), st.sampled_from(PHONE_SPELLINGS))
def test_phone_normalisation_agrees_with_phonenumbers(number: int, pattern: str) -> None:
    digits = str(number)
    text = pattern.format(a=digits[:3], b=digits[3:6], c=digits[6:8], d=digits[8:])
    parsed = phonenumbers.parse(text, "RU")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    assert pl.select(normalize.phone(pl.lit(text))).item() == e164.lstrip("+")


@pytest.mark.parametrize(
    ("header", "normal"),
    [("Длительность, сек", "длительность"), ("Контакт: Рабочий телефон", "рабочий телефон"),
     ("Сумма, ₽", "сумма"), ("Этап сделки.1", "этап сделки"), ("Ответственный ", "ответственный"),
     ("Подтверждённая встреча", "подтвержденная встреча")],
)
def test_header_normalisation(header: str, normal: str) -> None:
    assert normalise_header(header) == normal


@pytest.mark.parametrize(("stage", "step"), [("Успешно реализовано", "paid"), ("Встреча проведена", "held"),
                                             ("Встреча подтверждена", "confirmed"), ("Назначена встреча", "booked"),
                                             ("Клиент не пришёл", "booked"), ("Закрыто и не реализовано", "none"),
                                             ("Первичный контакт", "none")])
def test_stage_guesses(stage: str, step: str) -> None:
    assert guess_step(stage) == step


# ---- the user's corrections ----------------------------------------------------------------------------------

DEALS_BY_STAGE = (
    "ID;Ответственный;Дата создания;Этап\n1;Анна;01.10.2026;Думает\n2;Анна;02.10.2026;Купил\n3;Анна;03.10.2026;Пришёл\n"
).encode()


def test_stages_are_mapped_by_the_user_and_remembered() -> None:
    first = imported(DEALS_BY_STAGE)
    assert first.tables["meetings"].is_empty()  # nothing in these words says meeting or payment
    steps = {"stage": {"Купил": "paid", "Пришёл": "held", "Думает": "booked"}}
    second = imported(DEALS_BY_STAGE, step_maps=steps)
    assert second.tables["meetings"].select("lead_id", "held").rows() == [("1", False), ("2", True), ("3", True)]
    assert second.tables["payments"]["lead_id"].to_list() == ["2"]
    remembered = import_one(Upload("again.csv", DEALS_BY_STAGE), Memory(steps=steps))
    assert remembered.tables["payments"]["lead_id"].to_list() == ["2"]


def test_a_confirmed_mapping_is_remembered_for_the_same_headers() -> None:
    content = "Кто;Когда;Сколько;Номер\nАнна;05.10.2026 10:00;100;89000000001\n".encode()
    raw_kind = imported(content, kind="calls")
    from analytics.importing.mapping import signature

    key = signature(list(raw_kind.samples), "calls")
    memory = Memory(mappings={key: {"employee": "Кто", "started_at": "Когда", "duration_s": "Сколько"}})
    result = import_one(Upload("calls.csv", content, kind="calls"), memory)
    assert result.tables["calls"].select("employee", "duration_s").rows() == [("Анна", 100)]


def test_map_overrides_detection() -> None:
    content = "Дата;Сотрудник;Длительность;Разговор\n05.10.2026 10:00;Анна;00:01:00;00:00:30\n".encode()
    assert imported(content).tables["calls"]["duration_s"].to_list() == [30]  # talk time beats the whole call
    fixed = imported(content, overrides={"duration_s": "Длительность"})
    assert fixed.tables["calls"]["duration_s"].to_list() == [60]
    with pytest.raises(BadFile, match="no column named 'Нет такой'"):
        imported(content, overrides={"duration_s": "Нет такой"})


# ---- nothing lost, nothing crashes ---------------------------------------------------------------------------

def test_every_row_is_accounted_for() -> None:
    content = (
        "Дата и время;Сотрудник;Длительность разговора;Направление\n"
        "05.10.2026 10:00;Анна;00:01:00;исходящий\n"
        "когда-то;Анна;00:01:00;исходящий\n"        # bad date: rejected
        "05.10.2026 10:02;;00:01:00;исходящий\n"    # no employee: a call nobody took, skipped
        "05.10.2026 10:03;Анна;долго;исходящий\n"   # bad duration: rejected
        "05.10.2026 10:04;Анна;00:00:10;вбок\n"     # bad direction: kept, value left empty
        "2026-10-05 10:05;Анна;15;входящий\n"       # another date format in the same column: fine
    ).encode()
    result = imported(content)
    assert (result.rows_in_file, result.imported, result.skipped, result.rejected) == (6, 3, 1, 2)
    assert result.imported + result.skipped + result.rejected == result.rows_in_file == \
        result.tables["calls"].height + 3
    rejected = result.issues.filter(pl.col("action") == REJECTED)
    assert rejected.select("row", "column", "value").rows() == [
        (3, "Дата и время", "когда-то"), (5, "Длительность разговора", "долго")]
    assert all(rejected["file"] == "file.csv")
    skipped = result.issues.filter(pl.col("action") == SKIPPED)
    assert skipped["row"].to_list() == [4] and "reached no employee" in skipped["reason"][0]
    kept = result.issues.filter(pl.col("action") == VALUE_IGNORED)
    assert kept.select("row", "column", "value").rows() == [(6, "Направление", "вбок")]
    assert "not a call direction" in kept["reason"][0]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [(b"", "calls.csv", "the file is empty"),
     (b"   \n\n", "calls.csv", "the file is empty"),
     (b"%PDF-1.7 binary", "report.csv", "this is a PDF document, not a table"),
     (b"\x89PNG\r\n\x1a\n....", "photo.csv", "this is a PNG picture, not a table"),
     (b"\xff\xd8\xff\xe0JFIF", "scan.xlsx", "this is a JPEG picture, not a table"),
     ("Дата;Сотрудник;Длительность\n".encode(), "empty.csv", "has a header but no rows"),
     (b"PK\x03\x04 not really a workbook", "broken.xlsx", "not an Excel workbook"),
     (b'a,b,c\n1,"unclosed,3\n4,5,6\n', "quotes.csv", "check its quotes")],
)
def test_bad_files_get_a_clear_message(content: bytes, name: str, message: str) -> None:
    with pytest.raises(BadFile) as error:
        read_raw(content, name)
    assert str(error.value).startswith(name + ":") and message in str(error.value)


def test_a_bad_file_does_not_stop_the_others() -> None:
    good = "\n".join(";".join(r) for r in (CALLS_HEADER, *CALLS_ROWS)).encode()
    bundle = import_files([Upload("calls.csv", good), Upload("scan.csv", b"%PDF-1.4")])
    assert bundle.errors == ("scan.csv: this is a PDF document, not a table — export CSV or XLSX from your CRM or "
                             "telephony",)
    assert bundle.dataset.calls.height == 2


def test_a_large_file_is_read_whole(tmp_path) -> None:
    """A 200 MB call log: read, every row imported."""
    line = "05.10.2026 10:00:00;Исходящий;Иванов Иван;+7 (900) 001-00-02;00:01:15;sip-{}\r\n"
    header = ";".join((*CALLS_HEADER, "ID звонка")) + "\r\n"
    body = "".join(line.format(i) for i in range(100_000)).encode("cp1251")
    copies = 200 * 1024 * 1024 // len(body) + 1
    content = header.encode("cp1251") + body * copies
    assert len(content) > 200 * 1024 * 1024
    result = imported(content, "big.csv")
    # The same call ids come back in every copy: each call is kept once, the repeats are accounted as skipped.
    assert result.rows_in_file == 100_000 * copies == result.imported + result.skipped
    assert result.imported == 100_000 and result.rejected == 0


def test_a_file_on_disk_is_read_when_imported(tmp_path) -> None:
    """The command line names files: each is read when it is imported (and its bytes go with the reading)."""
    import hashlib
    import pickle

    content = "Дата;Сотрудник;Длительность;Номер\n01.10.2025 10:00;Анна;75;89001234567\n".encode("cp1251")
    path = tmp_path / "calls.csv"
    path.write_bytes(content)
    on_disk, in_memory = Upload.of_file(path, "calls"), Upload(str(path), content, "calls")
    assert on_disk.content == b"" and len(pickle.dumps(on_disk)) < 1000  # a worker gets the path, not the bytes
    assert on_disk.content_digest == in_memory.content_digest == hashlib.sha256(content).hexdigest()
    assert import_one(on_disk).tables["calls"].equals(import_one(in_memory).tables["calls"])
    path.unlink()
    with pytest.raises(BadFile, match=r"calls\.csv: cannot read the file \(No such file or directory\)"):
        import_one(on_disk)
    with pytest.raises(OSError):
        Upload.of_file(tmp_path / "missing.csv")
