"""The workspace (issue 11): imports add, never duplicate; the latest export wins; undo; one writer at a time."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics import schema, workspace, workspace_cli
from analytics.cli import UsageError
from analytics.importing.mapping import signature
from analytics.importing.pipeline import Upload, import_one
from analytics.metrics import compute
from analytics.model import prepare
from analytics.workspace import Incoming, Workspace
from data.generate_demo import FloorConfig, deals_table, generate_floor

CUT = datetime(2026, 4, 1)  # the day the earlier export was taken
FLOOR = replace(FloorConfig(), setters=("Анна", "Борис", "Вера"), start=date(2026, 3, 2), end=date(2026, 4, 30),
                stories=False, calls_per_day=20.0, leads_per_day=4.0)


# ---- helpers -------------------------------------------------------------------------------------------------

def csv(frame: pl.DataFrame) -> bytes:
    return frame.write_csv().encode("utf-8")


def upload(ws: Workspace, *files: tuple[str, str, bytes]) -> workspace.ImportResult:
    """Import (name, kind, content) files as one batch, through the real importer."""
    incoming = []
    for name, kind, content in files:
        given = Upload(name, content, kind)  # type: ignore[arg-type]
        incoming.append(Incoming.of(import_one(given), given.content_digest))
    return ws.import_files(incoming)


def table(ws: Workspace) -> pl.DataFrame:
    return compute(prepare(ws.dataset()), ["employee", "month"])


def as_of(truth: schema.Dataset, cut: datetime) -> schema.Dataset:
    """What an export taken at `cut` showed: later rows absent, meetings after the cut not yet confirmed or held."""
    meetings = truth.meetings.filter(pl.col("booked_at") < cut)
    confirmed = pl.col("confirmed") & (pl.coalesce("confirmed_at", "meeting_at") < cut).fill_null(False)
    held = pl.col("held") & (pl.coalesce("held_at", "meeting_at") < cut).fill_null(False)
    meetings = meetings.with_columns(confirmed.alias("confirmed"), held.alias("held")).with_columns(
        pl.when(pl.col("confirmed")).then(pl.col("confirmed_at")).alias("confirmed_at"),
        pl.when(pl.col("held")).then(pl.col("held_at")).alias("held_at"),
    )
    return schema.Dataset(
        calls=truth.calls.filter(pl.col("started_at") < cut),
        leads=truth.leads.filter(pl.col("created_at") < cut),
        meetings=meetings,
        payments=truth.payments.filter(pl.col("paid_at") < cut),
    )


def long_form(data: schema.Dataset, tag: str) -> list[tuple[str, str, bytes]]:
    return [(f"{name}_{tag}.csv", name, csv(data.table(name))) for name in schema.TABLES]  # type: ignore[arg-type]


def deals_form(data: schema.Dataset, tag: str) -> list[tuple[str, str, bytes]]:
    deals = deals_table(data, FLOOR).write_csv(separator=";").encode("utf-8")
    return [(f"calls_{tag}.csv", "calls", csv(data.calls)), (f"deals_{tag}.csv", "leads", deals)]


@pytest.fixture(scope="module")
def truth() -> schema.Dataset:
    return generate_floor(FLOOR)


def sorted_dataset(ws: Workspace) -> dict[str, pl.DataFrame]:
    data = ws.dataset()
    return {name: data.table(name).sort(pl.all(), nulls_last=True) for name in schema.TABLES}


def assert_same_data(left: dict[str, pl.DataFrame], right: dict[str, pl.DataFrame]) -> None:
    for name in schema.TABLES:
        assert_frame_equal(left[name], right[name])


# ---- a hand-made floor: every number below is counted by hand ----------------------------------------------------

LEADS = ("lead_id,created_at,employee,source,is_target,phone\n"
         "L1,2026-01-05 10:00,Анна,yandex,true,79001112233\n"
         "L2,2026-01-06 11:00,Анна,vk,true,79001112244\n")
MEETINGS_EARLY = ("lead_id,booked_at,setter,meeting_at,confirmed,held,hunter\n"
                  "L1,2026-01-05 12:00,Анна,2026-01-09 15:00,true,false,Хантер\n"
                  "L2,2026-01-06 12:00,Анна,2026-01-12 15:00,true,false,Хантер\n")
# A week later: L1's meeting was held, L2's cancelled (no longer confirmed), and L1 paid.
MEETINGS_LATE = ("lead_id,booked_at,setter,meeting_at,confirmed,held,hunter\n"
                 "L1,2026-01-05 12:00,Анна,2026-01-09 15:00,true,true,Хантер\n"
                 "L2,2026-01-06 12:00,Анна,2026-01-12 15:00,false,false,Хантер\n")
PAYMENTS_LATE = "lead_id,paid_at,amount\nL1,2026-01-14 10:00,50000\n"
CALLS_EARLY = ("started_at,employee,duration_s,direction,lead_id,phone,call_id\n"
               "2026-01-05 09:00,Анна,120,out,,79001112233,c1\n"
               "2026-01-06 09:00,Анна,30,out,,79001112244,c2\n")
CALLS_LATE = CALLS_EARLY + "2026-01-13 09:00,Анна,75,out,,79001112233,c3\n"


def early_files() -> list[tuple[str, str, bytes]]:
    return [("leads.csv", "leads", LEADS.encode()), ("meetings_1.csv", "meetings", MEETINGS_EARLY.encode()),
            ("calls_1.csv", "calls", CALLS_EARLY.encode())]


def late_files() -> list[tuple[str, str, bytes]]:
    return [("meetings_2.csv", "meetings", MEETINGS_LATE.encode()),
            ("payments_2.csv", "payments", PAYMENTS_LATE.encode()), ("calls_2.csv", "calls", CALLS_LATE.encode())]


def january(ws: Workspace) -> dict[str, object]:
    return table(ws).row(0, named=True)


def test_a_later_export_updates_meetings_and_adds_payments_once(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "team.duckdb")
    first = upload(ws, *early_files())
    before = january(ws)
    assert (before["calls_total"], before["meetings_scheduled"], before["meetings_confirmed"],
            before["meetings_held"], before["payments"]) == (2, 2, 2, 0, 0)

    second = upload(ws, *late_files())
    after = january(ws)
    # 3 calls (c1, c2 not doubled), still 2 meetings, 1 confirmed (L2 cancelled), 1 held, 1 payment of 50 000.
    assert (after["calls_total"], after["calls_60s"], after["meetings_scheduled"], after["meetings_confirmed"],
            after["meetings_held"], after["payments"], after["revenue"]) == (3, 2, 2, 1, 1, 1, 50000.0)
    assert second.rows == {"calls": {"new": 1, "updated": 0, "unchanged": 2},
                           "meetings": {"new": 0, "updated": 2, "unchanged": 0},
                           "payments": {"new": 1, "updated": 0, "unchanged": 0}}
    assert ws.dataset().meetings.height == 2

    ws.undo(second.batch_id)  # type: ignore[arg-type]
    assert january(ws) == before
    assert [b["batch_id"] for b in ws.history()] == [first.batch_id]


def test_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "team.duckdb")
    first = upload(ws, *early_files())
    version, data = ws.version(), sorted_dataset(ws)
    again = upload(ws, *early_files())
    assert again.batch_id is None
    assert [(f.name, f.already_imported, f.batch_id) for f in again.files] == [
        ("leads.csv", True, first.batch_id), ("meetings_1.csv", True, first.batch_id),
        ("calls_1.csv", True, first.batch_id)]
    assert ws.version() == version
    assert len(ws.history()) == 1
    assert_same_data(sorted_dataset(ws), data)


def test_a_batch_with_one_known_file_stores_only_the_new_one(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "team.duckdb")
    first = upload(ws, ("calls_1.csv", "calls", CALLS_EARLY.encode()))
    mixed = upload(ws, ("calls_1.csv", "calls", CALLS_EARLY.encode()), ("leads.csv", "leads", LEADS.encode()))
    assert mixed.batch_id == first.batch_id + 1  # type: ignore[operator]
    assert [f.already_imported for f in mixed.files] == [True, False]
    assert [f["name"] for f in ws.history()[1]["files"]] == ["leads.csv"]
    assert ws.dataset().calls.height == 2


def test_undo_of_an_earlier_batch_keeps_what_a_later_batch_also_had(tmp_path: Path) -> None:
    """c1 and c2 were stored by batch 1 only; batch 2 had them unchanged. Without batch 1 they are batch 2's."""
    ws = Workspace(tmp_path / "team.duckdb")
    first = upload(ws, ("calls_1.csv", "calls", CALLS_EARLY.encode()))
    second = upload(ws, ("calls_2.csv", "calls", CALLS_LATE.encode()))
    ws.undo(first.batch_id)  # type: ignore[arg-type]
    assert sorted(ws.dataset().calls["call_id"]) == ["c1", "c2", "c3"]
    ws.undo(second.batch_id)  # type: ignore[arg-type]
    assert ws.dataset().calls.height == 0
    with pytest.raises(KeyError):
        ws.undo(second.batch_id)  # type: ignore[arg-type]


