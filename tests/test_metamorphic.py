"""Metamorphic tests of the importer: one hand-made floor, written as many different exports, gives the same metrics.

A person's numbers must not depend on which CRM wrote the headers, in which order the columns or rows come, whether
the file is CSV or XLSX, its encoding or its delimiter. Each variant is imported as a user would — no kind, no
mapping — and its metrics table must equal the one of the canonical rendering.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import polars as pl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from analytics.importing.pipeline import Upload, import_files
from analytics.metrics import compute
from analytics.model import Prepared, prepare

# ---- the floor ------------------------------------------------------------------------------------------------
# Leads: one row per deal with its meeting and payment (a wide CRM export). `None` = empty cell.
LEAD_FIELDS = ("lead_id", "employee", "created_at", "source", "is_target", "phone", "meeting_at", "confirmed", "held",
               "hunter", "paid_at", "amount")
D = datetime
LEADS: list[tuple] = [
    ("L01", "Анна", D(2026, 3, 2, 10), "google", True, "+7 900 111-00-01", D(2026, 3, 5, 12), True, True, "Олег",
     D(2026, 3, 20, 15), 1500.0),
    ("L02", "Анна", D(2026, 3, 3, 11), "yandex", False, "+7 900 111-00-02", D(2026, 3, 6, 12), True, False, "Олег",
     None, None),
    ("L03", "Анна", D(2026, 3, 10, 9, 30), "google", True, "+7 900 111-00-03", None, None, None, None, None, None),
    ("L04", "Анна", D(2026, 3, 16, 14), "site", None, "+7 900 111-00-04", None, None, None, None, None, None),
    ("L05", "Анна", D(2026, 4, 1, 10), "google", True, "+7 900 111-00-05", D(2026, 4, 3, 15), False, False, "Пётр",
     None, None),
    ("L06", "Анна", D(2026, 4, 7, 12), "yandex", True, "+7 900 111-00-06", D(2026, 4, 9, 11), True, True, "Пётр",
     D(2026, 4, 20, 10), 2000.0),
    ("L07", "Анна", D(2026, 4, 14, 16), "yandex", False, "+7 900 111-00-07", None, None, None, None, None, None),
    ("L08", "Борис", D(2026, 3, 4, 10), "yandex", True, "+7 900 111-00-08", D(2026, 3, 9, 10), True, True, "Олег",
     None, None),
    ("L09", "Борис", D(2026, 3, 5, 13), "google", False, "+7 900 111-00-09", None, None, None, None, None, None),
    ("L10", "Борис", D(2026, 3, 11, 15), "google", True, "+7 900 111-00-10", D(2026, 3, 13, 16), True, False, "Олег",
     None, None),
    ("L11", "Борис", D(2026, 3, 23, 9), "site", True, "+7 900 111-00-11", D(2026, 3, 25, 10), True, True, "Пётр",
     D(2026, 4, 2, 12), 3000.0),
    ("L12", "Борис", D(2026, 4, 2, 11), "yandex", None, "+7 900 111-00-12", None, None, None, None, None, None),
    ("L13", "Борис", D(2026, 4, 8, 10, 30), "google", True, "+7 900 111-00-13", D(2026, 4, 10, 12), True, True,
     "Олег", D(2026, 4, 28, 17), 2500.0),
    ("L14", "Борис", D(2026, 4, 21, 14), "site", False, "+7 900 111-00-14", None, None, None, None, None, None),
    ("L15", "Вика", D(2026, 3, 6, 12), "google", True, "+7 900 111-00-15", D(2026, 3, 10, 14), False, False, "Пётр",
     None, None),
    ("L16", "Вика", D(2026, 3, 18, 10), "yandex", True, "+7 900 111-00-16", D(2026, 3, 20, 11), True, True, "Олег",
     D(2026, 3, 31, 18), 1000.0),
    ("L17", "Вика", D(2026, 3, 27, 15, 30), "google", False, "+7 900 111-00-17", None, None, None, None, None, None),
    ("L18", "Вика", D(2026, 4, 3, 9), "site", True, "+7 900 111-00-18", D(2026, 4, 6, 10), True, False, "Пётр",
     None, None),
    ("L19", "Вика", D(2026, 4, 15, 11), "google", True, "+7 900 111-00-19", D(2026, 4, 17, 13), True, True, "Олег",
     None, None),
    ("L20", "Вика", D(2026, 4, 22, 17), "yandex", None, "+7 900 111-00-20", None, None, None, None, None, None),
]
CALL_FIELDS = ("started_at", "employee", "phone", "duration_s", "direction")
CALLS: list[tuple] = [
    (D(2026, 3, 2, 9, 30), "Анна", "89001110001", 75, "out"),
    (D(2026, 3, 2, 9, 45), "Анна", "89001110002", 30, "out"),
    (D(2026, 3, 3, 10, 15), "Анна", "+79001110002", 120, "in"),
    (D(2026, 3, 10, 9), "Анна", "89001110003", 59, "out"),
    (D(2026, 4, 1, 9, 40), "Анна", "89001110005", 60, "out"),
    (D(2026, 4, 7, 11), "Анна", "89001110006", 200, "out"),
    (D(2026, 4, 14, 15), "Анна", "89001110007", 0, "out"),
    (D(2026, 3, 4, 9, 10), "Борис", "89001110008", 90, "out"),
    (D(2026, 3, 5, 12), "Борис", "89001110009", 45, "in"),
    (D(2026, 3, 11, 14), "Борис", "89001110010", 300, "out"),
    (D(2026, 3, 23, 8, 30), "Борис", "89001110011", 61, "out"),
    (D(2026, 4, 2, 10), "Борис", "89001110012", 15, "out"),
    (D(2026, 4, 8, 10), "Борис", "89001110013", 180, "in"),
    (D(2026, 4, 21, 13), "Борис", "89009999999", 65, "out"),
    (D(2026, 3, 6, 11), "Вика", "89001110015", 100, "out"),
    (D(2026, 3, 18, 9, 30), "Вика", "89001110016", 59, "out"),
    (D(2026, 3, 27, 15), "Вика", "89001110017", 240, "in"),
    (D(2026, 4, 3, 8, 45), "Вика", "89001110018", 60, "out"),
    (D(2026, 4, 15, 10, 30), "Вика", "89001110019", 10, "out"),
    (D(2026, 4, 22, 16), "Вика", "89001110020", 130, "out"),
]

# ---- how three kinds of systems write it ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    """A header per field and the way the system spells dates, flags, directions, durations and money."""

    name: str
    headers: dict[str, str]
    date: str  # strftime format
    yes_no: tuple[str, str]
    target: tuple[str, str]  # the qualification column's words
    directions: dict[str, str]
    duration: str  # "seconds" | "hh:mm:ss" | "m:ss"
    money: str  # "plain" | "ru" | "en"


CANONICAL = Dialect(
    "canonical",
    {f: f for f in (*LEAD_FIELDS, *CALL_FIELDS)},
    "%Y-%m-%d %H:%M:%S", ("yes", "no"), ("yes", "no"), {"in": "in", "out": "out"}, "seconds", "plain",
)
AMOCRM = Dialect(
    "amocrm",
    {"lead_id": "ID", "employee": "Ответственный", "created_at": "Дата создания сделки", "source": "utm_source",
     "is_target": "Квалификация", "phone": "Мобильный телефон", "meeting_at": "Дата встречи",
     "confirmed": "Встреча подтверждена", "held": "Встреча проведена", "hunter": "Хантер", "paid_at": "Дата оплаты",
     "amount": "Сумма оплаты", "started_at": "Дата и время", "duration_s": "Длительность разговора",
     "direction": "Тип", "call_employee": "Сотрудник", "call_phone": "Номер клиента"},
    "%d.%m.%Y %H:%M", ("Да", "Нет"), ("Целевой", "Нецелевой"), {"in": "Входящий", "out": "Исходящий"}, "hh:mm:ss",
    "ru",
)
ENGLISH = Dialect(
    "english",
    {"lead_id": "Lead ID", "employee": "Owner", "created_at": "Created", "source": "Lead source",
     "is_target": "Qualified", "phone": "Phone", "meeting_at": "Meeting date", "confirmed": "Meeting confirmed",
     "held": "Meeting held", "hunter": "Hunter", "paid_at": "Payment date", "amount": "Payment amount",
     "started_at": "Call date", "duration_s": "Talk duration", "direction": "Direction", "call_employee": "Agent",
     "call_phone": "Client number"},
    "%Y-%m-%dT%H:%M:%S", ("TRUE", "FALSE"), ("yes", "no"), {"in": "inbound", "out": "outbound"}, "m:ss", "en",
)
DIALECTS = (CANONICAL, AMOCRM, ENGLISH)


def _header(dialect: Dialect, table: str, field: str) -> str:
    if table == "calls" and f"call_{field}" in dialect.headers:
        return dialect.headers[f"call_{field}"]
    return dialect.headers[field]


def _text(dialect: Dialect, field: str, value: object) -> str:
    """A value as the dialect's system writes it in a text file."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(dialect.date)
    if isinstance(value, bool):
        words = dialect.target if field == "is_target" else dialect.yes_no
        return words[0] if value else words[1]
    if field == "direction":
        return dialect.directions[str(value)]
    if field == "duration_s":
        seconds = int(value)  # type: ignore[call-overload]
        if dialect.duration == "hh:mm:ss":
            return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        return f"{seconds // 60}:{seconds % 60:02d}" if dialect.duration == "m:ss" else str(seconds)
    if field == "amount":
        amount = float(value)  # type: ignore[arg-type]
        if dialect.money == "ru":
            return f"{amount:,.2f}".replace(",", " ").replace(".", ",")
        return f"{amount:,.2f}" if dialect.money == "en" else f"{amount:g}"
    return str(value)


