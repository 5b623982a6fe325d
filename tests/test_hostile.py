"""Issue 15: no file can take the process down. The hostile corpus through the CLI and the importer, under limits;
the limits machinery and the XLSX check on their own; random and mutated bytes that must only ever be BadFile."""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.importing import limits
from analytics.importing.limits import GiB, Limits, MiB, WorkerPool, classify_failure, run_limited, too_large
from analytics.importing.pipeline import Upload, import_files, import_one
from analytics.importing.reading import BadFile, read_raw
from analytics.importing.xlsx_guard import check_ole, check_xlsx, column_letters, column_number
from analytics.schema import TABLES
from tests.hostile.make_corpus import (
    ANNA_CALL,
    BORIS_CALL,
    CALLS_HEADER,
    LEAD_ROWS,
    VALID_LEADS_FILE,
    Case,
    _a1_and_xfd,
    _huge_shared_string,
    calls_csv,
    cases,
    hand_xlsx,
    leads_csv,
    write_corpus,
    xlsx,
)

ROOT = Path(__file__).resolve().parent.parent
CAP = 3 * GiB  # the address space of the whole `python -m analytics` process tree
TIME_LIMIT_S = 20  # per file; every corpus file is tiny, a correct importer takes well under 2 s on each
CASES = [case for case, _ in cases()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("hostile")
    write_corpus(directory)
    return directory


def _cap_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def strict_json(text: str) -> dict:
    """JSON as the standard has it: a bare NaN or Infinity is an error, not a number."""

    def refuse(constant: str) -> float:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def assert_plausible(rows: list[dict]) -> None:
    """Every number finite and not negative; talk time at most 24 h a call; calls ≥ 60 s among all calls.

    Without a calls file the call metrics are null, which is plausible too.
    """
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float | int) and not isinstance(value, bool):
                assert math.isfinite(value) and value >= 0, (key, value)
        if row["calls_total"] is not None:
            assert (row["minutes_on_line"] or 0) <= 24 * 60 * row["calls_total"], row
            assert (row["calls_60s"] or 0) <= row["calls_total"], row


def cli(case: Case, corpus: Path) -> subprocess.CompletedProcess[str]:
    path = str(corpus / case.file)
    files = ["--calls", path, "--leads", str(corpus / VALID_LEADS_FILE)] if case.role == "calls" else ["--leads", path]
    environment = {**os.environ, "SALES_FLOOR_TIME_LIMIT_S": str(TIME_LIMIT_S)}
    environment.pop("SALES_FLOOR_MEMORY_LIMIT_MB", None)
    if case.memory_mb:
        environment["SALES_FLOOR_MEMORY_LIMIT_MB"] = str(case.memory_mb)
    return subprocess.run([sys.executable, "-m", "analytics", "metrics", "--by", "employee", *files], cwd=ROOT,
                          capture_output=True, text=True, env=environment, preexec_fn=_cap_address_space,
                          timeout=TIME_LIMIT_S * 2 + 60)


@pytest.mark.parametrize("case", CASES, ids=[case.file for case in CASES])
def test_the_cli_on_a_hostile_file(case: Case, corpus: Path) -> None:
    started = time.monotonic()
    done = cli(case, corpus)
    assert time.monotonic() - started < TIME_LIMIT_S * 2 + 30  # two files: a budget of 2 × 20 s, plus start-up
    if case.expect == "exit 2":
        lines = done.stderr.splitlines()
        assert (done.returncode, len(lines)) == (2, 1), done.stderr[-2000:]
        assert lines[0].startswith("error: ") and case.file in lines[0], lines[0]
        return
    assert done.returncode == 0, done.stderr[-2000:]
    out = strict_json(done.stdout)
    assert_plausible(out["rows"])
    totals = {key: sum(row[key] for row in out["rows"]) for key in case.totals}
    assert totals == case.totals
    if case.employees:
        assert sorted(row["employee"] for row in out["rows"]) == sorted(case.employees)
    if case.warning:
        assert out["warnings"], "the bad row must be reported"


def import_in_child(upload: Upload) -> dict[str, object]:
    """The importer as the app runs it, in the limited child; returns what the test needs to judge plausibility."""
    result = import_one(upload)
    summary: dict[str, object] = {"issues": result.issues.height, "rows": result.rows_in_file}
    calls = result.tables.get("calls")
    if calls is not None and calls.height:
        summary["max_duration_s"] = calls["duration_s"].max()
        summary["employees"] = sorted(calls["employee"].drop_nulls().unique().to_list())
    payments = result.tables.get("payments")
    if payments is not None and payments.height:
        summary["amounts"] = payments["amount"].drop_nulls().to_list()
    return summary