def test_undo_restores_the_replaced_version_not_just_removes(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "team.duckdb")
    upload(ws, *early_files())
    second = upload(ws, *late_files())
    # The old state exported again (other bytes: a file with the very same bytes would be skipped).
    third = upload(ws, ("meetings_3.csv", "meetings", MEETINGS_EARLY.replace("\n", "\r\n").encode()))
    assert ws.dataset().meetings["held"].to_list() == [False, False]
    ws.undo(second.batch_id)  # type: ignore[arg-type]
    assert ws.dataset().meetings["held"].to_list() == [False, False]
    ws.undo(third.batch_id)  # type: ignore[arg-type]
    assert ws.dataset().meetings["confirmed"].to_list() == [True, True]
    assert ws.dataset().payments.height == 0


def test_natural_keys_without_ids(tmp_path: Path) -> None:
    """Calls without call_id: time + employee + phone + duration; meetings: lead + booking; payments: lead + date +
    amount. The same call twice counts once, a different duration is another call."""
    ws = Workspace(tmp_path / "team.duckdb")
    calls = ("started_at,employee,duration_s,phone\n"
             "2026-01-05 09:00,Анна,120,79001112233\n2026-01-05 09:00,Анна,120,79001112233\n"
             "2026-01-05 09:00,Анна,121,79001112233\n")
    payments = "lead_id,paid_at,amount\nL1,2026-01-14,500\nL1,2026-01-14,500\nL1,2026-01-14,700\n"
    result = upload(ws, ("c.csv", "calls", calls.encode()), ("p.csv", "payments", payments.encode()))
    assert result.rows["calls"] == {"new": 2, "updated": 0, "unchanged": 0}
    assert sorted(ws.dataset().payments["amount"]) == [500.0, 700.0]
    again = upload(ws, ("c2.csv", "calls", (calls + "2026-01-06 10:00,Анна,60,\n").encode()))
    assert again.rows["calls"] == {"new": 1, "updated": 0, "unchanged": 2}
    assert ws.dataset().calls.height == 3


