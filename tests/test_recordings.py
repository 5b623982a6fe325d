"""Recordings of calls (issue 13, item 9): the call log's link to (or id of) each call's recording is read into the
canonical `recording` column, kept through the model and a workspace, and shown on the Lead generator's "listen to
the calls" table — a link to click where it is a URL, text where it is an id, and the table as before without one.

The fixtures are tests/fixtures/real/mango_office_calls.csv and uis_calls.csv (written by make_fixtures.py); the
deals below give the same four clients, so each log's calls link to them by phone.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from analytics import i18n, records
from analytics.importing.pipeline import Upload, import_files
from analytics.metrics import Filters
from analytics.model import prepare
from analytics.workspace import Workspace
from pages._dataset import default_workspace
from tests.conftest import open_screen
from tests.fixtures.make_fixtures import SIPUNI_HEADER

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
MANGO, UIS = "mango_office_calls.csv", "uis_calls.csv"
MANGO_LINKS = tuple(f"https://lk.mango-office.ru/records/9f2c1a0b0{n}.mp3" for n in (1, 3, 4, 5))
UIS_LINKS = tuple(f"https://app.uiscom.ru/system/media/talk/331100{n}/5a7f0c2e0{n}/" for n in (1, 3, 5))

# L1: Белова's meeting, held, not paid — the one whose calls are to be listened to. L2 held and paid, L3 not held,
# L4 Орлов's held unpaid meeting (not Белова's).
DEALS = (
    "lead_id;created_at;employee;source;phone;booked_at;meeting_at;held;paid_at;amount\n"
    "L1;01.10.2026 09:00;Белова Анна;google;79165550101;02.10.2026 12:00;06.10.2026 12:00;да;;\n"
    "L2;01.10.2026 09:30;Белова Анна;google;79165550102;02.10.2026 13:00;06.10.2026 13:00;да;08.10.2026;50000\n"
    "L3;01.10.2026 10:00;Белова Анна;yandex;79165550103;03.10.2026 12:00;07.10.2026 12:00;нет;;\n"
    "L4;01.10.2026 10:30;Орлов Борис;google;79165550104;03.10.2026 14:00;07.10.2026 14:00;да;;\n"
)
BELOVA = "Белова Анна"


def calls_file(header: str, values: tuple[str, str]) -> bytes:
    """A small call log whose last column is `header`, holding `values` on its two rows."""
    return (f"Дата и время;Сотрудник;Номер клиента;Длительность разговора;{header}\n"
            f"05.10.2026 10:00;Белова Анна;79165550101;65;{values[0]}\n"
            f"05.10.2026 11:00;Белова Анна;79165550102;30;{values[1]}\n").encode()


# ---- the mapping --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["Запись разговора", "Ссылка на запись", "Запись", "Record", "Recording",
                                    "Recording URL", "record_link", "recordingfile"])
def test_a_recording_column_is_read_whatever_its_header(header: str) -> None:
    bundle = import_files([Upload("calls.csv", calls_file(header, ("https://pbx.example/r/1.mp3", "r-2")))])
    [imported] = bundle.files
    assert (imported.kind, imported.mapping["recording"]) == ("calls", header)
    assert bundle.dataset.calls["recording"].to_list() == ["https://pbx.example/r/1.mp3", "r-2"]


def test_a_yes_no_column_named_like_a_recording_is_not_one() -> None:
    """`Запись: да/нет` says whether a recording exists; it does not find one."""
    bundle = import_files([Upload("calls.csv", calls_file("Запись", ("да", "нет")))])
    assert bundle.files[0].mapping["recording"] is None
    assert bundle.dataset.calls["recording"].to_list() == [None, None]


def test_mango_office_log_links_each_answered_call() -> None:
    bundle = import_files([Upload(MANGO, (REAL / MANGO).read_bytes())])
    [imported] = bundle.files
    assert imported.mapping["recording"] == "Запись разговора"
    # 6 rows: 5 calls, the last one (a missed incoming call nobody took) skipped; the missed outgoing call has none.
    assert (imported.rows_in_file, imported.imported, imported.skipped, imported.rejected) == (6, 5, 1, 0)
    assert bundle.dataset.calls.select("started_at", "employee", "duration_s", "recording").rows() == [
        (datetime(2026, 10, 5, 10, 2, 11), BELOVA, 125, MANGO_LINKS[0]),
        (datetime(2026, 10, 6, 9, 40), BELOVA, 0, None),
        (datetime(2026, 10, 5, 11, 15, 30), BELOVA, 250, MANGO_LINKS[1]),
        (datetime(2026, 10, 6, 12, 0), BELOVA, 61, MANGO_LINKS[2]),
        (datetime(2026, 10, 6, 15, 20), "Орлов Борис", 180, MANGO_LINKS[3]),
    ]


def test_uis_log_links_each_answered_call() -> None:
    bundle = import_files([Upload(UIS, (REAL / UIS).read_bytes())])
    [imported] = bundle.files
    assert (imported.mapping["recording"], imported.mapping["disposition"]) == ("Ссылка на запись", "Статус")
    assert (imported.rows_in_file, imported.imported, imported.skipped, imported.rejected) == (5, 4, 1, 0)
    assert bundle.dataset.calls.select("employee", "duration_s", "phone", "recording").rows() == [
        (BELOVA, 125, "79165550101", UIS_LINKS[0]),
        (BELOVA, 0, "79165550101", None),
        (BELOVA, 250, "79165550102", UIS_LINKS[1]),
        ("Орлов Борис", 180, "79165550104", UIS_LINKS[2]),
    ]


def test_sipunis_record_id_is_the_calls_id_and_its_recordings_id() -> None:
    bundle = import_files([Upload("sipuni_utf8.csv", (REAL / "sipuni_utf8.csv").read_bytes())])
    [imported] = bundle.files
    assert imported.mapping["call_id"] == imported.mapping["recording"] == "ID записи"
    calls = bundle.dataset.calls
    assert calls["recording"].to_list() == calls["call_id"].to_list() == [
        "a1f0c2e1", None, "a1f0c2e3", "a1f0c2e5", "a1f0c2e6", "a1f0c2e7"]


def test_freepbx_names_the_recordings_file() -> None:
    bundle = import_files([Upload("cdr__1700000000pbx.csv", (REAL / "cdr__1700000000pbx.csv").read_bytes())])
    recordings = dict(bundle.dataset.calls.select("call_id", "recording").rows())
    assert recordings["1699945200.1"] == "out-89161110001-114-20231114-100000-1699945200.1.wav"


def test_a_sipuni_log_imported_again_with_its_recordings_is_not_doubled(tmp_path: Path) -> None:
    """Why `ID записи` stays the call's id: a workspace knows Sipuni calls by it. A log imported before the recording
    column existed (here: with `recording` unmapped), exported again and imported, updates the same 6 calls."""
    content = (REAL / "sipuni_utf8.csv").read_bytes()
    header, *rows = content.split(b"\n")[:-1]
    again = b"\n".join([header, *reversed(rows)]) + b"\n"  # the same calls, exported in the other order
    ws = Workspace(tmp_path / "team.duckdb")
    first = ws.import_uploads([Upload("sipuni.csv", content, "calls", overrides={"recording": None})])
    assert first.rows["calls"] == {"new": 6, "updated": 0, "unchanged": 0}
    second = ws.import_uploads([Upload("sipuni_again.csv", again, "calls")])
    # The 5 answered calls gain their recording; the unanswered outgoing one (no id, no recording) is unchanged.
    assert second.rows["calls"] == {"new": 0, "updated": 5, "unchanged": 1}
    calls = ws.dataset().calls.sort("started_at")
    assert calls["recording"].to_list() == ["a1f0c2e1", None, "a1f0c2e3", "a1f0c2e5", "a1f0c2e6", "a1f0c2e7"]


def test_a_workspace_made_before_the_recording_column_gains_it(tmp_path: Path) -> None:
    """A team's file from before this column (made here by dropping it): opened again, it gets an empty
    `recording`, and a log with links fills it for its calls."""
    import duckdb

    path = tmp_path / "team.duckdb"
    Workspace(path).import_uploads([Upload("old.csv", calls_file("Оценка", ("5", "4")))])
    with duckdb.connect(str(path)) as connection:
        connection.execute("ALTER TABLE calls DROP COLUMN recording")
        assert "recording" not in [c[0] for c in connection.execute("DESCRIBE calls").fetchall()]
    ws = Workspace(path)
    ws.import_uploads([Upload(MANGO, (REAL / MANGO).read_bytes())])
    calls = ws.dataset().calls.sort("started_at")
    # The old file's two calls (05.10 10:00 and 11:00) have none; Mango's five have theirs (one missed call: none).
    assert calls.select("started_at", "recording").rows() == [
        (datetime(2026, 10, 5, 10, 0), None), (datetime(2026, 10, 5, 10, 2, 11), MANGO_LINKS[0]),
        (datetime(2026, 10, 5, 11, 0), None), (datetime(2026, 10, 5, 11, 15, 30), MANGO_LINKS[1]),
        (datetime(2026, 10, 6, 9, 40), None), (datetime(2026, 10, 6, 12, 0), MANGO_LINKS[2]),
        (datetime(2026, 10, 6, 15, 20), MANGO_LINKS[3]),
    ]


# ---- the records ------------------------------------------------------------------------------------------------

def floor_with(calls_name: str) -> pl.DataFrame:
    bundle = import_files([Upload("deals.csv", DEALS.encode()), Upload(calls_name, (REAL / calls_name).read_bytes())])
    assert bundle.errors == ()
    return records.calls(prepare(bundle.dataset), Filters(employees=(BELOVA,)), "held_unpaid")


def test_the_calls_to_listen_to_carry_their_id_and_recording() -> None:
    listen = floor_with(MANGO)
    # L1 is Белова's only held unpaid meeting: her two calls to +7 916 555-01-01, the second one missed.
    assert listen.select("started_at", "lead_id", "linked_by", "call_id", "recording").rows() == [
        (datetime(2026, 10, 5, 10, 2, 11), "L1", "phone", None, MANGO_LINKS[0]),
        (datetime(2026, 10, 6, 9, 40), "L1", "phone", None, None),
    ]


def test_calls_without_recordings_have_no_recording_column(hand_model) -> None:
    """The table as before, with the call's id (hand_dataset: c1 of L1, whose held meeting m1 paid; B's calls)."""
    calls = records.calls(hand_model, Filters(employees=("B",)))
    assert calls.columns == ["started_at", "employee", "duration_s", "direction", "phone", "lead_id", "linked_by",
                             "source", "call_id"]
    assert calls["call_id"].to_list() == ["c3", "c5"]


def test_links_and_ids_are_shown_apart() -> None:
    calls = pl.DataFrame({
        "call_id": ["1", "2", "3", "4"],
        "recording": ["https://pbx.example/r/1.mp3", "HTTP://PBX.EXAMPLE/R/2", "javascript:alert(1)", None],
    })
    shown = records.recording_columns(calls)
    assert shown.columns == ["recording_url", "recording_id", "call_id"]
    assert shown.rows() == [("https://pbx.example/r/1.mp3", None, "1"), ("HTTP://PBX.EXAMPLE/R/2", None, "2"),
                            (None, "javascript:alert(1)", "3"), (None, None, "4")]


def test_an_id_that_only_repeats_the_calls_id_is_shown_once() -> None:
    sipuni = pl.DataFrame({"call_id": ["a1", None, "a3"], "recording": ["a1", None, "a3"]})
    assert records.recording_columns(sipuni).rows(named=True) == [
        {"recording_id": "a1"}, {"recording_id": None}, {"recording_id": "a3"}]
    links = pl.DataFrame({"call_id": ["a1"], "recording": ["https://pbx.example/a1"]})
    assert records.recording_columns(links).columns == ["recording_url", "call_id"]
    no_ids = pl.DataFrame({"call_id": [None, None], "recording": ["https://pbx.example/1", None]})
    assert records.recording_columns(no_ids).columns == ["recording_url"]  # Mango writes no call id
    without = pl.DataFrame({"call_id": ["a1"]})
    assert records.recording_columns(without).equals(without)


# ---- the screen -------------------------------------------------------------------------------------------------

def listen_table(at) -> tuple[pl.DataFrame, dict]:
    """The Lead generator's "listen to the calls" table (the one with the recording) and its column config."""
    for element in at.dataframe:
        frame = pl.from_pandas(element.value)
        if "recording_url" in frame.columns:
            return frame, json.loads(element.proto.columns)
    raise AssertionError("no table with a recording link")


