"""Real exports (tests/fixtures/real, written by tests/fixtures/make_fixtures.py) imported with NO column mapping.

Every expected number is counted by hand from the fixture rows; the comment next to it says which rows. "Row" is
the line number a person sees in the file: the header is row 1 (a headerless Asterisk file starts at row 1).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from analytics.importing.converting import FileImport
from analytics.importing.pipeline import Upload, import_files, import_one
from analytics.importing.reading import BadFile
from analytics.model import prepare

ROOT = Path(__file__).resolve().parent.parent
REAL = Path(__file__).resolve().parent / "fixtures" / "real"
NO_AGENT = re.compile(r"no employee|reached no agent", re.IGNORECASE)
OTHER_LEG = re.compile(r"another leg", re.IGNORECASE)


def load(name: str, **upload: object) -> FileImport:
    return import_one(Upload(name, (REAL / name).read_bytes(), **upload))  # type: ignore[arg-type]


def counts(result: FileImport) -> tuple[int, int, int, int]:
    """(rows in file, imported, skipped, rejected) — and the identity that no row is lost."""
    assert result.imported + result.skipped + result.rejected == result.rows_in_file
    return result.rows_in_file, result.imported, result.skipped, result.rejected


def calls_by_employee_month(result: FileImport) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(employee, YYYY-MM) → (calls, calls ≥ 60 s, talk seconds) of the imported calls."""
    table = result.tables["calls"].group_by(
        "employee", pl.col("started_at").dt.strftime("%Y-%m").alias("month")
    ).agg(pl.len(), (pl.col("duration_s") >= 60).sum().alias("long"), pl.col("duration_s").sum().alias("seconds"))
    return {(e, m): (n, long, seconds) for e, m, n, long, seconds in table.rows()}


def row_actions(result: FileImport, action: str) -> dict[int, str]:
    """Row number → reason(s) of the issues with this action."""
    issues = result.issues.filter(pl.col("action") == action)
    reasons: dict[int, str] = {}
    for row, reason in issues.select("row", "reason").rows():
        reasons[row] = f"{reasons.get(row, '')} {reason or ''}".strip()
    return reasons


def by_call_id(result: FileImport) -> dict[str, dict]:
    return {r["call_id"]: r for r in result.tables["calls"].to_dicts()}


def leads_prepared(*names: str) -> pl.DataFrame:
    """The leads after the model's cleaning (normalised sources), imported as a user would: no kind, no mapping."""
    uploads = [Upload(n, (REAL / n).read_bytes()) for n in names]
    bundle = import_files(uploads)
    assert bundle.errors == ()
    return prepare(bundle.dataset).leads


def tally(frame: pl.DataFrame, *columns: str) -> dict[object, int]:
    keys = [tuple(r) if len(r) > 1 else r[0] for r in frame.select(columns).rows()]
    return dict(Counter(keys))


# ---- Asterisk ---------------------------------------------------------------------------------------------------

def test_asterisk_master_csv_18_columns() -> None:
    result = load("Master.csv")
    assert (result.kind, result.format) == ("calls", "asterisk")
    # 10 lines, none a header; skipped: row 5 (IVR, no agent), row 6 (the unanswered leg of uniqueid …7600.6)
    assert counts(result) == (10, 8, 2, 0)
    skipped = row_actions(result, "row skipped")
    assert set(skipped) == {5, 6}
    assert NO_AGENT.search(skipped[5]) and OTHER_LEG.search(skipped[6])
    # talk time is billsec: row 10 rang 75 s but talked 59 s, so it is not a call of a minute
    assert calls_by_employee_month(result) == {
        ("301", "2023-03"): (2, 1, 125),  # rows 1 (125 s) and 2 (no answer, 0 s)
        ("302", "2023-03"): (2, 2, 61 + 180),  # row 3 (incoming, 302 only in dstchannel), row 4 (out)
        ("303", "2023-03"): (1, 1, 80),  # row 7, the answered leg
        ("303", "2023-04"): (1, 1, 60),  # row 8: exactly 60 s counts
        ("302", "2023-04"): (1, 0, 40),  # row 9: client dialled extension 302 (dst short)
        ("301", "2023-04"): (1, 0, 59),  # row 10
    }
    calls = by_call_id(result)
    first = calls["1677650400.1"]
    assert (first["started_at"], first["employee"], first["direction"], first["phone"]) == (
        datetime(2023, 3, 1, 9, 0), "301", "out", "89161234567")
    assert (calls["1677654000.3"]["employee"], calls["1677654000.3"]["direction"],
            calls["1677654000.3"]["phone"]) == ("302", "in", "89031112233")
    assert (calls["1677747600.6"]["employee"], calls["1677747600.6"]["duration_s"]) == ("303", 80)
    assert (calls["1680609600.9"]["direction"], calls["1680609600.9"]["phone"]) == ("in", "89161112233")