def test_a_rejected_row_never_enters_and_its_reason_is_kept(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "team.duckdb")
    calls = CALLS_EARLY + "2026-01-07 09:00,Анна,abc,out,,79001112233,c9\n"  # not a duration: rejected
    result = upload(ws, ("calls.csv", "calls", calls.encode()))
    assert sorted(ws.dataset().calls["call_id"]) == ["c1", "c2"]
    issues = ws.issues(result.batch_id)  # type: ignore[arg-type]
    assert issues.filter(pl.col("action") == "row rejected").select("file", "row", "column").rows() == [
        ("calls.csv", 4, "duration_s")]  # the file's line: the header is line 1
    assert ws.issues(result.batch_id + 1).is_empty()  # type: ignore[operator]


def test_history_as_json(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "team.duckdb")
    calls = CALLS_EARLY + ("2026-01-07 09:00,Анна,abc,out,,79001112233,c9\n"  # not a duration: rejected
                           "2026-01-07 10:00,,20,in,,79001112233,c10\n")  # reached nobody: skipped
    given = Upload("calls.csv", calls.encode(), "calls")
    ws.import_files([Incoming.of(import_one(given), given.content_digest)], imported_at=datetime(2026, 1, 8, 9, 30))
    history = json.loads(json.dumps(ws.history()))
    assert len(history) == 1
    batch = history[0]
    assert batch["batch_id"] == 1
    assert batch["imported_at"] == "2026-01-08T09:30:00"
    assert batch["rows"] == {"calls": {"new": 2, "updated": 0, "unchanged": 0}}
    (file,) = batch["files"]
    assert {k: v for k, v in file.items() if k != "mapping"} == {
        "name": "calls.csv", "content_digest": given.content_digest, "format": "csv", "kind": "calls",
        "rows_read": 4, "rows_imported": 2, "rows_skipped": 1, "rows_rejected": 1, "warnings": []}
    assert file["mapping"]["duration_s"] == "duration_s"
    assert file["mapping"]["call_id"] == "call_id"
    assert ws.issues(1).select("row", "action").rows() == [(4, "row rejected"), (5, "row skipped")]


