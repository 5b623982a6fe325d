"""Benchmark: a workspace holding a 2 M-call floor (issue 11). Not a timed test; figures for the README.

    python -m tests.benchmarks.bench_workspace [--setters 80] [--months 12]

1. import of the long-form export (calls, leads, meetings, payments CSV with the SPEC's column names) into a new
   workspace: parsing the files and storing them are timed apart;
2. reopening the workspace to the first dashboard: load (DuckDB → Arrow → Polars), then the model and the
   employee × month table;
3. an incremental import of one week (its call log overlapping the stored one by a day; meetings of the last
   three weeks with their current state) into the 2 M-call workspace, and undoing it;
4. the calls part of the daily facts of SPEC §3 computed inside DuckDB (SQL over the stored table) against
   Polars after loading.
Each step runs in a fresh process so that its time and peak memory are its own.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import polars as pl

from data.generate_demo import generate_floor
from tests.benchmarks.bench_metrics import big_floor, run

TABLES = ("calls", "leads", "meetings", "payments")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """Wall and CPU seconds (all threads) per step: on a shared machine the CPU time shows the work, the wall time
    also the neighbours'."""

    def __init__(self) -> None:
        self.steps: dict[str, tuple[float, float]] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.steps[step] = (time.perf_counter() - wall, time.process_time() - cpu)


def shown(steps: dict[str, tuple[float, float]], step: str) -> str:
    wall, cpu = steps[step]
    return f"{wall:.2f} s (CPU {cpu:.2f} s)"


def write_exports(directory: Path, setters: int, months: int) -> dict[str, int]:
    """The history up to the last week, and the last week's export, as long-form CSV files."""
    config = big_floor(setters, months)
    data = generate_floor(config)
    cut = datetime.combine(config.end, datetime.min.time()) - timedelta(days=6)
    dated = {"calls": "started_at", "leads": "created_at", "meetings": "booked_at", "payments": "paid_at"}
    week_from = {"calls": cut - timedelta(days=1), "leads": cut, "meetings": cut - timedelta(days=21),
                 "payments": cut}
    counts = {}
    for name in TABLES:
        frame = data.table(name)
        history = frame.filter(pl.col(dated[name]) < cut)
        week = frame.filter(pl.col(dated[name]) >= week_from[name])
        history.write_csv(directory / f"{name}_history.csv")
        week.write_csv(directory / f"{name}_week.csv")
        counts[f"{name}_history"], counts[f"{name}_week"] = history.height, week.height
    counts["mb"] = sum((directory / f"{n}_history.csv").stat().st_size for n in TABLES) // 1_000_000
    return counts


def exports(directory: str, setters: int, months: int, queue: multiprocessing.Queue) -> None:
    """In a process of its own: a peak resident size is inherited by the processes started after it."""
    queue.put(write_exports(Path(directory), setters, months))


def _import(workspace_path: str, directory: str, part: str) -> dict[str, object]:
    from analytics.importing.pipeline import Upload, import_one
    from analytics.workspace import Incoming, Workspace

    clock = Clock()
    with clock("parse"):
        uploads = [Upload(f"{name}_{part}.csv", (Path(directory) / f"{name}_{part}.csv").read_bytes(), name)
                   for name in TABLES]
        files = [Incoming.of(import_one(u), u.content_digest) for u in uploads]  # type: ignore[arg-type]
    with clock("store"):
        stored = Workspace(workspace_path).import_files(files)
    return {"steps": clock.steps, "rows": stored.rows, "batch_id": stored.batch_id}


def import_history(workspace_path: str, directory: str, queue: multiprocessing.Queue) -> None:
    result = _import(workspace_path, directory, "history")
    result["file_mb"] = Path(workspace_path).stat().st_size / 1e6
    result["peak_mb"] = peak_mb()
    queue.put(result)


def reopen(workspace_path: str, queue: multiprocessing.Queue) -> None:
    from analytics.metrics import compute
    from analytics.model import prepare
    from analytics.workspace import Workspace

    clock = Clock()
    workspace = Workspace(workspace_path)
    with clock("version"):
        workspace.version()
    with clock("load"):
        data = workspace.dataset()
    with clock("prepare"):
        model = prepare(data)
    with clock("table"):
        compute(model, ["employee", "month"])
    queue.put({"steps": clock.steps, "calls": data.calls.height, "peak_mb": peak_mb()})


