"""`python -m analytics …`: run the command line in a forked child under the import limits.

A hostile input file can abort the process from inside a Rust reader (an allocation of 512 GB), exhaust memory or
hang; none of that can be caught in the process it happens in. This supervisor does not import Polars and runs no
threads, so it can fork: the child sets RLIMIT_AS / RLIMIT_CPU and few malloc arenas, runs `analytics.cli.main`
and writes its stderr into a pipe; the parent keeps the wall clock. Standard output passes straight through. On a
normal exit the parent forwards the child's stderr and exit code; when the child is killed by a signal, runs out
of memory, panics in a reader or times out, it prints ONE line `error: …` naming the files and the limit, and
exits 2. A fork, not a second interpreter: starting one cost every command ≈ 0.07 s of CPU and ≈ 0.1 s of wall
(`metrics` on a one-row file, median of 7 on the shared 2 cores: 0.39 → 0.32 s CPU; best wall 0.48 → 0.33 s).
Limits: `SALES_FLOOR_MEMORY_LIMIT_MB` (3072) and `SALES_FLOOR_TIME_LIMIT_S` (60, per input file).
"""

from __future__ import annotations

import os
import selectors
import signal
import sys
import time
from collections.abc import Sequence

from analytics.importing.limits import (
    MALLOC_ARENAS,
    POLARS_ALLOCATOR,
    Limits,
    apply_limits,
    classify_failure,
    too_large,
)

FILE_OPTIONS = ("--calls", "--leads", "--meetings", "--payments")
USAGE_ERROR = 2
INTERRUPTED = 130
_M_ARENA_MAX = -8  # glibc's mallopt parameter: the environment variable is read only when a process starts


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


def _few_malloc_arenas() -> None:
    """What MALLOC_ARENA_MAX does for a fresh process (see analytics.importing.limits): each arena of a thread
    reserves 64 MB of address space, counted by RLIMIT_AS. Set before Polars starts its threads."""
    os.environ["MALLOC_ARENA_MAX"] = str(MALLOC_ARENAS)  # for the processes the command starts
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, MALLOC_ARENAS)
    except (OSError, AttributeError):  # not glibc: its allocator has no such arenas
        pass


def _exit_code(code: object) -> int:
    """What the interpreter would exit with for `sys.exit(code)`."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _run_child(argv: Sequence[str], limits: Limits, stderr_pipe: int) -> None:
    """The forked child: limits, then the CLI, then the interpreter's own exit handlers; never returns."""
    code = 1
    try:
        os.dup2(stderr_pipe, 2)
        os.close(stderr_pipe)
        apply_limits(limits)
        _few_malloc_arenas()
        os.environ[POLARS_ALLOCATOR[0]] = POLARS_ALLOCATOR[1]  # before Polars is imported (importing.limits)
        os.environ.setdefault("RUST_BACKTRACE", "0")
        try:
            from analytics.cli import main as cli_main

            code = cli_main(list(argv))
        except SystemExit as stop:  # argparse: --help, a bad option
            code = _exit_code(stop.code)
        except KeyboardInterrupt:
            code = INTERRUPTED
        except BaseException:  # a bug, a MemoryError, a reader's panic: the traceback tells the parent which
            import traceback

            traceback.print_exc()
            code = 1
        import atexit

        atexit._run_exitfuncs()  # the import workers and temporary directories, as at a normal exit
        try:
            sys.stdout.flush()
        except OSError:  # the reader of standard output went away (`| head`)
            code = code or 120
        sys.stderr.flush()
    finally:
        os._exit(code)


def _wait(pid: int, stderr_pipe: int, seconds: float) -> tuple[int | None, bytes]:
    """The child's exit code (negative: the signal that killed it; None: out of time, killed) and its stderr.

    Reads the pipe while the child runs (a full pipe would block it) until the child has exited, watched through
    a pidfd, so that neither a grandchild that kept the pipe open nor a child that closed it early can hold the
    parent past the wall clock. Without pidfds (not Linux) the end of the pipe stands for the end of the child.
    """
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    os.set_blocking(stderr_pipe, False)
    try:
        exited: int | None = os.pidfd_open(pid)
    except (AttributeError, OSError):
        exited = None
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(stderr_pipe, selectors.EVENT_READ)
            if exited is not None:
                selector.register(exited, selectors.EVENT_READ)
            pipe_open = True
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    return None, b"".join(chunks)
                ready = {key.fd for key, _ in selector.select(left)}
                if pipe_open and stderr_pipe in ready:
                    data = _read_available(stderr_pipe)
                    if data:
                        chunks.append(data)
                    elif data == b"":  # every writer has closed it
                        selector.unregister(stderr_pipe)
                        pipe_open = False
                        if exited is None:
                            break
                if exited is not None and exited in ready:  # the child has exited: what it wrote is in the pipe
                    while pipe_open and (data := _read_available(stderr_pipe)):
                        chunks.append(data)
                    break
    finally:
        if exited is not None:
            os.close(exited)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks)


def _read_available(descriptor: int) -> bytes | None:
    """What the pipe holds now: data, b"" at its end, None when nothing is there yet."""
    try:
        return os.read(descriptor, 1 << 16)
    except BlockingIOError:
        return None


def supervise(argv: Sequence[str], limits: Limits) -> int:
    """Run the CLI with `argv` in a limited child; return the exit code to leave with."""
    files = input_files(argv)
    budget = limits.wall_seconds * max(1, len(files))
    # `import` reads each file in a child of its own under the limits (analytics.importing.limits.run_limited) and
    # only stores here: DuckDB's buffers need room beside the imported tables of a large export.
    space = limits.address_space_bytes * (2 if argv[:1] == ["import"] else 1)
    child_limits = Limits(address_space_bytes=space, cpu_seconds=limits.cpu_seconds * max(1, len(files)))
    sys.stdout.flush()
    sys.stderr.flush()
    reader, writer = os.pipe()
    pid = os.fork()  # safe: this process has not imported Polars and runs no threads
    if pid == 0:
        os.close(reader)
        _run_child(argv, child_limits, writer)
    os.close(writer)
    try:
        returncode, stderr = _wait(pid, reader, budget)
    except KeyboardInterrupt:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return INTERRUPTED
    finally:
        os.close(reader)
    if returncode is None:
        names = ", ".join(files) or "the input"
        print(f"error: {too_large(names, f'time: {budget:g} s')}", file=sys.stderr)
        return USAGE_ERROR
    if returncode == -signal.SIGINT:  # Ctrl-C reached the child first
        return INTERRUPTED
    text = stderr.decode("utf-8", errors="replace")
    line = failure_line(returncode, text, limits, files)
    if line is not None:
        print(line, file=sys.stderr)
        return USAGE_ERROR
    sys.stderr.buffer.write(stderr)
    sys.stderr.flush()
    return returncode


def main(argv: Sequence[str] | None = None) -> int:
    try:
        limits = Limits.from_env()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
    return supervise(sys.argv[1:] if argv is None else argv, limits)


if __name__ == "__main__":
    sys.exit(main())
