"""`python -m analytics …`: run the command line in a child process under the import limits.

A hostile input file can abort the process from inside a Rust reader (an allocation of 512 GB), exhaust memory or
hang; none of that can be caught in the process it happens in. This supervisor does not import Polars: it runs the
CLI in a child with RLIMIT_AS / RLIMIT_CPU (`preexec_fn`) and a wall-clock timeout, passes standard output through,
and on a normal exit forwards the child's stderr and exit code. When the child is killed by a signal, runs out of
memory, panics in a reader or times out, it prints ONE line `error: …` naming the files and the limit, and exits 2.
Limits: `SALES_FLOOR_MEMORY_LIMIT_MB` (3072) and `SALES_FLOOR_TIME_LIMIT_S` (60, per input file).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence

from analytics.importing.limits import Limits, apply_limits, child_environment, classify_failure, too_large

CLI = "import sys; from analytics.cli import main; sys.exit(main())"
FILE_OPTIONS = ("--calls", "--leads", "--meetings", "--payments")
USAGE_ERROR = 2


def input_files(argv: Sequence[str]) -> list[str]:
    """The file names the options give (`--calls F` or `--calls=F`), for the message and the time budget."""
    files: list[str] = []
    for i, argument in enumerate(argv):
        option, equals, value = argument.partition("=")
        if option in FILE_OPTIONS:
            path = value if equals else (argv[i + 1] if i + 1 < len(argv) else "")
            if path:
                files.append(os.path.basename(path))
    return files


def failure_line(returncode: int, stderr: str, limits: Limits, files: Sequence[str]) -> str | None:
    """The one line for a child that did not end on its own terms, or None when its stderr is to be forwarded."""
    names = ", ".join(files) or "the input"
    last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    memory = any(word in stderr for word in ("memory allocation of", "MemoryError", "Cannot allocate memory"))
    if returncode < 0 or memory:
        return f"error: {too_large(names, classify_failure(returncode, stderr, limits))}"
    if returncode != 0 and "PanicException" in last:
        reason = last.partition("PanicException:")[2].strip() or "a reader panicked"
        return f"error: {names}: a file is malformed and could not be read ({reason[:200]})"
    return None


def supervise(argv: Sequence[str], limits: Limits) -> int:
    """Run the CLI with `argv` in a limited child; return the exit code to leave with."""
    files = input_files(argv)
    budget = limits.wall_seconds * max(1, len(files))
    # `import` reads each file in a child of its own under the limits (analytics.importing.limits.run_limited) and
    # only stores here: DuckDB's buffers need room beside the imported tables of a large export.
    space = limits.address_space_bytes * (2 if argv[:1] == ["import"] else 1)
    child_limits = Limits(address_space_bytes=space, cpu_seconds=limits.cpu_seconds * max(1, len(files)))
    process = subprocess.Popen(
        [sys.executable, "-c", CLI, *argv], stderr=subprocess.PIPE, env=child_environment([os.getcwd()]),
        preexec_fn=lambda: apply_limits(child_limits),  # safe: this process runs no threads
    )
    try:
        _, stderr = process.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        names = ", ".join(files) or "the input"
        print(f"error: {too_large(names, f'time: {budget:g} s')}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        process.kill()
        process.wait()
        return 130
    if process.returncode == -signal.SIGINT:  # Ctrl-C reached the child first
        return 130
    text = stderr.decode("utf-8", errors="replace")
    line = failure_line(process.returncode, text, limits, files)
    if line is not None:
        print(line, file=sys.stderr)
        return USAGE_ERROR
    sys.stderr.buffer.write(stderr)
    sys.stderr.flush()
    return process.returncode


def main(argv: Sequence[str] | None = None) -> int:
    try:
        limits = Limits.from_env()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
    return supervise(sys.argv[1:] if argv is None else argv, limits)


if __name__ == "__main__":
    sys.exit(main())