@pytest.mark.parametrize("case", CASES, ids=[case.file for case in CASES])
def test_the_importer_on_a_hostile_file(case: Case, corpus: Path) -> None:
    limits = Limits(wall_seconds=TIME_LIMIT_S, cpu_seconds=TIME_LIMIT_S,
                    address_space_bytes=(case.memory_mb or 3072) * MiB)
    upload = Upload(case.file, (corpus / case.file).read_bytes(), case.role)
    if case.expect == "exit 2":
        with pytest.raises(BadFile) as error:
            run_limited(import_in_child, upload, limits=limits, name=case.file)
        assert "\n" not in str(error.value) and str(error.value).startswith(case.file)
        return
    summary = run_limited(import_in_child, upload, limits=limits, name=case.file)
    if "max_duration_s" in summary:
        assert 0 <= summary["max_duration_s"] <= 24 * 3600, summary
    if case.employees and "employees" in summary:
        assert set(summary["employees"]) <= set(case.employees), summary
    for amount in summary.get("amounts", []):
        assert math.isfinite(amount), summary  # a negative one is a refund, reported: case.warning below
    if case.warning:
        assert summary["issues"] >= 1, summary  # the bad value or row is reported


# ---------------------------------------------------------------------------------------------------------------
# limits.py


def test_limits_from_the_environment() -> None:
    assert Limits.from_env({}) == Limits()
    assert (Limits().address_space_bytes, Limits().cpu_seconds, Limits().wall_seconds) == (3 * 1024**3, 60, 60)
    limits = Limits.from_env({"SALES_FLOOR_MEMORY_LIMIT_MB": "1024", "SALES_FLOOR_TIME_LIMIT_S": "7"})
    assert (limits.address_space_bytes, limits.cpu_seconds, limits.wall_seconds) == (1024 * 1024 * 1024, 7, 7)
    with pytest.raises(ValueError, match="SALES_FLOOR_MEMORY_LIMIT_MB must be a positive whole number, not 'lots'"):
        Limits.from_env({"SALES_FLOOR_MEMORY_LIMIT_MB": "lots"})
    with pytest.raises(ValueError, match="SALES_FLOOR_TIME_LIMIT_S"):
        Limits.from_env({"SALES_FLOOR_TIME_LIMIT_S": "0"})


def test_a_failure_is_named_by_the_limit_it_ran_into() -> None:
    limits = Limits(address_space_bytes=2 * GiB, cpu_seconds=5)
    assert classify_failure(134, "memory allocation of 549755813888 bytes failed\n", limits) == \
        "memory: 2048 MB of address space"
    assert classify_failure(-24, "", limits) == "CPU time: 5 s"  # SIGXCPU
    assert classify_failure(-9, "", limits) == "memory: 2048 MB of address space"  # the OOM killer
    assert classify_failure(-11, "", limits) == "the reader stopped with SIGSEGV"
    assert too_large("a.xlsx", "time: 60 s") == ("a.xlsx: the file is too large or malformed for the import limits "
                                                 "(time: 60 s); check that it is a real export, or split it into "
                                                 "smaller files")


# Functions the worker runs: top-level, so that they pickle by reference.
def echo(value: object) -> object:
    return value


