"""Write the hostile corpus of issue 15 — small versions that still trigger each failure mode — into a directory.

    python -m tests.hostile.make_corpus DIR

Every case says what must happen to it: `exit 2` with one line on stderr, or `exit 0` with plausible numbers
(strict JSON, every number finite, talk time at most 24 h a call) and, where the file allows it, the exact totals
a correct importer gives. The calls cases run with the valid leads file below and the leads cases alone.
Totals are hand-computed: the valid calls are Анна 60 s and Борис 90 s (2 calls of 60 s or longer, 2.5 minutes);
the valid leads are Анна's two leads (one paid, 1 000) and Борис's one. A negative amount is a refund (the
importer's rule): kept, reported, and it lowers revenue.

The 200 MB / 1 GB cases of the issue are scaled down; they still break the limits because their `memory_mb`
lowers the child's address space (SALES_FLOOR_MEMORY_LIMIT_MB) for that case only.
"""

from __future__ import annotations

import io
import json
import random
import sys
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import xlsxwriter

CALLS_HEADER = "Дата и время;Сотрудник;Номер клиента;Длительность разговора"
ANNA_CALL = "01.10.2026 09:50:00;Анна;89000000001;00:01:00"
BORIS_CALL = "03.10.2026 11:50:00;Борис;89000000003;00:01:30"
LEADS_HEADER = ("ID;Ответственный;Дата создания сделки;utm_source;Квалификация;Мобильный телефон;Дата встречи;"
                "Встреча подтверждена;Встреча проведена;Дата оплаты;Сумма оплаты")
LEAD_ROWS = (
    "1;Анна;01.10.2026 10:00;google;Целевой;+7 (900) 000-00-01;03.10.2026 12:00;Да;Да;10.10.2026;1 000,00",
    "2;Анна;02.10.2026 11:00;яндекс;Нецелевой;+7 (900) 000-00-02;04.10.2026 12:00;Нет;Нет;;",
    "3;Борис;03.10.2026 12:00;google;Целевой;+7 (900) 000-00-03;;;;;",
)
VALID_LEADS_FILE = "valid_leads.csv"
VALID_CALLS_TOTALS = {"calls_60s": 2, "minutes_on_line": 2.5}
PEOPLE = ("Анна", "Борис")

Role = Literal["calls", "leads"]


@dataclass(frozen=True)
class Case:
    """One hostile file and what must become of it."""

    file: str
    role: Role  # which option it is given to: --calls (with the valid leads) or --leads
    expect: Literal["exit 2", "exit 0"]
    why: str  # the failure mode of issue 15 it reproduces
    totals: dict[str, float] = field(default_factory=dict)  # exact sums over all rows of the metrics table
    employees: tuple[str, ...] = ()  # when set: exactly these people in `--by employee`
    warning: bool = False  # a rejected or ragged row must be reported in "warnings"
    memory_mb: int | None = None  # lowers the child's address space for this case (a scaled-down size case)


def calls_csv(*rows: str, encoding: str = "utf-8") -> bytes:
    return "\n".join((CALLS_HEADER, *rows)).encode(encoding) + b"\n"


def leads_csv(*rows: str) -> bytes:
    return "\n".join((LEADS_HEADER, *rows)).encode("utf-8") + b"\n"


def xlsx(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Звонки")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    workbook.close()
    return buffer.getvalue()


_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.'
                  'org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
                  'formats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
                  '.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                  '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName='
                  '"/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
                  '.sharedStrings+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats'
         '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
         'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.'
             'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
             'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
                  'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                  'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                  '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def hand_xlsx(sheet_data: str, shared: list[str], dimension: str | None) -> bytes:
    """A minimal workbook written part by part, so that a part can say what no spreadsheet program would write."""
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{_SHEET_NS}">{declared}'
             f"<sheetData>{sheet_data}</sheetData></worksheet>")
    strings = "".join(f"<si><t>{text}</t></si>" for text in shared)
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{_SHEET_NS}" count="{len(shared)}" '
           f'uniqueCount="{len(shared)}">{strings}</sst>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for part, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                           ("xl/workbook.xml", _WORKBOOK), ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
                           ("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", sst)):
            archive.writestr(part, text)
    return buffer.getvalue()


def _a1_and_xfd(dimension: str | None) -> bytes:
    cells = ('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
             '<row r="1048576"><c r="XFD1048576" t="s"><v>0</v></c></row>')
    return hand_xlsx(cells, ["Сотрудник"], dimension)