def test_asterisk_master_csv_21_columns_with_linkedid() -> None:
    result = load("Master_21.csv")
    assert (result.kind, result.format) == ("calls", "asterisk")
    # 7 lines; skipped: row 2 (202's unanswered leg of linkedid 1715756400.3), row 5 (queue timeout, no agent)
    assert counts(result) == (7, 5, 2, 0)
    skipped = row_actions(result, "row skipped")
    assert set(skipped) == {2, 5}
    assert OTHER_LEG.search(skipped[2]) and NO_AGENT.search(skipped[5])
    assert calls_by_employee_month(result) == {
        ("201", "2024-05"): (1, 1, 90),  # row 1, PJSIP/201
        ("203", "2024-05"): (1, 1, 120),  # row 3, Local/203@from-queue — the answered leg
        ("204", "2024-05"): (1, 0, 45),  # row 4, IAX2/204 in dstchannel
        ("201", "2024-06"): (1, 1, 290),  # row 6
        ("205", "2024-06"): (1, 0, 0),  # row 7, busy: a call of 0 s
    }
    calls = {r["employee"]: r for r in result.tables["calls"].to_dicts() if r["employee"] != "201"}
    assert calls["203"]["call_id"] == "1715756400.3"  # the linkedid, not the leg's own uniqueid …400.5
    assert (calls["203"]["direction"], calls["203"]["phone"]) == ("in", "89031230002")
    assert (calls["204"]["direction"], calls["205"]["direction"]) == ("in", "out")


def test_asterisk_cdr_custom_19_columns() -> None:
    result = load("cdr_custom.csv")
    assert (result.kind, result.format) == ("calls", "asterisk")
    assert counts(result) == (6, 5, 1, 0)  # row 4: the IVR, nobody
    assert NO_AGENT.search(row_actions(result, "row skipped")[4])
    assert calls_by_employee_month(result) == {
        ("401", "2025-01"): (2, 1, 65 + 35),  # rows 1 and 2 (clid in cp1251)
        ("402", "2025-01"): (1, 1, 120),  # row 3, dst = 402
        ("403", "2025-01"): (1, 0, 0),  # row 5, FAILED: a call of 0 s
        ("403", "2025-02"): (1, 1, 180),  # row 6, SIP/403 in dstchannel
    }
    first = by_call_id(result)["1737352800.101"]
    assert (first["started_at"], first["direction"], first["phone"]) == (
        datetime(2025, 1, 20, 9, 0), "out", "89160000001")


def test_freepbx_download_csv_imports_every_row() -> None:
    result = load("cdr__1700000000pbx.csv")
    assert result.kind == "calls"
    assert counts(result) == (6, 6, 0, 0)
    assert calls_by_employee_month(result) == {
        ("114", "2023-11"): (2, 1, 88),  # 88 s, and a 0 s NO ANSWER
        ("115", "2023-11"): (2, 1, 140 + 55),  # 55 s of talk in a 70 s call: under a minute
        ("116", "2023-12"): (1, 1, 60),
        ("114", "2023-12"): (1, 1, 300),
    }
    calls = by_call_id(result)
    assert (calls["1699945200.1"]["direction"], calls["1699945200.1"]["phone"]) == ("out", "89161110001")
    assert (calls["1699948800.5"]["employee"], calls["1699948800.5"]["direction"],
            calls["1699948800.5"]["phone"]) == ("115", "in", "89031110003")
    assert calls["1699945200.1"]["started_at"] == datetime(2023, 11, 14, 10, 0)