def test_settings_round_trip_and_version(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "team.duckdb")
    assert ws.get_setting(workspace.PERSON_ALIASES, {}) == {}
    assert ws.version() == "empty"
    merges = {"Аня": "Анна", "anna": "Анна"}
    ws.set_setting(workspace.PERSON_ALIASES, merges)
    first = ws.version()
    ws.set_setting(workspace.WORKING_DAYS, [0, 1, 2, 3, 4])
    ws.set_setting(workspace.PERSON_ALIASES, {**merges, "Б.": "Борис"})
    assert ws.get_setting(workspace.PERSON_ALIASES) == {"Аня": "Анна", "anna": "Анна", "Б.": "Борис"}
    assert ws.get_setting(workspace.WORKING_DAYS) == [0, 1, 2, 3, 4]
    assert ws.get_setting("missing", 7) == 7
    assert ws.version() != first
    assert Workspace(tmp_path / "team.duckdb").get_setting(workspace.WORKING_DAYS) == [0, 1, 2, 3, 4]


def test_version_changes_on_import_and_undo(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "team.duckdb")
    seen = {ws.version()}
    result = upload(ws, *early_files())
    seen.add(ws.version())
    ws.undo(result.batch_id)  # type: ignore[arg-type]
    seen.add(ws.version())
    assert len(seen) == 3


def test_ad_spend_latest_wins(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "team.duckdb")
    january = pl.DataFrame({"month": ["2026-01", "2026-01"], "source": ["yandex", "vk"], "spend": [1000.0, 500.0]})
    ws.import_files([Incoming.spend(january, "spend.csv", "d1")])
    corrected = pl.DataFrame({"month": ["2026-01", "2026-02"], "source": ["vk", "vk"], "spend": [650.0, 700.0]})
    ws.import_files([Incoming.spend(corrected, "spend2.csv", "d2")])
    assert ws.spend().sort("month", "source").rows() == [
        ("2026-01", "vk", 650.0), ("2026-01", "yandex", 1000.0), ("2026-02", "vk", 700.0)]


# ---- a generated floor: long-form and deals-file exports split in two -------------------------------------------

