"""Benchmark: a long-form export on disk → the employee × month table, the whole CLI process and its phases.

    python -m tests.benchmarks.bench_import [--scales 1,2,5] [--repeats 3]

Writes the canonical tables of a generated floor (SPEC §2 column names: calls.csv, leads.csv, meetings.csv,
payments.csv; ≈ 2.1 M calls and 90 k leads at scale 1, scale k = k times the people, leads and calls) into a
temporary directory, then for each scale, every measurement in a fresh process so that its peak memory is its own:

  CLI          `python -m analytics metrics --calls … --leads … --meetings … --payments … --by employee,month`,
               wall time and peak RSS of the child process, median of --repeats runs;
  phases       the same work in one process: read (`read_raw`), convert (recognise + parse + validate), prepare
               (dedupe, link calls to leads by phone, attribute payments), facts, table; peak RSS;
  plain Polars the same table from the typed CSVs by a plain lazy Polars script (`plain_polars` below): the yardstick;
  pandas       the same script in pandas, as an analyst's notebook would do it.

Prints one row per scale twice, wall time and CPU time (user + system: on the shared 2 cores other people's work
inflates wall time at random, CPU time much less), flags what grows faster than the calls between scales (by CPU
time, and the CLI's peak memory), and checks that the CLI's numbers equal the in-process table and, for the counts
they share, the yardsticks'. The CLI runs with its own memory and time limits raised (--memory-limit-mb): its
default 3 GB address space is less than a 5× export needs. Timing targets live here, not in the unit tests.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from queue import Empty
from tempfile import TemporaryDirectory

import polars as pl

from analytics.schema import TABLES, Dataset
from data.generate_demo import generate_floor
from tests.benchmarks.bench_metrics import big_floor

SETTERS_PER_SCALE = 72  # 72 lead generators × 12 months ≈ 2.1 M calls
LEADS_PER_DAY = 4.8  # … and ≈ 90 k leads
SHARED_NUMBER_EVERY = 50  # one lead in 50 has the number of the lead before it: linked by time, not by a plain join
COMPARED = ("calls_total", "calls_60s", "minutes_on_line", "leads_new", "leads_target", "leads_nontarget",
            "meetings_scheduled", "meetings_confirmed", "meetings_held", "payments", "revenue")
FRACTIONAL = ("minutes_on_line", "revenue")
PHASES = ("read", "convert", "prepare", "facts", "table")
NOISE_S = 0.05  # below this a phase is too short to call its growth worse than linear
TOLERANCE = 1.25  # time per call may grow by this factor between scales before it is flagged


def peak_mib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: ru_maxrss survives exec, so a spawned process
    would report the size of its parent at fork time when that was larger."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- The export --------------------------------------------------------------------------------------------------


def base_floor() -> Dataset:
    """Scale 1: the generated floor, with some numbers shared by two leads (as when a client calls back)."""
    data = generate_floor(replace(big_floor(SETTERS_PER_SCALE, 12), leads_per_day=LEADS_PER_DAY))
    shared = pl.int_range(pl.len()) % SHARED_NUMBER_EVERY == SHARED_NUMBER_EVERY - 1
    leads = data.leads.with_columns(pl.when(shared).then(pl.col("phone").shift(1)).otherwise("phone").alias("phone"))
    return replace(data, leads=leads)


def copy_of(frame: pl.DataFrame, table: str, copy: int) -> pl.DataFrame:
    """The `copy`-th copy of a table for a bigger floor: other people, other lead and call ids, other numbers."""
    if copy == 0:
        return frame
    shift_id = lambda column, by: (pl.col(column).cast(pl.Int64) + copy * by).cast(pl.String)  # noqa: E731
    person = {"calls": "employee", "leads": "employee", "meetings": "setter"}.get(table)
    changes = [shift_id(c, 10_000_000).alias(c) for c in ("lead_id",) if c in frame.columns and table != "calls"]
    if table in ("calls", "leads"):
        changes.append(shift_id("phone", 20_000_000).alias("phone"))  # 7900…/7901… → 7902…/7903…, still 11 digits
    if table == "calls":
        changes.append(shift_id("call_id", 100_000_000).alias("call_id"))
    if person:
        changes.append(pl.format("{} {}", pl.col(person), pl.lit(copy)).alias(person))
    return frame.with_columns(changes)


def generate(directory: str, queue: multiprocessing.Queue) -> None:
    """Scale 1 as Parquet, generated in a process of its own (generating 2 M calls takes ≈ 2 GB)."""
    t = time.perf_counter()
    data = base_floor()
    for table in TABLES:
        data.table(table).write_parquet(Path(directory) / f"{table}.parquet")
    queue.put(time.perf_counter() - t)


def write_scale(base: str, scale: int, directory: str, queue: multiprocessing.Queue) -> None:
    t = time.perf_counter()
    data = Dataset(**{table: pl.read_parquet(Path(base) / f"{table}.parquet") for table in TABLES})
    paths = write_export(data, scale, Path(directory))
    queue.put(({k: str(v) for k, v in paths.items()}, time.perf_counter() - t))


def write_export(data: Dataset, scale: int, directory: Path) -> dict[str, Path]:
    """The canonical tables × scale as CSV with the SPEC's column names, one copy at a time (memory stays flat)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for table in TABLES:
        paths[table] = directory / f"{table}.csv"
        with paths[table].open("wb") as out:
            for copy in range(scale):
                copy_of(data.table(table), table, copy).write_csv(out, include_header=copy == 0)
    return paths