def test_cdr_table_dump_with_nulls() -> None:
    result = load("cdr_table_dump.csv")
    assert result.kind == "calls"
    # rows are 2…9 (header = 1): skipped row 6 (IVR) and row 8 (501's first leg of the transferred call)
    assert counts(result) == (8, 6, 2, 0)
    skipped = row_actions(result, "row skipped")
    assert set(skipped) == {6, 8}
    assert NO_AGENT.search(skipped[6]) and OTHER_LEG.search(skipped[8])
    assert calls_by_employee_month(result) == {
        ("501", "2018-11"): (2, 1, 72),  # 72 s and a 0 s NO ANSWER
        ("502", "2018-11"): (1, 0, 40),
        ("503", "2018-11"): (1, 1, 190),  # the anonymous caller
        ("502", "2018-12"): (2, 2, 120 + 90),  # out 120 s; the transfer's leg with the largest billsec
    }
    calls = result.tables["calls"]
    assert calls.filter(pl.col("employee") == "503")["phone"].to_list() == [None]  # src NULL: no phone, no uniqueid
    assert sorted(calls["phone"].drop_nulls().to_list()) == [
        "89030001003", "89030001007", "89160001001", "89160001002", "89160001006"]
    assert "NULL" not in calls["employee"].to_list()
    transferred = by_call_id(result)["1543824000.11"]
    assert (transferred["employee"], transferred["duration_s"], transferred["direction"]) == ("502", 90, "in")


def test_grandstream_ucm_call_time_is_a_duration() -> None:
    result = load("grandstream_ucm.csv")
    assert result.kind == "calls"
    assert counts(result) == (6, 5, 1, 0)  # row 5: nobody answered, no extension
    assert NO_AGENT.search(row_actions(result, "row skipped")[5])
    # talk = Talk Time, never Call Time (row 4: 95 s of call, 59 s of talk)
    assert calls_by_employee_month(result) == {
        ("1001", "2025-03"): (2, 1, 120),  # Caller Number 1001: 120 s, and 0 s busy
        ("1002", "2025-03"): (1, 1, 75),  # Answered by 1002
        ("1003", "2025-03"): (1, 0, 59),  # Callee Number 1003
        ("1002", "2025-04"): (1, 1, 300),
    }
    assert result.tables["calls"]["started_at"].min() == datetime(2025, 3, 10, 9, 0)


# ---- Sipuni -----------------------------------------------------------------------------------------------------

def test_sipuni_old_wording_utf8() -> None:
    result = load("sipuni_utf8.csv")
    assert result.kind == "calls"
    assert counts(result) == (7, 6, 1, 0)  # row 5: incoming, not answered, nobody in "Кто ответил"
    assert NO_AGENT.search(row_actions(result, "row skipped")[5])
    assert calls_by_employee_month(result) == {
        ("997", "2024-02"): (2, 1, 70),  # outgoing: the employee is "Откуда"; row 3 unanswered, empty talk → 0 s
        ("Смирнова Анна", "2024-02"): (1, 1, 120),  # incoming: "Кто ответил"
        ("Козлов Павел", "2024-02"): (1, 0, 59),
        ("998", "2024-02"): (1, 1, 185),
        ("997", "2024-03"): (1, 1, 60),
    }
    directions = tally(result.tables["calls"], "employee", "direction")
    assert directions == {("997", "out"): 3, ("998", "out"): 1, ("Смирнова Анна", "in"): 1,
                          ("Козлов Павел", "in"): 1}
    assert result.tables["calls"]["started_at"].min() == datetime(2024, 2, 1, 10, 0, 15)


def test_sipuni_old_wording_cp1251() -> None:
    result = load("sipuni_cp1251.csv")
    assert result.kind == "calls"
    assert counts(result) == (5, 4, 1, 0)  # row 4: incoming, not answered, nobody
    assert calls_by_employee_month(result) == {
        ("201", "2024-09"): (1, 1, 120),
        ("Орлова Мария", "2024-09"): (2, 1, 90 + 30),
        ("202", "2024-09"): (1, 0, 0),  # outgoing, not answered, empty talk → 0 s
    }