def import_week(workspace_path: str, directory: str, queue: multiprocessing.Queue) -> None:
    from analytics.workspace import Workspace

    result = _import(workspace_path, directory, "week")
    clock = Clock()
    with clock("undo"):
        Workspace(workspace_path).undo(result["batch_id"])  # type: ignore[arg-type]
    result["undo"] = clock.steps
    result["again"] = _import(workspace_path, directory, "week")
    result["peak_mb"] = peak_mb()
    queue.put(result)


def _call_facts_sql() -> str:
    """The calls part of the daily facts in SQL, with the model's rules: text and source normalisation (SPEC §4),
    link by lead_id, else by phone — the only lead with that number, else the latest created before the call,
    else the next one."""
    from analytics.normalize import SOURCE_PATTERNS, UNKNOWN_SOURCE

    def text(column: str) -> str:
        return f"nullif(trim(regexp_replace({column}, '\\s+', ' ', 'g')), '')"

    # On `_digits`, computed once per row in a subquery (a regular expression over 2 M rows is the costly part).
    phone = ("CASE WHEN length(_digits) = 11 AND _digits LIKE '8%' THEN '7' || _digits[2:] "
             "WHEN length(_digits) = 10 THEN '7' || _digits WHEN length(_digits) >= 5 THEN _digits END")
    digits = "regexp_replace(phone, '\\D', '', 'g') AS _digits"

    raw = text("source")
    source = f"CASE WHEN {raw} IS NULL THEN '{UNKNOWN_SOURCE}' " + " ".join(
        f"WHEN regexp_matches(lower({raw}), '{pattern}') THEN '{name}'" for name, pattern in SOURCE_PATTERNS.items()
    ) + f" ELSE {raw} END"
    return f"""
WITH leads AS (
    SELECT lead_id, created_at, {source} AS source, {phone} AS phone_norm
    FROM (SELECT *, {digits} FROM main.leads WHERE _until IS NULL)
), phones AS (
    SELECT phone_norm, count(*) AS n, any_value(lead_id) AS only_lead FROM leads WHERE phone_norm IS NOT NULL
    GROUP BY ALL
), shared AS (
    SELECT phone_norm, created_at, lead_id FROM leads WHERE phone_norm IN (SELECT phone_norm FROM phones WHERE n > 1)
), calls AS (
    SELECT started_at, {text("employee")} AS employee, duration_s, {text("lead_id")} AS lead_id,
           {phone} AS phone_norm
    FROM (SELECT *, {digits} FROM main.calls WHERE _until IS NULL)
), numbered AS (
    SELECT c.*, p.n, p.only_lead FROM calls c LEFT JOIN phones p ON c.lead_id IS NULL AND p.phone_norm = c.phone_norm
), linked AS (  -- the as-of joins only for the calls to a number several leads share, as the model does
    SELECT started_at, employee, duration_s, coalesce(lead_id, CASE WHEN n = 1 THEN only_lead END) AS lead_id
    FROM numbered WHERE coalesce(n, 0) <= 1
    UNION ALL
    SELECT c.started_at, c.employee, c.duration_s, coalesce(before.lead_id, after.lead_id)
    FROM (SELECT * FROM numbered WHERE n > 1) c
    ASOF LEFT JOIN shared before ON c.phone_norm = before.phone_norm AND c.started_at >= before.created_at
    ASOF LEFT JOIN shared after ON c.phone_norm = after.phone_norm AND c.started_at <= after.created_at
)
SELECT CAST(k.started_at AS DATE) AS date, k.employee, coalesce(l.source, '{UNKNOWN_SOURCE}') AS source,
       count(*) AS calls_total, count(*) FILTER (WHERE k.duration_s >= 60) AS calls_60s,
       sum(coalesce(k.duration_s, 0)) AS seconds_on_line
FROM linked k LEFT JOIN leads l ON l.lead_id = k.lead_id
GROUP BY ALL
"""