def _huge_shared_string(megabytes: int) -> bytes:
    cells = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
             '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>0</v></c></row>')
    return hand_xlsx(cells, ["Сотрудник", "a" * (megabytes << 20)], "A1:B2")


def _html_row(cells: int) -> bytes:
    return ("<html><body><table><tr>" + "<td>1</td>" * cells + "</tr></table></body></html>").encode()


def _wide_csv(columns: int) -> bytes:
    return (";".join(f"c{i}" for i in range(columns)) + "\n" + ";".join("1" for _ in range(columns)) + "\n").encode()


def _garbage_ole() -> bytes:
    noise = random.Random(15).randbytes(8 * 1024)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + noise


def _zip_not_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "Это архив, а не таблица.\n" * 50)
        archive.writestr("photo.jpg", random.Random(1).randbytes(2048))
    return buffer.getvalue()


def _nul_in_name() -> bytes:
    """The NUL sits past the first 4 096 characters (where a binary check looks): 120 calls of Анна come first."""
    first = [f"{d:02d}.10.2026 09:{m:02d}:00;Анна;8900000{d:02d}{m:02d};00:01:00" for d in (1, 2, 3) for m in range(40)]
    return calls_csv(*first, "03.10.2026 11:50:00;Бо\x00рис;89000000003;00:01:30")


def _mixed_encoding() -> bytes:
    """A UTF-8 file with one row saved in Windows-1251."""
    return (CALLS_HEADER + "\n" + ANNA_CALL + "\n").encode("utf-8") + (BORIS_CALL + "\n").encode("cp1251")