def sleep_for(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def spin() -> None:
    while True:
        pass


def allocate(size: int) -> int:
    return len(bytearray(size))


def refuse(name: str) -> None:
    raise BadFile(f"{name}: the file is empty")


def fail() -> None:
    raise KeyError("a bug, not a bad file")


def abort() -> None:
    os.abort()


def frame(rows: int) -> pl.DataFrame:
    return pl.DataFrame({"n": range(rows), "text": [f"Сотрудник {i % 80:03d}" for i in range(rows)]})


def read_excel_unguarded(content: bytes) -> int:
    import fastexcel

    workbook = fastexcel.read_excel(content)
    return workbook.load_sheet(workbook.sheet_names[0], dtypes="string").to_polars().height


@pytest.fixture(scope="module")
def pool() -> WorkerPool:
    workers = WorkerPool(Limits(address_space_bytes=1536 * MiB, cpu_seconds=2, wall_seconds=8),
                         warm_modules=("polars",))
    yield workers
    workers.close()


def test_a_warm_worker_is_reused(pool: WorkerPool) -> None:
    assert pool.run(echo, {"a": [1, 2]}) == {"a": [1, 2]}
    started = pool.started
    begin = time.perf_counter()
    assert pool.run(echo, "Анна") == "Анна"
    assert pool.started == started  # the same process served the second call
    assert time.perf_counter() - begin < 1.0


def test_a_pool_warmed_at_start_serves_the_first_call_without_starting_one() -> None:
    workers = WorkerPool(Limits(), warm_modules=("polars",))
    try:
        workers.warm().join(timeout=60)
        assert workers.started == 1 and len(workers._idle) == 1
        assert workers.run(echo, "Анна") == "Анна" and workers.started == 1
        workers.warm(count=5).join(timeout=60)  # never more than the pool keeps idle
        assert workers.started == 2 and len(workers._idle) == workers.max_idle == 2
    finally:
        workers.close()


def test_files_read_side_by_side_come_back_in_their_order() -> None:
    uploads = [Upload("calls.csv", calls_csv(ANNA_CALL, BORIS_CALL)), Upload("empty.csv", b""),
               Upload("leads.csv", leads_csv(*LEAD_ROWS))]
    side_by_side, in_process = import_files(uploads, isolated=True), import_files(uploads)
    assert [f.name for f in side_by_side.files] == ["calls.csv", "leads.csv"]
    assert side_by_side.errors == in_process.errors == ("empty.csv: the file is empty",)
    assert side_by_side.dataset.calls.height == 2 and side_by_side.dataset.leads.height == len(LEAD_ROWS)
    for table in TABLES:
        assert side_by_side.dataset.table(table).equals(in_process.dataset.table(table))


def test_bad_file_comes_back_as_bad_file(pool: WorkerPool) -> None:
    with pytest.raises(BadFile, match=r"^x\.csv: the file is empty$"):
        pool.run(refuse, "x.csv", name="x.csv")


def test_any_other_error_comes_back_as_itself_with_the_child_traceback(pool: WorkerPool) -> None:
    with pytest.raises(KeyError) as error:
        pool.run(fail)
    assert error.value.args == ("a bug, not a bad file",)
    assert "in the import worker" in error.value.__notes__[0] and "raise KeyError" in error.value.__notes__[0]


@pytest.mark.parametrize(
    ("function", "args", "limits", "limit"),
    [
        (allocate, (4 * GiB,), Limits(address_space_bytes=1536 * MiB), "memory: 1536 MB of address space"),
        (sleep_for, (60,), Limits(wall_seconds=3), "time: 3 s"),
        # a generous wall clock: on a loaded machine the spinning child gets a fraction of a core
        (spin, (), Limits(cpu_seconds=1, wall_seconds=120), "CPU time: 1 s"),
        (abort, (), Limits(), "the reader stopped with SIGABRT"),
        (read_excel_unguarded, (_a1_and_xfd("A1:XFD1048576"),), Limits(address_space_bytes=1536 * MiB),
         "memory: 1536 MB of address space"),
    ],
    ids=["memory", "wall time", "cpu time", "abort", "calamine 512 GB"],
)
def test_a_dead_child_is_one_line_and_the_next_call_gets_a_new_one(function, args, limits: Limits, limit: str) -> None:
    workers = WorkerPool(limits, warm_modules=("polars",))
    try:
        with pytest.raises(BadFile) as error:
            workers.run(function, *args, name="f.xlsx")
        assert str(error.value) == too_large("f.xlsx", limit)
        assert workers.run(echo, 1) == 1 and workers.started == 2  # a fresh worker took over
    finally:
        workers.close()


def test_frames_come_back_whole(pool: WorkerPool) -> None:
    local = frame(300_000)  # ≈ 9 MB: travels as an Arrow IPC file beside the pickle
    assert local.estimated_size() > 8 * MiB
    assert pool.run(frame, 300_000).equals(local)
    assert pool.run(frame, 3).equals(frame(3))


def digest(content: bytes) -> tuple[int, str]:
    return len(content), hashlib.sha256(content).hexdigest()


def test_big_bytes_go_to_the_worker_whole_through_a_file(pool: WorkerPool, monkeypatch) -> None:
    content = os.urandom(9 * MiB)  # an upload: past the 8 MiB from which it crosses as a file, not in the pipe
    spilled: list[str] = []
    spill = limits._FramePickler._spill
    monkeypatch.setattr(limits._FramePickler, "_spill",
                        lambda self, kind, write: spilled.append(kind) or spill(self, kind, write))
    assert pool.run(digest, content) == digest(content)
    assert spilled == ["bytes"]
    assert not [name for name in os.listdir(pool._idle[0].exchange) if name != "stderr"]  # read, then removed


def test_a_full_exchange_directory_sends_through_the_pipe(tmp_path: Path, monkeypatch) -> None:
    def no_room(path: str) -> None:
        Path(path).write_bytes(b"part")
        raise OSError(28, "No space left on device")

    content = os.urandom(9 * MiB)
    buffer = io.BytesIO()
    pickler = limits._FramePickler(buffer, str(tmp_path))
    assert pickler._spill("bytes", no_room) is None and not list(tmp_path.iterdir())  # the half-written file goes
    monkeypatch.setattr(limits._FramePickler, "_spill", lambda self, kind, write: None)
    reply = limits._loads(limits._dumps(("ok", content, frame(300_000)), str(tmp_path)))
    assert reply[1] == content and reply[2].equals(frame(300_000)) and not list(tmp_path.iterdir())


def test_the_exchange_of_a_killed_server_is_removed_by_the_next(tmp_path: Path, monkeypatch) -> None:
    """A server killed while an upload crossed to its worker leaves the upload in /dev/shm (in RAM) until a reboot;
    the next server removes the directories of parents that are gone, and keeps the live ones and anything else."""
    monkeypatch.setattr(limits, "_SHARED_MEMORY", str(tmp_path))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    orphan = tmp_path / f"sales_floor_shared_{gone.pid}_abc"
    live = tmp_path / f"sales_floor_shared_{os.getppid()}_def"
    other = tmp_path / f"sales_floor_exchange_{gone.pid}_ghi"  # not named by its parent's pid (an older version's)
    for directory in (orphan, live, other):
        directory.mkdir()
        (directory / "bytes_1").write_bytes(b"an upload")
    made = Path(limits._exchange_directory("fallback"))
    assert made.name.startswith(f"sales_floor_shared_{os.getpid()}_")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, made.name])