# ---- The yardsticks: the same table as a plain script would make it ---------------------------------------------

DATETIME = pl.Datetime("us")
CSV_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "calls": {"started_at": DATETIME, "employee": pl.String(), "duration_s": pl.Int64(), "direction": pl.String(),
              "lead_id": pl.String(), "phone": pl.String(), "call_id": pl.String()},
    "leads": {"lead_id": pl.String(), "created_at": DATETIME, "employee": pl.String(), "source": pl.String(),
              "is_target": pl.Boolean(), "phone": pl.String()},
    "meetings": {"lead_id": pl.String(), "booked_at": DATETIME, "setter": pl.String(), "meeting_at": DATETIME,
                 "confirmed": pl.Boolean(), "confirmed_at": DATETIME, "held": pl.Boolean(), "held_at": DATETIME,
                 "hunter": pl.String(), "meeting_id": pl.String()},
    "payments": {"lead_id": pl.String(), "paid_at": DATETIME, "amount": pl.Float64()},
}
KEYS = ["employee", "month"]


def plain_polars(paths: dict[str, Path]) -> pl.DataFrame:
    """Employee × month in cohort mode from the typed CSVs: four group_bys and joins, one lazy plan.

    No cleaning, no phone linking: what an analyst writes when the files are known to be clean.
    """
    scan = {t: pl.scan_csv(paths[t], schema=CSV_SCHEMAS[t]) for t in TABLES}
    month = lambda column: pl.col(column).dt.strftime("%Y-%m").alias("month")  # noqa: E731
    calls = scan["calls"].group_by("employee", month("started_at")).agg(
        pl.len().alias("calls_total"), (pl.col("duration_s") >= 60).sum().alias("calls_60s"),
        (pl.col("duration_s").sum() / 60).alias("minutes_on_line"))
    leads = scan["leads"].group_by("employee", month("created_at")).agg(
        pl.len().alias("leads_new"), (pl.col("is_target") == True).sum().alias("leads_target"),  # noqa: E712
        (pl.col("is_target") == False).sum().alias("leads_nontarget"))  # noqa: E712
    meetings = scan["meetings"].join(scan["leads"].select("lead_id", pl.col("employee").alias("lead_employee")),
                                     on="lead_id", how="left").with_columns(
        pl.coalesce("setter", "lead_employee").alias("employee"), pl.col("held").fill_null(False))
    booked = meetings.group_by("employee", month("booked_at")).agg(
        pl.len().alias("meetings_scheduled"), (pl.col("confirmed").fill_null(False) | pl.col("held")).sum()
        .alias("meetings_confirmed"), pl.col("held").sum().alias("meetings_held"))
    first_held = meetings.filter("held").sort("booked_at").group_by("lead_id").first()
    paid = (scan["payments"].group_by("lead_id").agg(pl.col("amount").fill_null(0).sum())
            .join(first_held, on="lead_id").group_by("employee", month("booked_at"))
            .agg(pl.len().alias("payments"), pl.col("amount").sum().alias("revenue")))
    table = calls
    for part in (leads, booked, paid):
        table = table.join(part, on=KEYS, how="full", coalesce=True)
    return table.with_columns(pl.col(COMPARED).fill_null(0)).sort(KEYS).collect()


