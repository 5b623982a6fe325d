"""Several uploaded files → one Dataset, with a report per file. Shared by the Data page and the CLI."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import polars as pl

from analytics import schema
from analytics.importing.converting import ISSUE_SCHEMA, FileImport, Step, conformed, convert
from analytics.importing.mapping import MEETING_FIELDS, FileKind, apply_overrides, detect, signature
from analytics.importing.reading import BadFile, RawFile, read_path, read_raw


@dataclass(frozen=True)
class Upload:
    """One file as the user gave it, with what they told us about it (kind, column choices, stage steps).

    The app has the bytes of an upload; the command line names files on disk (`path`), which are read when imported
    and let go right after reading, so that a 165 MB calls file is not held while it is converted, nor while the
    next file is read.
    """

    name: str
    content: bytes
    kind: FileKind | None = None
    overrides: Mapping[str, str | None] = field(default_factory=dict)
    step_maps: Mapping[str, Mapping[str, Step]] = field(default_factory=dict)
    path: Path | None = None  # a file on disk, read when imported (then `content` is empty)

    @classmethod
    def of_file(cls, path: Path, kind: FileKind | None = None,
                overrides: Mapping[str, str | None] | None = None) -> Upload:
        """A file on disk, named as given; OSError now when it cannot be opened. The path is kept absolute: a worker
        started elsewhere reads it."""
        with path.open("rb"):
            pass
        return cls(str(path), b"", kind, overrides or {}, path=path.absolute())

    def read(self) -> RawFile:
        """The file as a table of text: from the upload's bytes, or from disk now (BadFile when it went away)."""
        if self.path is None:
            return read_raw(self.content, self.name)
        try:
            return read_path(self.path, self.name)
        except OSError as error:
            raise BadFile(f"{self.name}: cannot read the file ({error.strerror})") from error

    @cached_property
    def content_digest(self) -> str:
        """The SHA-256 of the bytes, computed once per upload (hashing 200 MB on every rerun would show)."""
        if self.path is None:
            return hashlib.sha256(self.content).hexdigest()
        with self.path.open("rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()


def provided_tables(kind: str, mapping: Mapping[str, str | None]) -> set[str]:
    """The canonical tables a file of this kind and mapping fills (a deals file: meetings and payments too, when it
    has their columns or a stage to derive them from)."""
    mapped = {name for name, header in mapping.items() if header}
    tables = {kind}
    if kind == "leads":
        if mapped & {*MEETING_FIELDS, "stage"}:
            tables.add("meetings")
        if mapped & {"paid_at", "amount", "stage"}:
            tables.add("payments")
    return tables


@dataclass(frozen=True)
class Bundle:
    dataset: schema.Dataset
    files: tuple[FileImport, ...]
    errors: tuple[str, ...]  # files that could not be read at all

    @property
    def available(self) -> frozenset[str]:
        """The canonical tables the files could fill: a deals file gives meetings and payments only when it has
        their columns (or a stage to derive them from)."""
        tables: set[str] = set()
        for f in self.files:
            tables |= provided_tables(f.kind, f.mapping)
        return frozenset(tables)

    @property
    def issues(self) -> pl.DataFrame:
        frames = [f.issues for f in self.files]
        return pl.concat(frames) if frames else pl.DataFrame(schema=ISSUE_SCHEMA)


@dataclass(frozen=True)
class Memory:
    """What the user confirmed before: mappings by header signature, and the step of each stage name."""

    mappings: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    steps: Mapping[str, Mapping[str, Step]] = field(default_factory=dict)  # "stage"/"meeting_status" → value → step


NO_MEMORY = Memory()


def import_one(upload: Upload, memory: Memory = NO_MEMORY) -> FileImport:
    """Read, recognise and convert one file; raises BadFile with a message for the user.

    Precedence: what the user says about this upload, then what they confirmed for the same headers before,
    then detection.
    """
    raw = upload.read()
    detection = detect(raw, upload.kind)
    remembered = {k: h for k, h in memory.mappings.get(signature(raw.headers, detection.kind), {}).items()
                  if h is None or h in raw.headers}
    unknown = [h for h in upload.overrides.values() if h is not None and h not in raw.headers]
    if unknown:
        raise BadFile(f"{upload.name}: no column named {', '.join(map(repr, unknown))}; "
                      f"the columns are: {', '.join(raw.headers)}")
    chosen = {**remembered, **upload.overrides}
    mapping = apply_overrides(detection.mapping, chosen)
    fallbacks = {name: headers for name, headers in detection.fallbacks.items() if name not in chosen}
    steps = {column: {**memory.steps.get(column, {}), **upload.step_maps.get(column, {})}
             for column in ("stage", "meeting_status")}
    by_content = frozenset(f for f in detection.by_content if f not in chosen)
    return convert(raw, detection.kind, mapping, steps, fallbacks, by_content)


def combine(files: Sequence[FileImport]) -> schema.Dataset:
    """Stack the tables of all files into one Dataset."""
    tables: dict[schema.TableName, list[pl.DataFrame]] = {name: [] for name in schema.TABLES}
    for imported in files:
        for name, frame in imported.tables.items():
            tables[name].append(frame)
    # Each table is conformed by `convert` already; conforming the stack again would copy its text columns.
    return schema.Dataset(**{name: conformed(pl.concat(frames), name) if frames else schema.empty(name)
                             for name, frames in tables.items()})


def import_files(uploads: Sequence[Upload], memory: Memory = NO_MEMORY, isolated: bool = False) -> Bundle:
    """Import every file that can be read; the ones that cannot are reported, never raised.

    With `isolated`, each file is read in a child process under the import limits (analytics.importing.limits), so a
    file that would crash or exhaust a reader costs one line instead of the server: the app reads uploads so. The
    command line is supervised as a whole (`python -m analytics`) and reads in-process.
    """
    def one(upload: Upload) -> FileImport | str:
        try:
            if isolated:
                from analytics.importing.limits import run_limited  # late: the CLI never needs the worker pool

                return run_limited(import_one, upload, memory, name=upload.name)
            return import_one(upload, memory)
        except BadFile as error:
            return str(error)

    # Isolated, two files at a time, a worker each (the deals file is read beside the calls). In one process they
    # are read one after another: side by side the command gained 0.09 s of 1.8 and its peak wandered 610–700 MiB.
    if isolated and len(uploads) > 1:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="import") as pool:
            outcomes = list(pool.map(one, uploads))
    else:
        outcomes = [one(upload) for upload in uploads]
    files = tuple(o for o in outcomes if isinstance(o, FileImport))
    return Bundle(combine(files), files, tuple(o for o in outcomes if isinstance(o, str)))