# ---- generic logs: line ends and dates --------------------------------------------------------------------------

def test_excel_for_mac_cr_line_ends_and_two_digit_years() -> None:
    result = load("excel_mac_calls.csv")
    assert result.kind == "calls"
    assert counts(result) == (6, 6, 0, 0)
    assert calls_by_employee_month(result) == {
        ("Иванов", "2017-08"): (2, 1, 75 + 30),  # 24/08/17 is 24 August 2017
        ("Петров", "2017-08"): (2, 1, 60),  # 60 s and 0 s
        ("Иванов", "2017-09"): (1, 1, 240),
        ("Петров", "2017-09"): (1, 1, 125),
    }
    assert result.tables["calls"]["started_at"].min() == datetime(2017, 8, 24, 9, 32)


def test_iso_dates_keep_wall_clock_and_impossible_dates_are_rejected() -> None:
    result = load("calls_iso_dates.csv")
    assert result.kind == "calls"
    assert counts(result) == (7, 5, 0, 2)  # row 6: 1999, row 7: 2099
    rejected = result.issues.filter(pl.col("action") == "row rejected")
    assert sorted(set(rejected["row"].to_list())) == [6, 7]
    assert set(rejected["column"].to_list()) == {"Started at"}
    assert all(reason for reason in rejected["reason"].to_list())
    calls = by_call_id(result)
    assert {k: calls[k]["started_at"] for k in ("c1", "c2", "c3", "c4", "c7")} == {
        "c1": datetime(2020, 9, 10, 9, 20, 25),
        "c2": datetime(2020, 9, 10, 10, 0),  # `Z`: no conversion
        "c3": datetime(2020, 9, 30, 23, 30),  # -05:00: still September as written
        "c4": datetime(2020, 10, 1, 0, 15),  # +03:00: October as written
        "c7": datetime(2020, 10, 2, 12, 0, 0, 250_000),
    }
    assert (calls["c1"]["direction"], calls["c2"]["direction"]) == ("out", "in")
    assert calls_by_employee_month(result) == {
        ("Smith", "2020-09"): (2, 1, 65 + 30),
        ("Jones", "2020-09"): (1, 1, 120),
        ("Jones", "2020-10"): (1, 1, 90),
        ("Smith", "2020-10"): (1, 0, 59),
    }


def test_epoch_seconds_are_moscow_time() -> None:
    result = load("calls_epoch.csv")
    assert result.kind == "calls"
    assert counts(result) == (5, 5, 0, 0)
    calls = by_call_id(result)
    assert calls["5001"]["started_at"] == datetime(2023, 11, 15, 1, 13, 20)  # 1700000000 = 14 Nov 22:13:20 UTC
    assert calls["5003"]["started_at"] == datetime(2023, 12, 1, 0, 30)  # 30 Nov 21:30 UTC
    assert calls_by_employee_month(result) == {
        ("Olga", "2023-11"): (2, 1, 61 + 30),
        ("Ivan", "2023-12"): (2, 1, 90 + 45),  # 5003 is December in Moscow
        ("Olga", "2023-12"): (1, 1, 150),
    }


def test_a_log_dated_1970_is_rejected_row_by_row() -> None:
    result = load("calls_clock_1970.csv")
    assert result.kind == "calls"
    assert counts(result) == (5, 0, 0, 5)


# ---- CRM exports ------------------------------------------------------------------------------------------------

def leads_by_employee_month(result: FileImport) -> dict[object, int]:
    return tally(result.tables["leads"].with_columns(pl.col("created_at").dt.strftime("%Y-%m").alias("m")),
                 "employee", "m")


