"""Limits for reading untrusted files, and a child process that enforces them.

A hostile file can make a Rust reader ask for 512 GB and abort (an abort cannot be caught in Python), grow to
gigabytes, or spin for ever. Parsing in a child process under RLIMIT_AS / RLIMIT_CPU, with a wall-clock timeout
kept by the parent, means the worst file kills only that child: the user gets one line, the server keeps serving.

Address space, measured on this project's 2-core machine (Python 3.11, polars + fastexcel imported): VmPeak is
≈ 0.9 GB before anything is read and 1.1-1.3 GB after a 7 MB CSV, mostly glibc's per-thread malloc arenas
(64 MB of PROT_NONE reservation each, counted by RLIMIT_AS, never touched). Without a cap, a Python process with
polars does not even read the demo CSV under 1 GB, and under 256 MB it hangs (hence the wall-clock timeout).
The child therefore starts with `MALLOC_ARENA_MAX=2`, which brings the baseline to ≈ 0.32 GB (a warm worker with
polars, fastexcel and the importer imported: ≈ 0.45 GB), so the 3 GB default leaves ≈ 2.6 GB for data. The
benchmark's 188 MB calls export with its 23 MB deals file runs the whole CLI at VmPeak 1.97 GB with the cap
(2.76 GB without it: 0.4 GB from the limit); the demo files need 768 MB.

This module does not import Polars: `python -m analytics` imports it to supervise the CLI.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import math
import multiprocessing
import os
import pickle
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

MiB = 1 << 20
GiB = 1 << 30
MEMORY_ENV = "SALES_FLOOR_MEMORY_LIMIT_MB"
TIME_ENV = "SALES_FLOOR_TIME_LIMIT_S"
MALLOC_ARENAS = 2  # see the module docstring: each extra arena reserves 64 MB of address space
# Polars sets its allocator (jemalloc) to give freed pages back after 0.5 s and 1 s; an import is quicker than that,
# so its peak held every table it had freed. Given back after 20 ms instead, the CLI's peak on 2.1 M calls falls
# 745 → 635 MiB at the same time (1.75–1.80 s either way; at once, decay 0, costs 0.3 s of system CPU). Polars puts
# its own settings before this variable's when it is imported, and the later ones win: set before Polars starts.
POLARS_ALLOCATOR = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:20,muzzy_decay_ms:0")
_STDERR_TAIL_BYTES = 16_384
_PROJECT_ROOT = str(Path(__file__).resolve().parents[2])

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """What one import may take. The byte limits of the XLSX check are far above any real export.

    `max_cells` bounds the rows × columns of a sheet (calamine allocates 32 bytes per cell of the rectangle
    from A1 to the last cell, so 30 M cells ≈ 1 GB); `max_cell_bytes` bounds one text (Excel itself stops at
    32 767 characters, ≤ 128 KB in UTF-8).
    """

    address_space_bytes: int = 3 * GiB
    cpu_seconds: int = 60
    wall_seconds: float = 60.0
    max_columns: int = 2_000
    max_cells: int = 30_000_000
    max_cell_bytes: int = 1 * MiB
    max_uncompressed_bytes: int = 1 * GiB  # all members of an XLSX together
    max_compression_ratio: float = 500.0  # per member, only for members above ratio_floor_bytes
    ratio_floor_bytes: int = 16 * MiB

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, with `SALES_FLOOR_MEMORY_LIMIT_MB` and `SALES_FLOOR_TIME_LIMIT_S` applied when set."""
        environ = os.environ if environ is None else environ
        changes: dict[str, Any] = {}
        if memory := environ.get(MEMORY_ENV, "").strip():
            changes["address_space_bytes"] = _positive(MEMORY_ENV, memory) * MiB
        if seconds := environ.get(TIME_ENV, "").strip():
            changes["cpu_seconds"] = changes["wall_seconds"] = _positive(TIME_ENV, seconds)
        return cls(**changes)

    def describe(self, what: str) -> str:
        """`memory: 3072 MB of address space` — the limit a failure ran into, for the one-line message."""
        if what == "memory":
            return f"memory: {self.address_space_bytes // MiB} MB of address space"
        if what == "cpu":
            return f"CPU time: {self.cpu_seconds} s"
        if what == "time":
            return f"time: {self.wall_seconds:g} s"
        return what


