"""Benchmark: a long-form export on disk → the employee × month table, the whole CLI process and its phases.

    python -m tests.benchmarks.bench_import [--scales 1,2,5] [--repeats 3]

Writes the canonical tables of a generated floor (SPEC §2 column names: calls.csv, leads.csv, meetings.csv,
payments.csv; ≈ 2.1 M calls and 90 k leads at scale 1, scale k = k times the people, leads and calls) into a
temporary directory, then for each scale:

  CLI          `python -m analytics metrics --calls … --leads … --meetings … --payments … --by employee,month -o …`,
  plain Polars the same table from the typed CSVs by a plain lazy Polars script (tests/benchmarks/yardsticks.py),
  pandas       the same script in pandas, as an analyst's notebook would do it:
               each as a whole process, as the issue measured them (interpreter start and imports included):
               wall time, CPU time and peak RSS of the process and its children, median of --repeats runs;
  phases       the CLI's work in one fresh process: read (`read_raw`), convert (recognise + parse + validate),
               link by phone (normalise the numbers, join calls to leads), dedupe + credit (the rest of `prepare`:
               dedupe, people and sources, payments credited to held meetings), facts, table; peak RSS (VmHWM).

Prints the tables in Markdown (ready for the README), flags what grows faster than the calls between scales (by CPU
time, and the CLI's peak memory), and checks that the CLI's numbers equal the in-process table and, for the counts
they share, the yardsticks'. The CLI runs with its own memory and time limits raised (--memory-limit-mb): its
default 3 GB address space is less than a 5× export needs. Timing targets live here, not in the unit tests.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import itertools
import json
import multiprocessing
import os
import shutil
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

from analytics.importing.limits import POLARS_ALLOCATOR
from analytics.schema import TABLES, Dataset
from data.generate_demo import generate_floor
from tests.benchmarks.bench_metrics import big_floor
from tests.benchmarks.bench_metrics import peak_mb as peak_mib
from tests.benchmarks.yardsticks import COMPARED, KEYS

SETTERS_PER_SCALE = 72  # 72 lead generators × 12 months ≈ 2.1 M calls
LEADS_PER_DAY = 4.8  # … and ≈ 90 k leads
ROOT = Path(__file__).resolve().parents[2]
YARDSTICKS = Path(__file__).with_name("yardsticks.py")
SHARED_NUMBER_EVERY = 50  # one lead in 50 has the number of the lead before it: linked by time, not by a plain join
PHASES = ("read", "convert", "link", "credit", "facts", "table")
NOISE_S = 0.05  # below this a phase is too short to call its growth worse than linear
TOLERANCE = 1.25  # time per call may grow by this factor between scales before it is flagged


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


# ---- Measurements, each in a fresh process -----------------------------------------------------------------------


LAUNCHER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(json.loads(sys.argv[1]), capture_output=True, text=True, check=False)
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"s": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024,
                  "returncode": done.returncode, "stdout": done.stdout[-2000:], "stderr": done.stderr[-2000:]}))
"""


def measure_process(command: list[str], environment: dict[str, str] | None = None) -> dict:
    """One whole process, as a user starts it: wall time, CPU time and peak RSS of it and its children.

    Launched by a tiny interpreter of its own (≈ 10 MB), whose RUSAGE_CHILDREN is that run alone: ru_maxrss
    survives exec, so a child of a big parent (this benchmark, with Polars and a floor in memory) would report
    the parent's size when that was larger. The CLI's supervisor and its forked child count as one: their peak
    is the larger of the two.
    """
    launcher = [sys.executable, "-c", LAUNCHER, json.dumps(command)]
    done = subprocess.run(launcher, capture_output=True, text=True, check=True, cwd=ROOT,
                          env={**os.environ, **(environment or {})})
    return json.loads(done.stdout)


def cli_command(paths: dict[str, str], output: str) -> list[str]:
    files = [arg for table in TABLES for arg in (f"--{table}", paths[table])]
    return [sys.executable, "-m", "analytics", "metrics", *files, "--by", "employee,month", "-o", output]