def facts_both_ways(workspace_path: str, queue: multiprocessing.Queue) -> None:
    import duckdb

    from analytics.metrics import facts
    from analytics.model import prepare
    from analytics.workspace import Workspace

    clock = Clock()
    with duckdb.connect(workspace_path, read_only=True) as connection:
        with clock("duckdb"):
            in_sql = pl.from_arrow(connection.sql(_call_facts_sql()).to_arrow_table())
        with clock("duckdb_plain"):
            connection.sql(
                "SELECT CAST(started_at AS DATE) AS date, employee, count(*) AS calls_total, count(*) FILTER "
                "(WHERE duration_s >= 60) AS calls_60s, sum(coalesce(duration_s, 0)) AS seconds_on_line "
                "FROM calls WHERE _until IS NULL GROUP BY ALL").to_arrow_table()
    assert isinstance(in_sql, pl.DataFrame)
    with clock("load"):
        data = Workspace(workspace_path).dataset()
    with clock("polars_plain"):
        data.calls.group_by(pl.col("started_at").dt.date().alias("date"), "employee").agg(
            pl.len().alias("calls_total"), (pl.col("duration_s") >= 60).sum().alias("calls_60s"),
            pl.col("duration_s").fill_null(0).sum().alias("seconds_on_line"))
    with clock("prepare"):
        model = prepare(data)
    with clock("facts"):
        full = facts(model)
    calls_part = ["date", "employee", "source", "calls_total", "calls_60s", "seconds_on_line"]
    same = in_sql.select(calls_part).cast({"calls_total": pl.Int64, "calls_60s": pl.Int64}).sort(
        "date", "employee", "source").equals(full.filter(pl.col("calls_total") > 0).select(calls_part).sort(
        "date", "employee", "source"))
    queue.put({"steps": clock.steps, "same_facts": same, "peak_mb": peak_mb()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setters", type=int, default=80)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with TemporaryDirectory() as tmp:
        counts = run(exports, tmp, args.setters, args.months)
        path = str(Path(tmp) / "team.duckdb")
        print(f"history export: {counts['calls_history']:,} calls, {counts['leads_history']:,} leads, "
              f"{counts['meetings_history']:,} meetings, {counts['payments_history']:,} payments "
              f"({counts['mb']} MB of CSV); the week: {counts['calls_week']:,} calls (a day overlapping), "
              f"{counts['leads_week']:,} leads, {counts['meetings_week']:,} meetings (three weeks), "
              f"{counts['payments_week']:,} payments")

        first = run(import_history, path, tmp)
        print("\n1. import into a new workspace")
        print(f"  read + recognise + parse + validate the 4 files: {shown(first['steps'], 'parse')}")
        print(f"  store (keys, comparison, one transaction): {shown(first['steps'], 'store')} -> {first['rows']}")
        print(f"  workspace file {first['file_mb']:.0f} MB; peak memory {first['peak_mb']:.0f} MB")

        opened = run(reopen, path)
        steps = opened["steps"]
        print("\n2. reopen to the first dashboard (fresh process)")
        print(f"  version(): {steps['version'][0] * 1000:.0f} ms")
        print(f"  load {opened['calls']:,} calls and the rest, DuckDB -> Arrow -> Polars: {shown(steps, 'load')}")
        print(f"  prepare (link, attribute): {shown(steps, 'prepare')}; employee x month table "
              f"{shown(steps, 'table')}; total {sum(steps[s][0] for s in ('load', 'prepare', 'table')):.2f} s "
              f"(CPU {sum(steps[s][1] for s in ('load', 'prepare', 'table')):.2f} s)")
        print(f"  peak memory {opened['peak_mb']:.0f} MB")

        week = run(import_week, path, tmp)
        print("\n3. incremental import of one week into that workspace")
        print(f"  parse the week's 4 files {shown(week['steps'], 'parse')}; store {shown(week['steps'], 'store')} "
              f"-> {week['rows']}")
        print(f"  undo that batch {shown(week['undo'], 'undo')}; import it again: store "
              f"{shown(week['again']['steps'], 'store')}")

        both = run(facts_both_ways, path)
        steps = both["steps"]
        print("\n4. the calls part of the daily facts: inside DuckDB or in Polars after loading")
        print(f"  DuckDB SQL over the stored calls, normalised and linked to leads as the model does: "
              f"{shown(steps, 'duckdb')} (the same numbers as the model's facts: {both['same_facts']})")
        print(f"  DuckDB, per day and person only (no link): {shown(steps, 'duckdb_plain')}")
        print(f"  Polars: load {shown(steps, 'load')}; per day and person {shown(steps, 'polars_plain')}; "
              f"prepare {shown(steps, 'prepare')} + all facts {shown(steps, 'facts')}")
    print(f"\nload average of the machine: {os.getloadavg()[0]:.1f} at the end, {load_before:.1f} at the start "
          f"({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