@pytest.mark.parametrize(("calls_name", "lang", "link"), [(MANGO, "ru", MANGO_LINKS[0]), (UIS, "en", UIS_LINKS[0])])
def test_the_listen_table_links_the_recordings(calls_name: str, lang: str, link: str) -> None:
    Workspace(default_workspace()).import_uploads([Upload("deals.csv", DEALS.encode()),
                                                 Upload(calls_name, (REAL / calls_name).read_bytes())])
    at = open_screen("lead_generator", lang, person=BELOVA, f_period="all")
    frame, config = listen_table(at)
    # The link right after the call's start; no empty call id column (the log has none).
    assert frame.columns == ["started_at", "recording_url", "employee", "duration_s", "direction", "phone", "lead_id",
                             "linked_by", "source"]
    assert frame["lead_id"].to_list() == ["L1", "L1"]
    assert frame["recording_url"].to_list() == [link, None]
    assert "recording_id" not in frame.columns
    column = config["recording_url"]
    assert column["type_config"] == {"type": "link", "display_text": i18n.t("recording_open", lang)}
    assert column["label"] == i18n.t("col_recording_url", lang)
    assert i18n.t("s1_recording_links", lang) in [c.value for c in at.caption]
    assert i18n.t("s1_no_recording", lang) not in [c.value for c in at.caption]