def test_bitrix24_rest_deal_list() -> None:
    result = load("bitrix_crm_deal_list.csv")
    assert result.kind == "leads"
    assert counts(result) == (8, 8, 0, 0)
    # ASSIGNED_BY_ID as written: user 1 has 101, 102 (March), 106, 107 (April); user 7 has 103, 104, 105, 108
    assert leads_by_employee_month(result) == {("1", "2024-03"): 2, ("1", "2024-04"): 2,
                                               ("7", "2024-03"): 2, ("7", "2024-04"): 2}
    leads = {r["lead_id"]: r for r in result.tables["leads"].to_dicts()}
    assert leads["101"]["created_at"] == datetime(2024, 3, 1, 10, 15)  # +03:00 kept as wall clock
    assert all(r["phone"] is None for r in leads.values())  # BEGINDATE is a date, never a phone
    # WON → paid, OPPORTUNITY on CLOSEDATE: 102, 105, 107; LOSE (103) and open stages pay nothing
    assert sorted(result.tables["payments"].select("lead_id", "paid_at", "amount").rows()) == [
        ("102", datetime(2024, 3, 20, 3, 0), 25000.0),
        ("105", datetime(2024, 4, 15, 3, 0), 40000.0),
        ("107", datetime(2024, 4, 25, 3, 0), 15000.5),
    ]
    assert set(result.tables["meetings"]["lead_id"].to_list()) <= {"102", "105", "107"}
    # source = UTM_SOURCE, else SOURCE_ID: google 101, 104, 108; yandex 102, YandexDirect 106; CALL 103, 107; EMAIL 105
    prepared = leads_prepared("bitrix_crm_deal_list.csv")
    assert tally(prepared, "source") == {"Google": 3, "Yandex": 2, "CALL": 2, "EMAIL": 1}


def test_bitrix24_rest_lead_list() -> None:
    result = load("bitrix_crm_lead_list.csv")
    assert result.kind == "leads"
    assert counts(result) == (6, 6, 0, 0)
    assert leads_by_employee_month(result) == {
        ("Ольга Кузнецова", "2024-05"): 2,  # 2001, 2002
        ("Ольга Кузнецова", "2024-06"): 1,  # 2006
        ("Дмитрий Орлов", "2024-05"): 2,  # 2003, 2004
        ("Дмитрий Орлов", "2024-06"): 1,  # 2005: 00:30 at +03:00 on 1 June stays in June
    }
    assert result.tables["payments"].height == 0
    prepared = leads_prepared("bitrix_crm_lead_list.csv")
    # google 2001, 2004; яндекс 2003, yandex.direct 2005; no UTM: CALL 2002, RECOMMENDATION 2006
    assert tally(prepared, "source") == {"Google": 2, "Yandex": 2, "CALL": 1, "RECOMMENDATION": 1}


def test_bitrix24_html_xls_without_responsible() -> None:
    result = load("bitrix_leads.xls")
    assert (result.kind, result.format) == ("leads", "html")
    assert counts(result) == (6, 6, 0, 0)
    assert set(result.tables["leads"]["employee"].to_list()) == {"не указан / not set"}
    assert result.warnings, "the missing responsible column must be said once for the file"
    assert leads_by_employee_month(result) == {("не указан / not set", "2026-01"): 4,
                                               ("не указан / not set", "2026-02"): 2}
    prepared = leads_prepared("bitrix_leads.xls")
    assert tally(prepared, "source") == {"Веб-сайт": 1, "Yandex": 2, "Google": 2, "Звонок": 1}


def test_amocrm_deals_wide_export() -> None:
    result = load("amocrm_deals.csv")
    assert result.kind == "leads"
    assert counts(result) == (8, 8, 0, 0)  # one note spans two lines: still 8 deals
    assert leads_by_employee_month(result) == {
        ("Анна Белова", "2025-10"): 3,  # 30001, 30002, 30005
        ("Анна Белова", "2025-11"): 1,  # 30007
        ("Игорь Соколов", "2025-10"): 2,  # 30003, 30004
        ("Игорь Соколов", "2025-11"): 2,  # 30006, 30008
    }
    assert "Дата закрытия" not in result.issues["column"].to_list()  # `не закрыта` is no date, and no error
    leads = {r["lead_id"]: r for r in result.tables["leads"].to_dicts()}
    assert {k for k, r in leads.items() if r["is_target"] is True} == {"30002", "30003", "30005", "30006"}
    assert {k for k, r in leads.items() if r["is_target"] is False} == {"30004", "30008"}
    assert leads["30001"]["phone"] == "+7 (916) 200-00-01"
    assert leads["30002"]["phone"] == "+7 (495) 200-00-02"  # only the work phone is filled
    # "Успешно реализовано" → paid: Бюджет on Дата закрытия
    assert sorted(result.tables["payments"].select("lead_id", "paid_at", "amount").rows()) == [
        ("30003", datetime(2025, 10, 20, 18, 0), 120000.0),
        ("30005", datetime(2025, 10, 30, 16, 0), 80000.0),
    ]
    meetings = result.tables["meetings"]
    assert sorted(meetings["lead_id"].to_list()) == ["30002", "30003", "30005", "30006"]  # booked or further
    assert sorted(meetings.filter(pl.col("held"))["lead_id"].to_list()) == ["30003", "30005"]
    prepared = {r["lead_id"]: r["source"] for r in leads_prepared("amocrm_deals.csv").to_dicts()}
    # utm_source when filled (30001, 30002, 30004, 30006, 30008), else Источник (30003, 30005), else unknown (30007)
    assert prepared == {"30001": "Google", "30002": "Yandex", "30003": "Рекомендация", "30004": "Google",
                        "30005": "Google", "30006": "Google", "30007": "unknown", "30008": "Yandex"}