def test_the_exchange_is_in_memory_when_there_is_room(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "_SHARED_MEMORY", str(tmp_path / "shm"))
    (tmp_path / "shm").mkdir()
    assert Path(limits._exchange_directory("fallback")).parent == tmp_path / "shm"
    monkeypatch.setattr(limits, "_SHARED_MEMORY_FREE_BYTES", 1 << 60)  # a container's small /dev/shm
    assert limits._exchange_directory("fallback") == "fallback"
    monkeypatch.setattr(limits, "_SHARED_MEMORY", str(tmp_path / "none"))
    assert limits._exchange_directory("fallback") == "fallback"


def test_run_limited_reads_a_real_file() -> None:
    raw = run_limited(read_raw, calls_csv(ANNA_CALL, BORIS_CALL), "calls.csv", name="calls.csv")
    assert raw.headers == CALLS_HEADER.split(";") and raw.rows == 2


# ---------------------------------------------------------------------------------------------------------------
# xlsx_guard.py


def refusal(content: bytes, limits: Limits | None = None) -> tuple[str, float]:
    started = time.perf_counter()
    with pytest.raises(BadFile) as error:
        check_xlsx(content, "f.xlsx", limits or Limits())
    return str(error.value), time.perf_counter() - started


def test_column_numbers() -> None:
    assert [column_number(c) for c in ("A", "Z", "AA", "AZ", "ZZ", "AAA", "XFD")] == [1, 26, 27, 52, 702, 703, 16384]
    assert [column_letters(n) for n in (1, 26, 27, 52, 702, 703, 16384)] == ["A", "Z", "AA", "AZ", "ZZ", "AAA", "XFD"]


def sheet_rows(count: int, columns: int) -> str:
    letters = [column_letters(c) for c in range(1, columns + 1)]
    return "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in letters) + "</row>"
                   for r in range(1, count + 1))


def test_a_cell_far_beyond_the_first_megabytes_is_found() -> None:
    wide = sheet_rows(5_000, 40)  # ≈ 4 MB of XML: 16 chunks, 40 columns (AN)
    check_xlsx(hand_xlsx(wide, [], None), "f.xlsx", Limits())
    message, _ = refusal(hand_xlsx(wide + '<row r="5001"><c r="A9999999"><v>1</v></c></row>', [], None))
    assert "(sheet sheet1.xml spans 9999999 rows × 40 columns: 30,000,000 cells)" in message
    message, _ = refusal(hand_xlsx(wide + '<row r="5001"><c r="BXZ5001"><v>1</v></c></row>', [], None))
    assert "(sheet sheet1.xml reaches column 2002: 2000 columns)" in message