def plain_pandas(paths: dict[str, Path]) -> pl.DataFrame:
    """The same table in pandas, as a notebook would compute it."""
    import pandas as pd

    def read(table: str) -> pd.DataFrame:
        schema = CSV_SCHEMAS[table]
        dates = [c for c, t in schema.items() if t == DATETIME]
        types = {c: ("boolean" if t == pl.Boolean() else "float64" if t == pl.Float64() else "Int64"
                     if t == pl.Int64() else "string") for c, t in schema.items() if c not in dates}
        return pd.read_csv(paths[table], dtype=types, parse_dates=dates)

    calls, leads, meetings, payments = (read(t) for t in TABLES)
    calls["month"] = calls["started_at"].dt.strftime("%Y-%m")
    calls["long"] = calls["duration_s"] >= 60
    by_calls = calls.groupby(["employee", "month"]).agg(
        calls_total=("duration_s", "size"), calls_60s=("long", "sum"), minutes_on_line=("duration_s", "sum"))
    by_calls["minutes_on_line"] = by_calls["minutes_on_line"] / 60
    leads["month"] = leads["created_at"].dt.strftime("%Y-%m")
    leads["target"] = leads["is_target"].eq(True).fillna(False)
    leads["nontarget"] = leads["is_target"].eq(False).fillna(False)
    by_leads = leads.groupby(["employee", "month"]).agg(
        leads_new=("lead_id", "size"), leads_target=("target", "sum"), leads_nontarget=("nontarget", "sum"))
    meetings = meetings.merge(leads[["lead_id", "employee"]].rename(columns={"employee": "lead_employee"}),
                              on="lead_id", how="left")
    meetings["employee"] = meetings["setter"].fillna(meetings["lead_employee"])
    meetings["month"] = meetings["booked_at"].dt.strftime("%Y-%m")
    meetings["held"] = meetings["held"].fillna(False).astype(bool)
    meetings["confirmed"] = meetings["confirmed"].fillna(False).astype(bool) | meetings["held"]
    by_meetings = meetings.groupby(["employee", "month"]).agg(
        meetings_scheduled=("lead_id", "size"), meetings_confirmed=("confirmed", "sum"),
        meetings_held=("held", "sum"))
    first_held = meetings[meetings["held"]].sort_values("booked_at").groupby("lead_id").first().reset_index()
    per_lead = payments.assign(amount=payments["amount"].fillna(0)).groupby("lead_id", as_index=False)["amount"].sum()
    by_paid = per_lead.merge(first_held[["lead_id", "employee", "month"]], on="lead_id").groupby(
        ["employee", "month"]).agg(payments=("lead_id", "size"), revenue=("amount", "sum"))
    table = by_calls.join([by_leads, by_meetings, by_paid], how="outer").fillna(0).reset_index()
    return pl.from_pandas(table).with_columns(pl.col(c).cast(pl.Float64 if c in FRACTIONAL else pl.Int64)
                                              for c in COMPARED)


# ---- Measurements, each in a fresh process -----------------------------------------------------------------------