def test_amocrm_deals_with_empty_utm_take_the_source_field() -> None:
    result = load("amocrm_deals_source_only.csv")
    assert result.kind == "leads"
    assert counts(result) == (6, 6, 0, 0)
    assert tally(result.tables["leads"], "employee") == {"Анна Белова": 3, "Игорь Соколов": 3}
    prepared = {r["lead_id"]: r["source"] for r in leads_prepared("amocrm_deals_source_only.csv").to_dicts()}
    assert prepared == {"31001": "Google", "31002": "Yandex", "31003": "Yandex", "31004": "Авито",
                        "31005": "Google", "31006": "Сарафанное радио"}


def test_amocrm_contacts_export_is_refused() -> None:
    with pytest.raises(BadFile, match="contacts export") as refused:
        load("amocrm_contacts.csv")
    assert str(refused.value).startswith("amocrm_contacts.csv:")


# ---- canonical headers ------------------------------------------------------------------------------------------

def test_canonical_leads_keep_yes_no() -> None:
    result = load("canonical_leads.csv")
    assert result.kind == "leads"
    assert counts(result) == (42, 42, 0, 0)
    # lead i: Вера if odd, Глеб if even; `no` when 3 | i. Вера's multiples of 3 (odd): 3, 9, …, 39 = 7; Глеб's: 6, …, 42
    assert tally(result.tables["leads"], "employee", "is_target") == {
        ("Вера", True): 14, ("Вера", False): 7, ("Глеб", True): 14, ("Глеб", False): 7}
    # March = i ≤ 21: Вера odd 1…21 = 11 leads (no: 3, 9, 15, 21); Глеб even 2…20 = 10 (no: 6, 12, 18)
    march = result.tables["leads"].filter(pl.col("created_at").dt.month() == 3)
    assert tally(march, "employee", "is_target") == {
        ("Вера", True): 7, ("Вера", False): 4, ("Глеб", True): 7, ("Глеб", False): 3}


def test_canonical_meetings_keep_yes_no() -> None:
    result = load("canonical_meetings.csv")
    assert result.kind == "meetings"
    assert counts(result) == (42, 42, 0, 0)
    meetings = result.tables["meetings"]
    # confirmed `no` iff 4 | i (10 rows, all Глеб's); held `yes` iff i mod 4 ∈ {1, 2}: 11 odd (Вера), 11 even (Глеб)
    assert tally(meetings, "setter", "confirmed", "held") == {
        ("Вера", True, True): 11, ("Вера", True, False): 10,
        ("Глеб", True, True): 11, ("Глеб", False, False): 10,
    }


def test_canonical_calls_keep_in_out() -> None:
    result = load("canonical_calls.csv")
    assert result.kind == "calls"
    assert counts(result) == (24, 24, 0, 0)
    # call i lasts 5·i s: ≥ 60 from i = 12; Вера (odd) 13…23 = 6, Глеб (even) 12…24 = 7
    # seconds: Вера 5·(1+3+…+23) = 5·144 = 720; Глеб 5·(2+4+…+24) = 5·156 = 780
    assert calls_by_employee_month(result) == {("Вера", "2026-05"): (12, 6, 720), ("Глеб", "2026-05"): (12, 7, 780)}
    # `in` iff 3 | i: 3, 9, 15, 21 (Вера) and 6, 12, 18, 24 (Глеб)
    assert tally(result.tables["calls"], "employee", "direction") == {
        ("Вера", "in"): 4, ("Вера", "out"): 8, ("Глеб", "in"): 4, ("Глеб", "out"): 8}