def _positive(variable: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"{variable} must be a positive whole number, not {text!r}")
    return value


def too_large(name: str, detail: str) -> str:
    """The one line a user sees when a file ran into a limit."""
    return (f"{name}: the file is too large or malformed for the import limits ({detail}); "
            f"check that it is a real export, or split it into smaller files")


def apply_limits(limits: Limits, cpu_seconds: float | None = None) -> None:
    """Set RLIMIT_AS and RLIMIT_CPU on the calling process (the child): the soft CPU limit sends SIGXCPU."""
    address_space = limits.address_space_bytes
    _, hard_address_space = resource.getrlimit(resource.RLIMIT_AS)
    if hard_address_space != resource.RLIM_INFINITY:  # an unprivileged process cannot raise its hard limit
        address_space = min(address_space, hard_address_space)
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    cpu = math.ceil(_cpu_used() + (limits.cpu_seconds if cpu_seconds is None else cpu_seconds))
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        cpu = min(cpu, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def classify_failure(returncode: int | None, stderr_tail: str, limits: Limits) -> str:
    """Which limit a dead child ran into, from its exit status and the end of what it wrote to stderr."""
    text = stderr_tail.lower()
    memory_words = ("memory allocation of", "memoryerror", "cannot allocate memory", "out of memory",
                    "failed to allocate", "capacity overflow")
    if any(word in text for word in memory_words):
        return limits.describe("memory")
    if returncode == -signal.SIGXCPU:
        return limits.describe("cpu")
    if returncode == -signal.SIGKILL:  # the kernel's OOM killer, or the hard CPU limit
        return limits.describe("memory")
    if returncode is not None and returncode < 0:
        return f"the reader stopped with {signal.Signals(-returncode).name}"
    return f"the reader stopped with exit code {returncode}"


# ---------------------------------------------------------------------------------------------------------------
# The child side: `python -c "from analytics.importing.limits import serve; serve(FD)"`


def serve(descriptor: int) -> None:
    """Serve tasks on the connection `descriptor` until the parent goes away; stderr is the parent's temp file.

    The first message is the Limits and the directory the two sides exchange big frames and bytes through; the
    limits are set before Polars is imported.
    """
    conn = Connection(descriptor)
    limits, warm_modules, directory = conn.recv()
    apply_limits(limits)
    for module in warm_modules:
        with contextlib.suppress(ImportError):
            __import__(module)
    conn.send(("ready", _vm_size()))
    while True:
        try:
            function, args = _loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        os.ftruncate(2, 0)
        os.lseek(2, 0, os.SEEK_SET)
        apply_limits(limits)  # a fresh CPU budget for this task
        reply = _call(function, args)
        try:
            conn.send_bytes(_dumps(reply, directory))
        except MemoryError:
            conn.send_bytes(_dumps(("limit", "memory", _vm_size()), directory))
        except Exception as error:  # the result cannot be pickled: a bug, reported as such
            failure = RuntimeError(f"the result could not be sent back: {error!r}")
            conn.send_bytes(_dumps(("error", failure, "", _vm_size()), directory))


_FRAME_FILE_BYTES = 8 * MiB
_SHARED_MEMORY = "/dev/shm"
_SHARED_MEMORY_FREE_BYTES = 2 * GiB  # a smaller /dev/shm (a container's 64 MB) is not used for the exchange


class _FramePickler(pickle.Pickler):
    """Pickles big Polars frames as Arrow IPC files, and big bytes (an upload) as plain files, beside the stream.

    Measured on the benchmark's 2.33 M calls read as text (7 columns, 232 MB in memory): Polars' own pickling
    takes 2.2 s to dump and 1.4 s to load (400 MB); `write_ipc` to a file and `read_ipc` take ≈ 0.4 s + 0.5 s
    and no second copy in the child's limited address space. A 188 MB upload crosses the pipe in 0.48 s, a file in
    /dev/shm in 0.2 s (written 0.08 s, read 0.13 s; on disk the write alone takes 0.3 s).
    """

    def __init__(self, file: io.BytesIO, directory: str) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.directory = directory

    def persistent_id(self, obj: Any) -> tuple[str, str] | None:
        if type(obj) is bytes and len(obj) >= _FRAME_FILE_BYTES:
            return self._spill("bytes", lambda path: Path(path).write_bytes(obj))
        if type(obj).__name__ != "DataFrame" or not type(obj).__module__.startswith("polars"):
            return None
        if obj.estimated_size() < _FRAME_FILE_BYTES:
            return None
        return self._spill("polars-ipc", lambda path: obj.write_ipc(path, compression="uncompressed"))

    def _spill(self, kind: str, write: Callable[[str], object]) -> tuple[str, str] | None:
        """The object written to a file of its own; None (pickled in the stream) when the directory is full."""
        descriptor, path = tempfile.mkstemp(prefix=f"{kind}_", dir=self.directory)
        os.close(descriptor)
        try:
            write(path)
        except Exception:  # a full /dev/shm: OSError from Python, ComputeError from Polars' writer
            with contextlib.suppress(OSError):
                os.unlink(path)
            return None
        return (kind, path)


class _FrameUnpickler(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> Any:
        kind, path = pid
        if kind not in ("polars-ipc", "bytes"):
            raise pickle.UnpicklingError(f"unknown persistent id {kind!r}")
        try:
            if kind == "bytes":
                with open(path, "rb") as file:
                    return file.read()
            import polars as pl

            with open(path, "rb") as file:  # read from a file object: half the time of read_ipc(path)
                return pl.read_ipc(file)  # in the chunks it was written in, all columns alike: no copy to join them
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _dumps(message: tuple[Any, ...], directory: str) -> bytes:
    buffer = io.BytesIO()
    _FramePickler(buffer, directory).dump(message)
    return buffer.getvalue()


_EXCHANGE_PREFIX = "sales_floor_shared_"  # + the parent's pid + "_": whose directory it is


def _exchange_directory(fallback: str) -> str:
    """Where a worker and its parent leave big frames and bytes for each other: in RAM (/dev/shm) when it has the
    room, else beside the worker's stderr on disk. Named by the parent's pid, so that the directories of a parent
    killed before it could remove them (an upload's bytes: RAM held until a reboot) are removed by the next one."""
    with contextlib.suppress(OSError):
        if shutil.disk_usage(_SHARED_MEMORY).free >= _SHARED_MEMORY_FREE_BYTES:
            _remove_orphans(_SHARED_MEMORY)
            return tempfile.mkdtemp(prefix=f"{_EXCHANGE_PREFIX}{os.getpid()}_", dir=_SHARED_MEMORY)
    return fallback


def _remove_orphans(directory: str) -> None:
    """Remove the exchange directories whose parent process is gone (another server's live ones stay)."""
    for entry in os.scandir(directory):
        pid = entry.name.removeprefix(_EXCHANGE_PREFIX).partition("_")[0]
        if entry.name.startswith(_EXCHANGE_PREFIX) and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _loads(data: bytes) -> Any:
    return _FrameUnpickler(io.BytesIO(data)).load()


def _call(function: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    from analytics.importing.reading import BadFile

    try:
        return ("ok", function(*args), _vm_size())
    except BadFile as error:
        return ("bad", str(error), _vm_size())
    except MemoryError:
        return ("limit", "memory", _vm_size())
    except BaseException as error:
        if type(error).__name__ == "PanicException":  # a Rust reader gave up on this input
            lines = str(error).strip().splitlines()
            return ("panic", lines[0] if lines else "panic", _vm_size())
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        detail = traceback.format_exc()
        try:
            pickle.dumps(error)
        except Exception:
            error = RuntimeError(f"{type(error).__name__}: {error}")
        return ("error", error, detail, _vm_size())


def _vm_size() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# ---------------------------------------------------------------------------------------------------------------
# The parent side


def child_environment(extra_path: Sequence[str] = ()) -> dict[str, str]:
    """The environment of a limited child: the parent's, the parent's import path, few malloc arenas, and Polars'
    allocator giving memory back soon."""
    environment = dict(os.environ)
    paths = [p for p in (*extra_path, *sys.path) if p and os.path.isdir(p)]
    environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    environment["MALLOC_ARENA_MAX"] = str(MALLOC_ARENAS)
    environment[POLARS_ALLOCATOR[0]] = POLARS_ALLOCATOR[1]  # not the parent's: Polars wrote its own there
    environment.setdefault("RUST_BACKTRACE", "0")
    return environment


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    directory: str  # the worker's stderr
    exchange: str  # the frames and bytes the two sides send each other (the directory itself, or one in RAM)

    @property
    def stderr_path(self) -> str:
        return os.path.join(self.directory, "stderr")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        shutil.rmtree(self.directory, ignore_errors=True)
        shutil.rmtree(self.exchange, ignore_errors=True)

    def exit_status(self) -> int | None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self.process.wait(timeout=5)
        return None

    def stderr_tail(self) -> str:
        try:
            with open(self.stderr_path, "rb") as file:
                file.seek(max(0, os.path.getsize(self.stderr_path) - _STDERR_TAIL_BYTES))
                return file.read().decode("utf-8", errors="replace")
        except OSError:
            return ""


@dataclass(eq=False)  # a pool is itself: identity equality and hash (it lives in a WeakSet)
class WorkerPool:
    """Warm child processes under one set of limits, reused across calls and replaced after a crash.

    A fresh interpreter (`python -c`), not a fork: the parent runs Polars' and Streamlit's threads, and forking
    a threaded process can copy a held lock into the child; nor multiprocessing's "spawn", which re-runs the
    parent's main script (Streamlit's) in the child. Starting one costs ≈ 0.3 s, so workers are kept. A worker
    whose address space grew past half the limit is retired, so that one big file leaves the next one the room.
    """

    limits: Limits = field(default_factory=Limits.from_env)
    max_idle: int = 2
    warm_modules: tuple[str, ...] = ("polars", "fastexcel", "charset_normalizer", "analytics.importing.pipeline")
    _idle: list[_Worker] = field(default_factory=list, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    started: int = field(default=0, init=False)  # how many workers were started: a test sees reuse and restarts

    def __post_init__(self) -> None:
        _ALL_POOLS.add(self)  # so that the end of the process stops its idle workers and removes their files

    def run(self, function: Callable[..., T], *args: Any, name: str = "the file") -> T:
        """`function(*args)` in a worker; BadFile (one line) for a bad file or any limit the worker ran into."""
        from analytics.importing.reading import BadFile

        worker = self._acquire(name)
        healthy = False
        try:
            try:
                worker.conn.send_bytes(_dumps((function, args), worker.exchange))
                ready = worker.conn.poll(self.limits.wall_seconds)
            except (BrokenPipeError, ConnectionResetError, EOFError):
                ready = True  # the worker died while receiving: recv below says so
            if not ready:
                raise BadFile(too_large(name, self.limits.describe("time")))
            try:
                reply = _loads(worker.conn.recv_bytes())
            except (EOFError, ConnectionResetError, OSError):
                detail = classify_failure(worker.exit_status(), worker.stderr_tail(), self.limits)
                raise BadFile(too_large(name, detail)) from None
            status = reply[0]
            healthy = reply[-1] <= self.limits.address_space_bytes // 2
            if status == "ok":
                return reply[1]
            if status == "bad":
                raise BadFile(reply[1])
            if status == "limit":
                healthy = False
                raise BadFile(too_large(name, self.limits.describe("memory")))
            if status == "panic":
                raise BadFile(f"{name}: the file is malformed and could not be read ({reply[1]})")
            error = reply[1]
            if reply[2]:
                error.add_note(f"in the import worker:\n{reply[2]}")
            raise error
        finally:
            self._release(worker, healthy)

    def warm(self, count: int = 1) -> threading.Thread:
        """Start workers in the background until `count` wait idle, so that a person's first upload does not wait
        for one to start (≈ 0.25 s: an interpreter, Polars and the importer imported). Returns the starting thread."""
        def start() -> None:
            from analytics.importing.reading import BadFile

            while True:
                with self._lock:
                    if len(self._idle) >= min(count, self.max_idle):
                        return
                try:
                    worker = self._start("a warm worker")
                except BadFile:  # the next upload starts one itself and reports why it cannot
                    return
                self._release(worker, healthy=True)

        thread = threading.Thread(target=start, name="warm import worker", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Stop the idle workers (a busy one is stopped when its call returns)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def _acquire(self, name: str) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.stop()
        return self._start(name)

    def _release(self, worker: _Worker, healthy: bool) -> None:
        if healthy and worker.alive():
            with self._lock:
                if len(self._idle) < self.max_idle:
                    self._idle.append(worker)
                    return
        worker.stop()

    def _start(self, name: str) -> _Worker:
        """A new worker, ready (limits set, modules imported) or BadFile saying why it could not start."""
        from analytics.importing.reading import BadFile

        parent_end, child_end = multiprocessing.Pipe()
        directory = tempfile.mkdtemp(prefix="sales_floor_import_")
        stderr_path = os.path.join(directory, "stderr")
        descriptor = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", "import sys; from analytics.importing.limits import serve; "
                 "serve(int(sys.argv[1]))", str(child_end.fileno())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=descriptor,
                pass_fds=(child_end.fileno(),), env=child_environment([_PROJECT_ROOT]), close_fds=True,
            )
        finally:
            os.close(descriptor)
            child_end.close()
        worker = _Worker(process, parent_end, directory, _exchange_directory(directory))
        with self._lock:
            self.started += 1
        try:
            parent_end.send((self.limits, self.warm_modules, worker.exchange))
            if not parent_end.poll(self.limits.wall_seconds):
                raise BadFile(too_large(name, self.limits.describe("time")))
            parent_end.recv()
        except (BrokenPipeError, ConnectionResetError, EOFError, OSError):
            detail = classify_failure(worker.exit_status(), worker.stderr_tail(), self.limits)
            worker.stop()
            raise BadFile(too_large(name, f"the import worker could not start: {detail}")) from None
        except BadFile:
            worker.stop()
            raise
        return worker


_ALL_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()
_POOLS: dict[Limits, WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def pool_for(limits: Limits) -> WorkerPool:
    """The shared pool for these limits (one per distinct Limits, created on first use)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(limits)
        if pool is None:
            pool = _POOLS[limits] = WorkerPool(limits)
        return pool


def run_limited(function: Callable[..., T], *args: Any, limits: Limits | None = None, name: str = "the file") -> T:
    """Run a picklable top-level `function(*args)` in a limited child and return its (pickled) result.

    BadFile raised in the child comes back as BadFile; a child that runs out of memory, CPU or wall time, aborts
    or panics becomes BadFile with one line naming the file and the limit; any other exception is re-raised with
    the child's traceback as a note.
    """
    return pool_for(limits or Limits.from_env()).run(function, *args, name=name)


def shutdown() -> None:
    """Stop every idle worker of every pool (tests, and the end of the process)."""
    for pool in list(_ALL_POOLS):
        pool.close()


atexit.register(shutdown)