def cases() -> list[tuple[Case, Callable[[], bytes]]]:
    """Every case of issue 15 with what writes its bytes, on demand (the big ones take a second to compress)."""
    plausible_calls = {"totals": VALID_CALLS_TOTALS, "employees": PEOPLE}
    duration = [("nan", "NaN"), ("inf", "inf"), ("minus_inf", "-inf"), ("1e30", "1e30"),
                ("20_digits", "99999999999999999999"), ("99999999_s", "99999999"), ("00_99_99", "00:99:99")]
    result: list[tuple[Case, Callable[[], bytes]]] = [
        # controls: the harness itself must see a good file through
        (Case("control_calls.csv", "calls", "exit 0", "a valid file", **plausible_calls),
         lambda: calls_csv(ANNA_CALL, BORIS_CALL)),
        (Case("control_calls.xlsx", "calls", "exit 0", "a valid workbook", **plausible_calls),
         lambda: xlsx([CALLS_HEADER.split(";"), ANNA_CALL.split(";"), BORIS_CALL.split(";")])),
        # process killers
        (Case("xlsx_a1_xfd1048576.xlsx", "calls", "exit 2", "A1 and XFD1048576: the reader allocates 512 GB"),
         lambda: _a1_and_xfd("A1:XFD1048576")),
        (Case("xlsx_a1_xfd1048576_no_dimension.xlsx", "calls", "exit 2", "the same without <dimension>"),
         lambda: _a1_and_xfd(None)),
        (Case("xlsx_a1_xfd1048576_lying_dimension.xlsx", "calls", "exit 2", "the same declaring A1:B2"),
         lambda: _a1_and_xfd("A1:B2")),
        (Case("xlsx_shared_string_64mb.xlsx", "calls", "exit 2",
              "one shared string of 64 MB (the issue: 200 MB → 5 GB, a panic)", memory_mb=1024),
         lambda: _huge_shared_string(64)),
        (Case("xlsx_shared_string_256mb.xlsx", "calls", "exit 2",
              "one shared string of 256 MB (the issue: 1 GB → 6 GB, an abort)", memory_mb=1024),
         lambda: _huge_shared_string(256)),
        (Case("csv_one_line_2mb.csv", "calls", "exit 2", "a 2 MB one-line CSV of `a,` (1 M columns, no rows)"),
         lambda: b"a," * (1 << 20)),
        (Case("csv_a_comma_16mb.csv", "calls", "exit 2", "16 MB of `a,` (the issue: 200 MB aborts)",
              memory_mb=1024),
         lambda: b"a," * (8 << 20)),
        # hangs
        (Case("csv_header_30000_columns.csv", "calls", "exit 2", "a header of 30 000 columns never finishes"),
         lambda: _wide_csv(30_000)),
        (Case("html_xls_row_200000_cells.xls", "calls", "exit 2", "an HTML .xls with one row of 200 000 cells"),
         lambda: _html_row(200_000)),
    ]
    # tracebacks and silently wrong talk times: the row must not count, the valid ones must
    for label, text in duration:
        result.append((Case(f"calls_duration_{label}.csv", "calls", "exit 0", f"a duration of {text}",
                            warning=True, **plausible_calls),
                       lambda text=text: calls_csv(ANNA_CALL, f"02.10.2026 10:50:00;Анна;89000000002;{text}",
                                                   BORIS_CALL)))
    result += [
        (Case("calls_semicolon_in_name.csv", "calls", "exit 0",
              "a `;` inside a name in a `;` file: the row shifts and the phone becomes seconds",
              warning=True, **plausible_calls),
         lambda: calls_csv(ANNA_CALL, "02.10.2026 10:50:00;Иванов; Иван;89000000002;00:00:30", BORIS_CALL)),
        (Case("calls_extra_field.csv", "calls", "exit 0", "a row with an extra field, truncated without a report",
              warning=True, employees=PEOPLE),
         lambda: calls_csv(ANNA_CALL, "02.10.2026 10:50:00;Анна;89000000002;00:00:30;лишнее", BORIS_CALL)),
        (Case("calls_mixed_encoding.csv", "calls", "exit 0",
              "UTF-8 with one Windows-1251 row: every name turned into mojibake", **plausible_calls),
         _mixed_encoding),
        (Case("calls_nul_in_name.csv", "calls", "exit 0", "a NUL byte inside a name makes a second person",
              totals={"calls_60s": 121, "minutes_on_line": 121.5}, employees=PEOPLE),
         _nul_in_name),
        (Case("calls_utf16.csv", "calls", "exit 0", "a UTF-16 file is called binary", **plausible_calls),
         lambda: "\n".join((CALLS_HEADER, ANNA_CALL, BORIS_CALL, "")).encode("utf-16")),
    ]
    amounts = (
        ("nan", "NaN", 1000.0, "revenue NaN and a bare NaN in the JSON"),
        ("inf", "inf", 1000.0, "revenue inf and a bare Infinity in the JSON"),
        # the importer's rule (converting._refunds): a negative amount is a refund, kept and reported
        ("negative", "-500,00", 500.0, "accepted without a word; now a refund that lowers revenue, reported"),
    )
    for label, amount, revenue, why in amounts:
        paid = f"2;Анна;02.10.2026 11:00;яндекс;Целевой;+7 (900) 000-00-02;04.10.2026 12:00;Да;Да;12.10.2026;{amount}"
        rows = (LEAD_ROWS[0], paid, LEAD_ROWS[2])  # a held meeting: a valid amount would count in revenue
        result.append((Case(f"leads_amount_{label}.csv", "leads", "exit 0", f"an amount of {amount}: {why}",
                            totals={"revenue": revenue}, warning=True, employees=PEOPLE),
                       lambda rows=rows: leads_csv(*rows)))
    odd_years = [f"{4 + i};Борис;01.10.{year} 10:00;google;Целевой;+7 (900) 000-00-0{4 + i};;;;;"
                 for i, year in enumerate(("0001", "1900", "9999"))]
    result += [
        (Case("leads_years_0001_1900_9999.csv", "leads", "exit 0", "creation years 0001, 1900 and 9999 accepted",
              totals={"leads_new": 3, "revenue": 1000.0}, warning=True, employees=PEOPLE),
         lambda: leads_csv(*LEAD_ROWS, *odd_years)),
        (Case("xlsx_truncated.xlsx", "calls", "exit 2", "a truncated XLSX: a multi-line error"),
         lambda: xlsx([CALLS_HEADER.split(";"), ANNA_CALL.split(";"), BORIS_CALL.split(";")])[:2500]),
        (Case("zip_not_xlsx.xlsx", "calls", "exit 2", "a zip that is not an XLSX: a multi-line error"),
         _zip_not_xlsx),
        (Case("ole_garbage.xls", "calls", "exit 2", "a garbage OLE .xls: a multi-line error"), _garbage_ole),
    ]
    return result


def write_corpus(directory: Path) -> list[tuple[Case, Path]]:
    """Write every case and the valid leads file into `directory`; a manifest `cases.json` says what to expect."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / VALID_LEADS_FILE).write_bytes(leads_csv(*LEAD_ROWS))
    written = []
    for case, content in cases():
        path = directory / case.file
        path.write_bytes(content())
        written.append((case, path))
    manifest = [asdict(case) for case, _ in written]
    (directory / "cases.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.hostile.make_corpus DIR")
    for case, path in write_corpus(Path(sys.argv[1])):
        print(f"{case.expect}  {path.stat().st_size:>10,} B  {path.name}: {case.why}")