@dataclass(frozen=True)
class Rendering:
    """One way of writing one table to a file."""

    dialect: Dialect
    columns: tuple[int, ...]  # a permutation of the fields
    rows: tuple[int, ...]  # a permutation of the rows
    file_format: str  # "csv" | "xlsx"
    encoding: str  # "utf-8" | "cp1251" | "utf-8-sig"
    delimiter: str  # "," | ";" | "\t"


def render(table: str, how: Rendering) -> Upload:
    """The floor's `table` ("calls" or "leads") written as one export file."""
    fields, records = (CALL_FIELDS, CALLS) if table == "calls" else (LEAD_FIELDS, LEADS)
    order = [fields[i] for i in how.columns]
    header = [_header(how.dialect, table, f) for f in order]
    rows = [dict(zip(fields, records[i], strict=True)) for i in how.rows]
    if how.file_format == "xlsx":
        return Upload(f"{table}.xlsx", _xlsx(header, order, rows, how.dialect))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=how.delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_text(how.dialect, f, row[f]) for f in order] for row in rows)
    return Upload(f"{table}.csv", buffer.getvalue().encode(how.encoding))


def _xlsx(header: list[str], order: list[str], rows: list[dict], dialect: Dialect) -> bytes:
    """A workbook as a CRM writes it: real date cells and numbers; the rest as the dialect's text."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": datetime(2026, 1, 1)})  # the same bytes on every run
    sheet = workbook.add_worksheet("Export")
    date_format = workbook.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, field in enumerate(order):
            value = row[field]
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, date_format)
            elif field in ("amount", "duration_s") and dialect.name != "amocrm":
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, _text(dialect, field, value))
    workbook.close()
    return buffer.getvalue()


def model_of(calls: Rendering, leads: Rendering) -> Prepared:
    bundle = import_files([render("calls", calls), render("leads", leads)])
    assert bundle.errors == ()
    return prepare(bundle.dataset)


def _plain(fields: tuple[str, ...], records: list[tuple], dialect: Dialect = CANONICAL) -> Rendering:
    return Rendering(dialect, tuple(range(len(fields))), tuple(range(len(records))), "csv", "utf-8", ",")


# (grouping, counting mode) pairs whose tables must not change
GROUPINGS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("employee", "month"), "cohort"), (("source",), "cohort"), (("employee", "source"), "cohort"),
    (("employee", "month"), "event"),
)


def tables_of(model: Prepared) -> dict[tuple[tuple[str, ...], str], pl.DataFrame]:
    return {(by, mode): compute(model, list(by), mode=mode) for by, mode in GROUPINGS}  # type: ignore[arg-type]


@cache
def canonical_tables() -> dict[tuple[tuple[str, ...], str], pl.DataFrame]:
    return tables_of(model_of(_plain(CALL_FIELDS, CALLS), _plain(LEAD_FIELDS, LEADS)))


# ---- the plain example, counted by hand ---------------------------------------------------------------------------

def test_canonical_floor_counted_by_hand() -> None:
    """Canonical headers and yes/no flags: every number below is counted from LEADS and CALLS."""
    by_employee = {r["employee"]: r for r in compute(model_of(_plain(CALL_FIELDS, CALLS),
                                                              _plain(LEAD_FIELDS, LEADS)), ["employee"]).to_dicts()}
    assert set(by_employee) == {"Анна", "Борис", "Вика"}
    expected = {
        # leads, target (yes), non-target (no): Анна L01–L07 yes L01 L03 L05 L06, no L02 L07, empty L04
        # Борис L08–L14 yes L08 L10 L11 L13, no L09 L14, empty L12; Вика L15–L20 yes L15 L16 L18 L19, no L17
        "Анна": (7, 4, 2), "Борис": (7, 4, 2), "Вика": (6, 4, 1),
    }
    for name, (new, target, nontarget) in expected.items():
        row = by_employee[name]
        assert (row["leads_new"], row["leads_target"], row["leads_nontarget"]) == (new, target, nontarget), name
    # meetings (a meeting date): 4 each. confirmed (yes, or held): Анна L01 L02 L06, Борис all 4, Вика L16 L18 L19;
    # held: Анна L01 L06, Борис L08 L11 L13, Вика L16 L19; paid: Анна L01 L06 (1500 + 2000), Борис L11 L13
    # (3000 + 2500), Вика L16 (1000) — each paid lead's only meeting is held and booked by its owner
    meetings = {n: (r["meetings_scheduled"], r["meetings_confirmed"], r["meetings_held"], r["payments"], r["revenue"])
                for n, r in by_employee.items()}
    assert meetings == {"Анна": (4, 3, 2, 2, 3500.0), "Борис": (4, 4, 3, 2, 5500.0), "Вика": (4, 3, 2, 1, 1000.0)}
    # calls: Анна 7 (≥ 60 s: 75, 120, 60, 200); Борис 7 (90, 300, 61, 180, 65); Вика 6 (100, 240, 60, 130)
    calls = {n: (r["calls_total"], r["calls_60s"], r["minutes_on_line"]) for n, r in by_employee.items()}
    assert calls == {"Анна": (7, 4, pytest.approx(544 / 60)), "Борис": (7, 5, pytest.approx(756 / 60)),
                     "Вика": (6, 4, pytest.approx(599 / 60))}


def test_canonical_floor_by_source_counted_by_hand() -> None:
    """Sources normalised; calls take the source of the lead with the same number (89009999999 has none)."""
    rows = {r["source"]: r for r in canonical_tables()[(("source",), "cohort")].to_dicts()}
    # leads: google L01 L03 L05 L09 L10 L13 L15 L17 L19 = 9; yandex L02 L06 L07 L08 L12 L16 L20 = 7;
    # site L04 L11 L14 L18 = 4
    assert {s: r["leads_new"] for s, r in rows.items() if r["leads_new"]} == {"Google": 9, "Yandex": 7, "site": 4}
    # held: Google L01 L13 L19 = 3; Yandex L06 L08 L16 = 3; site L11 = 1
    assert {s: r["meetings_held"] for s, r in rows.items() if r["meetings_held"]} == {"Google": 3, "Yandex": 3,
                                                                                      "site": 1}
    # calls: the one to 89009999999 (65 s) is unknown; C03 (+79001110002) is L02's, yandex
    assert rows["unknown"]["calls_total"] == 1 and rows["unknown"]["calls_60s"] == 1


# ---- the property ---------------------------------------------------------------------------------------------

@st.composite
def renderings(draw: st.DrawFn, fields: tuple[str, ...], records: list[tuple]) -> Rendering:
    return Rendering(
        dialect=draw(st.sampled_from(DIALECTS)),
        columns=tuple(draw(st.permutations(range(len(fields))))),
        rows=tuple(draw(st.permutations(range(len(records))))),
        file_format=draw(st.sampled_from(("csv", "xlsx"))),
        encoding=draw(st.sampled_from(("utf-8", "cp1251", "utf-8-sig"))),
        delimiter=draw(st.sampled_from((",", ";", "\t"))),
    )


@settings(max_examples=40, deadline=None)
@given(calls=renderings(CALL_FIELDS, CALLS), leads=renderings(LEAD_FIELDS, LEADS))
def test_any_rendering_gives_the_canonical_metrics(calls: Rendering, leads: Rendering) -> None:
    got = tables_of(model_of(calls, leads))
    for key, expected in canonical_tables().items():
        assert_frame_equal(got[key], expected)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("dialect", DIALECTS, ids=[d.name for d in DIALECTS])
def test_each_dialect_alone_gives_the_canonical_metrics(dialect: Dialect, file_format: str) -> None:
    """The same property without hypothesis, one header set at a time: the first failure to read when it breaks."""
    calls = Rendering(dialect, tuple(range(len(CALL_FIELDS))), tuple(range(len(CALLS))), file_format, "utf-8", ";")
    leads = Rendering(dialect, tuple(range(len(LEAD_FIELDS))), tuple(range(len(LEADS))), file_format, "utf-8", ";")
    got = tables_of(model_of(calls, leads))
    for key, expected in canonical_tables().items():
        assert_frame_equal(got[key], expected)
