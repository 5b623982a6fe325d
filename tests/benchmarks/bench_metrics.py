"""Benchmark: the full employee × month metrics table on a large floor (≥ 2 M calls, ≥ 100 k leads).

    python -m tests.benchmarks.bench_metrics [--setters 80] [--months 12]

Prints, for both counting modes, the time and peak memory of: preparing the model (linking 2 M calls to leads by
phone, attributing payments), building the facts, and the table itself — from frames in memory and from the
export files on disk (read, recognised, parsed, validated). Each measurement runs in a fresh process so that
its peak resident memory is its own. Timing targets live here, not in the unit tests.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from data.generate_demo import FloorConfig, calls_csv, calls_table, deals_table, generate_floor


def big_floor(setters: int, months: int) -> FloorConfig:
    names = tuple(f"Сотрудник {i:03d}" for i in range(setters))
    start = date(2025, 12 - months + 1, 1) if months <= 12 else date(2025, 1, 1)
    return replace(FloorConfig(), setters=names, start=start, end=date(2025, 12, 31), leads_per_day=5.5,
                   calls_per_day=112.0, stories=False)


def peak_mb() -> float:
    """This process's peak resident memory in MiB: VmHWM, not ru_maxrss. ru_maxrss survives exec, so a spawned
    process reports the size of its parent at fork time when that was larger (this benchmark's parent holds a
    generated floor of ≈ 2 GB when it starts the measurement from files)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_memory(config: FloorConfig, queue: multiprocessing.Queue) -> None:
    from analytics.metrics import aggregate, facts
    from analytics.model import prepare

    data = generate_floor(config)
    result = {"calls": data.calls.height, "leads": data.leads.height, "meetings": data.meetings.height,
              "payments": data.payments.height}
    t = time.perf_counter()
    model = prepare(data)
    result["prepare_s"] = time.perf_counter() - t
    for mode in ("cohort", "event"):
        t = time.perf_counter()
        frame = facts(model, mode)
        result[f"facts_{mode}_s"] = time.perf_counter() - t
        t = time.perf_counter()
        table = aggregate(frame, ["employee", "month"])
        result[f"table_{mode}_s"] = time.perf_counter() - t
        result[f"rows_{mode}"] = table.height
    result["peak_mb"] = peak_mb()
    queue.put(result)


def from_files(calls_path: str, deals_path: str, queue: multiprocessing.Queue) -> None:
    from analytics.importing.pipeline import Upload, import_files
    from analytics.metrics import compute
    from analytics.model import prepare

    result = {}
    t0 = time.perf_counter()
    uploads = [Upload(Path(p).name, Path(p).read_bytes()) for p in (calls_path, deals_path)]
    bundle = import_files(uploads)
    result["import_s"] = time.perf_counter() - t0
    result["rejected"] = sum(f.rejected for f in bundle.files)
    t = time.perf_counter()
    model = prepare(bundle.dataset)
    result["prepare_s"] = time.perf_counter() - t
    for mode in ("cohort", "event"):
        t = time.perf_counter()
        compute(model, ["employee", "month"], mode=mode)
        result[f"table_{mode}_s"] = time.perf_counter() - t
    result["total_s"] = time.perf_counter() - t0
    result["peak_mb"] = peak_mb()
    queue.put(result)


def run(target, *args) -> dict:
    queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setters", type=int, default=80)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    config = big_floor(args.setters, args.months)

    memory = run(in_memory, config)
    print(f"floor: {memory['calls']:,} calls, {memory['leads']:,} leads, {memory['meetings']:,} meetings, "
          f"{memory['payments']:,} payments, {args.setters} lead generators, {args.months} months")
    print("\nfrom frames in memory")
    print(f"  prepare (dedupe, link calls by phone, attribute payments): {memory['prepare_s']:.2f} s")
    for mode in ("cohort", "event"):
        print(f"  {mode:6}: facts {memory[f'facts_{mode}_s']:.2f} s + employee × month table "
              f"{memory[f'table_{mode}_s'] * 1000:.0f} ms ({memory[f'rows_{mode}']} rows); "
              f"prepare + facts + table = "
              f"{memory['prepare_s'] + memory[f'facts_{mode}_s'] + memory[f'table_{mode}_s']:.2f} s")
    print(f"  peak memory of the process (generating the floor included) {memory['peak_mb']:.0f} MiB")

    with TemporaryDirectory() as tmp:
        data = generate_floor(config)
        calls_path, deals_path = Path(tmp) / "calls.csv", Path(tmp) / "deals.csv"
        calls_path.write_bytes(calls_csv(calls_table(data, config)))
        deals = deals_table(data, config).with_columns()
        deals_path.write_text(deals.write_csv(separator=";"), encoding="utf-8")
        del data, deals  # the measured process is spawned from this one: not a reason for its size, but a cost
        sizes = calls_path.stat().st_size / 1e6, deals_path.stat().st_size / 1e6
        disk = run(from_files, str(calls_path), str(deals_path))
    print(f"\nfrom files on disk (calls CSV {sizes[0]:.0f} MB, Windows-1251; deals CSV {sizes[1]:.0f} MB)")
    print(f"  read + recognise + parse + validate both files: {disk['import_s']:.2f} s "
          f"({disk['rejected']} rows rejected)")
    print(f"  prepare: {disk['prepare_s']:.2f} s")
    for mode in ("cohort", "event"):
        print(f"  {mode:6}: facts + employee × month table {disk[f'table_{mode}_s']:.2f} s")
    print(f"  total {disk['total_s']:.2f} s, peak memory {disk['peak_mb']:.0f} MiB (VmHWM of the process)")


if __name__ == "__main__":
    main()
