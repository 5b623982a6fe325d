"""`python -m analytics`: the supervisor forks the CLI into a limited child and keeps its promises.

The CLI is replaced by a stand-in (a module put in sys.modules before the fork) that misbehaves on purpose: dies by
a signal, hangs, raises, fills the stderr pipe, leaves a grandchild holding the pipe. Each runs in a fresh
interpreter, as `python -m analytics` does, so no test forks the threaded test process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from analytics.importing.limits import MiB, child_environment, too_large

ROOT = Path(__file__).resolve().parent.parent

RUNNER = """
import sys, types
stand_in = types.ModuleType("analytics.cli")
exec(sys.argv[1], stand_in.__dict__)
sys.modules["analytics.cli"] = stand_in
from analytics.__main__ import main
sys.exit(main(sys.argv[2:]))
"""


def supervised(cli_body: str, *argv: str, timeout: float = 60, **environment: str) -> subprocess.CompletedProcess:
    """`python -m analytics ARGV` with `cli_body` (defining `main(argv) -> int`) standing in for analytics.cli."""
    env = {**os.environ, **environment}
    env.pop("MALLOC_ARENA_MAX", None)
    return subprocess.run([sys.executable, "-c", RUNNER, textwrap.dedent(cli_body), *argv], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=timeout)


def test_output_stderr_and_exit_code_pass_through_even_when_stderr_is_larger_than_a_pipe() -> None:
    done = supervised("""
        import sys
        def main(argv):
            print("rows:", argv)
            sys.stderr.write("w" * 300_000 + "\\nwarning: last\\n")
            return 3
    """, "metrics", "--by", "employee")
    assert done.returncode == 3
    assert done.stdout == "rows: ['metrics', '--by', 'employee']\n"
    assert done.stderr == "w" * 300_000 + "\nwarning: last\n"


def test_the_child_runs_under_the_limits_with_few_malloc_arenas() -> None:
    done = supervised("""
        import os, resource
        def main(argv):
            print(resource.getrlimit(resource.RLIMIT_AS)[0], os.environ["MALLOC_ARENA_MAX"], os.getppid())
            return 0
    """, "metrics", "--calls", "a.csv", SALES_FLOOR_MEMORY_LIMIT_MB="1500")
    space, arenas, parent = done.stdout.split()
    assert (int(space), arenas) == (1500 * MiB, "2")
    assert int(parent) != os.getpid()  # the supervisor's child, not a child of this test


def test_polars_allocator_gives_memory_back_soon_in_the_child_and_in_import_workers() -> None:
    done = supervised("""
        import os, sys
        def main(argv):
            print(os.environ["_RJEM_MALLOC_CONF"], "polars" in sys.modules)  # read when Polars first allocates
            return 0
    """, "metrics", "--calls", "a.csv")
    assert done.stdout.split() == ["dirty_decay_ms:20,muzzy_decay_ms:0", "False"]
    assert child_environment()["_RJEM_MALLOC_CONF"] == "dirty_decay_ms:20,muzzy_decay_ms:0"


def test_import_gets_twice_the_address_space() -> None:
    done = supervised("""
        import resource
        def main(argv):
            print(resource.getrlimit(resource.RLIMIT_AS)[0])
            return 0
    """, "import", "--workspace", "w.duckdb", SALES_FLOOR_MEMORY_LIMIT_MB="1000")
    assert int(done.stdout) == 2000 * MiB


def test_a_child_killed_by_a_signal_is_one_line_and_exit_2() -> None:
    done = supervised("""
        import os, signal, sys
        def main(argv):
            sys.stderr.write("some noise\\n")
            os.kill(os.getpid(), signal.SIGKILL)
    """, "metrics", "--calls", "/x/calls.csv", "--leads=/y/deals.xlsx", SALES_FLOOR_MEMORY_LIMIT_MB="2048")
    assert (done.returncode, done.stderr) == \
        (2, f"error: {too_large('calls.csv, deals.xlsx', 'memory: 2048 MB of address space')}\n")


def test_a_memory_error_is_one_line_and_a_bug_is_its_traceback() -> None:
    done = supervised("""
        def main(argv):
            raise MemoryError
    """, "metrics", "--calls", "calls.csv", SALES_FLOOR_MEMORY_LIMIT_MB="1024")
    assert (done.returncode, done.stderr) == \
        (2, f"error: {too_large('calls.csv', 'memory: 1024 MB of address space')}\n")
    done = supervised("""
        def main(argv):
            raise KeyError("a bug")
    """, "metrics", "--calls", "calls.csv")
    assert done.returncode == 1
    assert done.stderr.startswith("Traceback (most recent call last):")
    assert done.stderr.endswith("KeyError: 'a bug'\n")


def test_argparse_exits_keep_their_codes() -> None:
    done = supervised("""
        import sys
        def main(argv):
            sys.exit(0 if argv == ["--help"] else "usage: bad option")
    """, "--help")
    assert (done.returncode, done.stderr) == (0, "")
    done = supervised("""
        import sys
        def main(argv):
            sys.exit("usage: bad option")
    """, "--bogus")
    assert (done.returncode, done.stderr) == (1, "usage: bad option\n")


@pytest.mark.parametrize("hang", ["time.sleep(60)", "os.close(2); time.sleep(60)"],
                         ids=["hung", "hung with its stderr closed"])
def test_a_hung_child_is_stopped_by_the_wall_clock(hang: str) -> None:
    started = time.monotonic()
    done = supervised(f"""
        import os, time
        def main(argv):
            {hang}
    """, "metrics", "--leads", "deals.csv", SALES_FLOOR_TIME_LIMIT_S="1")
    assert (done.returncode, done.stderr) == (2, f"error: {too_large('deals.csv', 'time: 1 s')}\n")
    assert time.monotonic() - started < 20


def test_a_grandchild_holding_the_stderr_pipe_does_not_hold_the_supervisor() -> None:
    started = time.monotonic()
    done = supervised("""
        import subprocess, sys
        def main(argv):
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], stdout=subprocess.DEVNULL)
            sys.stderr.write("warning: started\\n")
            return 0
    """, "metrics", timeout=60)
    assert (done.returncode, done.stderr) == (0, "warning: started\n")
    assert time.monotonic() - started < 20


def test_exit_handlers_run_in_the_child() -> None:
    done = supervised("""
        import atexit
        def main(argv):
            atexit.register(print, "cleaned up")
            return 0
    """, "metrics")
    assert (done.returncode, done.stdout) == (0, "cleaned up\n")


def test_the_supervisor_imports_no_polars_and_runs_one_thread_so_it_may_fork() -> None:
    probe = ("import sys, threading, analytics.__main__; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('polars', 'pyarrow', 'numpy', 'duckdb')), "
             "threading.active_count())")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout == "[] 1\n", done.stderr