def yardstick_command(tool: str, paths: dict[str, str], output: str) -> list[str]:
    return [sys.executable, str(YARDSTICKS), tool, output, *(paths[table] for table in TABLES)]


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
    """The CLI's work phase by phase: the importer exactly as the CLI calls it (files named by their paths, each read
    when imported, Polars' allocator set as the CLI sets it), with the reading timed inside it, and inside prepare
    the phone linking (normalising the numbers of calls and leads, joining calls to leads)."""
    from analytics import model as model_module
    from analytics.importing import pipeline
    from analytics.metrics import aggregate, facts
    from analytics.model import prepare

    clock = Clock()

    def timed(module: object, name: str, phase: str, within: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            with clock.phase(phase, within=within):
                return original(*args, **kwargs)

        setattr(module, name, wrapper)

    timed(pipeline.Upload, "read", "read", within="convert")
    for name in ("_normal_phones", "_link_calls_by_phone"):
        timed(model_module, name, "link", within="credit")
    with clock.phase("convert"):  # one file after another, so that each phase has one clock (the CLI overlaps
        files = [pipeline.import_one(pipeline.Upload.of_file(Path(path), table))  # the small files and the calls)
                 for table, path in paths.items()]
        bundle = pipeline.Bundle(pipeline.combine(files), tuple(files), ())
    result: dict = {"errors": list(bundle.errors), "rows": {name: bundle.dataset.table(name).height for name in TABLES}}
    with clock.phase("credit"):
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


def run(target: Callable[..., None], *args: object) -> dict:
    """Call `target(*args, queue)` in a freshly spawned process (with Polars' allocator set as the CLI sets it) and
    return what it put on the queue."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    variable, setting = POLARS_ALLOCATOR
    before = os.environ.get(variable)
    os.environ[variable] = setting  # read by the spawned process when it starts Polars; not by the yardsticks
    try:
        process.start()
    finally:
        if before is None:
            os.environ.pop(variable)
        else:
            os.environ[variable] = before
    while True:
        try:
            result = queue.get(timeout=1)
            break
        except Empty:
            if not process.is_alive():
                raise SystemExit(f"{target.__name__} died (exit code {process.exitcode})") from None
    process.join()
    return result


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


def measure_scale(scale: int, paths: dict[str, str], repeats: int, directory: Path, limits: dict[str, str],
                  tools: tuple[str, ...]) -> dict:
    """Every figure of one scale: each whole process --repeats times (median), the phases once."""
    file_mb = sum(Path(p).stat().st_size for p in paths.values()) / 1e6
    result: dict = {"scale": scale, "file_mb": file_mb}
    tables: dict[str, list[dict]] = {}
    for tool in ("cli", *tools):
        output = str(directory / f"{tool}.json")
        command = cli_command(paths, output) if tool == "cli" else yardstick_command(tool, paths, output)
        runs = [measure_process(command, limits if tool == "cli" else None) for _ in range(repeats)]
        failed = [r for r in runs if r["returncode"] != 0]
        if failed:
            raise SystemExit(f"scale {scale}: {tool} failed: {failed[0]['stderr']}")
        for unit in ("s", "cpu", "peak_mib"):
            result[f"{tool}_{unit}"] = statistics.median(r[unit] for r in runs)
        if tool != "cli":
            result[f"{tool}_cell_s"] = statistics.median(json.loads(r["stdout"])["work_s"] for r in runs)
        loaded = json.loads(Path(output).read_text(encoding="utf-8"))
        tables[tool] = loaded["rows"] if tool == "cli" else loaded
    phases = run(measure_phases, paths)
    if phases["errors"]:
        raise SystemExit(f"scale {scale}: import errors: {phases['errors']}")
    result.update({"calls": phases["rows"]["calls"], "leads": phases["rows"]["leads"],
                   "phases_peak_mib": phases["peak_mib"],
                   **{f"{p}_{unit}": phases[f"{p}_{unit}"] for p in PHASES for unit in ("s", "cpu")}})
    result["prepare_s"] = phases["credit_s"] + phases["link_s"]
    result["prepare_cpu"] = phases["credit_cpu"] + phases["link_cpu"]
    result["cli_vs_phases"] = differences(tables["cli"], phases["table"], COMPARED)
    for tool in tools:
        result[f"cli_vs_{tool}"] = differences(tables["cli"], tables[tool], COMPARED)
    return result


def worse_than_linear(results: list[dict]) -> list[str]:
    """What grew faster than the calls between consecutive scales, beyond the tolerance: CPU time of each phase and
    of each whole process (CPU, not wall: other people's work on the shared cores inflates wall time at random), and
    the CLI's peak memory."""
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
    """A Markdown table, right-aligned, ready for the README."""
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    line = lambda cells: "| " + " | ".join(str(c).rjust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731
    return [line(header), "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|", *(line(row) for row in rows)]


def ratio(r: dict, key: str, unit: str = "s") -> str:
    other = r.get(f"{key}_{unit}")
    return f"{r[f'cli_{unit}'] / other:.2f}" if other else "-"


def figure(r: dict, key: str, digits: int = 2) -> str:
    return f"{r[key]:.{digits}f}" if key in r else "-"


def report(results: list[dict]) -> str:
    processes = table_text(
        ["scale", "calls", "files MB", "CLI s", "CLI MiB", "CLI MiB / file MB", "Polars s", "Polars MiB",
         "pandas s", "pandas MiB", "CLI ÷ Polars", "CLI ÷ pandas"],
        [[f"{r['scale']}×", f"{r['calls']:,}", f"{r['file_mb']:.0f}", figure(r, "cli_s"), figure(r, "cli_peak_mib", 0),
          f"{r['cli_peak_mib'] / r['file_mb']:.1f}", figure(r, "polars_s"), figure(r, "polars_peak_mib", 0),
          figure(r, "pandas_s"), figure(r, "pandas_peak_mib", 0), ratio(r, "polars"), ratio(r, "pandas")]
         for r in results])
    cpu = table_text(
        ["scale", "CLI CPU s", "Polars CPU s", "pandas CPU s", "CLI ÷ Polars", "CLI ÷ pandas"],
        [[f"{r['scale']}×", figure(r, "cli_cpu"), figure(r, "polars_cpu"), figure(r, "pandas_cpu"),
          ratio(r, "polars", "cpu"), ratio(r, "pandas", "cpu")] for r in results])
    phase_names = {"read": "read", "convert": "convert", "link": "link by phone", "credit": "dedupe + credit",
                   "facts": "facts", "table": "table"}
    phases = table_text(
        ["scale", *(f"{phase_names[p]} s" for p in PHASES), "prepare s", "sum s", "peak MiB",
         "Polars cell s", "pandas cell s"],
        [[f"{r['scale']}×", *(f"{r[f'{p}_s']:.2f}" for p in PHASES), f"{r['prepare_s']:.2f}",
          f"{sum(r[f'{p}_s'] for p in PHASES):.2f}", f"{r['phases_peak_mib']:.0f}", figure(r, "polars_cell_s"),
          figure(r, "pandas_cell_s")] for r in results])
    phases_cpu = table_text(
        ["scale", *(f"{phase_names[p]} CPU s" for p in PHASES), "prepare CPU s"],
        [[f"{r['scale']}×", *(f"{r[f'{p}_cpu']:.2f}" for p in PHASES), f"{r['prepare_cpu']:.2f}"] for r in results])
    lines = [
        "Whole processes, as a user starts them (interpreter start and imports included): wall time, median of the "
        "runs; peak RSS of the process and its children", *processes, "",
        "The same processes, CPU time (user + system; other people's work on the shared cores inflates wall time, "
        "CPU time much less)", *cpu, "",
        "The CLI's work phase by phase in one process (wall; prepare = link by phone + dedupe + credit payments; "
        "'cell': the yardstick's own work after its imports, as a notebook cell shows it)", *phases, "",
        "The phases, CPU time", *phases_cpu, "",
    ]
    for r in results:
        checks = "; ".join(
            f"CLI vs {what}: " + (", ".join(r[key]) + " differ" if r[key] else "equal")
            for what, key in (("phases", "cli_vs_phases"), ("plain Polars", "cli_vs_polars"),
                              ("pandas", "cli_vs_pandas")) if key in r)
        goals = [f"CLI ÷ pandas {ratio(r, 'pandas')} wall, {ratio(r, 'pandas', 'cpu')} CPU (goal ≤ 0.3)",
                 f"CLI peak {r['cli_peak_mib'] / r['file_mb']:.1f} × the files (goal ≤ 2.5)",
                 f"link + credit {r['prepare_s']:.2f} s wall, {r['prepare_cpu']:.2f} s CPU for {r['calls']:,} calls / "
                 f"{r['leads']:,} leads (goal ≤ 0.5 s at 2 M / 100 k)"]
        lines.append(f"{r['scale']}×: {'; '.join(goals)}; {checks}")
    lines.append(f"(compared: {', '.join(COMPARED)})")
    flags = worse_than_linear(results)
    lines.append("worse than linear: " + ("; ".join(flags) if flags else "none"))
    return "\n".join(lines)


TINY_CALLS = "started_at,employee,duration_s,phone\n2026-10-01 09:50:00,Anna,60,79000000001\n"


def start_up(repeats: int = 5) -> str:
    """What every command costs before any data: `python -m analytics metrics` on a one-row file, beside a bare
    interpreter (`python -c pass`), median of `repeats` whole processes."""
    with TemporaryDirectory(prefix="bench_start_") as tmp:
        calls = Path(tmp) / "calls.csv"
        calls.write_text(TINY_CALLS, encoding="utf-8")
        cli = [measure_process([sys.executable, "-m", "analytics", "metrics", "--calls", str(calls)])
               for _ in range(repeats)]
        bare = [measure_process([sys.executable, "-c", "pass"]) for _ in range(repeats)]
    if any(r["returncode"] for r in cli):
        return f"start-up: the CLI failed on a one-row file: {cli[0]['stderr']}"
    median = lambda runs, key: statistics.median(r[key] for r in runs)  # noqa: E731
    return (f"start-up: python -m analytics metrics on a one-row file {median(cli, 's'):.2f} s wall, "
            f"{median(cli, 'cpu'):.2f} s CPU, {median(cli, 'peak_mib'):.0f} MiB; python -c pass "
            f"{median(bare, 's'):.2f} s wall, {median(bare, 'cpu'):.2f} s CPU")


@contextmanager
def compiled_once() -> Iterator[str]:
    """The project's modules compiled before the measured processes start, as on a user's machine after the first
    run. Where Python is told not to write bytecode (PYTHONDONTWRITEBYTECODE, as this project's sandbox sets), every
    command would otherwise compile the package again: ≈ 0.08 s of each start. The bytecode goes where Python looks
    for it (`__pycache__` beside the modules) and is removed afterwards. Yields a line saying what was done."""
    if not sys.dont_write_bytecode:
        yield "the project's bytecode is cached as usual"
        return
    folders = [folder for package in ("analytics", "data") for folder in (ROOT / package).rglob("*")
               if folder.is_dir() and folder.name != "__pycache__"] + [ROOT / "analytics", ROOT / "data"]
    made = [folder / "__pycache__" for folder in folders if not (folder / "__pycache__").exists()]
    for package in ("analytics", "data"):
        compileall.compile_dir(ROOT / package, quiet=1)
    try:
        yield ("PYTHONDONTWRITEBYTECODE is set here: the project was compiled once before the measured processes, as "
               "a user's machine caches it after the first run")
    finally:
        for cache in made:
            shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,2", help="comma-separated multiples of the 2.1 M-call floor")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each whole process per scale; the median")
    parser.add_argument("--memory-limit-mb", type=int, default=32_768,
                        help="the CLI's address-space limit (SALES_FLOOR_MEMORY_LIMIT_MB; its own default is 3072, "
                             "which a 5× export exceeds)")
    args = parser.parse_args()
    limits = {"SALES_FLOOR_MEMORY_LIMIT_MB": str(args.memory_limit_mb), "SALES_FLOOR_TIME_LIMIT_S": "600"}
    tools = ("polars", "pandas") if importlib.util.find_spec("pandas") else ("polars",)
    scales = sorted({int(s) for s in args.scales.split(",") if s.strip()})
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores",
          flush=True)
    results = []
    with TemporaryDirectory(prefix="bench_import_") as tmp, compiled_once() as bytecode:
        print(f"generated the floor in {run(generate, tmp):.1f} s", flush=True)
        for scale in scales:
            directory = Path(tmp) / f"x{scale}"
            paths, seconds = run(write_scale, tmp, scale, str(directory))
            print(f"scale {scale}: wrote the export in {seconds:.1f} s; measuring …", flush=True)
            results.append(measure_scale(scale, paths, args.repeats, directory, limits, tools))
            for path in paths.values():
                Path(path).unlink()
        start = start_up()
    print(f"\nthe CLI ran with {', '.join(f'{k}={v}' for k, v in limits.items())}; {bytecode}")
    print(start)
    print(report(results))
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