def test_two_overlapping_long_form_exports_equal_the_later_alone(tmp_path: Path, truth: schema.Dataset) -> None:
    earlier = as_of(truth, CUT)
    # The earlier export really is older: meetings still to be held and payments still to come.
    assert earlier.meetings.filter("held").height < truth.meetings.filter(
        pl.col("booked_at") < CUT).filter("held").height
    earlier_leads = pl.col("lead_id").is_in(earlier.leads["lead_id"].implode())
    assert earlier.payments.height < truth.payments.filter(earlier_leads).height

    both = Workspace(tmp_path / "both.duckdb")
    first = upload(both, *long_form(earlier, "march"))
    earlier_data, earlier_table = sorted_dataset(both), table(both)
    upload(both, *long_form(truth, "april"))
    alone = Workspace(tmp_path / "alone.duckdb")
    upload(alone, *long_form(truth, "april"))

    assert_frame_equal(table(both), table(alone))
    assert {n: both.dataset().table(n).height for n in schema.TABLES} == {
        n: truth.table(n).height for n in schema.TABLES}
    assert table(both)["meetings_held"].sum() == truth.meetings["held"].sum()

    both.undo(both.history()[-1]["batch_id"])
    assert_same_data(sorted_dataset(both), earlier_data)
    assert_frame_equal(table(both), earlier_table)
    assert [b["batch_id"] for b in both.history()] == [first.batch_id]


def test_two_overlapping_deals_exports_equal_the_later_alone(tmp_path: Path, truth: schema.Dataset) -> None:
    earlier = as_of(truth, CUT)
    both = Workspace(tmp_path / "both.duckdb")
    upload(both, *deals_form(earlier, "march"))
    earlier_table = table(both)
    second = upload(both, *deals_form(truth, "april"))
    alone = Workspace(tmp_path / "alone.duckdb")
    upload(alone, *deals_form(truth, "april"))

    assert_frame_equal(table(both), table(alone))
    # Each deal is a snapshot: one meeting per deal with a meeting, never the old one beside the new one.
    meetings = both.dataset().meetings
    assert meetings.height == meetings["lead_id"].n_unique() == truth.meetings["lead_id"].n_unique()
    assert second.rows["deals"]["updated"] > 0
    assert second.rows["deals"]["new"] == truth.leads.height - earlier.leads.height

    both.undo(second.batch_id)  # type: ignore[arg-type]
    assert_frame_equal(table(both), earlier_table)


def test_a_later_deals_export_replaces_a_cancelled_meeting(tmp_path: Path) -> None:
    """A deal whose meeting was cancelled and taken off the card: the snapshot has no meeting any more."""
    header = "lead_id;created_at;employee;booked_at;meeting_at;held;paid_at;amount\n"
    early = header + "D1;2026-01-05 10:00;Анна;2026-01-05 12:00;2026-01-09 15:00;false;;\n" \
                     "D2;2026-01-06 10:00;Анна;2026-01-06 12:00;2026-01-10 15:00;false;;\n"
    late = header + "D1;2026-01-05 10:00;Анна;;;false;;\n" \
                    "D2;2026-01-06 10:00;Анна;2026-01-06 12:00;2026-01-10 15:00;true;2026-01-15 10:00;90000\n"
    ws = Workspace(tmp_path / "team.duckdb")
    upload(ws, ("deals_1.csv", "leads", early.encode()))
    upload(ws, ("deals_2.csv", "leads", late.encode()))
    data = ws.dataset()
    assert data.meetings.select("lead_id", "held").rows() == [("D2", True)]
    assert data.payments.select("lead_id", "amount").rows() == [("D2", 90000.0)]
    assert data.leads.height == 2


# ---- failures and concurrency ------------------------------------------------------------------------------------