# ---- the command line -------------------------------------------------------------------------------------------

def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def metrics_json(*args: str) -> dict:
    done = cli("metrics", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def calls_rows(out: dict) -> dict[tuple[str, str], tuple[int, int, float]]:
    return {(r["employee"], r["month"]): (r["calls_total"], r["calls_60s"], r["minutes_on_line"])
            for r in out["rows"]}


def assert_calls_alone(out: dict, expected: dict[tuple[str, str], tuple[int, int, int]]) -> None:
    """The JSON rows equal the hand counts (talk seconds / 60 = minutes); lead metrics null; one warning about it."""
    got = calls_rows(out)
    assert set(got) == set(expected)
    for key, (total, long, seconds) in expected.items():
        assert got[key][:2] == (total, long), key
        assert got[key][2] == pytest.approx(seconds / 60), key
    assert all(r["leads_new"] is None and r["meetings_held"] is None for r in out["rows"])
    about_leads = [w for w in out["warnings"] if re.search(r"lead|deal|сделк|лид", w, re.IGNORECASE)]
    assert len(about_leads) == 1, out["warnings"]


def test_cli_asterisk_calls_alone() -> None:
    out = metrics_json("--calls", str(REAL / "Master.csv"), "--by", "employee,month")
    assert_calls_alone(out, {
        ("301", "2023-03"): (2, 1, 125), ("301", "2023-04"): (1, 0, 59),
        ("302", "2023-03"): (2, 2, 241), ("302", "2023-04"): (1, 0, 40),
        ("303", "2023-03"): (1, 1, 80), ("303", "2023-04"): (1, 1, 60),
    })


def test_cli_freepbx_calls_alone() -> None:
    out = metrics_json("--calls", str(REAL / "cdr__1700000000pbx.csv"), "--by", "employee,month")
    assert_calls_alone(out, {
        ("114", "2023-11"): (2, 1, 88), ("115", "2023-11"): (2, 1, 195),
        ("114", "2023-12"): (1, 1, 300), ("116", "2023-12"): (1, 1, 60),
    })
    assert len(out["warnings"]) == 1  # every row imported: the missing leads are the only thing to say


def test_cli_sipuni_calls_alone() -> None:
    out = metrics_json("--calls", str(REAL / "sipuni_utf8.csv"), "--by", "employee,month")
    assert_calls_alone(out, {
        ("997", "2024-02"): (2, 1, 70), ("997", "2024-03"): (1, 1, 60), ("998", "2024-02"): (1, 1, 185),
        ("Козлов Павел", "2024-02"): (1, 0, 59), ("Смирнова Анна", "2024-02"): (1, 1, 120),
    })


def test_cli_bitrix_deals_alone() -> None:
    out = metrics_json("--leads", str(REAL / "bitrix_crm_deal_list.csv"), "--by", "employee,month")
    leads = {(r["employee"], r["month"]): r["leads_new"] for r in out["rows"] if r["leads_new"]}
    assert leads == {("1", "2024-03"): 2, ("1", "2024-04"): 2, ("7", "2024-03"): 2, ("7", "2024-04"): 2}
    # the three WON deals (25000 + 40000 + 15000.50) are paid, credited via a meeting or shown without one
    rows = out["rows"]
    assert sum((r["payments"] or 0) + (r["paid_without_meeting"] or 0) for r in rows) == 3
    assert sum((r["revenue"] or 0) + (r["revenue_without_meeting"] or 0) for r in rows) == pytest.approx(80000.5)


def test_cli_all_rows_rejected_exits_2_with_one_line() -> None:
    done = cli("metrics", "--calls", str(REAL / "calls_clock_1970.csv"), "--by", "employee,month")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "calls_clock_1970.csv" in lines[0], done.stderr
    assert done.stdout == ""