def test_the_listen_table_shows_a_recording_id_as_text() -> None:
    """A Sipuni log: `ID записи` is shown once, as the recording's id (text, not a link); the caption says to look
    it up in the telephony."""
    sipuni = "".join(f"{line};;\n" for line in (
        SIPUNI_HEADER,
        "Исходящий;Отвечен;05.10.2026 10:02:11;Основная;997;79165550101;Белова Анна;130;125;5;;c0ffee01;;;;",
        "Исходящий;Не отвечен;06.10.2026 09:40:00;Основная;997;79165550101;Белова Анна;30;;;;;;;;",
        "Исходящий;Отвечен;06.10.2026 15:20:00;Основная;998;79165550104;Орлов Борис;185;180;5;;c0ffee05;;;;",
    )).encode()
    Workspace(default_workspace()).import_uploads([Upload("deals.csv", DEALS.encode()),
                                                     Upload("sipuni.csv", sipuni)])
    at = open_screen("lead_generator", "ru", person=BELOVA, f_period="all")
    table = next(pl.from_pandas(d.value) for d in at.dataframe if "recording_id" in d.value.columns)
    assert table.columns[:2] == ["started_at", "recording_id"] and "call_id" not in table.columns
    assert table.select("lead_id", "duration_s", "recording_id").rows() == [("L1", 125, "c0ffee01"),
                                                                           ("L1", 0, "—")]  # "—": no recording
    assert i18n.t("s1_recording_ids", "ru") in [c.value for c in at.caption]