def test_a_failure_inside_an_import_leaves_the_workspace_as_it_was(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace(tmp_path / "team.duckdb")
    upload(ws, *early_files())
    version, data, history = ws.version(), sorted_dataset(ws), ws.history()
    real = workspace._store_stream

    def fail_on_meetings(connection, stream, *args):  # type: ignore[no-untyped-def]
        if stream.name == "meetings":  # calls are already stored at this point
            raise RuntimeError("disk full")
        return real(connection, stream, *args)

    monkeypatch.setattr(workspace, "_store_stream", fail_on_meetings)
    with pytest.raises(RuntimeError, match="disk full"):
        upload(ws, *late_files())
    assert ws.version() == version
    assert ws.history() == history
    assert_same_data(sorted_dataset(ws), data)
    monkeypatch.undo()
    assert upload(ws, *late_files()).batch_id == 2  # the failed batch left no trace, not even its number


def _import_in_process(path: str, name: str, content: bytes, start: multiprocessing.synchronize.Event) -> None:
    start.wait(10)
    upload(Workspace(path), (name, "calls", content))


def _calls(prefix: str, n: int) -> bytes:
    start = datetime(2026, 1, 5, 9)
    rows = "".join(f"{start + timedelta(minutes=7 * i):%Y-%m-%d %H:%M},Анна,{60 + i % 300},out,,,{prefix}{i}\n"
                   for i in range(n))
    return ("started_at,employee,duration_s,direction,lead_id,phone,call_id\n" + rows).encode()


def test_two_threads_importing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "team.duckdb"
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(prefix: str) -> None:
        try:
            barrier.wait(10)
            upload(Workspace(path), (f"{prefix}.csv", "calls", _calls(prefix, 500)))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(p,)) for p in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ws = Workspace(path)
    assert sorted(f["name"] for b in ws.history() for f in b["files"]) == ["a.csv", "b.csv"]
    assert ws.dataset().calls.height == 1000


def test_two_processes_importing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "team.duckdb")
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    processes = [context.Process(target=_import_in_process, args=(path, f"{p}.csv", _calls(p, 2000), start))
                 for p in ("a", "b")]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(60)
    assert [p.exitcode for p in processes] == [0, 0]
    ws = Workspace(path)
    assert len(ws.history()) == 2
    assert ws.dataset().calls["call_id"].n_unique() == 4000


def test_readers_during_an_import_see_before_or_after_never_half(tmp_path: Path) -> None:
    path = tmp_path / "team.duckdb"
    upload(Workspace(path), ("a.csv", "calls", _calls("a", 300)))
    seen: set[int] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add(Workspace(path).dataset().calls.height)

    readers = [threading.Thread(target=read) for _ in range(2)]  # two sessions of one server
    for reader in readers:
        reader.start()
    try:
        for prefix in ("b", "c", "d"):
            upload(Workspace(path), (f"{prefix}.csv", "calls", _calls(prefix, 300)))
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert seen <= {300, 600, 900, 1200}
    assert Workspace(path).dataset().calls.height == 1200


def test_an_empty_workspace_reads_as_empty_without_creating_the_file(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "nothing" / "team.duckdb")
    assert ws.is_empty()
    assert ws.history() == []
    assert ws.dataset().calls.schema == schema.CALLS.schema
    assert not ws.path.exists()


def test_undo_of_an_earlier_deals_batch_keeps_the_deals_a_later_one_had(tmp_path: Path) -> None:
    deals = "lead_id;created_at;employee;booked_at;held\nD1;2026-01-05 10:00;Анна;2026-01-05 12:00;true\n"
    ws = Workspace(tmp_path / "team.duckdb")
    first = upload(ws, ("deals_1.csv", "leads", deals.encode()))
    second = upload(ws, ("deals_2.csv", "leads", deals.replace("\n", "\r\n").encode()))
    assert second.rows["deals"] == {"new": 0, "updated": 0, "unchanged": 1}
    ws.undo(first.batch_id)  # type: ignore[arg-type]
    data = ws.dataset()
    assert (data.leads.height, data.meetings.select("lead_id", "held").rows()) == (1, [("D1", True)])
    ws.undo(second.batch_id)  # type: ignore[arg-type]
    assert (ws.dataset().leads.height, ws.dataset().meetings.height) == (0, 0)


# ---- the command line: import, history, undo ---------------------------------------------------------------------