@pytest.mark.parametrize("dimension", ["A1:XFD1048576", None, "A1:B2"])
def test_a1_and_xfd1048576_is_refused_in_milliseconds(dimension: str | None) -> None:
    content = _a1_and_xfd(dimension)
    assert len(content) < 2048
    message, seconds = refusal(content)
    assert "16384 columns: 2000 columns" in message or "column 16384: 2000 columns" in message
    assert "\n" not in message and seconds < 0.05


def test_a_tall_sheet_over_the_cell_limit() -> None:
    content = hand_xlsx('<row r="1"><c r="A1"><v>1</v></c></row><row r="2000000"><c r="Z2000000"><v>1</v></c></row>',
                        [], None)
    message, _ = refusal(content)
    assert "spans 2000000 rows × 26 columns: 30,000,000 cells" in message


@pytest.fixture(scope="module")
def shared_string_200mb() -> bytes:
    return _huge_shared_string(200)


def test_a_200_mb_shared_string_is_refused_in_milliseconds(shared_string_200mb: bytes) -> None:
    assert len(shared_string_200mb) < 250_000
    message, seconds = refusal(shared_string_200mb)
    assert "xl/sharedStrings.xml compressed" in message and seconds < 0.05
    # without the ratio rule, the streaming scan of the shared strings finds it after the first megabytes
    message, seconds = refusal(shared_string_200mb, Limits(max_compression_ratio=math.inf))
    assert "(a shared string over 1 MB: 1 MB a cell)" in message and seconds < 0.5


def test_a_long_shared_string_in_rich_text_runs_and_a_namespace_prefix() -> None:
    runs = "".join(f"<r><t>{'я' * 1000}</t></r>" for _ in range(600))  # 1.2 MB in UTF-8, in 600 runs
    content = hand_xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', [], "A1")
    with zipfile.ZipFile(io.BytesIO(content)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts["xl/sharedStrings.xml"] = (f'<x:sst xmlns:x="urn:x"><x:si><x:t>Имя</x:t></x:si><x:si>{runs}</x:si>'
                                     f"<x:si><x:t>b</x:t></x:si></x:sst>").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for part, data in parts.items():
            target.writestr(part, data)
    message, _ = refusal(buffer.getvalue())
    assert "(a shared string over 1 MB: 1 MB a cell)" in message
    check_xlsx(buffer.getvalue(), "f.xlsx", Limits(max_cell_bytes=2 * MiB))  # under a higher limit it passes


def test_a_long_inline_text_in_a_sheet() -> None:
    content = hand_xlsx(f'<row r="1"><c r="A1" t="inlineStr"><is><t>{"a" * (3 * MiB)}</t></is></c></row>', [], "A1")
    message, _ = refusal(content)
    assert "(a cell over 1 MB: 1 MB a cell)" in message


def test_zip_bombs_by_ratio_and_by_total_size() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/styles.xml", b"\0" * (64 * MiB))
    message, _ = refusal(buffer.getvalue())
    assert "xl/styles.xml compressed" in message and "500 to 1" in message
    valid = xlsx([CALLS_HEADER.split(";"), ANNA_CALL.split(";")])
    message, _ = refusal(valid, Limits(max_uncompressed_bytes=1024))
    assert "MB uncompressed: 0 MB" in message


def test_what_is_not_a_workbook() -> None:
    valid = xlsx([CALLS_HEADER.split(";"), ANNA_CALL.split(";"), BORIS_CALL.split(";")])
    check_xlsx(valid, "calls.xlsx", Limits())
    check_xlsx((ROOT / "data" / "demo" / "crm_deals.xlsx").read_bytes(), "crm_deals.xlsx", Limits())
    assert refusal(valid[: len(valid) // 2])[0] == ("f.xlsx: not an Excel workbook (the file is damaged or not a zip "
                                                     "archive); save it again as .xlsx or export CSV")
    assert refusal(b"PK\x03\x04" + b"\0" * 100)[0].startswith("f.xlsx: not an Excel workbook (the file is damaged")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "(a zip archive without xl/workbook.xml)" in refusal(buffer.getvalue())[0]


def test_garbage_ole_is_one_line() -> None:
    garbage = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 16
    with pytest.raises(BadFile, match=r"^old\.xls: not an Excel workbook \(the \.xls file has a damaged header\)"):
        check_ole(garbage, "old.xls")
    with pytest.raises(BadFile, match=r"damaged or truncated"):
        check_ole(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls")
    # a well-formed header over garbage sectors: fastexcel decides, in a limited child
    header = bytearray(garbage)
    header[24:32] = bytes.fromhex("3e000300feff0900")
    with pytest.raises(BadFile) as error:
        check_ole(bytes(header), "old.xls", Limits(wall_seconds=20))
    assert str(error.value).startswith("old.xls: ") and "\n" not in str(error.value)


# ---------------------------------------------------------------------------------------------------------------
# random and mutated bytes: BadFile or a result, never anything else

VALID_XLSX = xlsx([CALLS_HEADER.split(";"), ANNA_CALL.split(";"), BORIS_CALL.split(";")])
VALID_CSV = calls_csv(ANNA_CALL, BORIS_CALL)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "duplicate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at: at + draw(st.integers(1, 512))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            data[at:at] = data[at: at + draw(st.integers(1, 256))]
    return bytes(data)


def guard_only_refuses(content: bytes) -> None:
    try:
        check_xlsx(content, "f.xlsx", Limits())
    except BadFile as error:
        assert "\n" not in str(error)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=4096), st.binary(max_size=64).map(lambda tail: b"PK\x03\x04" + tail),
                 mutated(VALID_XLSX)))