def measure_cli(paths: dict[str, str], output: str, limits: dict[str, str], queue: multiprocessing.Queue) -> None:
    """One CLI run as a child of this fresh process, so that RUSAGE_CHILDREN is that run alone (with the child the
    supervisor of `python -m analytics` starts: their peak is the larger of the two)."""
    files = [arg for table in TABLES for arg in (f"--{table}", paths[table])]
    command = [sys.executable, "-m", "analytics", "metrics", *files, "--by", "employee,month", "-o", output]
    t = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env={**os.environ, **limits})
    wall = time.perf_counter() - t
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    queue.put({"cli_s": wall, "cli_cpu": children.ru_utime + children.ru_stime,
               "cli_peak_mib": children.ru_maxrss / 1024, "returncode": done.returncode, "stderr": done.stderr[-2000:]})


class Clock:
    """Wall and CPU seconds per phase. CPU time is what a phase costs whatever else runs on the shared cores."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self.cpu: dict[str, float] = dict.fromkeys(PHASES, 0.0)

    @contextmanager
    def phase(self, name: str, within: str | None = None) -> Iterator[None]:
        """Time a phase; `within`: the enclosing phase it is taken out of (reading happens inside importing)."""
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            self.wall[name] += wall
            self.cpu[name] += cpu
            if within:
                self.wall[within] -= wall
                self.cpu[within] -= cpu


def measure_phases(paths: dict[str, str], queue: multiprocessing.Queue) -> None:
    """The CLI's work phase by phase: the importer exactly as the CLI calls it, with `read_raw` timed inside it."""
    from analytics.importing import pipeline
    from analytics.metrics import aggregate, facts
    from analytics.model import prepare

    clock = Clock()
    read_raw = pipeline.read_raw

    def timed_read_raw(*args: object, **kwargs: object) -> object:
        with clock.phase("read", within="convert"):
            return read_raw(*args, **kwargs)

    pipeline.read_raw = timed_read_raw  # type: ignore[assignment]
    with clock.phase("read"):
        uploads = [pipeline.Upload(path, Path(path).read_bytes(), table) for table, path in paths.items()]
    with clock.phase("convert"):
        bundle = pipeline.import_files(uploads)
    result: dict = {"errors": list(bundle.errors), "rows": {name: bundle.dataset.table(name).height for name in TABLES}}
    with clock.phase("prepare"):
        model = prepare(bundle.dataset)
    with clock.phase("facts"):
        frame = facts(model, "cohort")
    with clock.phase("table"):
        table = aggregate(frame, KEYS)
    result["peak_mib"] = peak_mib()
    result.update({f"{p}_s": clock.wall[p] for p in PHASES})
    result.update({f"{p}_cpu": clock.cpu[p] for p in PHASES})
    result["table"] = table.select(*KEYS, *COMPARED).to_dicts()
    queue.put(result)


def measure_yardstick(name: str, paths: dict[str, str], queue: multiprocessing.Queue) -> None:
    """A notebook's cell: the library is already imported when the clock starts."""
    script: Callable[[dict[str, Path]], pl.DataFrame] = {"polars": plain_polars, "pandas": plain_pandas}[name]
    if name == "pandas":
        import pandas  # noqa: F401
    wall, cpu = time.perf_counter(), time.process_time()
    table = script({k: Path(v) for k, v in paths.items()})
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    queue.put({"s": wall, "cpu": cpu, "peak_mib": peak_mib(),
               "table": table.select(*KEYS, *COMPARED).to_dicts()})