def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """As `python -m analytics` runs a command once cli.py adds these commands: UsageError → one line, exit 2."""
    parser = argparse.ArgumentParser(prog="python -m analytics")
    workspace_cli.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        workspace_cli.RUNS[args.command](args)
        code = 0
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        code = 2
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_history_undo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "leads.csv").write_text(LEADS, encoding="utf-8")
    (tmp_path / "calls.csv").write_text(CALLS_EARLY + "2026-01-07 09:00,Анна,abc,out,,,c9\n", encoding="utf-8")
    path = str(tmp_path / "team.duckdb")
    files = ("--calls", str(tmp_path / "calls.csv"), "--leads", str(tmp_path / "leads.csv"))
    code, out, err = run_cli(capsys, "import", "--workspace", path, *files)
    assert code == 0
    report = json.loads(out)
    assert report["batch_id"] == 1
    assert [(f["kind"], f["rows_read"], f["rows_imported"], f["rows_rejected"]) for f in report["files"]] == [
        ("calls", 3, 2, 1), ("leads", 2, 2, 0)]
    assert report["rows"] == {"calls": {"new": 2, "updated": 0, "unchanged": 0},
                              "deals": {"new": 2, "updated": 0, "unchanged": 0}}
    assert err.count("\n") == 1 and "calls.csv: 1 of 3 rows rejected (first: row 4, column duration_s" in err

    code, out, _ = run_cli(capsys, "import", "--workspace", path, *files)
    assert (code, json.loads(out)["batch_id"], [f["already_imported"] for f in json.loads(out)["files"]]) == (
        0, None, [True, True])

    code, out, _ = run_cli(capsys, "history", "--workspace", path)
    (batch,) = json.loads(out)
    assert (batch["batch_id"], [f["name"] for f in batch["files"]]) == (1, [files[1], files[3]])

    assert run_cli(capsys, "undo", "--workspace", path, "--batch", "1")[:2] == (0, '{\n  "undone": 1\n}\n')
    assert json.loads(run_cli(capsys, "history", "--workspace", path)[1]) == []


def test_cli_import_uses_the_workspace_mappings_and_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = "Дата;Сотрудник;Длительность;Разговор\n05.10.2026 10:00;Анна;00:01:00;00:00:30\n"
    (tmp_path / "calls.csv").write_text(content, encoding="utf-8")
    ws = Workspace(tmp_path / "team.duckdb")
    key = signature(["Дата", "Сотрудник", "Длительность", "Разговор"], "calls")
    ws.set_setting(workspace.MAPPINGS, {key: {"duration_s": "Длительность"}})  # confirmed in the app
    code, _, _ = run_cli(capsys, "import", "--workspace", str(ws.path), "--calls", str(tmp_path / "calls.csv"))
    assert (code, ws.dataset().calls["duration_s"].to_list()) == (0, [60])  # detection alone would say 30

    other = Workspace(tmp_path / "other.duckdb")
    code, _, _ = run_cli(capsys, "import", "--workspace", str(other.path), "--calls", str(tmp_path / "calls.csv"),
                         "--map", "calls.duration_s=Разговор")
    assert (code, other.dataset().calls["duration_s"].to_list()) == (0, [30])


@pytest.mark.parametrize(("argv", "message"), [
    (("import",), "name at least one file"),
    (("import", "--calls", "missing.csv"), "missing.csv: cannot read the file"),
    (("import", "--calls", "calls.csv", "--map", "calls.duration_s=Нет такой"), "no column named 'Нет такой'"),
    (("import", "--calls", "calls.csv", "--map", "leads.lead_id=ID"), "no --leads file was given"),
    (("history",), "no workspace here"),
    (("undo", "--batch", "7"), "no workspace here"),
])
def test_cli_errors_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...],
                                            message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "calls.csv").write_text(CALLS_EARLY, encoding="utf-8")
    code, out, err = run_cli(capsys, argv[0], "--workspace", str(tmp_path / "new.duckdb"), *argv[1:])
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert message in err