def test_check_xlsx_on_random_and_mutated_bytes(content: bytes) -> None:
    guard_only_refuses(content)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated(VALID_XLSX), mutated(VALID_CSV), st.binary(max_size=2048)))
def test_reading_random_and_mutated_bytes_in_the_child(content: bytes) -> None:
    try:
        raw = run_limited(read_raw, content, "f.bin", limits=Limits(wall_seconds=20, cpu_seconds=20), name="f.bin")
    except BadFile as error:
        assert "\n" not in str(error), str(error)
    else:
        assert raw.rows >= 1


# ---------------------------------------------------------------------------------------------------------------
# python -m analytics: the supervisor


def test_the_supervisor_finds_the_input_files_and_names_failures() -> None:
    from analytics.__main__ import failure_line, input_files

    assert input_files(["metrics", "--calls", "/a/calls.csv", "--leads=/b/deals.xlsx", "--by", "employee"]) == \
        ["calls.csv", "deals.xlsx"]
    limits = Limits(address_space_bytes=2 * GiB)
    assert failure_line(-6, "memory allocation of 549755813888 bytes failed\n", limits, ["a.xlsx"]) == \
        f"error: {too_large('a.xlsx', 'memory: 2048 MB of address space')}"
    assert failure_line(1, "Traceback …\nMemoryError\n", limits, ["a.csv", "b.csv"]) == \
        f"error: {too_large('a.csv, b.csv', 'memory: 2048 MB of address space')}"
    panic = "Traceback …\npyo3_runtime.PanicException: index out of bounds: the len is 3 but the index is 7\n"
    assert failure_line(1, panic, limits, ["a.xls"]) == \
        "error: a.xls: a file is malformed and could not be read (index out of bounds: the len is 3 but the index is 7)"
    assert failure_line(2, "error: a.csv: the file is empty\n", limits, ["a.csv"]) is None  # forwarded as is
    assert failure_line(0, "", limits, ["a.csv"]) is None


def test_the_supervisor_stops_a_hung_cli_with_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "deals.csv"
    os.mkfifo(fifo)  # nobody writes: reading it blocks for ever
    environment = {**os.environ, "SALES_FLOOR_TIME_LIMIT_S": "2"}
    done = subprocess.run([sys.executable, "-m", "analytics", "metrics", "--leads", str(fifo)], cwd=ROOT,
                          capture_output=True, text=True, env=environment, timeout=60)
    assert (done.returncode, done.stderr) == (2, f"error: {too_large('deals.csv', 'time: 2 s')}\n")


def test_the_supervisor_refuses_a_bad_limit_in_one_line() -> None:
    environment = {**os.environ, "SALES_FLOOR_MEMORY_LIMIT_MB": "abc"}
    done = subprocess.run([sys.executable, "-m", "analytics", "metrics", "--leads", "x.csv"], cwd=ROOT,
                          capture_output=True, text=True, env=environment, timeout=60)
    assert (done.returncode, done.stderr) == \
        (2, "error: SALES_FLOOR_MEMORY_LIMIT_MB must be a positive whole number, not 'abc'\n")