def run(target: Callable[..., None], *args: object) -> dict:
    """Call `target(*args, queue)` in a freshly spawned process and return what it put on the queue."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    while True:
        try:
            result = queue.get(timeout=1)
            break
        except Empty:
            if not process.is_alive():
                raise SystemExit(f"{target.__name__} died (exit code {process.exitcode})") from None
    process.join()
    return result


def pandas_installed() -> bool:
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


# ---- Checks and the report ---------------------------------------------------------------------------------------


def differences(expected: list[dict], actual: list[dict], columns: tuple[str, ...]) -> list[str]:
    """The columns where two employee × month tables disagree (rows matched by their keys)."""
    left = pl.DataFrame(expected).select(*KEYS, *columns)
    right = pl.DataFrame(actual).select(*KEYS, *columns)
    joined = left.join(right, on=KEYS, how="full", coalesce=True, suffix="_b")
    if joined.height != left.height or joined.height != right.height:
        return [f"rows {left.height} vs {right.height}"]
    return [c for c in columns if not joined.select(
        ((pl.col(c).cast(pl.Float64) - pl.col(f"{c}_b").cast(pl.Float64)).abs() <= 1e-6).all()).item()]


def measure_scale(scale: int, paths: dict[str, str], repeats: int, output: str, limits: dict[str, str]) -> dict:
    file_mb = sum(Path(p).stat().st_size for p in paths.values()) / 1e6
    runs = [run(measure_cli, paths, output, limits) for _ in range(repeats)]
    failed = [r for r in runs if r["returncode"] != 0]
    if failed:
        raise SystemExit(f"scale {scale}: the CLI failed: {failed[0]['stderr']}")
    cli_rows = json.loads(Path(output).read_text(encoding="utf-8"))["rows"]
    phases = run(measure_phases, paths)
    if phases["errors"]:
        raise SystemExit(f"scale {scale}: import errors: {phases['errors']}")
    result = {
        "scale": scale, "calls": phases["rows"]["calls"], "leads": phases["rows"]["leads"], "file_mb": file_mb,
        **{f"{p}_{unit}": phases[f"{p}_{unit}"] for p in PHASES for unit in ("s", "cpu")},
        "cli_cpu": statistics.median(r["cli_cpu"] for r in runs),
        "phases_peak_mib": phases["peak_mib"],
        "cli_s": statistics.median(r["cli_s"] for r in runs),
        "cli_peak_mib": statistics.median(r["cli_peak_mib"] for r in runs),
        "cli_vs_phases": differences(cli_rows, phases["table"], COMPARED),
    }
    for name in ("polars", "pandas") if pandas_installed() else ("polars",):
        yardstick = run(measure_yardstick, name, paths)
        result[f"{name}_s"], result[f"{name}_cpu"] = yardstick["s"], yardstick["cpu"]
        result[f"{name}_peak_mib"] = yardstick["peak_mib"]
        result[f"cli_vs_{name}"] = differences(cli_rows, yardstick["table"], COMPARED)
    return result


def worse_than_linear(results: list[dict]) -> list[str]:
    """What grew faster than the calls between consecutive scales, beyond the tolerance: CPU time of each phase, of
    the CLI and the yardsticks (CPU, not wall: other people's work on the shared cores inflates wall time at random),
    and the CLI's peak memory."""
    flags = []
    measures = [*(f"{p}_cpu" for p in PHASES), "cli_cpu", "polars_cpu", "pandas_cpu", "cli_peak_mib"]
    for before, after in itertools.pairwise(results):
        growth = after["calls"] / before["calls"]
        for key in measures:
            if key not in before or (key.endswith("_cpu") and after[key] < NOISE_S):
                continue
            factor = after[key] / max(before[key], 1e-9)
            if factor > growth * TOLERANCE:
                flags.append(f"{key}: ×{factor:.2f} from scale {before['scale']} to {after['scale']} "
                             f"for ×{growth:.2f} the calls")
    return flags


def table_text(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    line = lambda cells: "  ".join(str(c).rjust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    return [line(header), *(line(row) for row in rows)]


def times(r: dict, unit: str, key: str) -> str:
    other = r.get(f"{key}_{unit}")
    return f"{r[f'cli_{unit}'] / other:.2f}" if other else "-"


def report(results: list[dict]) -> str:
    wall = table_text(
        ["scale", "calls", "file MB", *(f"{p} s" for p in PHASES), "CLI s", "peak MiB", "plain Polars s", "pandas s",
         "× plain Polars", "× pandas", "MiB / file MB"],
        [[f"{r['scale']}×", f"{r['calls']:,}", f"{r['file_mb']:.0f}", *(f"{r[f'{p}_s']:.2f}" for p in PHASES),
          f"{r['cli_s']:.2f}", f"{r['cli_peak_mib']:.0f}", f"{r['polars_s']:.2f}",
          f"{r['pandas_s']:.2f}" if "pandas_s" in r else "-", times(r, "s", "polars"), times(r, "s", "pandas"),
          f"{r['cli_peak_mib'] / r['file_mb']:.1f}"] for r in results])
    cpu = table_text(
        ["scale", *(f"{p} CPU s" for p in PHASES), "CLI CPU s", "plain Polars CPU s", "pandas CPU s",
         "× plain Polars", "× pandas"],
        [[f"{r['scale']}×", *(f"{r[f'{p}_cpu']:.2f}" for p in PHASES), f"{r['cli_cpu']:.2f}", f"{r['polars_cpu']:.2f}",
          f"{r['pandas_cpu']:.2f}" if "pandas_cpu" in r else "-", times(r, "cpu", "polars"), times(r, "cpu", "pandas")]
         for r in results])
    lines = ["wall time (peak MiB: the CLI process; × …: the CLI against the yardstick)", *wall, "",
             "CPU time, user + system (what each costs whatever else runs on the cores)", *cpu, ""]
    for r in results:
        memory = (f"phases in one process peak {r['phases_peak_mib']:.0f} MiB; plain Polars {r['polars_peak_mib']:.0f}"
                  f" MiB" + (f", pandas {r['pandas_peak_mib']:.0f} MiB" if "pandas_peak_mib" in r else ""))
        checks = "; ".join(
            f"CLI vs {what}: " + (", ".join(r[key]) + " differ" if r[key] else "equal")
            for what, key in (("phases", "cli_vs_phases"), ("plain Polars", "cli_vs_polars"),
                              ("pandas", "cli_vs_pandas")) if key in r)
        lines.append(f"{r['scale']}×: {r['leads']:,} leads; {memory}; {checks}")
    lines.append(f"(compared: {', '.join(COMPARED)})")
    flags = worse_than_linear(results)
    lines.append("worse than linear: " + ("; ".join(flags) if flags else "none"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,2", help="comma-separated multiples of the 2.1 M-call floor")
    parser.add_argument("--repeats", type=int, default=3, help="CLI runs per scale; the median is reported")
    parser.add_argument("--memory-limit-mb", type=int, default=32_768,
                        help="the CLI's address-space limit (SALES_FLOOR_MEMORY_LIMIT_MB; its own default is 3072, "
                             "which a 5× export exceeds)")
    args = parser.parse_args()
    limits = {"SALES_FLOOR_MEMORY_LIMIT_MB": str(args.memory_limit_mb), "SALES_FLOOR_TIME_LIMIT_S": "600"}
    scales = sorted({int(s) for s in args.scales.split(",") if s.strip()})
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores",
          flush=True)
    results = []
    with TemporaryDirectory(prefix="bench_import_") as tmp:
        print(f"generated the floor in {run(generate, tmp):.1f} s", flush=True)
        for scale in scales:
            paths, seconds = run(write_scale, tmp, scale, str(Path(tmp) / f"x{scale}"))
            print(f"scale {scale}: wrote the export in {seconds:.1f} s; measuring …", flush=True)
            output = str(Path(tmp) / f"x{scale}" / "table.json")
            results.append(measure_scale(scale, paths, args.repeats, output, limits))
            for path in paths.values():
                Path(path).unlink()
    print(f"\nthe CLI ran with {', '.join(f'{k}={v}' for k, v in limits.items())}; the yardsticks are timed without "
          "interpreter start and imports, the CLI with them")
    print(report(results))
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