def test_cli_unknown_batch_and_foreign_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = Workspace(tmp_path / "team.duckdb")
    upload(ws, *early_files())
    code, _, err = run_cli(capsys, "undo", "--workspace", str(ws.path), "--batch", "9")
    assert (code, err) == (2, f"error: {ws.path}: there is no batch 9; `history` lists them\n")
    assert len(ws.history()) == 1
    (tmp_path / "notes.txt").write_text("not a database\n" * 100, encoding="utf-8")
    code, _, err = run_cli(capsys, "history", "--workspace", str(tmp_path / "notes.txt"))
    assert code == 2 and err.startswith(f"error: {tmp_path / 'notes.txt'}: cannot use this workspace file (")
    assert err.count("\n") == 1


def test_import_uploads_uses_the_mappings_the_workspace_remembers(tmp_path: Path) -> None:
    content = "Дата;Сотрудник;Длительность;Разговор\n05.10.2026 10:00;Анна;00:01:00;00:00:30\n".encode()
    ws = Workspace(tmp_path / "team.duckdb")
    ws.set_setting(workspace.MAPPINGS, {signature(["Дата", "Сотрудник", "Длительность", "Разговор"], "calls"):
                                        {"duration_s": "Длительность"}})
    result = ws.import_uploads([Upload("calls.csv", content, "calls")])
    assert (result.batch_id, ws.dataset().calls["duration_s"].to_list()) == (1, [60])


def test_a_column_the_schema_gains_later_is_added_to_an_older_workspace(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace(tmp_path / "team.duckdb")
    upload(ws, ("calls_1.csv", "calls", CALLS_EARLY.encode()))
    wider = pl.Schema({**schema.CALLS.schema, "queue": pl.String()})
    monkeypatch.setitem(workspace._SCHEMAS, "calls", wider)
    given = {"started_at": [datetime(2026, 1, 20, 9)], "employee": ["Анна"], "duration_s": [61], "queue": ["sales"]}
    frame = pl.DataFrame(given).with_columns(pl.lit(None, pl.String).alias(c) for c in wider.names() if c not in given
                                             ).select(wider.names()).cast(dict(wider))
    ws.import_files([Incoming("calls_3.csv", "d3", "csv", "calls", {"calls": frame}, 1, 1, 0)])
    calls = ws.dataset().calls
    assert calls.columns[-1] == "queue"
    assert calls.sort("started_at")["queue"].to_list() == [None, None, "sales"]


def test_cli_import_into_a_folder_that_cannot_be_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "calls.csv").write_text(CALLS_EARLY, encoding="utf-8")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    code, out, err = run_cli(capsys, "import", "--workspace", str(blocked / "team.duckdb"),
                             "--calls", str(tmp_path / "calls.csv"))
    assert (code, out) == (2, "")
    assert err == f"error: {blocked / 'team.duckdb'}: cannot use this workspace file (File exists)\n"


def test_a_headerless_asterisk_log_imports_into_a_workspace_as_it_reads_alone(tmp_path, capsys) -> None:
    """The employee of a CDR comes from the extensions, not a column: `import` accepts what `metrics` accepts, and the
    workspace gives the numbers the file gives (tests/test_real_exports.py counts Master.csv by hand: 10 rows, 8
    calls, 2 skipped)."""
    from analytics.cli import main

    master = Path(__file__).resolve().parent / "fixtures" / "real" / "Master.csv"
    target = tmp_path / "pbx.duckdb"
    assert main(["import", "--workspace", str(target), "--calls", str(master)]) == 0
    file = json.loads(capsys.readouterr().out)["files"][0]
    assert (file["rows_read"], file["rows_imported"], file["rows_skipped"], file["rows_rejected"]) == (10, 8, 2, 0)
    assert main(["metrics", "--workspace", str(target), "--by", "employee,month"]) == 0
    from_workspace = json.loads(capsys.readouterr().out)["rows"]
    assert main(["metrics", "--calls", str(master), "--by", "employee,month"]) == 0
    assert from_workspace == json.loads(capsys.readouterr().out)["rows"]
